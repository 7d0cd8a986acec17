"""Every write of 免申即享: policy edits, grant decisions, confirmations and payments.

Each action is one transaction: lock, authorise against the state machine, write, record an
event (and an audit row), queue the SMS in the same transaction.
"""

import re
import secrets
from datetime import date

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from mashang.core.audit import audit
from mashang.core.crypto import secret_digest
from mashang.directory.choices import Role
from mashang.notifications.outbox import queue_sms

from .choices import GrantStatus
from .models import Condition, Grant, GrantEvent, Parameter, Policy, PolicyRevision
from .rules import check_rules, period_label, yuan
from .workflow import TransitionError, authorize

POLICY_FIELDS = [
    "name",
    "issuer",
    "doc_number",
    "legal_reference",
    "valid_from",
    "valid_to",
    "target",
    "period_kind",
    "amount_formula",
    "four_eyes_above",
]
VOUCHER = re.compile(r"^[A-Za-z0-9\-]{4,40}$")


class PolicyInvalid(Exception):
    """The rules were refused; `errors` says where and why (nothing was saved)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("；".join(errors.values()))
        self.errors = errors


def rules_of(data: dict, conditions: list[dict], parameters: list[dict]) -> dict:
    """The rules as data: what a revision stores and a run evaluates."""
    return {
        "target": data["target"],
        "period_kind": data["period_kind"],
        "amount_formula": (data["amount_formula"] or "").strip(),
        "four_eyes_above": str(data["four_eyes_above"]),
        "conditions": [
            {"label": c["label"].strip(), "expression": c["expression"].strip()} for c in conditions
        ],
        "parameters": [
            {
                "key": p["key"].strip(),
                "label": p["label"].strip(),
                "kind": p["kind"],
                "valid_from": p["valid_from"].isoformat()
                if isinstance(p["valid_from"], date)
                else p["valid_from"],
                "value": str(p["value"]).strip(),
            }
            for p in parameters
        ],
    }


def save_policy(
    policy: Policy | None,
    data: dict,
    conditions: list[dict],
    parameters: list[dict],
    *,
    acting_user,
) -> Policy:
    """Create or change a policy; the rules are checked first and refused whole if unsound."""
    if not acting_user.has_role(Role.POLICY_OFFICER):
        raise PolicyInvalid({"__all__": "只有惠企政策专员可以编辑政策。"})
    rules = rules_of(data, conditions, parameters)
    errors = check_rules(rules)
    if data.get("valid_to") and data["valid_to"] < data["valid_from"]:
        errors["valid_to"] = "有效期止不能早于有效期起"
    if errors:
        raise PolicyInvalid(errors)
    with transaction.atomic():
        if policy is None:
            policy = Policy()
        else:
            policy = Policy.objects.select_for_update().get(pk=policy.pk)
            if policy.target != data["target"] and policy.runs.exists():
                raise PolicyInvalid({"target": "政策已运行过，不能更改对象类型"})
        for name in POLICY_FIELDS:
            setattr(policy, name, data[name])
        policy.revision += 1
        policy.updated_at = timezone.now()
        policy.save()
        policy.conditions.all().delete()
        policy.parameters.all().delete()
        Condition.objects.bulk_create(
            Condition(policy=policy, order=i, **c) for i, c in enumerate(rules["conditions"])
        )
        Parameter.objects.bulk_create(Parameter(policy=policy, **p) for p in rules["parameters"])
        PolicyRevision.objects.create(
            policy=policy, number=policy.revision, rules=rules, by=acting_user
        )
        audit(
            "benefits.policy_saved",
            actor=acting_user,
            obj=policy,
            detail=f"{policy.name} 第{policy.revision}版：{len(rules['conditions'])}个条件，"
            f"金额 {rules['amount_formula']}",
        )
    return policy


# ---------------------------------------------------------------- grants


def _lock(grant: Grant, name: str, user):
    grant = Grant.objects.select_for_update().select_related("policy").get(pk=grant.pk)
    return grant, authorize(grant, name, user)


def _event(grant, action, old, actor, note="") -> None:
    GrantEvent.objects.create(
        grant=grant,
        action=action,
        old_status=old,
        new_status=grant.status,
        actor=actor,
        note=note[:300],
    )


def _text(value: str, label: str, low: int, high: int) -> str:
    value = (value or "").strip()
    if len(value) < low:
        raise TransitionError(f"请填写{label}。")
    if len(value) > high:
        raise TransitionError(f"{label}不能超过{high}字。")
    return value


def _contact(grant):
    b = grant.firm or grant.person
    return b.phone if b else ""


def _send_link(grant) -> str:
    """A fresh signed link: the SMS carries the token, we keep only its digest."""
    raw = secrets.token_urlsafe(16)
    grant.link_token = secret_digest(raw)
    phone = _contact(grant)
    if not phone:
        return "无联系电话：请核实后代为确认"
    link = settings.SITE_URL + reverse("benefit_confirm", args=[raw])
    queue_sms(
        phone,
        "benefit_granted",
        {
            "name": grant.name[:20],
            "policy": grant.policy.name,
            "amount": yuan(grant.amount),
            "link": link,
        },
    )
    return "已发送确认短信"


def _approved(grant, user, old, action) -> Grant:
    grant.status = GrantStatus.AWAITING_CONFIRMATION
    grant.approved_by = user
    grant.approved_at = timezone.now()
    note = _send_link(grant)
    grant.save()
    _event(grant, action, old, user, note)
    return grant


@transaction.atomic
def approve_grant(grant: Grant, *, acting_user) -> Grant:
    """Approve; above the policy's four-eyes amount it waits for a second officer."""
    grant, _t = _lock(grant, "approve", acting_user)
    old = grant.status
    if grant.amount > grant.policy.four_eyes_above:
        grant.status = GrantStatus.PENDING_SECOND
        grant.first_approved_by = acting_user
        grant.save(update_fields=["status", "first_approved_by"])
        _event(
            grant,
            "approve",
            old,
            acting_user,
            f"金额超过 {yuan(grant.policy.four_eyes_above)} 元，待另一位专员复核",
        )
        return grant
    return _approved(grant, acting_user, old, "approve")


@transaction.atomic
def second_approve_grant(grant: Grant, *, acting_user) -> Grant:
    grant, _t = _lock(grant, "second_approve", acting_user)
    return _approved(grant, acting_user, grant.status, "second_approve")


@transaction.atomic
def exclude_grant(grant: Grant, reason: str, *, acting_user) -> Grant:
    grant, t = _lock(grant, "exclude", acting_user)
    reason = _text(reason, "排除原因", 2, 200)
    old = grant.status
    grant.status, grant.reason = t.target, reason
    grant.save(update_fields=["status", "reason"])
    _event(grant, "exclude", old, acting_user, reason)
    return grant


@transaction.atomic
def check_grant(grant: Grant, note: str, *, acting_user) -> Grant:
    """抽查核对: an officer compared the trace with the source data."""
    grant, _t = _lock(grant, "check", acting_user)
    note = _text(note, "核对说明", 2, 300)
    grant.checked = True
    grant.save(update_fields=["checked"])
    _event(grant, "check", grant.status, acting_user, note)
    return grant


@transaction.atomic
def resend_link(grant: Grant, *, acting_user) -> Grant:
    grant, _t = _lock(grant, "resend", acting_user)
    note = _send_link(grant)
    grant.save(update_fields=["link_token"])
    _event(grant, "resend", grant.status, acting_user, note)
    return grant


@transaction.atomic
def confirm_grant(grant: Grant) -> Grant:
    """The beneficiary confirms the account on record, through the link."""
    grant, t = _lock(grant, "confirm", None)
    old = grant.status
    grant.status, grant.confirmed_at = t.target, timezone.now()
    grant.save(update_fields=["status", "confirmed_at"])
    _event(grant, "confirm", old, None, "受益方通过短信链接确认收款账户")
    return grant


@transaction.atomic
def decline_grant(grant: Grant, reason: str = "") -> Grant:
    grant, t = _lock(grant, "decline", None)
    old = grant.status
    grant.status, grant.reason = t.target, (reason or "受益方放弃").strip()[:200]
    grant.save(update_fields=["status", "reason"])
    _event(grant, "decline", old, None, grant.reason)
    return grant


@transaction.atomic
def confirm_on_behalf(grant: Grant, note: str, *, acting_user) -> Grant:
    """For a beneficiary without a phone: an officer confirms after checking in person."""
    grant, t = _lock(grant, "confirm_on_behalf", acting_user)
    note = _text(note, "核实情况", 4, 300)
    old = grant.status
    grant.status, grant.confirmed_at = t.target, timezone.now()
    grant.save(update_fields=["status", "confirmed_at"])
    _event(grant, "confirm_on_behalf", old, acting_user, note)
    return grant


@transaction.atomic
def pay_grant(grant: Grant, voucher: str, *, acting_user) -> Grant:
    """The finance clerk records the payment with its voucher number; the payee is told."""
    grant, t = _lock(grant, "pay", acting_user)
    voucher = (voucher or "").strip()
    if not VOUCHER.match(voucher):
        raise TransitionError("请填写凭证号（4至40位字母、数字或连字符）。")
    old = grant.status
    grant.status, grant.voucher, grant.paid_at = t.target, voucher, timezone.now()
    grant.save(update_fields=["status", "voucher", "paid_at"])
    _event(grant, "pay", old, acting_user, f"凭证号 {voucher}")
    b = grant.firm or grant.person
    if b and b.phone:
        queue_sms(
            b.phone,
            "benefit_paid",
            {
                "policy": grant.policy.name,
                "amount": yuan(grant.amount),
                "tail": (b.bank_account or "")[-4:],
                "voucher": voucher,
            },
        )
    return grant


def bulk(action, grants, **kwargs) -> tuple[int, list[str]]:
    """Apply one action to many grants, each in its own transaction; report each refusal."""
    done, errors = 0, []
    for grant in grants:
        try:
            action(grant, **kwargs)
            done += 1
        except TransitionError as exc:
            errors.append(f"{grant.name}：{exc}")
    return done, errors


def describe_period(grant) -> str:
    return period_label(grant.period)
