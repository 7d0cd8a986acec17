"""The applications' daily roll-ups (ApplicationDayFact, RatingDayFact): building them.

A day's rows are recounted whenever one of its applications (by day received) or ratings (by
day rated) changed since the last pass; `metrics` reads whole past days from here and counts
the rest live, so the figures are the same either way (tested) and only the cost differs.
"""

from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from mashang.deadlines.calendar import SHANGHAI, month_batches

from . import metrics
from .choices import UNDER_REVIEW
from .models import (
    Application,
    ApplicationDayFact,
    ApplicationFactsState,
    RatingDayFact,
    ServiceRating,
)

# A change committed a little after the pass that should have seen it (a sweep's `now` is taken
# before its UPDATE) is still caught: the next pass looks this far back.
MARGIN = timedelta(minutes=2)
FACT_GROUP = ["fday", "role", "unit_id", "bundle_id", "channel", "level"]
RATING_FACT_GROUP = ["fday", "unit_id", "clerk_id", "kind"]


def today() -> date:
    return timezone.now().astimezone(SHANGHAI).date()


def midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), SHANGHAI)


def first_whole_day(since: datetime | None) -> date | None:
    """The first day wholly inside [since, …); None when the period has no start."""
    if since is None:
        return None
    day = since.astimezone(SHANGHAI).date()
    return day if midnight(day) >= since else day + timedelta(days=1)


def last_whole_day_end(until: datetime | None, covered: date) -> date:
    """The end (exclusive) of the days wholly inside (…, until) that the roll-ups cover."""
    if until is None:
        return covered
    return min(covered, until.astimezone(SHANGHAI).date())


def built_until() -> date | None:
    state = ApplicationFactsState.objects.filter(pk=1).first()
    return state.built_until if state else None


def _runs(days: set[date]) -> list[tuple[date, date]]:
    """Consecutive days as [first, end) runs: the rows are read by index ranges."""
    runs: list[list[date]] = []
    for day in sorted(days):
        if runs and runs[-1][1] == day:
            runs[-1][1] = day + timedelta(days=1)
        else:
            runs.append([day, day + timedelta(days=1)])
    return [(a, b) for a, b in runs]


def _in_days(field: str, days: set[date] | None, before: date) -> Q:
    if days is None:
        return Q(**{f"{field}__lt": midnight(before)})
    q = Q(pk__in=[])
    for first, end in _runs(days):
        q |= Q(**{f"{field}__gte": midnight(first), f"{field}__lt": midnight(end)})
    return q


@transaction.atomic
def rebuild(days: set[date] | None = None) -> int:
    """Recount the given days (every day before today when None); returns rows written."""
    now_day = today()
    if days is not None:
        days = {d for d in days if d < now_day}
        if not days:
            return 0
    apps = (
        Application.objects.filter(_in_days("received_at", days, now_day))
        .annotate(fday=TruncDate("received_at", tzinfo=SHANGHAI), role=metrics.ROLE)
        .values(*FACT_GROUP)
        .order_by()
        .annotate(**metrics.aggregates())
    )
    ratings = (
        ServiceRating.objects.filter(_in_days("at", days, now_day))
        .annotate(fday=TruncDate("at", tzinfo=SHANGHAI))
        .values(*RATING_FACT_GROUP)
        .order_by()
        .annotate(**metrics.rating_aggregates())
    )
    old_facts, old_ratings = ApplicationDayFact.objects.all(), RatingDayFact.objects.all()
    if days is not None:
        old_facts, old_ratings = old_facts.filter(day__in=days), old_ratings.filter(day__in=days)
    old_facts.delete()
    old_ratings.delete()
    written = 0
    batch: list = []
    for row in apps.iterator(chunk_size=5000):
        batch.append(
            ApplicationDayFact(
                day=row["fday"],
                role=row["role"],
                unit_id=row["unit_id"],
                bundle_id=row["bundle_id"],
                channel=row["channel"],
                level=row["level"] or "",
                **{k: row[k] or 0 for k in metrics.KEYS},
            )
        )
        if len(batch) >= 5000:
            written += len(ApplicationDayFact.objects.bulk_create(batch))
            batch = []
    written += len(ApplicationDayFact.objects.bulk_create(batch))
    rating_rows = [
        RatingDayFact(
            day=row["fday"],
            unit_id=row["unit_id"],
            clerk_id=row["clerk_id"],
            kind=row["kind"],
            **{k: row[k] for k in metrics.RATING_KEYS},
        )
        for row in ratings
    ]
    written += len(RatingDayFact.objects.bulk_create(rating_rows, batch_size=5000))
    return written


def _days(qs, field: str) -> set[date]:
    return set(
        qs.annotate(fday=TruncDate(field, tzinfo=SHANGHAI))
        .values_list("fday", flat=True)
        .order_by()
        .distinct()
    )


def changed_days(since: datetime) -> set[date]:
    """The days whose counts may have moved since `since`: applications saved (every action
    saves `updated_at`), applications under review marked overdue by the sweep (a bare
    UPDATE), ratings given or called back."""
    mark = since - MARGIN
    days = _days(Application.objects.filter(updated_at__gte=mark), "received_at")
    days |= _days(
        Application.objects.filter(status__in=list(UNDER_REVIEW), overdue_at__gte=mark),
        "received_at",
    )
    days |= _days(ServiceRating.objects.filter(Q(at__gte=mark) | Q(called_back_at__gte=mark)), "at")
    return days


def refresh(now=None) -> int:
    """Bring the roll-ups up to date: the days that changed since the last pass, and every day
    that has ended since then. The worker calls this every pass (job `application_rollups`)."""
    now = now or timezone.now()
    day = today()
    state, _ = ApplicationFactsState.objects.get_or_create(pk=1)
    if state.built_at is None:
        written = rebuild()
    else:
        changed = changed_days(state.built_at)
        since = state.built_until or day
        changed |= {since + timedelta(days=i) for i in range((day - since).days)}
        written = rebuild(changed)
    ApplicationFactsState.objects.filter(pk=1).update(built_at=now, built_until=day)
    return written


def rebuild_all(tick=None) -> tuple[int, int]:
    """Every past day, a month at a time (`manage.py rollups`); returns (months, rows)."""
    started = timezone.now()
    firsts = [
        Application.objects.order_by("received_at").values_list("received_at", flat=True).first(),
        ServiceRating.objects.order_by("at").values_list("at", flat=True).first(),
    ]
    firsts = [f for f in firsts if f is not None]
    end = today()
    months = month_batches(min(firsts).astimezone(SHANGHAI).date(), end) if firsts else []
    written = 0
    if not months:
        written = rebuild()
    for days in months:
        written += rebuild(days)
        if tick:
            tick(1)
    ApplicationFactsState.objects.update_or_create(
        pk=1, defaults={"built_at": started, "built_until": end}
    )
    return len(months), written
