"""The one state machine of an appeal: which action moves which status, and who may do it.

待分拨 → 已派单 → 办理中 → 已办结 → 已回访; 退回 sends it back to the desk; 重办 reopens it to
the same unit; 无效 and 合并 end it at the desk. 检举控告 has its own short road at the
discipline commission: 待纪委受理 → 纪委处置中 → 纪委办结, and no other action touches it.
Unit actions also need the actor's unit to be the lead unit (checked in `authorize`).
"""

from typing import NamedTuple

from mashang.directory.choices import Role

from .choices import AppealStatus as S


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


def authorize(appeal, name: str, user) -> Transition:
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
    return transition


def allowed_actions(appeal, user) -> list[str]:
    actions = []
    for name in TRANSITIONS:
        try:
            authorize(appeal, name, user)
        except TransitionError:
            continue
        actions.append(name)
    return actions
