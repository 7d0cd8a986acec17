"""The hall's daily roll-ups (`HallDayFact`): written from the same grain `metrics` counts.

`rebuild(days)` recounts whole past days from the tickets, appointments, 帮代办 filings and
上门办 visits; `refresh()` (a worker job, and `manage.py rollups`) brings them up to date:
days not built yet, and the last few days, whose tickets the end-of-day sweep and the
no-show rule may still close. Days before the first ticket are left alone (in the demo, its
year before the detailed weeks exists only as roll-ups, as after old tickets are purged).
"""

from collections import defaultdict
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from . import metrics
from .choices import VisitStatus
from .models import (
    Appointment,
    HallDayFact,
    HallFactsState,
    HomeVisit,
    ProxyFiling,
    Ticket,
    Zone,
)

RECHECK_DAYS = 3


def _today() -> date:
    return metrics.local(timezone.now()).date()


def rows_for(first: date, last: date) -> list[HallDayFact]:
    """The roll-up rows of the days first..last (inclusive), counted afresh."""
    start, end = metrics.midnight(first), metrics.midnight(last + timedelta(days=1))
    hall_of = dict(Zone.objects.values_list("pk", "hall_id"))
    rows = []
    tickets = Ticket.objects.filter(taken_at__gte=start, taken_at__lt=end)
    for (day, zone_id, window_id, clerk_id), acc in metrics.ticket_grain(tickets).items():
        rows.append(
            HallDayFact(
                day=day,
                hall_id=hall_of[zone_id],
                zone_id=zone_id,
                window_id=window_id,
                clerk_id=clerk_id,
                tickets=acc.tickets,
                served=acc.served,
                no_shows=acc.no_shows,
                after_hours=acc.after_hours,
                waits={str(k): v for k, v in sorted(acc.waits.items())},
                serves={str(k): v for k, v in sorted(acc.serves.items())},
            )
        )
    booked = Appointment.objects.filter(slot__day__gte=first, slot__day__lte=last)
    for (day, zone_id), counts in metrics.appointment_counts(booked).items():
        rows.append(
            HallDayFact(
                day=day,
                hall_id=hall_of[zone_id],
                zone_id=zone_id,
                **{k: counts[k] for k in metrics.APPOINTMENT_COUNTS},
            )
        )
    proxy: dict[date, int] = defaultdict(int)
    for at in ProxyFiling.objects.filter(at__gte=start, at__lt=end).values_list("at", flat=True):
        proxy[metrics.local(at).date()] += 1
    rows += [HallDayFact(day=d, hall=None, proxy=n) for d, n in proxy.items()]
    visits: dict[tuple, int] = defaultdict(int)
    for at, hall_id in HomeVisit.objects.filter(
        status=VisitStatus.DONE, visited_at__gte=start, visited_at__lt=end
    ).values_list("visited_at", "hall_id"):
        visits[(metrics.local(at).date(), hall_id)] += 1
    rows += [HallDayFact(day=d, hall_id=h, home_visits=n) for (d, h), n in visits.items()]
    return rows


@transaction.atomic
def rebuild(first: date, last: date) -> int:
    """Recount the days first..last (only those before today); returns rows written."""
    last = min(last, _today() - timedelta(days=1))
    if last < first:
        return 0
    HallDayFact.objects.filter(day__gte=first, day__lte=last).delete()
    rows = rows_for(first, last)
    HallDayFact.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def first_day() -> date | None:
    """The first day with anything to count (tickets, appointments, filings, visits)."""
    found = [
        Ticket.objects.aggregate(d=Min("day"))["d"],
        Appointment.objects.aggregate(d=Min("slot__day"))["d"],
    ]
    for model, field in ((ProxyFiling, "at"), (HomeVisit, "visited_at")):
        at = model.objects.aggregate(d=Min(field))["d"]
        found.append(metrics.local(at).date() if at else None)
    found = [d for d in found if d is not None]
    return min(found) if found else None


def refresh(now=None, *, full: bool = False) -> int:
    """Bring the roll-ups up to date (everything since the first ticket when `full`)."""
    now = now or timezone.now()
    today = metrics.local(now).date()
    state, _ = HallFactsState.objects.get_or_create(pk=1)
    first = first_day()
    if full or state.built_until is None:
        start = first
    else:
        start = state.built_until - timedelta(days=RECHECK_DAYS)
        if first is not None:
            start = max(start, first)
    written = 0
    if start is not None:
        # a month at a time: one transaction each, memory bounded
        while start < today:
            stop = min(start + timedelta(days=31), today)
            written += rebuild(start, stop - timedelta(days=1))
            start = stop
    HallFactsState.objects.filter(pk=1).update(built_at=now, built_until=today)
    return written
