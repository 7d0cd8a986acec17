"""Every change on the hall floor: sign-on, tickets, calls. One transaction each.

A ticket action locks the row, checks the move in `workflow`, closes the ticket's open
segment and opens the next one, writes a `TicketEvent`, and queues any SMS in the same
transaction. Calling the next ticket takes it with a conditional UPDATE (status still 等候中),
so two windows calling at once never get the same ticket, on SQLite as on PostgreSQL.
"""

from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone

from mashang.appeals.intake import normalise_phone, phone_error
from mashang.deadlines.calendar import SHANGHAI
from mashang.documents.numbering import next_value
from mashang.notifications.outbox import queue_sms

from .choices import OPEN_TICKET, Lane, Segment, TicketSource, TicketStatus
from .models import Call, Hall, Ticket, TicketEvent, TicketSegment, Window, WindowSession, Zone
from .workflow import CITIZEN, CLERK, SYSTEM, TicketError, authorize

NEAR = 3  # an SMS when this many or fewer are ahead


def local_day(now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(SHANGHAI).date()


# --- duty -------------------------------------------------------------------------------------


def current_session(clerk) -> WindowSession | None:
    return (
        WindowSession.objects.filter(clerk=clerk, ended_at__isnull=True)
        .select_related("window", "window__hall")
        .first()
    )


@transaction.atomic
def sign_on(window: Window, *, clerk) -> WindowSession:
    """Sign `clerk` on to `window` (ending any earlier session of theirs)."""
    if not window.is_active:
        raise TicketError("该窗口已停用。")
    now = timezone.now()
    WindowSession.objects.filter(clerk=clerk, ended_at__isnull=True).update(ended_at=now)
    taken = WindowSession.objects.filter(window=window, ended_at__isnull=True).first()
    if taken is not None:
        raise TicketError(f"{window.label}已由{taken.clerk.display_name}签到。")
    try:
        with transaction.atomic():
            return WindowSession.objects.create(window=window, clerk=clerk, started_at=now)
    except IntegrityError:
        raise TicketError(f"{window.label}刚被其他人签到，请选择其他窗口。") from None


@transaction.atomic
def sign_off(*, clerk) -> int:
    return WindowSession.objects.filter(clerk=clerk, ended_at__isnull=True).update(
        ended_at=timezone.now()
    )


# --- tickets ----------------------------------------------------------------------------------


def _open(ticket, kind, now, *, clerk=None, window=None) -> None:
    TicketSegment.objects.create(
        ticket=ticket, kind=kind, zone_id=ticket.zone_id, window=window, clerk=clerk, started_at=now
    )


def _close(ticket, now) -> None:
    TicketSegment.objects.filter(ticket=ticket, ended_at__isnull=True).update(ended_at=now)


def _event(ticket, action, old, actor=None, note="") -> None:
    TicketEvent.objects.create(
        ticket=ticket,
        action=action,
        actor=actor,
        old_status=old,
        new_status=ticket.status,
        note=note[:200],
    )


class HallClosed(TicketError):
    """Out of hours: a notice for the whole page, not a problem with one answer."""


def closed_message(hall: Hall) -> str:
    return f"{hall.name}当前不在服务时间，请在服务时间内取号。"


def is_after_hours(hall: Hall, now: datetime) -> bool:
    local = now.astimezone(SHANGHAI)
    return hall.hours.filter(
        weekday=local.weekday(), opens__lte=local.time(), closes__gt=local.time(), after_hours=True
    ).exists()


def hall_open(hall: Hall, now: datetime) -> bool:
    """Open when a schedule row covers now; a hall without a schedule is always open."""
    local = now.astimezone(SHANGHAI)
    hours = list(hall.hours.filter(weekday=local.weekday()))
    if not hall.hours.exists():
        return True
    return any(h.opens <= local.time() < h.closes for h in hours)


WEEKDAYS = "一二三四五六日"
LEVELS = {"county": ["county", "township", "village"], "township": ["township", "village"]}


def accepted_items(hall: Hall):
    """Items a hall takes: a station those delegated to its level (a township also the
    villages'); the county centre every item."""
    from mashang.catalog.queries import published_items

    return published_items().filter(level__in=LEVELS.get(hall.level, [hall.level]))


def zone_for(hall: Hall, *, item=None, bundle=None) -> Zone | None:
    """The zone of `hall` that serves an item or a 一件事: for a 一件事 the zone of its topic
    (life event, business stage), else of its lead unit; for an item the zone of its unit, else
    of its topic; else the hall's general zone (the first bound to no unit: 综合受理)."""
    zones = list(Zone.objects.filter(hall=hall).prefetch_related("units", "topics"))
    thing = bundle or item
    if thing is None:
        return None
    topics = set(thing.topics.values_list("pk", flat=True))
    unit_id = bundle.lead_unit_id if bundle is not None else item.unit_id
    by_topic = lambda z: bool(topics & {t.pk for t in z.topics.all()})  # noqa: E731
    by_unit = lambda z: unit_id in {u.pk for u in z.units.all()}  # noqa: E731
    # A 一件事 goes where its life event is served; a single item to its department's zone.
    for matches in (
        *((by_topic, by_unit) if bundle is not None else (by_unit, by_topic)),
        lambda z: not z.units.all(),
    ):
        found = [z for z in zones if matches(z)]
        if found:
            return found[0]
    return None


def schedule(hall: Hall) -> list[str]:
    """The hall's hours as lines people read: 周一 08:30–12:00、12:00–14:30（延时办）…"""
    by_day: dict[int, list[str]] = {}
    for h in hall.hours.order_by("weekday", "opens"):
        text = f"{h.opens:%H:%M}–{h.closes:%H:%M}" + ("（延时办）" if h.after_hours else "")
        by_day.setdefault(h.weekday, []).append(text)
    lines, days = [], sorted(by_day)
    i = 0
    while i < len(days):
        j = i
        while (
            j + 1 < len(days)
            and days[j + 1] == days[j] + 1
            and by_day[days[j + 1]] == by_day[days[i]]
        ):
            j += 1
        span = f"周{WEEKDAYS[days[i]]}" + (f"至周{WEEKDAYS[days[j]]}" if j > i else "")
        lines.append(f"{span} " + "、".join(by_day[days[i]]))
        i = j + 1
    return lines


@transaction.atomic
def take_ticket(
    zone: Zone, *, source: str = TicketSource.KIOSK, lane: str = "", phone: str = "", now=None
) -> Ticket:
    """A ticket numbered per zone and day (A023); a priority lane goes to the front."""
    now = now or timezone.now()
    hall = zone.hall
    if lane not in Lane.values:
        raise TicketError("请选择优先通道类型。")
    if source != TicketSource.APPOINTMENT and lane == Lane.APPOINTMENT:
        raise TicketError("预约优先号请在“预约签到”中领取。")
    if phone:
        phone = normalise_phone(phone)
        problem = phone_error(phone)
        if problem:
            raise TicketError(problem)
    if source != TicketSource.APPOINTMENT and not hall_open(hall, now):
        raise HallClosed(closed_message(hall))
    day = local_day(now)
    serial = next_value(f"ticket:{zone.pk}:{day:%Y%m%d}")
    ticket = Ticket.objects.create(
        hall=hall,
        zone=zone,
        day=day,
        number=f"{zone.letter}{serial:03d}",
        lane=lane,
        source=source,
        phone=phone,
        taken_at=now,
        after_hours=is_after_hours(hall, now),
    )
    _open(ticket, Segment.WAITING, now)
    _event(ticket, "take", "")
    return ticket


def _line(hall_id: int, day: date):
    """Waiting tickets of a hall in calling order: priority lanes first, then by time taken."""
    return (
        Ticket.objects.filter(hall_id=hall_id, day=day, status=TicketStatus.WAITING)
        .annotate(
            ordinary=Case(
                When(lane="", then=Value(1)), default=Value(0), output_field=IntegerField()
            )
        )
        .order_by("ordinary", "taken_at", "id")
    )


def window_zone_ids(window: Window) -> list[int]:
    if window.accepts_all:
        return list(Zone.objects.filter(hall_id=window.hall_id).values_list("id", flat=True))
    return list(window.zones.values_list("id", flat=True))


def waiting_for(window: Window, day: date | None = None):
    zones = window_zone_ids(window)
    return _line(window.hall_id, day or local_day()).filter(
        Q(zone_id__in=zones, for_window__isnull=True) | Q(for_window=window)
    )


def ahead_of(ticket: Ticket) -> int:
    """How many are called before this ticket in its zone's line."""
    if ticket.status != TicketStatus.WAITING:
        return 0
    line = list(
        _line(ticket.hall_id, ticket.day)
        .filter(zone_id=ticket.zone_id)
        .values_list("id", flat=True)
    )
    return line.index(ticket.pk) if ticket.pk in line else 0


def _require_session(clerk) -> WindowSession:
    session = current_session(clerk)
    if session is None:
        raise TicketError("请先签到一个窗口。")
    return session


def call_next(*, clerk, now=None) -> Ticket | None:
    """The next ticket this clerk's window may serve, taken atomically; None if nobody waits."""
    now = now or timezone.now()
    session = _require_session(clerk)
    window = session.window
    if Ticket.objects.filter(
        clerk=clerk, status__in=[TicketStatus.CALLED, TicketStatus.SERVING]
    ).exists():
        raise TicketError("请先办结、暂停或过号当前号码，再叫下一位。")
    for candidate in waiting_for(window, local_day(now))[:5]:
        with transaction.atomic():
            won = Ticket.objects.filter(pk=candidate.pk, status=TicketStatus.WAITING).update(
                status=TicketStatus.CALLED,
                window=window,
                clerk=clerk,
                called_at=now,
                for_window=None,
            )
            if not won:
                continue  # another window took it a moment ago
            ticket = Ticket.objects.select_related("hall", "zone").get(pk=candidate.pk)
            _close(ticket, now)
            _open(ticket, Segment.CALLED, now, clerk=clerk, window=window)
            _event(ticket, "call", TicketStatus.WAITING, clerk)
            _announce(ticket, window, now)
            return ticket
    return None


def _announce(ticket: Ticket, window: Window, now) -> None:
    Call.objects.create(hall_id=ticket.hall_id, ticket=ticket, window=window, at=now)
    if ticket.phone:
        queue_sms(
            ticket.phone, "hall_ticket_called", {"number": ticket.number, "window": window.label}
        )
    _warn_next(ticket)


def _warn_next(ticket: Ticket) -> None:
    """SMS the phones among the next few in this zone's line, once each."""
    line = list(_line(ticket.hall_id, ticket.day).filter(zone_id=ticket.zone_id)[:NEAR])
    for ahead, waiting in enumerate(line):
        if waiting.phone and not waiting.near_sent:
            queue_sms(
                waiting.phone,
                "hall_ticket_near",
                {"number": waiting.number, "ahead": ahead, "hall": ticket.hall.name},
            )
            Ticket.objects.filter(pk=waiting.pk).update(near_sent=True)


@transaction.atomic
def act(
    ticket: Ticket,
    name: str,
    *,
    clerk,
    zone: Zone | None = None,
    window: Window | None = None,
    note: str = "",
    now=None,
) -> Ticket:
    """Recall, start, no-show, hold, resume, transfer or finish a ticket this clerk holds."""
    now = now or timezone.now()
    ticket = Ticket.objects.select_for_update().select_related("hall", "zone").get(pk=ticket.pk)
    move = authorize(ticket, name, by=CLERK, clerk=clerk)
    old = ticket.status
    if name == "transfer":
        if (zone is None) == (window is None):
            raise TicketError("请选择转往的服务区或窗口。")
        target_hall = (zone or window).hall_id
        if target_hall != ticket.hall_id:
            raise TicketError("只能转往本大厅的服务区或窗口。")
        if zone is not None:
            ticket.zone = zone
            ticket.for_window = None
        else:
            ticket.for_window = window
        ticket.window = ticket.clerk = None
        ticket.called_at = None
    ticket.status = move.target
    if move.segment is None:
        ticket.ended_at = now
    _close(ticket, now)
    ticket.save()
    if move.segment is not None:
        held = move.segment != Segment.WAITING
        _open(
            ticket,
            move.segment,
            now,
            clerk=clerk if held else None,
            window=ticket.window if held else None,
        )
    _event(ticket, name, old, clerk, note)
    if name == "recall":
        _announce(ticket, ticket.window, now)
    return ticket


@transaction.atomic
def cancel_ticket(ticket: Ticket, *, system: bool = False, now=None) -> Ticket:
    now = now or timezone.now()
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    authorize(ticket, "cancel", by=SYSTEM if system else CITIZEN)
    _close(ticket, now)
    ticket.status = TicketStatus.CANCELLED
    ticket.ended_at = now
    ticket.save(update_fields=["status", "ended_at"])
    _event(ticket, "cancel", TicketStatus.WAITING)
    return ticket


@transaction.atomic
def link_application(ticket: Ticket, application, *, clerk) -> Ticket:
    """The application started or found at the window belongs to the ticket being served."""
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.clerk_id != clerk.pk or ticket.status not in OPEN_TICKET:
        raise TicketError(f"{ticket.number}号不在您的窗口办理中。")
    from mashang.applications.queries import applications_for

    from .models import ProxyFiling

    mine = applications_for(clerk).filter(pk=application.pk).exists() or (
        ProxyFiling.objects.filter(application=application, proxy=clerk).exists()
    )  # a 帮代办员 sees no case list, but links what they filed themselves
    if not mine:
        raise TicketError("您无权关联这个办件。")
    ticket.application = application
    ticket.save(update_fields=["application"])
    _event(ticket, "link", ticket.status, clerk, application.number)
    return ticket


def end_of_day(now=None) -> dict:
    """Tickets of earlier days still open are closed: waiting ones cancelled, called ones
    marked 过号 (a ticket taken before closing is served the same day, never dropped earlier)."""
    now = now or timezone.now()
    today = local_day(now)
    stale = Ticket.objects.filter(day__lt=today, status__in=[TicketStatus.WAITING])
    cancelled = 0
    for ticket in stale:
        cancel_ticket(ticket, system=True, now=now)
        cancelled += 1
    missed = 0
    for ticket in Ticket.objects.filter(day__lt=today, status=TicketStatus.CALLED):
        with transaction.atomic():
            locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
            authorize(locked, "no_show", by=SYSTEM)
            _close(locked, now)
            locked.status = TicketStatus.NO_SHOW
            locked.ended_at = now
            locked.save(update_fields=["status", "ended_at"])
            _event(locked, "no_show", TicketStatus.CALLED)
            missed += 1
    return {"过期号取消": cancelled, "过期号过号": missed}
