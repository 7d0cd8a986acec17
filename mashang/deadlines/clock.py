"""Setting an appeal's deadlines as it moves; called by the intake and the actions, inside
their transactions. `due_at` is the limit running now, `warn_at` the moment 75 % of it is used
(yellow), both read by the sweep through partial indexes."""

from datetime import datetime

from django.conf import settings
from django.utils import timezone

from . import calendar, rules
from .models import Unit


def _round_the_clock(key: str) -> bool:
    amount_unit = rules._rules()[key][1]
    return amount_unit == Unit.HOURS or (key == "dispatch" and settings.DESK_24H)


def _run(appeal, key: str, start: datetime, due: datetime) -> None:
    """Start the clock for `key`, due at `due`, warning at 75 % of the time."""
    rtc = _round_the_clock(key)
    span = calendar.working_minutes_between(start, due, round_the_clock=rtc)
    appeal.due_started_at = start
    appeal.due_at = due
    appeal.warn_at = (
        calendar.add_working_minutes(start, span * rules.WARN_AT, round_the_clock=rtc)
        if span
        else due
    )
    appeal.warned_at = None
    appeal.overdue_at = None
    appeal.due_key = key


def stop(appeal) -> None:
    appeal.due_at = appeal.warn_at = appeal.due_started_at = None
    appeal.warned_at = appeal.overdue_at = None


def received(appeal) -> None:
    start = appeal.received_at
    if appeal.is_accusation:
        appeal.complete_due_at = rules.deadline("complete_accusation", start)
        _run(appeal, "complete_accusation", start, appeal.complete_due_at)
        return
    due = rules.deadline("dispatch", start, round_the_clock=_round_the_clock("dispatch"))
    appeal.dispatch_due_at = due
    _run(appeal, "dispatch", start, due)


def returned(appeal, now=None) -> None:
    now = now or timezone.now()
    due = rules.deadline("dispatch", now, round_the_clock=_round_the_clock("dispatch"))
    appeal.dispatch_due_at = due
    appeal.ack_due_at = appeal.complete_due_at = None
    _run(appeal, "dispatch", now, due)


def dispatched(appeal, now=None) -> None:
    now = now or timezone.now()
    key = rules.completion_key(appeal)
    appeal.ack_due_at = rules.deadline("acknowledge", now)
    appeal.complete_due_at = rules.deadline(key, now, round_the_clock=_round_the_clock(key))
    _run(appeal, "acknowledge", now, appeal.ack_due_at)


def accepted(appeal, now=None) -> None:
    now = now or timezone.now()
    _run(appeal, rules.completion_key(appeal), now, appeal.complete_due_at)


def paused(appeal, now=None) -> None:
    """The unit waits for the citizen: the completion clock stops."""
    if appeal.paused_at is None:
        appeal.paused_at = now or timezone.now()
        stop(appeal)


def resumed(appeal, now=None) -> None:
    """The citizen answered: the completion limit moves by the working time spent waiting."""
    if appeal.paused_at is None:
        return
    now = now or timezone.now()
    waited = calendar.working_minutes_between(appeal.paused_at, now)
    appeal.complete_due_at = calendar.add_working_minutes(appeal.complete_due_at, waited)
    appeal.paused_at = None
    _run(appeal, rules.completion_key(appeal), now, appeal.complete_due_at)


def extended(appeal, new_due, now=None) -> None:
    appeal.complete_due_at = new_due
    if appeal.paused_at is None:
        _run(appeal, rules.completion_key(appeal), now or timezone.now(), new_due)


def extension_limit(appeal, now=None):
    """The latest date an extension may ask for: 5 working days past the current limit."""
    base = appeal.complete_due_at or now or timezone.now()
    return rules.deadline("extension_max", base)


def rehandled(appeal, now=None) -> None:
    now = now or timezone.now()
    key = rules.completion_key(appeal)
    appeal.complete_due_at = rules.deadline(key, now, round_the_clock=_round_the_clock(key))
    _run(appeal, key, now, appeal.complete_due_at)


def bad_rating(appeal, now=None) -> None:
    appeal.bad_rating_due_at = rules.deadline("bad_rating_contact", now or timezone.now())
