"""The demo's 免申即享: three firm policies and 高龄津贴, a few thousand firms, the villages'
residents, runs, and grants in every state. Deterministic; called by the demo county loader.

The 人社局 bureau chief also holds 惠企政策专员 (login `policychief`): the second pair of eyes
for grants above a policy's four-eyes amount.
"""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from mashang.directory.choices import PositionTitle, Role
from mashang.directory.models import Division, Position, Staff

from . import actions
from .choices import GrantStatus as S
from .imports import (
    CREDIT_CHARS,
    credit_code_with_check,
    id_number_with_check,
    import_firms,
    import_persons,
)
from .models import Grant, GrantEvent
from .runs import run_policy

FIRMS = 2000
RESIDENTS_PER_VILLAGE = 6
INDUSTRIES = [
    "制造业",
    "批发和零售业",
    "建筑业",
    "农林牧渔业",
    "住宿和餐饮业",
    "交通运输业",
    "信息技术服务业",
]
WORDS = "湘江衡岳南华富民兴旺金源恒通宏达益康顺和瑞丰润泽鑫隆安泰云海天成嘉禾"
SUFFIX = {
    "制造业": "机械制造",
    "批发和零售业": "商贸",
    "建筑业": "建筑工程",
    "农林牧渔业": "农业开发",
    "住宿和餐饮业": "餐饮管理",
    "交通运输业": "物流",
    "信息技术服务业": "网络科技",
}
BANKS = ["中国农业银行衡南支行", "中国工商银行衡南支行", "衡南农村商业银行", "中国建设银行衡南支行"]


def _firm_rows(rng: random.Random, townships: list[str]) -> list[dict]:
    rows, names = [], set()
    for _ in range(FIRMS):
        industry = rng.choice(INDUSTRIES)
        name = ""
        while not name or name in names:
            words = "".join(rng.choice(WORDS) for _ in range(rng.choice((2, 3))))
            name = f"衡南县{words}{SUFFIX[industry]}有限公司"
        names.add(name)
        size = rng.choices(["微型", "小型", "中型", "大型"], [45, 35, 15, 5])[0]
        base = {"微型": (2, 9), "小型": (10, 99), "中型": (100, 299), "大型": (300, 900)}[size]
        start = rng.randint(*base)
        change = rng.choices([0, 1, -1, -2, 3], [50, 20, 15, 10, 5])[0]
        months = [max(1, start + (change * m * start) // 60) for m in range(12)]
        wages = Decimal(rng.randint(3000, 6000))
        code = credit_code_with_check(
            "91430422" + "".join(rng.choice(CREDIT_CHARS) for _ in range(9))
        )
        row = {
            "统一社会信用代码": code,
            "企业名称": name,
            "行业": industry,
            "企业规模": size,
            "所属乡镇代码": rng.choice(townships),
            "联系电话": f"13{rng.randint(100000000, 999999999)}",
            "开户银行": rng.choice(BANKS),
            "银行账号": "".join(str(rng.randint(0, 9)) for _ in range(19)),
            "年度": "2025",
            "失业保险缴费": f"{sum(months) * wages * Decimal('0.007'):.2f}",
            "社保单位缴费": f"{sum(months) * wages * Decimal('0.16'):.2f}",
            "创业担保贷款利息": f"{rng.randint(3000, 30000)}.00" if rng.random() < 0.08 else "",
            "失信": "是" if rng.random() < 0.03 else "否",
        }
        row.update({f"{m + 1}月参保人数": str(v) for m, v in enumerate(months)})
        rows.append(row)
    return rows


def _person_rows(rng: random.Random, villages: list[str]) -> list[dict]:
    from mashang.directory.demo import GIVEN, SURNAMES

    rows = []
    serial = 0
    for village in villages:
        for _ in range(RESIDENTS_PER_VILLAGE):
            serial += 1
            old = rng.random() < 0.35
            age = rng.randint(78, 101) if old else rng.randint(18, 77)
            birth = date(2026 - age, rng.randint(1, 12), rng.randint(1, 28))
            local = rng.random() < 0.95
            hukou = village if local else "430481" + village[6:]
            number = id_number_with_check(f"{hukou[:6]}{birth:%Y%m%d}{serial % 1000:03d}")
            rows.append(
                {
                    "身份证号": number,
                    "姓名": rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(2)),
                    "出生日期": birth.isoformat(),
                    "户籍地区划代码": hukou,
                    "村（社区）代码": village,
                    "联系电话": f"15{rng.randint(100000000, 999999999)}"
                    if rng.random() < 0.9
                    else "",
                    "开户银行": "衡南农村商业银行",
                    "银行账号": "".join(str(rng.randint(0, 9)) for _ in range(19)),
                    "已故": "是" if rng.random() < 0.02 else "否",
                }
            )
    return rows


def _policy(officer, **data):
    conditions = data.pop("conditions")
    parameters = data.pop("parameters")
    data.setdefault("valid_to", None)
    data.setdefault("four_eyes_above", Decimal("10000"))
    params = [
        dict(zip(["key", "label", "kind", "valid_from", "value"], p, strict=True))
        for p in parameters
    ]
    conds = [{"label": label, "expression": expr} for label, expr in conditions]
    return actions.save_policy(None, data, conds, params, acting_user=officer)


def define_policies(officer):
    jobs = _policy(
        officer,
        name="稳岗返还",
        issuer="衡南县人力资源和社会保障局",
        doc_number="衡南人社发〔2026〕3号",
        legal_reference="《失业保险条例》第十八条；人社部发〔2024〕40号 稳岗返还政策",
        valid_from=date(2025, 1, 1),
        valid_to=date(2026, 12, 31),
        target="firm",
        period_kind="year",
        amount_formula="unemployment_paid * rate",
        four_eyes_above=Decimal("20000"),
        conditions=[
            ("参保人数", "insured >= min_insured and insured <= max_insured"),
            ("无失信记录", "dishonest == false"),
            ("裁员率", "layoff_rate <= max_layoff"),
        ],
        parameters=[
            ("min_insured", "参保人数下限", "number", "2025-01-01", "10"),
            ("max_insured", "参保人数上限", "number", "2025-01-01", "300"),
            ("max_layoff", "裁员率上限", "percent", "2025-01-01", "5.5"),
            ("rate", "返还比例", "percent", "2025-01-01", "60"),
            ("cap", "单户上限", "money", "2025-01-01", "500000"),
        ],
    )
    social = _policy(
        officer,
        name="小微企业社保补贴",
        issuer="衡南县人民政府",
        doc_number="衡南政发〔2026〕3号",
        legal_reference="衡南政发〔2026〕3号 第五条 支持小微企业稳定就业",
        valid_from=date(2025, 1, 1),
        target="firm",
        period_kind="year",
        amount_formula="social_paid * subsidy_rate",
        conditions=[
            ("小型或微型企业", "size in small_sizes"),
            ("重点行业", "industry in industries"),
            ("参保人数", "insured >= 1"),
            ("无失信记录", "dishonest == false"),
        ],
        parameters=[
            ("small_sizes", "企业规模", "list", "2025-01-01", "小型、微型"),
            ("industries", "扶持行业", "list", "2025-01-01", "制造业、农林牧渔业、信息技术服务业"),
            ("subsidy_rate", "补贴比例", "percent", "2025-01-01", "10"),
            ("cap", "单户上限", "money", "2025-01-01", "20000"),
        ],
    )
    loans = _policy(
        officer,
        name="创业担保贷款贴息",
        issuer="衡南县财政局 衡南县人力资源和社会保障局",
        doc_number="衡南财金〔2025〕12号",
        legal_reference="财金〔2020〕21号《普惠金融发展专项资金管理办法》创业担保贷款贴息",
        valid_from=date(2025, 1, 1),
        target="firm",
        period_kind="year",
        amount_formula="loan_interest * subsidy_share",
        conditions=[
            ("有创业担保贷款利息", "loan_interest > 0"),
            ("无失信记录", "dishonest == false"),
        ],
        parameters=[
            ("subsidy_share", "贴息比例", "percent", "2025-01-01", "50"),
            ("cap", "单户上限", "money", "2025-01-01", "15000"),
        ],
    )
    elderly = _policy(
        officer,
        name="高龄津贴",
        issuer="衡南县民政局",
        doc_number="衡南民发〔2024〕8号",
        legal_reference="《湖南省老年人权益保障条例》；衡南民发〔2024〕8号 高龄津贴发放办法",
        valid_from=date(2024, 1, 1),
        target="person",
        period_kind="month",
        amount_formula="age >= 90 ? amount_90 : amount_80",
        four_eyes_above=Decimal("1000"),
        conditions=[
            ("年满80周岁", "age >= min_age"),
            ("本县户籍", "hukou_local"),
            ("健在", "deceased == false"),
        ],
        parameters=[
            ("min_age", "起始年龄", "number", "2024-01-01", "80"),
            ("amount_80", "80—89岁每月", "money", "2024-01-01", "100"),
            ("amount_80", "80—89岁每月", "money", "2026-07-01", "150"),
            ("amount_90", "90岁以上每月", "money", "2024-01-01", "200"),
        ],
    )
    return jobs, social, loans, elderly


def _states(grants, officer, chief, finance):
    """Move a sample of each run's grants through every state; the rest stay 待审核."""
    grants = list(grants)
    small = [g for g in grants if g.amount <= g.policy.four_eyes_above]
    big = [g for g in grants if g.amount > g.policy.four_eyes_above]
    for g in big[:2]:
        actions.approve_grant(g, acting_user=officer)  # waits for the second officer
    for g in big[2:4]:
        actions.approve_grant(g, acting_user=officer)
        actions.second_approve_grant(g, acting_user=chief)
    approved = small[:18]
    for g in approved:
        actions.approve_grant(g, acting_user=officer)
    confirmed = []
    for i, g in enumerate(approved):
        if i % 6 == 0:
            actions.decline_grant(g, "企业暂不需要" if g.firm_id else "家属代为放弃")
        elif i % 6 in (1, 2, 3, 4):
            confirmed.append(actions.confirm_grant(g))
    for i, g in enumerate(confirmed[: len(confirmed) * 2 // 3]):
        actions.pay_grant(g, f"HNCZ{g.policy_id}{g.period[-2:]}{i + 1:04d}", acting_user=finance)
    for g in small[18:21]:
        actions.exclude_grant(g, "经核查已享受同类补贴", acting_user=officer)
    for g in small[21:24]:
        actions.check_grant(g, "已与社保数据核对一致", acting_user=officer)


def load_demo_benefits(now=None) -> None:
    now = now or timezone.now()
    rng = random.Random(16)
    officer = Staff.objects.get(username="policy")
    finance = Staff.objects.get(username="finance")
    chief = (
        Position.objects.filter(
            unit__name="县人力资源和社会保障局", title=PositionTitle.BUREAU_CHIEF
        )
        .select_related("holder")
        .first()
        .holder
    )
    chief.username = "policychief"
    chief.roles = sorted({*chief.role_set, Role.POLICY_OFFICER})
    chief.save(update_fields=["username", "roles"])

    townships = list(Division.objects.filter(level="township").values_list("code", flat=True))
    villages = list(
        Division.objects.filter(level="village").order_by("code").values_list("code", flat=True)
    )
    import_firms(
        _firm_rows(rng, townships),
        source="县人社局社保数据（演示）",
        file_name="企业参保缴费2025.xlsx",
        acting_user=officer,
    )
    import_persons(
        _person_rows(rng, villages),
        source="县公安局户籍数据（演示）",
        file_name="居民信息2026.xlsx",
        acting_user=officer,
    )
    policies = define_policies(officer)
    jobs, social, loans, elderly = policies
    for policy, period in [
        (jobs, "2025"),
        (social, "2025"),
        (loans, "2025"),
        (elderly, "2026-06"),
        (elderly, "2026-07"),
    ]:
        run = run_policy(policy, period, acting_user=officer)
        grants = run.grants.select_related("policy", "firm", "person").order_by("id")[:40]
        _states(grants, officer, chief, finance)
    # History: the runs happened weeks ago and payments followed days later.
    found = now - timedelta(days=40)
    Grant.objects.update(created_at=found)
    for i, pk in enumerate(Grant.objects.filter(status=S.PAID).values_list("pk", flat=True)):
        Grant.objects.filter(pk=pk).update(paid_at=found + timedelta(days=8 + i % 15))
    GrantEvent.objects.update(at=found + timedelta(days=3))
    from mashang.benefits.models import EligibilityRun

    EligibilityRun.objects.update(started_at=found)
    from mashang.notifications.models import Message, MessageStatus

    # The demo's past messages count as sent: the worker must not print hundreds on first start.
    Message.objects.filter(template__startswith="benefit_").update(
        status=MessageStatus.DELIVERED, sent_at=found
    )
