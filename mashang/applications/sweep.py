"""The applications' part of the worker's deadline pass (called next to the appeals' sweep).

Yellow at 75 % of the promised limit, red when it passes (one message per unit per batch, an
event per application); 容缺: an SMS reminder one working day before the supplement deadline,
and when it passes without the material the application lapses into 撤回 (`actions.lapse`).
Rows are claimed with a conditional UPDATE (and SKIP LOCKED on PostgreSQL), as the appeals'
sweep does, so two workers never raise the same warning twice.
"""

from django.db import transaction
from django.utils import timezone

from mashang.deadlines import calendar
from mashang.deadlines.sweep import _lockable, _when
from mashang.notifications.models import Message
from mashang.notifications.outbox import queue_sms, queue_unit_message, unit_message

from . import actions
from .choices import Status
from .models import Application, ApplicationEvent
from .workflow import TransitionError


def _claim(qs, flag: str, now, limit: int) -> list[Application]:
    """Mark up to `limit` due rows; locked rows (another worker's batch) are skipped."""
    with transaction.atomic():
        ids = list(_lockable(qs).values_list("pk", flat=True)[:limit])
        Application.objects.filter(pk__in=ids, **{f"{flag}__isnull": True}).update(**{flag: now})
    return list(
        Application.objects.filter(pk__in=ids)
        .select_related("unit")
        .only("number", "status", "due_at", "unit__name", "unit__kind")
    )


def _per_unit(rows, template: str) -> list[Message]:
    groups: dict[int, tuple] = {}
    for a in rows:
        groups.setdefault(a.unit_id, (a.unit, []))[1].append(a)
    out = []
    for unit, items in groups.values():
        numbers = "、".join(a.number for a in items[:20]) + ("等" if len(items) > 20 else "")
        out.append(
            unit_message(
                unit,
                template,
                {"numbers": numbers, "count": len(items), "due": _when(items[0].due_at)},
            )
        )
    return out


def run_application_sweep(now=None, limit: int = 2000) -> dict[str, int]:
    now = now or timezone.now()
    counts = {"warned": 0, "overdue": 0, "reminded": 0, "lapsed": 0}
    base = Application.objects.filter(status__in=[Status.ACCEPTED, Status.DEFERRED])
    while True:
        rows = _claim(
            base.filter(warn_at__lte=now, warned_at__isnull=True).order_by("warn_at"),
            "warned_at",
            now,
            limit,
        )
        if rows:
            Message.objects.bulk_create(_per_unit(rows, "application_warning"))
        counts["warned"] += len(rows)
        if len(rows) < limit:
            break
    while True:
        rows = _claim(
            base.filter(due_at__lte=now, overdue_at__isnull=True).order_by("due_at"),
            "overdue_at",
            now,
            limit,
        )
        if rows:
            ApplicationEvent.objects.bulk_create(
                [
                    ApplicationEvent(
                        application=a,
                        kind="overdue",
                        new_status=a.status,
                        note=f"承诺时限已超时（期限 {_when(a.due_at)}）",
                    )
                    for a in rows
                ]
            )
            Message.objects.bulk_create(_per_unit(rows, "application_overdue"))
        counts["overdue"] += len(rows)
        if len(rows) < limit:
            break
    # 容缺: remind one working day before the deadline (the parent carries it for a bundle).
    deferred = Application.objects.filter(status=Status.DEFERRED, parent__isnull=True)
    for a in deferred.filter(supplement_reminded_at__isnull=True, supplement_due_at__gt=now):
        if calendar.add_working_days(now, 1) < a.supplement_due_at:
            continue
        with transaction.atomic():
            if Application.objects.filter(pk=a.pk, supplement_reminded_at__isnull=True).update(
                supplement_reminded_at=now
            ):
                queue_sms(
                    a.applicant_phone,
                    "application_reminder",
                    {
                        "number": a.number,
                        "date": f"{timezone.localtime(a.supplement_due_at):%m月%d日}",
                    },
                )
                counts["reminded"] += 1
    for a in deferred.filter(supplement_due_at__lte=now).order_by("supplement_due_at")[:limit]:
        try:
            actions.lapse(a)
        except TransitionError:
            continue  # supplemented or withdrawn a moment ago
        counts["lapsed"] += 1
    counts["bad_ratings"] = _bad_ratings(now)
    return counts


def _bad_ratings(now) -> int:
    """A 差评 nobody contacted within 1 working day: the supervision office is told, once."""
    from mashang.directory.choices import UnitKind
    from mashang.directory.models import Unit

    from .models import ServiceRating

    supervision = Unit.objects.filter(kind=UnitKind.SUPERVISION).first()
    due = ServiceRating.objects.filter(
        contact_due_at__lte=now, contacted_at__isnull=True, overdue_notified_at__isnull=True
    )
    done = 0
    for row in due.select_related("application", "unit")[:500]:
        with transaction.atomic():
            if not ServiceRating.objects.filter(pk=row.pk, overdue_notified_at__isnull=True).update(
                overdue_notified_at=now
            ):
                continue
            if supervision is not None:
                label = row.application.number if row.application else f"{row.unit.name}窗口"
                queue_unit_message(supervision, "application_bad_rating", {"number": label})
            done += 1
    return done
