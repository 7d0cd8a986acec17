"""预约办: slots from templates and the calendar, booking limits, reminders, no-shows, check-in."""

import threading
from datetime import date, time, timedelta

import pytest
from django.db import connection, connections

from mashang.hall import appointments
from mashang.hall.choices import AppointmentStatus, Lane
from mashang.hall.models import Closure, Slot, SlotTemplate
from mashang.hall.workflow import TicketError
from mashang.notifications.models import Message

from .conftest import at

PHONE = "13900002222"


@pytest.fixture
def templates(hall):
    for wd in range(5):
        SlotTemplate.objects.create(
            zone=hall.a, weekday=wd, start=time(9), end=time(10), capacity=2
        )
    SlotTemplate.objects.create(
        zone=hall.a, weekday=5, start=time(9), end=time(10), capacity=3, after_hours=True
    )
    return hall


def slots_on(zone, day):
    return [(s.start, s.capacity, s.after_hours) for s in Slot.objects.filter(zone=zone, day=day)]


def test_slots_follow_the_calendar(templates):
    zone = templates.a
    appointments.generate_slots(zone, date(2026, 9, 28), 14)
    assert slots_on(zone, date(2026, 9, 28)) == [(time(9), 2, False)]  # an ordinary Monday
    assert slots_on(zone, date(2026, 10, 1)) == []  # National Day
    assert slots_on(zone, date(2026, 10, 3)) == []  # a Saturday inside the holiday
    # 调休: the Saturday worked after National Day takes Monday's slots, not 延时办's.
    assert slots_on(zone, date(2026, 10, 10)) == [(time(9), 2, False)]
    appointments.generate_slots(zone, date(2026, 12, 5), 1)
    assert slots_on(zone, date(2026, 12, 5)) == [(time(9), 3, True)]  # Saturday morning 延时办


def test_closures_and_regeneration(templates):
    Closure.objects.create(hall=templates.hall, day=date(2026, 12, 7), reason="停电检修")
    assert appointments.generate_slots(templates.a, date(2026, 12, 7), 2) == 1
    assert appointments.generate_slots(templates.a, date(2026, 12, 7), 2) == 0  # kept, not doubled
    assert slots_on(templates.a, date(2026, 12, 7)) == []


@pytest.fixture
def slot(hall):
    from django.utils import timezone

    day = timezone.localdate() + timedelta(days=3)
    return Slot.objects.create(zone=hall.a, day=day, start=time(9), end=time(10), capacity=1)


def test_booking_takes_a_place_and_sends_the_link(slot):
    appointment = appointments.book(slot, name="张三", phone=PHONE)
    slot.refresh_from_db()
    assert slot.booked == 1 and appointment.status == AppointmentStatus.BOOKED
    sms = Message.objects.get(template="hall_booked")
    assert appointment.code in sms.body and appointment.token in sms.body


def test_a_full_slot_refuses(slot):
    appointments.book(slot, name="张三", phone=PHONE)
    with pytest.raises(TicketError, match="约满"):
        appointments.book(slot, name="李四", phone="13900003333")


def test_cancel_gives_the_place_back(slot):
    appointment = appointments.book(slot, name="张三", phone=PHONE)
    appointments.cancel(appointment)
    slot.refresh_from_db()
    assert slot.booked == 0
    with pytest.raises(TicketError, match="不能取消"):
        appointments.cancel(appointment)


def test_reschedule_moves_the_place(slot):
    other = Slot.objects.create(
        zone=slot.zone, day=slot.day, start=time(10), end=time(11), capacity=1
    )
    moved = appointments.reschedule(appointments.book(slot, name="张三", phone=PHONE), other)
    slot.refresh_from_db()
    other.refresh_from_db()
    assert (slot.booked, other.booked, moved.slot_id) == (0, 1, other.pk)


def test_a_phone_holds_at_most_two_bookings(slot):
    slot.capacity = 5
    slot.save()
    appointments.book(slot, name="张三", phone=PHONE)
    appointments.book(slot, name="张三", phone=PHONE)
    with pytest.raises(TicketError, match="最多同时预约2个"):
        appointments.book(slot, name="张三", phone=PHONE)


def test_three_no_shows_in_30_days_block_booking_for_a_week(slot, settings):
    from django.utils import timezone

    slot.capacity = 10
    slot.save()
    now = timezone.now()
    for _ in range(3):
        a = appointments.book(slot, name="张三", phone=PHONE)
        a.status, a.ended_at = AppointmentStatus.NO_SHOW, now - timedelta(days=2)
        a.save()
    with pytest.raises(TicketError, match="暂不能预约"):
        appointments.book(slot, name="张三", phone=PHONE)
    settings.HALL_NO_SHOW_RULE = (3, 30, 1)  # configurable: a one-day block has passed
    appointments.book(slot, name="张三", phone=PHONE)


def test_reminder_goes_once_the_day_before(slot):
    appointment = appointments.book(slot, name="张三", phone=PHONE)
    eve = at(slot.day.year, slot.day.month, slot.day.day, 8) - timedelta(days=1)
    assert appointments.send_reminders(eve - timedelta(days=1)) == 0
    assert appointments.send_reminders(eve) == 1
    assert appointments.send_reminders(eve) == 0
    assert appointment.code in Message.objects.get(template="hall_reminder").body


def test_check_in_turns_the_booking_into_a_priority_ticket(slot, hall):
    appointment = appointments.book(slot, name="张三", phone=PHONE)
    day = slot.day
    with pytest.raises(TicketError, match="开始前30分钟"):
        appointments.check_in(appointment.code, hall.hall, now=at(day.year, day.month, day.day, 8))
    found = appointments.check_in(
        appointment.code.lower(), hall.hall, now=at(day.year, day.month, day.day, 8, 45)
    )
    assert found.status == AppointmentStatus.CHECKED_IN
    assert found.ticket.lane == Lane.APPOINTMENT and found.ticket.number == "A001"


def test_not_checked_in_by_the_end_is_a_no_show(slot):
    appointment = appointments.book(slot, name="张三", phone=PHONE)
    day = slot.day
    assert appointments.mark_no_shows(at(day.year, day.month, day.day, 10, 20)) == 0
    assert appointments.mark_no_shows(at(day.year, day.month, day.day, 10, 31)) == 1
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.NO_SHOW


@pytest.mark.django_db(transaction=True)
def test_parallel_bookings_for_the_last_place_exactly_one_wins(county, people):
    """PostgreSQL: many sessions book the last place at once; the conditional UPDATE lets one."""
    if connection.vendor != "postgresql":
        pytest.skip("并发预约测试需要 PostgreSQL（SQLite 串行写入）")
    from django.utils import timezone

    from mashang.hall.testing import make_hall

    hall = make_hall(county)
    day = timezone.localdate() + timedelta(days=3)
    slot = Slot.objects.create(
        zone=hall.a, day=day, start=time(9), end=time(10), capacity=5, booked=4
    )
    n = 20
    barrier = threading.Barrier(n)
    results = []

    def worker(i):
        try:
            barrier.wait()
            appointments.book(slot, name="并发", phone=f"1390000{i:04d}")
            results.append("ok")
        except TicketError:
            results.append("full")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    slot.refresh_from_db()
    assert results.count("ok") == 1 and results.count("full") == n - 1
    assert slot.booked == 5 and slot.appointments.count() == 1


def verify(client, phone=PHONE):
    from mashang.applications.queries import SESSION_PHONE
    from mashang.applications.views import SESSION_PHONE_SEALED
    from mashang.core.crypto import blind_index, encrypt

    session = client.session
    session[SESSION_PHONE] = blind_index(phone)
    session[SESSION_PHONE_SEALED] = encrypt(phone)
    session.save()


def test_booking_on_the_phone_needs_a_verified_phone(client, slot):
    response = client.get(f"/hall/book/?zone={slot.zone_id}")
    assert response.status_code == 302 and response.url.startswith("/hall/book/login?next=")


def test_booking_page_books_and_the_link_cancels(client, slot):
    verify(client)
    page = client.get(f"/hall/book/?zone={slot.zone_id}")
    assert slot.label in page.content.decode()
    response = client.post(f"/hall/book/?zone={slot.zone_id}", {"slot": slot.pk, "name": "张三"})
    appointment = slot.appointments.get()
    assert response.url == f"/hall/a/{appointment.token}"
    assert appointment.code in client.get(response.url).content.decode()
    # the first tap only asks again (a page, no script); confirm=1 cancels
    ask = client.post(response.url, {"action": "cancel"})
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
    page = ask.content.decode()
    assert ask.status_code == 200 and "确认取消预约" in page and 'name="confirm" value="1"' in page
    assert "onclick" not in page and "不取消，保留预约" in page
    client.post(response.url, {"action": "cancel", "confirm": "1"})
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED


def test_kiosk_check_in_by_code(client, slot, hall, monkeypatch):
    appointment = appointments.book(slot, name="张三", phone=PHONE)
    day = slot.day
    monkeypatch.setattr(
        "django.utils.timezone.now", lambda: at(day.year, day.month, day.day, 9, 10)
    )
    response = client.post("/hall/kiosk/", {"action": "checkin", "code": appointment.code})
    appointment.refresh_from_db()
    assert response.status_code == 302 and appointment.ticket.token in response.url
