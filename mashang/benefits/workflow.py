"""The one state machine of a grant: which action moves which status, and who may do it.

待审核 → (批准; above the policy's amount a second officer must also approve: 待复核) →
待确认账户 (the beneficiary is sent a link) → 待拨付 (confirmed) → 已拨付 (voucher recorded).
排除 ends a grant under review, with a reason; 放弃 is the beneficiary's own choice.
"""

from typing import NamedTuple

from mashang.directory.choices import Role

from .choices import GrantStatus as S

BENEFICIARY = "beneficiary"  # the firm or person, through the signed link: no staff role


class Transition(NamedTuple):
    sources: frozenset
    target: str | None  # None: the status does not change
    roles: frozenset
    label: str


POLICY = frozenset({Role.POLICY_OFFICER})
FINANCE = frozenset({Role.FINANCE_CLERK})
REVIEW = {S.PENDING_REVIEW, S.PENDING_SECOND}


def _t(sources, target, roles, label):
    return Transition(frozenset(sources), target, frozenset(roles), label)


TRANSITIONS: dict[str, Transition] = {
    # The target of 批准 depends on the amount (see actions.approve_grant).
    "approve": _t({S.PENDING_REVIEW}, S.AWAITING_CONFIRMATION, POLICY, "批准"),
    "second_approve": _t({S.PENDING_SECOND}, S.AWAITING_CONFIRMATION, POLICY, "复核批准"),
    "exclude": _t(REVIEW, S.EXCLUDED, POLICY, "排除"),
    "check": _t(REVIEW, None, POLICY, "抽查核对"),
    "resend": _t({S.AWAITING_CONFIRMATION}, None, POLICY, "重发确认短信"),
    "confirm_on_behalf": _t({S.AWAITING_CONFIRMATION}, S.TO_PAY, POLICY, "代为确认"),
    "confirm": _t({S.AWAITING_CONFIRMATION}, S.TO_PAY, {BENEFICIARY}, "确认收款账户"),
    "decline": _t({S.AWAITING_CONFIRMATION}, S.DECLINED, {BENEFICIARY}, "放弃"),
    "pay": _t({S.TO_PAY}, S.PAID, FINANCE, "拨付"),
    # A re-run refreshes a grant nobody has reviewed yet, or excludes it if no longer eligible.
    "rerun": _t({S.PENDING_REVIEW}, None, POLICY, "重新运行"),
}


class TransitionError(Exception):
    """An action not allowed now, or not by this person: the message is shown as it is."""


def authorize(grant, name: str, user) -> Transition:
    """Return the transition, or raise TransitionError saying in Chinese why not.

    `user` is None for the beneficiary acting through the signed link."""
    t = TRANSITIONS[name]
    if user is None:
        if BENEFICIARY not in t.roles:
            raise TransitionError(f"不能{t.label}。")
    elif not user.has_role(*t.roles):
        raise TransitionError(f"您的角色不能执行“{t.label}”。")
    if grant.status not in t.sources:
        raise TransitionError(f"该发放记录当前为“{grant.get_status_display()}”，不能{t.label}。")
    if name == "second_approve" and user is not None and grant.first_approved_by_id == user.pk:
        raise TransitionError("金额超过两人审批线：复核须由另一位政策专员完成。")
    return t


def allowed_actions(grant, user) -> list[str]:
    out = []
    for name in TRANSITIONS:
        if name == "rerun":
            continue
        try:
            authorize(grant, name, user)
        except TransitionError:
            continue
        out.append(name)
    return out
