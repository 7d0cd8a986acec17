"""The hall's figures, each defined once with its formula in Chinese.

A cohort by the time a ticket was taken (appointments by slot day; 帮代办 and 上门办 by the
time filed or visited). Waiting time of a ticket = the sum of its 等候 segments, counted for
tickets that were called; serving time = the sum of its 办理 segments, counted for tickets
finished. Percentiles are nearest-rank over those tickets, in minutes. The page, the export and
`hall_stats --json` all read `figures()`.
"""

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q

from mashang.deadlines.calendar import SHANGHAI

from .choices import AppointmentStatus, Segment, TicketStatus, VisitStatus
from .models import Appointment, HomeVisit, ProxyFiling, Ticket, TicketSegment


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


def _period(qs, field: str, start, end):
    if start is not None:
        qs = qs.filter(**{f"{field}__gte": start})
    if end is not None:
        qs = qs.filter(**{f"{field}__lt": end})
    return qs


def _times(tickets) -> dict[int, dict]:
    """{ticket id: {"wait": minutes, "serve": minutes, "clerk": id}} from closed segments."""
    out: dict[int, dict] = defaultdict(lambda: {"wait": 0.0, "serve": 0.0, "clerk": None})
    rows = TicketSegment.objects.filter(
        ticket__in=tickets,
        ended_at__isnull=False,
        kind__in=[Segment.WAITING, Segment.SERVING],
    ).values_list("ticket_id", "kind", "started_at", "ended_at", "clerk_id")
    for ticket_id, kind, started, ended, clerk_id in rows.iterator(chunk_size=5000):
        minutes = (ended - started).total_seconds() / 60
        entry = out[ticket_id]
        if kind == Segment.WAITING:
            entry["wait"] += minutes
        else:
            entry["serve"] += minutes
            entry["clerk"] = clerk_id
    return out


def _group(rows: list[tuple], times: dict) -> dict:
    """Headline figures for a group of (id, status, after_hours, called) ticket rows."""
    waits = [times[r[0]]["wait"] for r in rows if r[3] and r[0] in times]
    serves = [times[r[0]]["serve"] for r in rows if r[1] == TicketStatus.DONE and r[0] in times]
    return {
        "tickets": len(rows),
        "served": sum(1 for r in rows if r[1] == TicketStatus.DONE),
        "no_shows": sum(1 for r in rows if r[1] == TicketStatus.NO_SHOW),
        "wait_p50": percentile(waits, 50),
        "wait_p90": percentile(waits, 90),
        "serve_p50": percentile(serves, 50),
        "serve_p90": percentile(serves, 90),
        "after_hours": sum(1 for r in rows if r[2]),
    }


def figures(start: datetime | None = None, end: datetime | None = None, hall=None) -> dict:
    tickets = _period(Ticket.objects.all(), "taken_at", start, end)
    if hall is not None:
        tickets = tickets.filter(hall=hall)
    rows = list(
        tickets.values_list(
            "id",
            "status",
            "after_hours",
            "called_at",
            "zone__letter",
            "zone__name",
            "window__number",
            "clerk__full_name",
            "taken_at",
        )
    )
    times = _times(tickets)
    headline = _group(rows, times)

    def by(key) -> list[dict]:
        groups: dict = defaultdict(list)
        for r in rows:
            k = key(r)
            if k is not None:
                groups[k].append(r)
        return [{"key": k, **_group(g, times)} for k, g in sorted(groups.items())]

    def local(dt):
        return dt.astimezone(SHANGHAI)

    appointments = Appointment.objects.all()
    if start is not None:
        appointments = appointments.filter(slot__day__gte=local(start).date())
    if end is not None:
        appointments = appointments.filter(slot__day__lt=local(end).date())
    if hall is not None:
        appointments = appointments.filter(slot__zone__hall=hall)
    counts = appointments.aggregate(
        booked=Count("id"),
        kept=Count("id", filter=Q(status=AppointmentStatus.CHECKED_IN)),
        cancelled=Count("id", filter=Q(status=AppointmentStatus.CANCELLED)),
        appointment_no_shows=Count("id", filter=Q(status=AppointmentStatus.NO_SHOW)),
    )
    headline.update(counts)
    headline["proxy"] = _period(ProxyFiling.objects.all(), "at", start, end).count()
    visits = _period(HomeVisit.objects.filter(status=VisitStatus.DONE), "visited_at", start, end)
    if hall is not None:
        visits = visits.filter(hall=hall)
    headline["home_visits"] = visits.count()
    return {
        "headline": headline,
        "zones": by(lambda r: f"{r[4]} {r[5]}"),
        "windows": by(lambda r: f"{r[6]}号窗口" if r[6] else None),
        "clerks": by(lambda r: r[7] or None),
        "days": by(lambda r: f"{local(r[8]):%Y-%m-%d}"),
        "months": by(lambda r: f"{local(r[8]):%Y-%m}"),
    }
