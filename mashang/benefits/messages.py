"""SMS texts of 免申即享 (registered into the outbox's defaults; administrators may override)."""

TEMPLATES = {
    "benefit_granted": "【衡南码上办】((name))符合“((policy))”，可享((amount))元，无需申请。"
    "请点链接确认收款账户：((link))",
    "benefit_paid": "【衡南码上办】“((policy))”((amount))元已拨付至尾号((tail))的账户，凭证号((voucher))。",
}
