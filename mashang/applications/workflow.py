"""The one state machine of an application: which action moves which status, and who may.

提交 (online) or 窗口收件 → 待预审 → 受理 | 容缺受理 | 补正 | 不予受理 → 审查 (the item's unit;
a bundle's parts in parallel) → 决定 (准予 / 不予) → 送达 → 办结. 撤回 by the applicant before
the decision; 中止 and 恢复 by the unit; 容缺 lapses into 撤回 when the deadline passes.
`by` says who acts: a comprehensive window clerk (any item), the reviewing unit (its own
applications only), the applicant (proved by SMS code), or the system (the sweep).
"""

from typing import NamedTuple

from mashang.directory.choices import Role

from .choices import Status as S

WINDOW, UNIT, APPLICANT, SYSTEM = "window", "unit", "applicant", "system"


class Transition(NamedTuple):
    sources: frozenset
    target: str | None  # None: the status does not change
    by: frozenset
    label: str


def _t(sources, target, by, label):
    return Transition(frozenset(sources), target, frozenset(by), label)


TRANSITIONS: dict[str, Transition] = {
    "accept": _t({S.SUBMITTED}, S.ACCEPTED, {WINDOW}, "受理"),
    "instant": _t({S.SUBMITTED}, S.COMPLETED, {WINDOW}, "即办"),
    "defer": _t({S.SUBMITTED}, S.DEFERRED, {WINDOW}, "容缺受理"),
    "correction": _t({S.SUBMITTED, S.ACCEPTED}, S.CORRECTION, {WINDOW, UNIT}, "一次性告知补正"),
    "supplement": _t({S.CORRECTION, S.DEFERRED}, None, {WINDOW, APPLICANT}, "补充材料"),
    # Before 预审 ends the applicant may still add a missing material or replace a file.
    "add_materials": _t({S.SUBMITTED}, None, {APPLICANT}, "上传材料"),
    "refuse": _t({S.SUBMITTED, S.CORRECTION}, S.REFUSED, {WINDOW}, "不予受理"),
    "decide": _t({S.ACCEPTED}, S.DECIDED, {UNIT}, "作出决定"),
    "deliver": _t({S.DECIDED}, S.COMPLETED, {WINDOW, UNIT}, "送达办结"),
    "withdraw": _t(
        {S.SUBMITTED, S.CORRECTION, S.ACCEPTED, S.DEFERRED, S.SUSPENDED},
        S.WITHDRAWN,
        {APPLICANT, WINDOW},
        "撤回申请",
    ),
    "lapse": _t({S.DEFERRED}, S.WITHDRAWN, {SYSTEM}, "容缺逾期视为撤回"),
    "suspend": _t({S.ACCEPTED}, S.SUSPENDED, {UNIT}, "中止"),
    "resume": _t({S.SUSPENDED}, S.ACCEPTED, {UNIT}, "恢复审查"),
    "extend": _t({S.ACCEPTED}, None, {UNIT}, "延长期限"),
    "note": _t(set(S.values), None, {WINDOW, UNIT}, "内部备注"),
}
# A bundle's parent is accepted, corrected, refused, withdrawn and delivered as one; its parts
# are decided (and suspended, extended) each by its own unit.
PARENT_ACTIONS = {
    "accept",
    "defer",
    "correction",
    "supplement",
    "add_materials",
    "refuse",
    "withdraw",
    "lapse",
}
PARENT_ONLY = {"deliver", "note"}
PART_ACTIONS = {"decide", "suspend", "resume", "extend", "correction", "supplement", "note"}


class TransitionError(Exception):
    """An action that is not allowed now, by this person: the message is shown as it is."""


def actor_kinds(application, user) -> set[str]:
    """What `user` is for this application: a window clerk, its reviewing unit, or neither."""
    kinds = set()
    if user is None:
        return kinds
    if user.has_role(Role.WINDOW_CLERK):
        kinds.add(WINDOW)
    same_unit = user.unit_id is not None and user.unit_id == application.unit_id
    if same_unit and user.has_role(Role.REVIEWER, Role.UNIT_LEADER):
        kinds.add(UNIT)
    return kinds


def authorize(application, name: str, user=None, *, as_applicant=False, system=False):
    """Return the transition, or raise TransitionError saying in Chinese why not."""
    t = TRANSITIONS[name]
    if system:
        kinds = {SYSTEM}
    elif as_applicant:
        kinds = {APPLICANT}
    else:
        kinds = actor_kinds(application, user)
    if not kinds & t.by:
        raise TransitionError(f"您不能对此办件执行“{t.label}”。")
    is_parent = application.is_bundle
    is_part = application.parent_id is not None
    if is_part and name not in PART_ACTIONS:
        raise TransitionError(f"一件事的分项不能单独{t.label}，请在总件上办理。")
    if is_parent and name not in PARENT_ACTIONS | PARENT_ONLY:
        raise TransitionError(f"一件事由各部门分项{t.label}。")
    if is_part and name == "correction" and application.status != S.ACCEPTED:
        raise TransitionError("分项只能在审查中要求补正。")
    if application.status not in t.sources:
        raise TransitionError(
            f"办件当前状态为“{application.get_status_display()}”，不能{t.label}。"
        )
    return t


def allowed_actions(application, user) -> list[str]:
    out = []
    for name in TRANSITIONS:
        try:
            authorize(application, name, user)
        except TransitionError:
            continue
        out.append(name)
    return out
