"""One pass of the deadline sweep: yellow at 75 %, red when overdue, escalation, 督办.

Each kind of item is read through a partial index (only what is due), in batches claimed with
`SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL and marked with one conditional
`UPDATE … WHERE warned_at IS NULL RETURNING id`: whichever worker marks a row first raises its
warning, so passes are idempotent and several copies may run at once (SQLite runs one copy).
Messages and events of a batch are written with bulk inserts in the batch's transaction.
"""

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from mashang.appeals.models import Appeal, AppealEvent
from mashang.core.dates import short_when
from mashang.directory.choices import UnitKind
from mashang.directory.models import Unit
from mashang.notifications.models import Message
from mashang.notifications.outbox import queue_unit_message, unit_message

from . import calendar
from .models import OrderStatus, SupervisionOrder
from .rules import DEFAULTS

LIMIT_LABELS = {
    "dispatch": "分拨时限",
    "acknowledge": "受理告知时限",
    **{k: "办结时限" for k in DEFAULTS if k.startswith("complete_")},
}


SWEEP_FIELDS = [
    "number",
    "type",
    "status",
    "due_key",
    "due_at",
    "lead_unit__name",
    "lead_unit__kind",
]


def _lockable(qs):
    if connection.features.has_select_for_update_skip_locked:
        return qs.select_for_update(skip_locked=True, of=("self",))
    return qs


class _Desks:
    """The county's dispatch desk, supervision office and discipline commission, read once."""

    def __init__(self):
        units = {
            u.kind: u
            for u in Unit.objects.filter(
                kind__in=[UnitKind.DISPATCH, UnitKind.SUPERVISION, UnitKind.DISCIPLINE]
            )
        }
        self.dispatch = units.get(UnitKind.DISPATCH)
        self.supervision = units.get(UnitKind.SUPERVISION)
        self.discipline = units.get(UnitKind.DISCIPLINE)

    def responsible(self, appeal):
        if appeal.is_accusation:
            return self.discipline
        if appeal.due_key == "dispatch" or appeal.lead_unit_id is None:
            return self.dispatch
        return appeal.lead_unit


def _when(dt) -> str:
    return short_when(dt, chinese=True)


def _mark(ids: list[int], flag: str, now) -> list[int]:
    """Set `flag` where it is still empty; returns the ids this worker won.

    One UPDATE … RETURNING per batch (PostgreSQL, and SQLite ≥ 3.35): a row another worker
    marked first is simply not returned, so nothing is raised twice."""
    if not ids:
        return []
    table = Appeal._meta.db_table
    column = Appeal._meta.get_field(flag).column
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE "{table}" SET "{column}" = %s WHERE "id" IN ({marks}) '
            f'AND "{column}" IS NULL RETURNING "id"',
            [connection.ops.adapt_datetimefield_value(now), *ids],
        )
        return [row[0] for row in cursor.fetchall()]


def _batches(qs, flag: str, now, limit: int, handle) -> int:
    """Claim due rows in batches of `limit`, each batch one transaction, until none is left.

    A worker killed mid-pass loses only its open batch (rolled back): the next pass redoes it.
    """
    done = 0
    while True:
        with transaction.atomic():
            ids = list(_lockable(qs).values_list("pk", flat=True)[:limit])
            won = _mark(ids, flag, now)
            if won:
                rows = list(
                    Appeal.objects.filter(pk__in=won)
                    .select_related("lead_unit")
                    .only(*SWEEP_FIELDS)  # no personal data decrypted for a warning
                )
                handle(rows)
        done += len(won)
        if len(ids) < limit:
            return done


def run_sweep(now=None, limit: int = 2000) -> dict[str, int]:
    """One pass over everything due; returns how many items of each kind it handled."""
    now = now or timezone.now()
    desks = _Desks()

    def per_unit(rows, template: str) -> list[Message]:
        """One message per responsible unit per batch: a unit with thirty red appeals gets
        one line listing them, not thirty (and the sweep stays cheap at county scale)."""
        groups: dict[int, tuple] = {}
        for appeal in rows:
            unit = desks.responsible(appeal)
            if unit is not None:
                groups.setdefault(unit.pk, (unit, []))[1].append(appeal)
        messages = []
        for unit, items in groups.values():
            first = items[0]
            numbers = "、".join(a.number for a in items[:20]) + ("等" if len(items) > 20 else "")
            messages.append(
                unit_message(
                    unit,
                    template,
                    {
                        "count": len(items),
                        "numbers": numbers,
                        "limit": LIMIT_LABELS.get(first.due_key, "时限"),
                        "due": _when(first.due_at),
                    },
                    appeal=first if len(items) == 1 else None,
                )
            )
        return messages

    def warn(rows):
        Message.objects.bulk_create(per_unit(rows, "deadline_warning"))

    escalated: list[str] = []

    def overdue(rows):
        events = []
        for appeal in rows:
            label = LIMIT_LABELS.get(appeal.due_key, "时限")
            events.append(
                AppealEvent(
                    appeal=appeal,
                    kind="overdue",
                    new_status=appeal.status,
                    note=f"{label}已超时（期限 {_when(appeal.due_at)}）",
                )
            )
            if not appeal.is_accusation:  # accusations stay with the commission
                escalated.append(appeal.number)
        AppealEvent.objects.bulk_create(events)
        Message.objects.bulk_create(per_unit(rows, "deadline_overdue"))

    def bad_rating(rows):
        if desks.supervision:
            Message.objects.bulk_create(
                [
                    unit_message(
                        desks.supervision,
                        "bad_rating_overdue",
                        {"number": appeal.number},
                        appeal=appeal,
                    )
                    for appeal in rows
                ]
            )

    appeals = Appeal.objects.all()
    counts = {
        "warned": _batches(
            appeals.filter(
                warn_at__isnull=False, warned_at__isnull=True, warn_at__lte=now
            ).order_by("warn_at"),
            "warned_at",
            now,
            limit,
            warn,
        ),
        "overdue": _batches(
            appeals.filter(due_at__isnull=False, overdue_at__isnull=True, due_at__lte=now).order_by(
                "due_at"
            ),
            "overdue_at",
            now,
            limit,
            overdue,
        ),
        "bad_ratings": _batches(
            appeals.filter(
                bad_rating_due_at__isnull=False,
                bad_rating_contacted_at__isnull=True,
                bad_rating_overdue_at__isnull=True,
                bad_rating_due_at__lte=now,
            ).order_by("bad_rating_due_at"),
            "bad_rating_overdue_at",
            now,
            limit,
            bad_rating,
        ),
        "orders": _escalate_orders(now, limit, desks),
    }
    if escalated and desks.supervision:
        # One digest per pass to the supervision office, however many went red at once.
        shown = "、".join(escalated[:20]) + ("等" if len(escalated) > 20 else "")
        queue_unit_message(
            desks.supervision, "overdue_digest", {"count": len(escalated), "numbers": shown}
        )
    return counts


def _escalate_orders(now, limit, desks) -> int:
    """An unanswered 督办 past its date escalates, and again each working day after."""
    done = 0
    with transaction.atomic():
        qs = (
            SupervisionOrder.objects.select_related("appeal", "unit")
            .filter(status=OrderStatus.OPEN, next_escalation_at__lte=now)
            .order_by("next_escalation_at")
        )
        for order in _lockable(qs)[:limit]:
            nxt = calendar.add_working_days(now, 1)
            moved = SupervisionOrder.objects.filter(
                pk=order.pk, status=OrderStatus.OPEN, next_escalation_at=order.next_escalation_at
            ).update(escalations=F("escalations") + 1, next_escalation_at=nxt)
            if not moved:
                continue
            params = {"number": order.appeal.number, "times": order.escalations + 1}
            queue_unit_message(
                order.unit, "order_overdue", {**params, "unit": ""}, appeal=order.appeal
            )
            if desks.supervision:
                queue_unit_message(
                    desks.supervision,
                    "order_overdue",
                    {**params, "unit": f"，承办：{order.unit.name}"},
                    appeal=order.appeal,
                )
            done += 1
    return done
