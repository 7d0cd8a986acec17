"""The one state machine of an appeal: which action moves which status, and who may do it.

待分拨 → 已派单 → 办理中 → 已办结 → 已回访; 退回 sends it back to the desk; 重办 reopens it to
the same unit; 无效 and 合并 end it at the desk. 检举控告 has its own short road at the
discipline commission: 待纪委受理 → 纪委处置中 → 纪委办结, and no other action touches it.
Unit actions also need the actor's unit to be the lead unit (checked in `authorize`).
The extension steps also depend on the appeal's requests (`extension_refusal`), and a merge
on its original (`merge_refusal`): the page offers what these allow, the actions enforce them.
"""

from typing import NamedTuple

from mashang.directory.choices import Role

from .choices import AppealStatus as S
from .choices import ExtensionStatus as X


class Transition(NamedTuple):
    sources: frozenset
    target: str | None  # None: the status does not change
    roles: frozenset
    unit_action: bool = False  # the actor must belong to the lead unit
    label: str = ""


DESK = frozenset({Role.DISPATCHER, Role.ADMIN})
UNIT = frozenset({Role.HANDLER, Role.UNIT_LEADER})
SUPERVISION = frozenset({Role.SUPERVISOR, Role.ADMIN})
DISCIPLINE = frozenset({Role.DISCIPLINE})


def _t(sources, target, roles, unit_action=False, label=""):
    return Transition(frozenset(sources), target, roles, unit_action, label)


TRANSITIONS: dict[str, Transition] = {
    "dispatch": _t({S.PENDING_DISPATCH}, S.DISPATCHED, DESK, label="派单"),
    "accept": _t({S.DISPATCHED}, S.ACCEPTED, UNIT, True, "受理"),
    "return": _t({S.DISPATCHED, S.ACCEPTED}, S.PENDING_DISPATCH, UNIT, True, "退回"),
    "request_extension": _t({S.ACCEPTED}, None, UNIT, True, "申请延期"),
    "endorse_extension": _t({S.ACCEPTED}, None, frozenset({Role.UNIT_LEADER}), True, "审核延期"),
    "decide_extension": _t({S.ACCEPTED}, None, DESK, label="审批延期"),
    "ask_citizen": _t({S.ACCEPTED}, None, UNIT, True, "向群众询问"),
    "reply": _t({S.ACCEPTED}, S.COMPLETED, UNIT, True, "办结答复"),
    "callback": _t({S.COMPLETED}, S.CLOSED, SUPERVISION, label="回访"),
    "rehandle": _t({S.COMPLETED, S.CLOSED}, S.ACCEPTED, SUPERVISION, label="重办"),
    "invalidate": _t({S.PENDING_DISPATCH}, S.INVALID, DESK, label="无效"),
    "merge": _t({S.PENDING_DISPATCH}, S.MERGED, DESK, label="合并"),
    "accept_accusation": _t(
        {S.ACCUSATION_NEW}, S.DISCIPLINE_HANDLING, DISCIPLINE, label="纪委受理"
    ),
    "conclude_accusation": _t(
        {S.DISCIPLINE_HANDLING}, S.DISCIPLINE_DONE, DISCIPLINE, label="纪委办结"
    ),
    "note": _t(
        set(S.values) - {S.INVALID, S.MERGED},
        None,
        DESK | UNIT | SUPERVISION | DISCIPLINE,
        label="内部备注",
    ),
}


class TransitionError(Exception):
    """An action that is not allowed now, by this person: the message is shown as it is."""


def _current_extensions(appeal, extensions):
    """The appeal's extension requests since its latest dispatch, refused ones left out:
    a unit that inherits an appeal after a return may ask for its own."""
    if extensions is None:
        extensions = list(appeal.extensions.all())
    since = appeal.dispatched_at
    return [
        e
        for e in extensions
        if e.status != X.REFUSED and (since is None or e.requested_at >= since)
    ]


def extension_refusal(appeal, name: str, extensions=None) -> str | None:
    """Why the extension step `name` cannot happen now (None: it can).

    One extension per appeal (README, 时限): none is asked for while one waits for the unit
    leader or the desk, or once one was granted; endorse and decide need a request at their
    step. `extensions`: the appeal's requests when the caller has them (no query)."""
    if name not in ("request_extension", "endorse_extension", "decide_extension"):
        return None
    statuses = {e.status for e in _current_extensions(appeal, extensions)}
    if name == "request_extension":
        if X.APPROVED in statuses:
            return "每件诉求只能延期一次，本件已经延期。"
        if statuses & {X.LEADER, X.PENDING}:
            return "已有延期申请正在审批，请等待审批结果。"
    elif name == "endorse_extension" and X.LEADER not in statuses:
        return "这份延期申请不在单位负责人审核环节。"
    elif name == "decide_extension" and X.PENDING not in statuses:
        return "这份延期申请已经审批过了。"
    return None


# A repeat goes into the first appeal of the matter, never into one that ended at the desk.
NOT_MERGE_TARGETS = frozenset({S.MERGED, S.INVALID})


def merge_refusal(appeal, original) -> str | None:
    """Why `appeal` cannot be merged into `original` (None: it can); `original` is None when
    the number was not found among the appeals the person may see."""
    if original is None or original.pk == appeal.pk:
        return "请填写一条您可见的原诉求的受理编号。"
    if original.status in NOT_MERGE_TARGETS:
        return "原诉求已合并或无效，请选择最初的那一条。"
    return None


def authorize(appeal, name: str, user, *, extensions=None) -> Transition:
    """Return the transition, or raise TransitionError saying in Chinese why not."""
    transition = TRANSITIONS[name]
    if not user.has_role(*transition.roles):
        raise TransitionError(f"您的角色不能执行“{transition.label}”。")
    if appeal.is_accusation != user.has_role(Role.DISCIPLINE):
        raise TransitionError(f"您的角色不能执行“{transition.label}”。")
    if appeal.status not in transition.sources:
        raise TransitionError(
            f"诉求当前状态为“{appeal.get_status_display()}”，不能{transition.label}。"
        )
    if transition.unit_action and (user.unit_id is None or appeal.lead_unit_id != user.unit_id):
        raise TransitionError(f"只有主办单位才能{transition.label}。")
    refusal = extension_refusal(appeal, name, extensions)
    if refusal:
        raise TransitionError(refusal)
    return transition


def allowed_actions(appeal, user, *, extensions=None) -> list[str]:
    """What this person may do with the appeal now (`extensions`: its requests, if loaded)."""
    if extensions is None and appeal.status == S.ACCEPTED:
        extensions = list(appeal.extensions.all())  # read once for the three extension steps
    actions = []
    for name in TRANSITIONS:
        try:
            authorize(appeal, name, user, extensions=extensions)
        except TransitionError:
            continue
        actions.append(name)
    return actions
