"""Tickets: numbering, the calling order, the state machine and exact segments."""

from datetime import timedelta

import pytest

from mashang.directory.choices import Role
from mashang.directory.models import Staff
from mashang.hall import actions
from mashang.hall.choices import Lane, Segment, TicketStatus
from mashang.hall.models import Call, TicketSegment
from mashang.hall.workflow import TicketError
from mashang.notifications.models import Message
from mashang.testing import PASSWORD

from .conftest import at

MONDAY = at(2026, 11, 23, 10, 0)


@pytest.fixture
def clerk2(county):
    return Staff.objects.create_user(
        username="t_window_2", password=PASSWORD, role=Role.WINDOW_CLERK, unit=county.units.centre
    )


def test_tickets_are_numbered_per_zone_and_day(hall):
    a1 = actions.take_ticket(hall.a, now=MONDAY)
    a2 = actions.take_ticket(hall.a, now=MONDAY)
    b1 = actions.take_ticket(hall.b, now=MONDAY)
    next_day = actions.take_ticket(hall.a, now=MONDAY + timedelta(days=1))
    assert [a1.number, a2.number, b1.number, next_day.number] == ["A001", "A002", "B001", "A001"]


def test_calling_needs_a_window(hall, people):
    actions.take_ticket(hall.a, now=MONDAY)
    with pytest.raises(TicketError, match="请先签到"):
        actions.call_next(clerk=people.window_clerk, now=MONDAY)


def test_one_clerk_per_window(hall, people, clerk2):
    actions.sign_on(hall.w5, clerk=people.window_clerk)
    with pytest.raises(TicketError, match="已由"):
        actions.sign_on(hall.w5, clerk=clerk2)


def test_priority_lanes_are_called_before_earlier_ordinary_tickets(hall, people):
    first = actions.take_ticket(hall.a, now=MONDAY)
    elderly = actions.take_ticket(hall.a, lane=Lane.ELDERLY, now=MONDAY + timedelta(minutes=5))
    actions.sign_on(hall.w5, clerk=people.window_clerk)
    called = actions.call_next(clerk=people.window_clerk, now=MONDAY)
    assert called.pk == elderly.pk
    actions.act(called, "start", clerk=people.window_clerk)
    actions.act(called, "finish", clerk=people.window_clerk)
    assert actions.call_next(clerk=people.window_clerk, now=MONDAY).pk == first.pk


def test_a_zone_window_calls_only_its_zone(hall, people):
    actions.take_ticket(hall.a, now=MONDAY)
    b = actions.take_ticket(hall.b, now=MONDAY + timedelta(minutes=1))
    actions.sign_on(hall.w9, clerk=people.window_clerk)
    assert actions.call_next(clerk=people.window_clerk, now=MONDAY).pk == b.pk
    actions.act(b, "no_show", clerk=people.window_clerk)
    assert actions.call_next(clerk=people.window_clerk, now=MONDAY) is None


def test_two_windows_never_get_the_same_ticket(hall, people, clerk2):
    t1 = actions.take_ticket(hall.a, now=MONDAY)
    t2 = actions.take_ticket(hall.a, now=MONDAY)
    actions.sign_on(hall.w1, clerk=people.window_clerk)
    actions.sign_on(hall.w5, clerk=clerk2)
    got = {
        actions.call_next(clerk=people.window_clerk, now=MONDAY).pk,
        actions.call_next(clerk=clerk2, now=MONDAY).pk,
    }
    assert got == {t1.pk, t2.pk}


def test_a_clerk_finishes_the_current_ticket_before_calling_another(hall, people):
    actions.take_ticket(hall.a, now=MONDAY)
    actions.take_ticket(hall.a, now=MONDAY)
    actions.sign_on(hall.w5, clerk=people.window_clerk)
    actions.call_next(clerk=people.window_clerk, now=MONDAY)
    with pytest.raises(TicketError, match="当前号码"):
        actions.call_next(clerk=people.window_clerk, now=MONDAY)


def test_only_the_clerk_holding_a_ticket_may_act_on_it(hall, people, clerk2):
    ticket = actions.take_ticket(hall.a, now=MONDAY)
    actions.sign_on(hall.w5, clerk=people.window_clerk)
    actions.call_next(clerk=people.window_clerk, now=MONDAY)
    with pytest.raises(TicketError, match="不在您的窗口"):
        actions.act(ticket, "start", clerk=clerk2)


def test_illegal_moves_are_refused_in_chinese(hall, people):
    ticket = actions.take_ticket(hall.a, now=MONDAY)
    actions.sign_on(hall.w5, clerk=people.window_clerk)
    actions.call_next(clerk=people.window_clerk, now=MONDAY)
    with pytest.raises(TicketError, match="不能办结"):
        actions.act(ticket, "finish", clerk=people.window_clerk)


def test_segments_give_exact_waiting_and_serving_times(hall, people):
    ticket = actions.take_ticket(hall.a, now=MONDAY)
    actions.sign_on(hall.w5, clerk=people.window_clerk)
    clerk = people.window_clerk
    actions.call_next(clerk=clerk, now=MONDAY + timedelta(minutes=12))
    actions.act(ticket, "start", clerk=clerk, now=MONDAY + timedelta(minutes=13))
    actions.act(ticket, "hold", clerk=clerk, now=MONDAY + timedelta(minutes=20))
    actions.act(ticket, "resume", clerk=clerk, now=MONDAY + timedelta(minutes=30))
    actions.act(ticket, "finish", clerk=clerk, now=MONDAY + timedelta(minutes=35))
    segments = [(s.kind, s.seconds) for s in TicketSegment.objects.filter(ticket=ticket)]
    assert segments == [
        (Segment.WAITING, 720.0),
        (Segment.CALLED, 60.0),
        (Segment.SERVING, 420.0),
        (Segment.HOLD, 600.0),
        (Segment.SERVING, 300.0),
    ]
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.DONE


def test_transfer_puts_the_ticket_back_in_another_zones_line(hall, people, clerk2):
    ticket = actions.take_ticket(hall.a, now=MONDAY)
    actions.sign_on(hall.w5, clerk=people.window_clerk)
    actions.call_next(clerk=people.window_clerk, now=MONDAY)
    actions.act(ticket, "transfer", clerk=people.window_clerk, zone=hall.b)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.zone_id, ticket.clerk_id) == (
        TicketStatus.WAITING,
        hall.b.pk,
        None,
    )
    actions.sign_on(hall.w9, clerk=clerk2)
    assert actions.call_next(clerk=clerk2, now=MONDAY).pk == ticket.pk


def test_transfer_to_a_window_reserves_the_ticket_for_it(hall, people, clerk2):
    ticket = actions.take_ticket(hall.a, now=MONDAY)
    actions.sign_on(hall.w5, clerk=people.window_clerk)
    actions.sign_on(hall.w1, clerk=clerk2)
    actions.call_next(clerk=people.window_clerk, now=MONDAY)
    actions.act(ticket, "transfer", clerk=people.window_clerk, window=hall.w9)
    assert actions.call_next(clerk=clerk2, now=MONDAY) is None  # 1号窗口 may not take it


def test_a_call_and_a_recall_go_to_the_screen(hall, people):
    ticket = actions.take_ticket(hall.a, now=MONDAY)
    actions.sign_on(hall.w5, clerk=people.window_clerk)
    actions.call_next(clerk=people.window_clerk, now=MONDAY)
    actions.act(ticket, "recall", clerk=people.window_clerk)
    texts = [c.text for c in Call.objects.filter(hall=hall.hall)]
    assert texts == ["请A001号到5号窗口办理"] * 2


def test_phones_near_the_front_get_one_sms(hall, people):
    actions.take_ticket(hall.a, now=MONDAY)
    second = actions.take_ticket(hall.a, phone="13900001111", now=MONDAY)
    actions.sign_on(hall.w5, clerk=people.window_clerk)
    clerk = people.window_clerk
    first = actions.call_next(clerk=clerk, now=MONDAY)
    actions.act(first, "no_show", clerk=clerk)
    assert Message.objects.filter(template="hall_ticket_near").count() == 1
    actions.call_next(clerk=clerk, now=MONDAY)
    assert Message.objects.filter(template="hall_ticket_near").count() == 1
    assert [m.to_phone for m in Message.objects.filter(template="hall_ticket_called")] == [
        second.phone
    ]


def test_a_ticket_taken_before_closing_is_served_after_closing(hall, people):
    """The seed's shopkeeper: two minutes before closing, still served."""
    ticket = actions.take_ticket(hall.a, now=at(2026, 11, 23, 17, 28))
    with pytest.raises(TicketError, match="不在服务时间"):
        actions.take_ticket(hall.a, now=at(2026, 11, 23, 17, 31))
    actions.end_of_day(now=at(2026, 11, 23, 17, 40))  # the same day: nothing dropped
    actions.sign_on(hall.w5, clerk=people.window_clerk)
    called = actions.call_next(clerk=people.window_clerk, now=at(2026, 11, 23, 17, 41))
    assert called is not None and called.pk == ticket.pk


def test_lunchtime_tickets_count_as_after_hours(hall):
    assert actions.take_ticket(hall.a, now=at(2026, 11, 23, 12, 30)).after_hours
    assert not actions.take_ticket(hall.a, now=MONDAY).after_hours


def test_tickets_left_from_an_earlier_day_are_closed(hall):
    ticket = actions.take_ticket(hall.a, now=at(2026, 11, 23, 17, 0))
    actions.end_of_day(now=at(2026, 11, 24, 7, 0))
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CANCELLED


def test_the_schedule_reads_as_people_say_it(hall):
    assert actions.schedule(hall.hall) == [
        "周一至周五 08:30–12:00、12:00–14:30（延时办）、14:30–17:30",
        "周六 09:00–12:00（延时办）",
    ]
