"""Each action sets the limits the seed promises: 1 h to dispatch, 30 min to acknowledge,
completion by type and urgency, one extension, and a clock that waits with the citizen."""

from datetime import datetime, timedelta

import pytest

from mashang.appeals import actions
from mashang.appeals.tests.conftest import codes, file  # noqa: F401 - fixtures
from mashang.deadlines import calendar, clock
from mashang.deadlines.calendar import SHANGHAI
from mashang.deadlines.models import DeadlineRule


def at(text):
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def test_receipt_on_a_thursday_evening_is_dispatched_by_friday_morning(file):  # noqa: F811
    appeal = file()
    appeal.received_at = at("2026-11-26T20:15")
    clock.received(appeal)
    assert appeal.dispatch_due_at == at("2026-11-27T09:30")
    assert appeal.due_key == "dispatch" and appeal.due_at == appeal.dispatch_due_at
    assert appeal.warn_at == at("2026-11-27T09:15")  # 75 % of the hour


def test_a_round_the_clock_desk_has_one_wall_clock_hour(file, settings):  # noqa: F811
    settings.DESK_24H = True
    appeal = file()
    appeal.received_at = at("2026-11-28T23:30")
    clock.received(appeal)
    assert appeal.dispatch_due_at == at("2026-11-29T00:30")


def test_dispatch_sets_thirty_minutes_to_acknowledge_and_five_days_to_complete(file):  # noqa: F811
    appeal = file(type="complaint")
    clock.dispatched(appeal, at("2026-11-26T11:50"))
    assert appeal.ack_due_at == at("2026-11-26T14:50")  # lunch does not count
    assert appeal.complete_due_at == at("2026-12-03T17:30")
    assert appeal.due_key == "acknowledge"


@pytest.mark.parametrize(
    ("type_", "urgency", "due"),
    [
        ("consult", "normal", "2026-11-27T17:30"),
        ("help", "normal", "2026-12-03T17:30"),
        ("suggestion", "normal", "2026-12-03T17:30"),
        ("complaint", "complex", "2026-12-17T17:30"),
        ("help", "urgent", "2026-11-27T10:00"),
    ],
)
def test_completion_limits_by_type_and_urgency(file, type_, urgency, due):  # noqa: F811
    appeal = file(type=type_)
    appeal.urgency = urgency
    clock.dispatched(appeal, at("2026-11-26T10:00"))
    assert appeal.complete_due_at == at(due)


def test_an_administrator_can_change_a_rule(file):  # noqa: F811
    DeadlineRule.objects.filter(key="complete_help").update(amount=3)
    appeal = file(type="help")
    clock.dispatched(appeal, at("2026-11-26T10:00"))
    assert appeal.complete_due_at == at("2026-12-01T17:30")


def test_the_clock_waits_while_the_unit_waits_for_the_citizen(file):  # noqa: F811
    appeal = file()
    clock.dispatched(appeal, at("2026-11-23T09:00"))  # Monday
    clock.accepted(appeal, at("2026-11-23T09:10"))
    due = appeal.complete_due_at
    clock.paused(appeal, at("2026-11-24T09:00"))
    assert appeal.due_at is None and appeal.paused_at == at("2026-11-24T09:00")
    clock.resumed(appeal, at("2026-11-25T09:00"))  # one office day (6.5 h) later
    assert calendar.working_minutes_between(due, appeal.complete_due_at) == 390
    assert appeal.complete_due_at == due + timedelta(days=1)  # Mon 30 Nov → Tue 1 Dec
    assert appeal.due_at == appeal.complete_due_at and appeal.paused_at is None


def test_actions_keep_the_running_limit(file, people, county):  # noqa: F811
    appeal = file()
    assert appeal.due_key == "dispatch" and appeal.dispatch_due_at > appeal.received_at
    actions.dispatch_appeal(appeal, county.units.housing, acting_user=people.dispatcher)
    appeal.refresh_from_db()
    assert appeal.due_key == "acknowledge" and appeal.due_at == appeal.ack_due_at
    actions.accept_appeal(appeal, acting_user=people.handler_a)
    appeal.refresh_from_db()
    assert appeal.due_key == "complete_complaint" and appeal.due_at == appeal.complete_due_at
    actions.ask_citizen(appeal, "请补充具体位置", acting_user=people.handler_a)
    appeal.refresh_from_db()
    assert appeal.due_at is None and appeal.paused_at is not None
    actions.citizen_add_info(appeal, "在村委会东边")
    appeal.refresh_from_db()
    assert appeal.due_at == appeal.complete_due_at and appeal.paused_at is None
    actions.reply_appeal(appeal, "已修复完毕。", acting_user=people.handler_a)
    appeal.refresh_from_db()
    assert appeal.due_at is None and appeal.warn_at is None


def test_an_extension_is_at_most_five_working_days_past_the_limit(file, people, county):  # noqa: F811
    appeal = file()
    actions.dispatch_appeal(appeal, county.units.housing, acting_user=people.dispatcher)
    actions.accept_appeal(appeal, acting_user=people.handler_a)
    appeal.refresh_from_db()
    limit = calendar.add_working_days(appeal.complete_due_at, 5)
    with pytest.raises(actions.TransitionError, match="5个工作日"):
        actions.request_extension(
            appeal, "需要协调", limit + timedelta(minutes=1), acting_user=people.leader_a
        )
    request = actions.request_extension(appeal, "需要协调", limit, acting_user=people.leader_a)
    actions.decide_extension(request, True, acting_user=people.dispatcher)
    appeal.refresh_from_db()
    assert appeal.complete_due_at == limit and appeal.due_at == limit


def test_a_real_name_bad_rating_must_be_called_within_one_working_day(file, people, county):  # noqa: F811
    from mashang.appeals.choices import Rating

    appeal = file()
    actions.dispatch_appeal(appeal, county.units.housing, acting_user=people.dispatcher)
    actions.accept_appeal(appeal, acting_user=people.handler_a)
    actions.reply_appeal(appeal, "已处理完毕。", acting_user=people.handler_a)
    appeal = actions.record_callback(
        appeal, Rating.DISSATISFIED, False, rehandle=True, acting_user=people.supervisor
    )
    assert appeal.bad_rating_due_at == calendar.add_working_days(appeal.bad_rating_at, 1)
