"""The hall's figures, each defined once with its formula in Chinese.

A cohort by the time a ticket was taken (appointments by slot day; 帮代办 and 上门办 by the
time filed or visited). Waiting time of a ticket = the sum of its 等候 segments, counted for
tickets that were called; serving time = the sum of its 办理 segments, counted for tickets
finished. Percentiles are nearest-rank over those tickets, in minutes rounded to 0.1.

Everything is first counted at one grain, per day × zone × window × clerk (`Acc`: counts and
histograms of waits and serving times in tenths of a minute). Whole past days come from the
daily roll-ups (`HallDayFact`, written by `rollups.rebuild` from this same grain), the rest
from the tickets; both are merged before any percentile is taken, so the figures are the same
either way. The page, the 数据大屏, the export, `stats --json` and `hall_stats --json` all read
`figures()`.
"""

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.contrib.auth import get_user_model
from django.db.models import Count, Q

from mashang.deadlines.calendar import SHANGHAI

from .choices import AppointmentStatus, Segment, TicketStatus, VisitStatus
from .models import (
    Appointment,
    HallDayFact,
    HallFactsState,
    HomeVisit,
    ProxyFiling,
    Ticket,
    TicketSegment,
    Window,
    Zone,
)


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    formula: str


METRICS = [
    Metric("tickets", "取号数", "期间取号的号数"),
    Metric("served", "办结号数", "状态为已办结的号数"),
    Metric("no_shows", "过号数", "叫号后未到窗口而过号的号数"),
    Metric("wait_p50", "等候时间中位数（分钟）", "被叫号的号，各自等候段时长之和的第50百分位"),
    Metric("wait_p90", "等候时间P90（分钟）", "同上，第90百分位"),
    Metric("serve_p50", "办理时间中位数（分钟）", "已办结的号，各自办理段时长之和的第50百分位"),
    Metric("serve_p90", "办理时间P90（分钟）", "同上，第90百分位"),
    Metric("after_hours", "延时办", "在延时服务时段（如午间、周六）取号的号数"),
    Metric("booked", "预约数", "预约时段在期间内的预约（含已取消）"),
    Metric("kept", "预约已签到", "按时签到的预约"),
    Metric("cancelled", "预约取消", "已取消的预约"),
    Metric("appointment_no_shows", "预约爽约", "未签到而爽约的预约"),
    Metric("proxy", "帮代办", "代办员依授权代为提交的办件数"),
    Metric("home_visits", "上门办", "已上门办理的次数"),
]


def percentile(values: list[float], p: int) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(math.ceil(p / 100 * len(ordered)), 1)
    return round(ordered[rank - 1], 1)


def tenths(minutes: float) -> int:
    """A time's histogram bucket: minutes rounded to 0.1, in tenths."""
    return round(round(minutes, 1) * 10)


def hist_percentile(hist: dict, p: int) -> float | None:
    """Nearest-rank percentile of a histogram {tenths: count}: equal to `percentile` of the
    values it counts (rounding is monotone, so the k-th rounded value is the rounded k-th)."""
    total = sum(hist.values())
    if not total:
        return None
    rank = max(math.ceil(p / 100 * total), 1)
    seen = 0
    for key in sorted(hist, key=int):
        seen += hist[key]
        if seen >= rank:
            return round(int(key) / 10, 1)
    return None  # unreachable


@dataclass
class Acc:
    tickets: int = 0
    served: int = 0
    no_shows: int = 0
    after_hours: int = 0
    waits: Counter = field(default_factory=Counter)
    serves: Counter = field(default_factory=Counter)

    def add(self, other: "Acc") -> None:
        self.tickets += other.tickets
        self.served += other.served
        self.no_shows += other.no_shows
        self.after_hours += other.after_hours
        self.waits.update(other.waits)
        self.serves.update(other.serves)

    def result(self) -> dict:
        return {
            "tickets": self.tickets,
            "served": self.served,
            "no_shows": self.no_shows,
            "wait_p50": hist_percentile(self.waits, 50),
            "wait_p90": hist_percentile(self.waits, 90),
            "serve_p50": hist_percentile(self.serves, 50),
            "serve_p90": hist_percentile(self.serves, 90),
            "after_hours": self.after_hours,
        }


APPOINTMENT_COUNTS = ["booked", "kept", "cancelled", "appointment_no_shows"]
OTHER_COUNTS = [*APPOINTMENT_COUNTS, "proxy", "home_visits"]


def _period(qs, field: str, start, end):
    if start is not None:
        qs = qs.filter(**{f"{field}__gte": start})
    if end is not None:
        qs = qs.filter(**{f"{field}__lt": end})
    return qs


def _times(tickets) -> dict[int, dict]:
    """{ticket id: {"wait": minutes, "serve": minutes}} from closed segments."""
    out: dict[int, dict] = defaultdict(lambda: {"wait": 0.0, "serve": 0.0})
    rows = TicketSegment.objects.filter(
        ticket__in=tickets,
        ended_at__isnull=False,
        kind__in=[Segment.WAITING, Segment.SERVING],
    ).values_list("ticket_id", "kind", "started_at", "ended_at")
    for ticket_id, kind, started, ended in rows.iterator(chunk_size=5000):
        minutes = (ended - started).total_seconds() / 60
        out[ticket_id]["wait" if kind == Segment.WAITING else "serve"] += minutes
    return out


def ticket_grain(tickets) -> dict[tuple, Acc]:
    """{(day, zone id, window id, clerk id): Acc} counted from the tickets themselves."""
    times = _times(tickets)
    out: dict[tuple, Acc] = defaultdict(Acc)
    rows = tickets.values_list(
        "id", "status", "after_hours", "called_at", "day", "zone_id", "window_id", "clerk_id"
    )
    for pk, status, after_hours, called_at, day, zone_id, window_id, clerk_id in rows.iterator(
        chunk_size=5000
    ):
        acc = out[(day, zone_id, window_id, clerk_id)]
        acc.tickets += 1
        acc.served += status == TicketStatus.DONE
        acc.no_shows += status == TicketStatus.NO_SHOW
        acc.after_hours += bool(after_hours)
        if pk in times:
            if called_at is not None:
                acc.waits[tenths(times[pk]["wait"])] += 1
            if status == TicketStatus.DONE:
                acc.serves[tenths(times[pk]["serve"])] += 1
    return out


def appointment_counts(appointments) -> dict[tuple, dict]:
    """{(slot day, zone id): {booked, kept, cancelled, appointment_no_shows}}."""
    rows = (
        appointments.values("slot__day", "slot__zone_id")
        .order_by()
        .annotate(
            booked=Count("id"),
            kept=Count("id", filter=Q(status=AppointmentStatus.CHECKED_IN)),
            cancelled=Count("id", filter=Q(status=AppointmentStatus.CANCELLED)),
            appointment_no_shows=Count("id", filter=Q(status=AppointmentStatus.NO_SHOW)),
        )
    )
    return {(r["slot__day"], r["slot__zone_id"]): r for r in rows}


def local(dt: datetime) -> datetime:
    return dt.astimezone(SHANGHAI)


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), SHANGHAI)


def built_until() -> date | None:
    state = HallFactsState.objects.filter(pk=1).first()
    return state.built_until if state else None


def _split(start, end) -> date | None:
    """The first day counted live: roll-ups answer the whole days before it (None: none)."""
    covered = built_until()
    if covered is None:
        return None
    if start is not None and (local(start).time() != time(0) or local(start).date() >= covered):
        return None  # a period starting mid-day, or after the roll-ups, is counted live
    return covered if end is None else min(covered, local(end).date())


def _rolled(split: date, start, hall, grain: dict, other: dict) -> None:
    facts = HallDayFact.objects.filter(day__lt=split)
    if start is not None:
        facts = facts.filter(day__gte=local(start).date())
    if hall is not None:
        facts = facts.filter(Q(hall=hall) | Q(hall__isnull=True))  # 帮代办 has no hall
    counted = ["day", "zone_id", "window_id", "clerk_id", "tickets", "served", "no_shows"]
    rows = facts.values_list(*counted, "after_hours", "waits", "serves", *OTHER_COUNTS)
    for row in rows.iterator(chunk_size=5000):
        for k, value in zip(OTHER_COUNTS, row[10:], strict=True):
            other[k] += value
        if row[4]:
            day, zone_id, window_id, clerk_id, tickets, served, no_shows, late, waits, serves = row[
                :10
            ]
            acc = grain[(day, zone_id, window_id, clerk_id)]
            acc.tickets += tickets
            acc.served += served
            acc.no_shows += no_shows
            acc.after_hours += late
            for k, v in waits.items():
                acc.waits[int(k)] += v
            for k, v in serves.items():
                acc.serves[int(k)] += v


def _live(start, end, hall, grain: dict, other: dict) -> None:
    tickets = _period(Ticket.objects.all(), "taken_at", start, end)
    if hall is not None:
        tickets = tickets.filter(hall=hall)
    for key, acc in ticket_grain(tickets).items():
        grain[key].add(acc)
    appointments = Appointment.objects.all()
    if start is not None:
        appointments = appointments.filter(slot__day__gte=local(start).date())
    if end is not None:
        appointments = appointments.filter(slot__day__lt=local(end).date())
    if hall is not None:
        appointments = appointments.filter(slot__zone__hall=hall)
    for counts in appointment_counts(appointments).values():
        for k in APPOINTMENT_COUNTS:
            other[k] += counts[k]
    other["proxy"] += _period(ProxyFiling.objects.all(), "at", start, end).count()
    visits = _period(HomeVisit.objects.filter(status=VisitStatus.DONE), "visited_at", start, end)
    if hall is not None:
        visits = visits.filter(hall=hall)
    other["home_visits"] += visits.count()


def figures(start: datetime | None = None, end: datetime | None = None, hall=None) -> dict:
    split = _split(start, end)
    grain: dict[tuple, Acc] = defaultdict(Acc)
    other = dict.fromkeys(OTHER_COUNTS, 0)
    if split is None:
        _live(start, end, hall, grain, other)
    else:
        _rolled(split, start, hall, grain, other)
        if end is None or end > midnight(split):
            _live(midnight(split), end, hall, grain, other)
    return _present(grain, other)


def natural(text: str) -> tuple:
    """Sort key reading the numbers in a label as numbers: 1号窗口, 2号…, 10号, 100号 (not
    1号, 10号, 100号, 2号 as text would), and 窗口员2 before 窗口员10."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", text))


def _present(grain: dict, other: dict) -> dict:
    zones = {
        z.pk: f"{z.letter} {z.name}" for z in Zone.objects.filter(pk__in={k[1] for k in grain})
    }
    windows = {
        w.pk: f"{w.number}号窗口" for w in Window.objects.filter(pk__in={k[2] for k in grain})
    }
    clerks = dict(
        get_user_model().objects.filter(pk__in={k[3] for k in grain}).values_list("pk", "full_name")
    )
    total = Acc()
    for acc in grain.values():
        total.add(acc)

    def by(label) -> list[dict]:
        groups: dict = defaultdict(Acc)
        for key, acc in grain.items():
            k = label(key)
            if k is not None:
                groups[k].add(acc)
        ordered = sorted(groups.items(), key=lambda item: natural(str(item[0])))
        return [{"key": k, **acc.result()} for k, acc in ordered]

    return {
        "headline": {**total.result(), **other},
        "zones": by(lambda k: zones.get(k[1])),
        "windows": by(lambda k: windows.get(k[2])),
        "clerks": by(lambda k: clerks.get(k[3]) or None),
        "days": by(lambda k: f"{k[0]:%Y-%m-%d}"),
        "months": by(lambda k: f"{k[0]:%Y-%m}"),
    }
