"""预约办: slots from weekly templates, booking that never double-books, reminders, check-in.

Capacity: a booking takes a place with one conditional UPDATE (`booked < capacity`), which
PostgreSQL re-checks on the locked row after any concurrent writer commits, so exactly one of
many parallel bookings gets the last place; a CHECK constraint (`booked <= capacity`) backs it.
Service BC counts free places when reading, without a lock, and can sell the last place twice.
"""

import secrets
from datetime import date, datetime, timedelta

import chinese_calendar
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from mashang.appeals.intake import normalise_phone, phone_error
from mashang.core.crypto import blind_index
from mashang.deadlines import calendar
from mashang.deadlines.calendar import SHANGHAI
from mashang.notifications.outbox import queue_sms

from . import actions
from .choices import AppointmentStatus, Lane, TicketSource
from .models import Appointment, Closure, Slot, SlotTemplate, Zone
from .workflow import TicketError

MAX_ACTIVE_PER_PHONE = 2
CHECK_IN_EARLY = timedelta(minutes=30)
NO_SHOW_GRACE = timedelta(minutes=30)
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def no_show_rule() -> tuple[int, int, int]:
    """(no-shows, within days, blocked days): HALL_NO_SHOW_RULE, default 3 in 30 → 7 days."""
    return settings.HALL_NO_SHOW_RULE


def _is_holiday(day: date) -> bool:
    """A named public holiday (国庆, 春节 …), not an ordinary weekend."""
    from mashang.deadlines.models import Holiday

    row = Holiday.objects.filter(date=day).values_list("is_workday", flat=True).first()
    if row is not None:
        return not row
    try:
        _on, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return False
    return name is not None


def template_weekday(day: date) -> int | None:
    """Which weekday's templates apply: workdays their own (a 调休 working weekend day takes
    Monday's); an ordinary Saturday or Sunday its own (延时办 only); holidays none."""
    if calendar.is_workday(day):
        return day.weekday() if day.weekday() < 5 else 0
    if day.weekday() >= 5 and not _is_holiday(day):
        return day.weekday()
    return None


def generate_slots(zone: Zone, start: date, days: int) -> int:
    """Create the zone's slots for `days` days from `start` (existing ones are kept)."""
    templates = list(SlotTemplate.objects.filter(zone=zone))
    closed = set(
        Closure.objects.filter(hall=zone.hall_id, day__gte=start, day__lt=start + timedelta(days))
        .filter(Q(zone__isnull=True) | Q(zone=zone))
        .values_list("day", flat=True)
    )
    have = set(
        Slot.objects.filter(zone=zone, day__gte=start, day__lt=start + timedelta(days)).values_list(
            "day", "start"
        )
    )
    rows = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        weekday = template_weekday(day)
        if weekday is None or day in closed:
            continue
        on_workday = calendar.is_workday(day)
        for t in templates:
            if t.weekday != weekday or (not on_workday and not t.after_hours):
                continue
            if (day, t.start) in have:
                continue
            rows.append(
                Slot(
                    zone=zone,
                    day=day,
                    start=t.start,
                    end=t.end,
                    capacity=t.capacity,
                    after_hours=t.after_hours,
                )
            )
    return len(Slot.objects.bulk_create(rows, ignore_conflicts=True))


def open_slots(zone: Zone, *, now=None):
    now = now or timezone.now()
    local = now.astimezone(SHANGHAI)
    return (
        Slot.objects.filter(zone=zone, day__gte=local.date(), booked__lt=F("capacity"))
        .exclude(day=local.date(), start__lte=local.time())
        .order_by("day", "start")
    )


def slot_start(slot: Slot) -> datetime:
    return datetime.combine(slot.day, slot.start, SHANGHAI)


def slot_end(slot: Slot) -> datetime:
    return datetime.combine(slot.day, slot.end, SHANGHAI)


def _when(slot: Slot) -> str:
    return slot.label


def _check_phone(phone_key: str, now) -> None:
    count, within, blocked = no_show_rule()
    misses = list(
        Appointment.objects.filter(
            phone_index=phone_key,
            status=AppointmentStatus.NO_SHOW,
            ended_at__gte=now - timedelta(days=within),
        )
        .order_by("-ended_at")
        .values_list("ended_at", flat=True)
    )
    if len(misses) >= count and misses[0] + timedelta(days=blocked) > now:
        until = timezone.localtime(misses[0] + timedelta(days=blocked))
        raise TicketError(
            f"您{within}天内已有{len(misses)}次预约未到，{until:%m月%d日}前暂不能预约，可直接到大厅取号。"
        )
    active = Appointment.objects.filter(
        phone_index=phone_key,
        status=AppointmentStatus.BOOKED,
        slot__day__gte=now.astimezone(SHANGHAI).date(),
    ).count()
    if active >= MAX_ACTIVE_PER_PHONE:
        raise TicketError(
            f"每个手机号最多同时预约{MAX_ACTIVE_PER_PHONE}个时段，请先办理或取消已有预约。"
        )


def _take_place(slot: Slot) -> None:
    took = Slot.objects.filter(pk=slot.pk, booked__lt=F("capacity")).update(booked=F("booked") + 1)
    if not took:
        raise TicketError("该时段已约满，请选择其他时段。")


def _release_place(slot_id: int) -> None:
    Slot.objects.filter(pk=slot_id, booked__gt=0).update(booked=F("booked") - 1)


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))


def manage_link(appointment: Appointment) -> str:
    return settings.SITE_URL + reverse("hall_appointment", args=[appointment.token])


@transaction.atomic
def book(
    slot: Slot, *, name: str, phone: str, item=None, bundle=None, now=None, _from=None
) -> Appointment:
    """Book one place in `slot` for a verified phone, or raise TicketError saying why not."""
    now = now or timezone.now()
    name = (name or "").strip()
    if not name or len(name) > 30:
        raise TicketError("请填写姓名（30字以内）。")
    phone = normalise_phone(phone)
    problem = phone_error(phone)
    if problem:
        raise TicketError(problem)
    if slot_start(slot) <= now:
        raise TicketError("该时段已开始，请选择其他时段。")
    phone_key = blind_index(phone)
    _check_phone(phone_key, now)
    _take_place(slot)
    appointment = Appointment.objects.create(
        slot=slot,
        code=_new_code(),
        name=name,
        phone=phone,
        phone_index=phone_key,
        item=item,
        bundle=bundle,
        created_at=now,
        rescheduled_from=_from,
    )
    zone = slot.zone
    queue_sms(
        phone,
        "hall_booked",
        {
            "hall": zone.hall.name,
            "zone": zone.name,
            "when": _when(slot),
            "code": appointment.code,
            "link": manage_link(appointment),
        },
    )
    return appointment


def _lock(appointment: Appointment) -> Appointment:
    return (
        Appointment.objects.select_for_update()
        .select_related("slot__zone__hall")
        .get(pk=appointment.pk)
    )


@transaction.atomic
def cancel(appointment: Appointment, *, now=None, quiet: bool = False) -> Appointment:
    now = now or timezone.now()
    appointment = _lock(appointment)
    if appointment.status != AppointmentStatus.BOOKED:
        raise TicketError(f"预约当前为“{appointment.get_status_display()}”，不能取消。")
    appointment.status = AppointmentStatus.CANCELLED
    appointment.ended_at = now
    appointment.save(update_fields=["status", "ended_at"])
    _release_place(appointment.slot_id)
    if not quiet:
        queue_sms(appointment.phone, "hall_cancelled", {"when": _when(appointment.slot)})
    return appointment


@transaction.atomic
def reschedule(appointment: Appointment, slot: Slot, *, now=None) -> Appointment:
    """Move to another slot: the new place is taken before the old one is given back."""
    now = now or timezone.now()
    old = _lock(appointment)
    if old.status != AppointmentStatus.BOOKED:
        raise TicketError(f"预约当前为“{old.get_status_display()}”，不能改约。")
    if slot.pk == old.slot_id:
        raise TicketError("请选择另一个时段。")
    old.status = AppointmentStatus.CANCELLED
    old.ended_at = now
    old.save(update_fields=["status", "ended_at"])
    _release_place(old.slot_id)
    return book(
        slot, name=old.name, phone=old.phone, item=old.item, bundle=old.bundle, now=now, _from=old
    )


@transaction.atomic
def check_in(code: str, hall, *, now=None):
    """At the kiosk: the booking code turns the appointment into a priority ticket."""
    now = now or timezone.now()
    code = (code or "").strip().upper()
    found = (
        Appointment.objects.select_for_update()
        .filter(code=code, slot__zone__hall=hall, status=AppointmentStatus.BOOKED)
        .select_related("slot__zone__hall")
        .first()
    )
    if found is None:
        raise TicketError("没有找到这个预约码，请核对短信中的预约码，或直接取号。")
    if not (slot_start(found.slot) - CHECK_IN_EARLY <= now <= slot_end(found.slot)):
        raise TicketError(f"您预约的是{_when(found.slot)}，请在开始前30分钟内到结束前签到。")
    ticket = actions.take_ticket(
        found.slot.zone,
        source=TicketSource.APPOINTMENT,
        lane=Lane.APPOINTMENT,
        phone=found.phone,
        now=now,
    )
    found.status = AppointmentStatus.CHECKED_IN
    found.ticket = ticket
    found.ended_at = now
    found.save(update_fields=["status", "ticket", "ended_at"])
    return found


def send_reminders(now=None) -> int:
    """The day before: one reminder per appointment still booked for tomorrow."""
    now = now or timezone.now()
    tomorrow = now.astimezone(SHANGHAI).date() + timedelta(days=1)
    sent = 0
    due = Appointment.objects.filter(
        status=AppointmentStatus.BOOKED, slot__day=tomorrow, reminded_at__isnull=True
    ).select_related("slot__zone__hall")
    for appointment in due:
        with transaction.atomic():
            if not Appointment.objects.filter(pk=appointment.pk, reminded_at__isnull=True).update(
                reminded_at=now
            ):
                continue
            slot = appointment.slot
            queue_sms(
                appointment.phone,
                "hall_reminder",
                {
                    "when": f"{slot.start:%H:%M}",
                    "hall": slot.zone.hall.name,
                    "zone": slot.zone.name,
                    "code": appointment.code,
                },
            )
            sent += 1
    return sent


def mark_no_shows(now=None) -> int:
    """Appointments not checked in by the slot's end plus a grace period count as 爽约."""
    now = now or timezone.now()
    marked = 0
    local = now.astimezone(SHANGHAI)
    candidates = Appointment.objects.filter(
        status=AppointmentStatus.BOOKED, slot__day__lte=local.date()
    ).select_related("slot")
    for appointment in candidates:
        if slot_end(appointment.slot) + NO_SHOW_GRACE > now:
            continue
        marked += Appointment.objects.filter(
            pk=appointment.pk, status=AppointmentStatus.BOOKED
        ).update(status=AppointmentStatus.NO_SHOW, ended_at=now)
    return marked


def safe_generate(zone: Zone, start: date, days: int) -> int:
    try:
        return generate_slots(zone, start, days)
    except IntegrityError:
        return 0
