"""The demo hall floor: the county centre (9 zones, 104 windows), 23 township centres and 445
village stations, hours with 延时办, appointment templates, and a month of queue history."""

import random
from collections import Counter
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from mashang.catalog.choices import TopicKind
from mashang.catalog.models import Topic
from mashang.deadlines import calendar
from mashang.deadlines.calendar import SHANGHAI
from mashang.directory.choices import DivisionLevel, Role, UnitKind
from mashang.directory.models import Division, Staff, Unit

from . import appointments
from .choices import HallKind, Lane, Segment, TicketSource, TicketStatus
from .models import Call, Hall, HallHours, SlotTemplate, Ticket, TicketSegment, Window, Zone

# (letter, zone, windows, units whose items it takes): 104 windows in all (the seed's figure).
ZONES = [
    ("A", "综合受理区", 40, []),
    ("B", "社保医保区", 12, ["县人力资源和社会保障局", "县医疗保障局"]),
    ("C", "不动产登记区", 12, ["县不动产登记中心", "县自然资源局"]),
    ("D", "公安户政出入境区", 8, ["县公安局"]),
    ("E", "税务区", 10, ["县税务局"]),
    ("F", "市场准入区", 8, ["县市场监督管理局", "县行政审批服务局"]),
    ("G", "工程建设项目区", 6, ["县住房和城乡建设局", "县发展和改革局"]),
    ("H", "公积金与水电气区", 4, ["县住房公积金管理部"]),
    ("J", "帮代办与上门办区", 4, ["县民政局", "县残疾人联合会", "县退役军人事务局"]),
]
# The seed's year: 500,000+ applications, a third of them at the centre's windows (the rest
# online or at stations) ≈ 165,000 tickets over ~250 workdays ≈ 660 a workday. The last two
# weeks are detailed tickets (segments, calls: what the workbench and the screen show); the
# year before them exists only as daily roll-ups, as after old tickets are purged, so the
# demo loads in seconds and its figures cover the whole year.
YEAR_DAYS = 365
HISTORY_DAYS = 14
TICKETS_PER_DAY = 660


def _hours(hall: Hall) -> list[HallHours]:
    rows = []
    for wd in range(5):
        rows.append(HallHours(hall=hall, weekday=wd, opens=time(8, 30), closes=time(12)))
        rows.append(
            HallHours(hall=hall, weekday=wd, opens=time(12), closes=time(14, 30), after_hours=True)
        )
        rows.append(HallHours(hall=hall, weekday=wd, opens=time(14, 30), closes=time(17, 30)))
    rows.append(HallHours(hall=hall, weekday=5, opens=time(9), closes=time(12), after_hours=True))
    return rows


@transaction.atomic
def load_demo_hall() -> int:
    """Create the halls once; returns the number of halls made (0 if already there)."""
    if Hall.objects.exists() or not Staff.objects.filter(username="window").exists():
        return 0
    county = Division.objects.get(level=DivisionLevel.COUNTY)
    centre_unit = Unit.objects.get(name="县政务服务中心")
    units = {
        u.name: u for u in Unit.objects.filter(kind__in=[UnitKind.DEPARTMENT, UnitKind.HOSTED])
    }
    centre = Hall.objects.create(
        code="centre",
        name="衡南县政务服务中心",
        kind=HallKind.CENTRE,
        division=county,
        unit=centre_unit,
    )
    number = 0
    zones = []
    for order, (letter, name, count, unit_names) in enumerate(ZONES):
        zone = Zone.objects.create(hall=centre, letter=letter, name=name, order=order)
        zone.units.set([units[n] for n in unit_names if n in units])
        if letter in ("A", "F"):  # life events at 综合受理, business stages at 市场准入
            kind = TopicKind.LIFE if letter == "A" else TopicKind.BUSINESS
            zone.topics.set(Topic.objects.filter(kind=kind))
        zones.append(zone)
        windows = []
        for _ in range(count):
            number += 1
            windows.append(
                Window(
                    hall=centre,
                    number=number,
                    name="综合窗口" if letter == "A" else f"{name}窗口",
                    accepts_all=letter == "A",
                )
            )
        for w in Window.objects.bulk_create(windows):
            w.zones.add(zone)
    HallHours.objects.bulk_create(_hours(centre))
    templates = []
    for zone in zones[:4]:
        for wd in range(5):
            for h in (9, 10, 15, 16):
                templates.append(
                    SlotTemplate(zone=zone, weekday=wd, start=time(h), end=time(h + 1), capacity=6)
                )
        for h in (9, 10):
            templates.append(
                SlotTemplate(
                    zone=zone,
                    weekday=5,
                    start=time(h),
                    end=time(h + 1),
                    capacity=4,
                    after_hours=True,
                )
            )
    SlotTemplate.objects.bulk_create(templates)
    today = timezone.localdate()
    for zone in zones[:4]:
        appointments.generate_slots(zone, today, 14)
    _stations()
    _history(centre, zones)
    from .rollups import refresh

    refresh()  # the detailed weeks' roll-ups, counted from their tickets
    _rolled_year(centre, zones)
    return Hall.objects.count()


def _stations() -> None:
    """23 township centres (4 windows) and 445 village stations (1 window), one zone each."""
    halls = []
    unit_of = {
        u.division_id: u
        for u in Unit.objects.filter(kind__in=[UnitKind.TOWNSHIP, UnitKind.VILLAGE])
    }
    for division in Division.objects.filter(
        level__in=[DivisionLevel.TOWNSHIP, DivisionLevel.VILLAGE]
    ).order_by("path"):
        township = division.level == DivisionLevel.TOWNSHIP
        unit = unit_of.get(division.pk) or unit_of.get(division.parent_id)
        if unit is None:
            continue
        halls.append(
            Hall(
                code=f"{'t' if township else 'v'}{division.code}",
                name=f"{division.name}{'便民服务中心' if township else '便民服务站'}",
                kind=HallKind.TOWNSHIP if township else HallKind.VILLAGE,
                division=division,
                unit=unit,
            )
        )
    halls = Hall.objects.bulk_create(halls, batch_size=500)
    Zone.objects.bulk_create(
        [Zone(hall=h, letter="A", name="便民服务") for h in halls], batch_size=500
    )
    windows = []
    for h in halls:
        for n in range(1, (4 if h.kind == HallKind.TOWNSHIP else 1) + 1):
            windows.append(Window(hall=h, number=n, name="便民服务窗口"))
    Window.objects.bulk_create(windows, batch_size=1000)
    hours = [row for h in halls if h.kind == HallKind.TOWNSHIP for row in _hours(h)]
    HallHours.objects.bulk_create(hours, batch_size=1000)


WEIGHTS = [40, 15, 12, 8, 9, 7, 4, 3, 2]  # share of tickets per zone, A…J


# 延时办 share of the detailed weeks' draw: 150 lunch minutes of 530, 30 % of them kept there
AFTER_HOURS_SHARE = 150 * 0.3 / 530


def _rolled_year(centre: Hall, zones: list[Zone]) -> int:
    """The year before the detailed weeks as daily roll-ups: per workday, window (its clerk of
    the day) and zone, drawn like the detailed tickets; appointments, 帮代办 and 上门办 too.
    Rows are plain dicts written in one executemany (model instances cost seconds here)."""
    from .metrics import tenths

    rng = random.Random(1414)
    r = rng.random
    bucket = [tenths(sec / 60) for sec in range(1801)]  # seconds → histogram key
    clerks = [s.pk for s in Staff.objects.filter(is_active=True) if s.has_role(Role.WINDOW_CLERK)]
    windows = {
        z.pk: list(Window.objects.filter(zones=z).order_by("number").values_list("pk", "number"))
        for z in zones
    }
    today = timezone.localdate()
    rows = []
    for back in range(YEAR_DAYS, HISTORY_DAYS, -1):
        day = today - timedelta(days=back)
        if not calendar.is_workday(day):
            continue
        for zone, weight in zip(zones, WEIGHTS, strict=True):
            zone_tickets = round(TICKETS_PER_DAY * weight / sum(WEIGHTS) * rng.uniform(0.8, 1.2))
            at = windows[zone.pk]
            for i, (window_id, number) in enumerate(at):
                n = zone_tickets // len(at) + (i < zone_tickets % len(at))
                if not n:
                    continue
                waits, serves = Counter(), Counter()
                late = missed = 0
                for _ in range(n):  # the same draws as _history's tickets
                    late += r() < AFTER_HOURS_SHARE
                    waits[bucket[30 + int(r() * 1771)]] += 1
                    if r() < 0.04:
                        missed += 1
                    else:
                        serves[bucket[120 + int(r() * 1381)]] += 1
                rows.append(
                    {
                        "day": day,
                        "hall_id": centre.pk,
                        "zone_id": zone.pk,
                        "window_id": window_id,
                        "clerk_id": clerks[(number + day.toordinal()) % len(clerks)],
                        "tickets": n,
                        "served": n - missed,
                        "no_shows": missed,
                        "after_hours": late,
                        "waits": {str(k): v for k, v in waits.items()},
                        "serves": {str(k): v for k, v in serves.items()},
                    }
                )
            if zone.letter in "ABCD":  # the zones taking appointments
                kept = round(zone_tickets * 0.07)
                cancelled, missed = rng.randint(0, 3), rng.randint(0, 2)
                rows.append(
                    {
                        "day": day,
                        "hall_id": centre.pk,
                        "zone_id": zone.pk,
                        "booked": kept + cancelled + missed,
                        "kept": kept,
                        "cancelled": cancelled,
                        "appointment_no_shows": missed,
                    }
                )
        rows.append({"day": day, "hall_id": None, "proxy": rng.randint(8, 20)})
        rows.append({"day": day, "hall_id": centre.pk, "home_visits": rng.randint(1, 5)})
    from .models import HallDayFact

    _insert(HallDayFact, rows)
    return len(rows)


def _insert(model, rows: list[dict]) -> None:
    """Rows as plain dicts in one executemany: model instances cost seconds at this size."""
    import json

    from django.db import connection

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields}
    json_fields = {f.attname for f in fields if f.get_internal_type() == "JSONField"}
    cast = "::jsonb" if connection.vendor == "postgresql" else ""
    marks = ", ".join(f"%s{cast}" if f.attname in json_fields else "%s" for f in fields)
    sql = (
        f"INSERT INTO {model._meta.db_table} "
        f"({', '.join(f.column for f in fields)}) VALUES ({marks})"
    )
    timed = {
        f.attname: f
        for f in fields
        if f.get_internal_type() in ("DateField", "DateTimeField")  # UTC text on SQLite
    }

    def prep(name, value):
        if name in json_fields:
            return json.dumps(value)
        if name in timed and value is not None:
            return timed[name].get_db_prep_save(value, connection)
        return value

    values = []
    for row in rows:
        full = {**defaults, **row}
        values.append([prep(f.attname, full[f.attname]) for f in fields])
    with connection.cursor() as cursor:
        for i in range(0, len(values), 5000):
            cursor.executemany(sql, values[i : i + 5000])


def _history(centre: Hall, zones: list[Zone]) -> None:
    """A month of finished tickets with their segments, so figures have something to show."""
    rng = random.Random(14)
    clerks = [s for s in Staff.objects.filter(is_active=True) if s.has_role(Role.WINDOW_CLERK)]
    windows = {z.pk: list(Window.objects.filter(zones=z)) for z in zones}
    weights = WEIGHTS
    today = timezone.localdate()
    tickets, spans = [], []
    for back in range(HISTORY_DAYS, 0, -1):
        day = today - timedelta(days=back)
        if not calendar.is_workday(day):
            continue
        counters: dict[str, int] = {}
        for _ in range(TICKETS_PER_DAY):
            zone = rng.choices(zones, weights)[0]
            counters[zone.letter] = counters.get(zone.letter, 0) + 1
            minute = rng.randrange(8 * 60 + 30, 17 * 60 + 20)
            if 12 * 60 <= minute < 14 * 60 + 30 and rng.random() < 0.7:
                minute -= 180  # fewer people at lunch
            taken = datetime.combine(day, time(minute // 60, minute % 60), SHANGHAI)
            wait = timedelta(seconds=rng.randint(30, 1800))
            walk = timedelta(seconds=rng.randint(10, 90))
            serve = timedelta(seconds=rng.randint(120, 1500))
            no_show = rng.random() < 0.04
            lane = rng.choices(["", Lane.ELDERLY, Lane.APPOINTMENT, Lane.DISABLED], [85, 7, 7, 1])[
                0
            ]
            window = rng.choice(windows[zone.pk])
            clerk = rng.choice(clerks)
            called = taken + wait
            end = called + walk if no_show else called + walk + serve
            ticket = Ticket(
                hall=centre,
                zone=zone,
                day=day,
                number=f"{zone.letter}{counters[zone.letter]:03d}",
                lane=lane,
                source=TicketSource.APPOINTMENT if lane == Lane.APPOINTMENT else TicketSource.KIOSK,
                status=TicketStatus.NO_SHOW if no_show else TicketStatus.DONE,
                taken_at=taken,
                window=window,
                clerk=clerk,
                called_at=called,
                ended_at=end,
                after_hours=time(12) <= taken.time() < time(14, 30),
            )
            tickets.append(ticket)
            spans.append((taken, called, walk, serve, no_show, window, clerk))
    tickets = Ticket.objects.bulk_create(tickets, batch_size=2000)
    segments, calls = [], []
    for ticket, (taken, called, walk, serve, no_show, window, clerk) in zip(
        tickets, spans, strict=True
    ):
        base = {"ticket_id": ticket.pk, "zone_id": ticket.zone_id}
        segments.append({**base, "kind": Segment.WAITING, "started_at": taken, "ended_at": called})
        at = {"window_id": window.pk, "clerk_id": clerk.pk}
        segments.append(
            {
                **base,
                **at,
                "kind": Segment.CALLED,
                "started_at": called,
                "ended_at": called + walk,
            }
        )
        if not no_show:
            segments.append(
                {
                    **base,
                    **at,
                    "kind": Segment.SERVING,
                    "started_at": called + walk,
                    "ended_at": called + walk + serve,
                }
            )
        calls.append(Call(hall=centre, ticket=ticket, window=window, at=called))
    _insert(TicketSegment, segments)
    Call.objects.bulk_create(calls[-50:])
