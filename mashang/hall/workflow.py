"""The one state machine of a queue ticket: which action moves which status, and who may.

取号 → 等候中 → 叫号 (the window's clerk) → 办理中 → 办结; 重呼 repeats a call; 过号 when the
citizen does not come; 暂停 while they fetch a paper and 恢复 when back; 转移 sends the ticket
back into the line of another zone or window. The citizen may cancel a ticket still waiting.
`segment` is the timed segment the ticket enters (None: its life ends).
"""

from typing import NamedTuple

from .choices import Segment
from .choices import TicketStatus as S

CLERK, CITIZEN, SYSTEM = "clerk", "citizen", "system"


class Move(NamedTuple):
    sources: frozenset
    target: str
    segment: str | None
    by: frozenset
    label: str


def _m(sources, target, segment, by, label):
    return Move(frozenset(sources), target, segment, frozenset(by), label)


MOVES: dict[str, Move] = {
    "call": _m({S.WAITING}, S.CALLED, Segment.CALLED, {CLERK}, "叫号"),
    "recall": _m({S.CALLED}, S.CALLED, Segment.CALLED, {CLERK}, "重呼"),
    "start": _m({S.CALLED}, S.SERVING, Segment.SERVING, {CLERK}, "开始办理"),
    "no_show": _m({S.CALLED}, S.NO_SHOW, None, {CLERK, SYSTEM}, "过号"),
    "hold": _m({S.SERVING}, S.HOLD, Segment.HOLD, {CLERK}, "暂停"),
    "resume": _m({S.HOLD}, S.SERVING, Segment.SERVING, {CLERK}, "恢复办理"),
    "transfer": _m({S.CALLED, S.SERVING, S.HOLD}, S.WAITING, Segment.WAITING, {CLERK}, "转移"),
    "finish": _m({S.SERVING}, S.DONE, None, {CLERK}, "办结"),
    "cancel": _m({S.WAITING}, S.CANCELLED, None, {CITIZEN, SYSTEM}, "取消"),
}
# Actions on a ticket a window already holds: only the clerk who holds it.
HELD = {"recall", "start", "no_show", "hold", "resume", "transfer", "finish"}


class TicketError(Exception):
    """An action not allowed now, or bad input: the message is shown as it is."""


def authorize(ticket, name: str, *, by: str, clerk=None) -> Move:
    move = MOVES[name]
    if by not in move.by:
        raise TicketError(f"您不能对此号执行“{move.label}”。")
    if ticket.status not in move.sources:
        raise TicketError(
            f"{ticket.number}号当前为“{ticket.get_status_display()}”，不能{move.label}。"
        )
    if by == CLERK and name in HELD and ticket.clerk_id != getattr(clerk, "pk", None):
        raise TicketError(f"{ticket.number}号不在您的窗口，不能{move.label}。")
    return move


def allowed(ticket, clerk) -> list[str]:
    out = []
    for name in MOVES:
        if name == "call":
            continue  # calling picks the next ticket; it is not an action on one
        try:
            authorize(ticket, name, by=CLERK, clerk=clerk)
        except TicketError:
            continue
        out.append(name)
    return out
