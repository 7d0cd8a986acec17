"""Building and reading the daily roll-ups (models.DailyFact).

`figures()` answers a dashboard request from the roll-ups for whole past days and from the
appeals themselves for today (and for filters the roll-ups cannot express, like a village),
then sums the two: the numbers are the same either way (tested), only the cost differs.

The roll-ups' part of each figure is cached (Django's cache) under the roll-ups' version, which
every write to them replaces in the same transaction (`bump_version`): a cached part is always
the sum the roll-ups would give now; today's part is counted live on every request.
"""

import uuid
from datetime import date, datetime, timedelta

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr, TruncDate, TruncDay, TruncMonth, TruncWeek
from django.utils import timezone

from mashang.appeals.models import Appeal
from mashang.deadlines.calendar import SHANGHAI
from mashang.deadlines.models import SupervisionOrder

from . import metrics
from .models import (
    AccusationDayFact,
    AccusationMonthFact,
    DailyFact,
    FactsState,
    MonthlyFact,
    UnitDayFact,
)

KEYS = list(metrics.COUNTS) + ["orders"]
# How long a cached roll-up part is kept: a new version makes it unreachable at once anyway.
CACHE_SECONDS = 6 * 3600
DIMS = {"township": "township", "kind": "kind", "type": "type"}


def _today() -> date:
    return timezone.now().astimezone(SHANGHAI).date()


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), SHANGHAI)


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _rebuild_months(months: set[date] | None) -> None:
    """Sum the day roll-ups of the given months (all when None) into their month tables."""
    if months is not None and not months:
        return
    counts = [*metrics.COUNTS, "orders"]
    _sum_months(DailyFact, MonthlyFact, months, ["township", "kind", "type"], counts)
    _sum_months(
        AccusationDayFact, AccusationMonthFact, months, ["township", "kind"], ["accusations"]
    )


def _sum_months(daily_model, monthly_model, months, dims: list[str], sums: list[str]) -> None:
    """One month table rebuilt from its day table: rows per month and `dims`, `sums` added."""
    daily, monthly = daily_model.objects.all(), monthly_model.objects.all()
    if months is not None:
        daily = daily.filter(day__gte=min(months), day__lt=_next_month(max(months)))
        monthly = monthly.filter(day__in=months)
    monthly.delete()
    rows = (
        daily.annotate(month=TruncMonth("day"))
        .values("month", *dims)
        .order_by()
        .annotate(**{c: Sum(c) for c in sums})
    )
    made = []
    for row in rows:
        month = row.pop("month")  # a datetime on PostgreSQL (date_trunc), a date on SQLite
        month = month.date() if isinstance(month, datetime) else month
        if months is None or month in months:
            made.append(monthly_model(day=month, **row))
    monthly_model.objects.bulk_create(made, batch_size=5000)


def _grouped(qs):
    return (
        qs.annotate(
            fday=TruncDate("received_at", tzinfo=SHANGHAI),
            ftown=Substr("division__path", *metrics.TOWNSHIP_IN_PATH),
        )
        .values("fday", "ftown", "lead_unit_id", "kind", "type")
        .order_by()
    )


def _count(appeals, keys: list[str]):
    """Counts per group of `keys`, with 督办 orders per group from a second query."""
    aggregates = {
        key: Count("id", filter=cond) if cond else Count("id")
        for key, cond in metrics.COUNTS.items()
    }
    grouped = (
        appeals.annotate(
            fday=TruncDate("received_at", tzinfo=SHANGHAI),
            ftown=Substr("division__path", *metrics.TOWNSHIP_IN_PATH),
        )
        .values(*keys)
        .order_by()
    )
    rows = {tuple(r[k] for k in keys): r for r in grouped.annotate(**aggregates)}
    order_keys = [f"appeal__{k}" if not k.startswith("f") else k for k in keys]
    orders = (
        SupervisionOrder.objects.filter(appeal__in=appeals)
        .annotate(
            fday=TruncDate("appeal__received_at", tzinfo=SHANGHAI),
            ftown=Substr("appeal__division__path", *metrics.TOWNSHIP_IN_PATH),
        )
        .values(*order_keys)
        .order_by()
        .annotate(n=Count("id"))
    )
    for o in orders:
        key = tuple(o[k] for k in order_keys)
        if key in rows:
            rows[key]["orders"] = o["n"]
    return rows


@transaction.atomic
def rebuild(days: set[date] | None = None) -> int:
    """Recount the given days (all days before today when None); returns rows written."""
    today = _today()
    received = Appeal.objects.filter(received_at__lt=_midnight(today))
    day_facts, unit_facts = DailyFact.objects.all(), UnitDayFact.objects.all()
    accusation_facts = AccusationDayFact.objects.all()
    if days is not None:
        days = {d for d in days if d < today}
        if not days:
            return 0
        received = received.filter(
            received_at__gte=_midnight(min(days)),
            received_at__lt=_midnight(max(days) + timedelta(days=1)),
        )
        day_facts, unit_facts = day_facts.filter(day__in=days), unit_facts.filter(day__in=days)
        accusation_facts = accusation_facts.filter(day__in=days)
    appeals = received.not_accusations()

    def wanted(day):
        return days is None or day in days

    by_place = _count(appeals, ["fday", "ftown", "kind", "type"])
    by_unit = _count(appeals.filter(lead_unit__isnull=False), ["fday", "lead_unit_id"])
    accused = (
        _grouped(received.accusations()).values("fday", "ftown", "kind").annotate(n=Count("id"))
    )
    day_facts.delete()
    unit_facts.delete()
    accusation_facts.delete()
    counts = list(metrics.COUNTS) + ["orders"]
    DailyFact.objects.bulk_create(
        [
            DailyFact(
                day=k[0],
                township=k[1] or "",
                kind=k[2] or "",
                type=k[3],
                **{c: row.get(c, 0) for c in counts},
            )
            for k, row in by_place.items()
            if wanted(k[0])
        ],
        batch_size=5000,
    )
    UnitDayFact.objects.bulk_create(
        [
            UnitDayFact(day=k[0], unit_id=k[1], **{c: row.get(c, 0) for c in counts})
            for k, row in by_unit.items()
            if wanted(k[0])
        ],
        batch_size=5000,
    )
    made = [
        AccusationDayFact(
            day=row["fday"],
            township=row["ftown"] or "",
            kind=row["kind"] or "",
            accusations=row["n"],
        )
        for row in accused
        if wanted(row["fday"])
    ]
    AccusationDayFact.objects.bulk_create(made, batch_size=5000)
    _rebuild_months(None if days is None else {d.replace(day=1) for d in days})
    bump_version()
    return len(by_place) + len(by_unit) + len(made)


def refresh(now=None) -> int:
    """Bring the roll-ups up to date: the days whose appeals changed since the last build, and
    any day that has ended since then. The worker calls this every pass."""
    now = now or timezone.now()
    today = _today()
    state, _ = FactsState.objects.get_or_create(pk=1)
    if state.built_at is None:
        written = rebuild()
    else:
        # Accusations too: their number per day is rolled up (AccusationDayFact).
        changed = set(
            Appeal.objects.filter(updated_at__gte=state.built_at)
            .annotate(fday=TruncDate("received_at", tzinfo=SHANGHAI))
            .values_list("fday", flat=True)
            .distinct()
        )
        since = state.built_until or today
        changed |= {since + timedelta(days=i) for i in range((today - since).days)}
        written = rebuild(changed)
    # rebuild() gave a new version if it wrote a past day; a pass that found nothing keeps the
    # cached past (the worker refreshes every 30 s; a new day changes the cache key's split).
    FactsState.objects.filter(pk=1).update(built_at=now, built_until=today)
    return written


def bump_version() -> None:
    """A new version of the roll-ups: call it in the transaction that writes them (what was
    cached under the old one is never read again)."""
    FactsState.objects.filter(pk=1).update(version=uuid.uuid4())


def built_until() -> date | None:
    state = FactsState.objects.filter(pk=1).first()
    return state.built_until if state else None


def _state() -> tuple[date | None, uuid.UUID | None]:
    """The roll-ups' coverage and version, in one query."""
    return FactsState.objects.filter(pk=1).values_list("built_until", "version").first() or (
        None,
        None,
    )


# ---- reading --------------------------------------------------------------------------------


class Figures:
    """Headline, breakdowns and trend for one scope, from roll-ups and live appeals."""

    def __init__(self, *, since=None, until=None, division=None, unit_id=None, kind="", type=""):
        self.since, self.until = since, until
        self.division, self.unit_id, self.kind, self.type = division, unit_id, kind, type
        covered, self.version = _state()
        # Roll-ups hold whole past days by township; anything finer is counted live.
        usable = covered is not None and (
            division is None or division.level in ("county", "township", "city", "province")
        )
        self.split = _midnight(covered) if usable else None
        if self.split and since and since >= self.split:
            self.split = None
        if self.split and until and until <= self.split:
            self.split = until
        self._cached: dict | None = None

    def _rolled(self, name: str, compute):
        """The roll-ups' part `name` of a figure (None where they cannot answer), cached under
        the roll-ups' version and this scope's past days: one cache read per request. Callers
        copy it before adding today's part."""
        if self.split is None:
            return None
        key = ":".join(
            str(p)
            for p in (
                "stats:rolled",
                self.version,
                self.split.isoformat(),
                self.since.isoformat() if self.since else "",
                self.division.pk if self.division else "",
                self.unit_id or "",
                self.kind,
                self.type,
            )
        )
        if self._cached is None:
            self._cached = cache.get(key) or {}
        if name not in self._cached:
            self._cached[name] = compute()
            cache.set(key, self._cached, CACHE_SECONDS)
        return self._cached[name]

    def _facts(self, dim: str | None = None, monthly: bool = True, *, accusations=False):
        """The roll-up querysets for the past days of this scope (their rows summed answer
        it), or None where the roll-ups cannot answer (then everything is counted live).

        Months wholly inside the period are read from MonthlyFact (when `monthly`), the
        days around them from DailyFact: the same sums, from a twentieth of the rows. With
        `accusations`, from the accusations' own pair (which knows no appeal type)."""
        if self.split is None:
            return None
        if accusations:
            day_model, month_model, of_type = AccusationDayFact, AccusationMonthFact, ""
        else:
            day_model, month_model, of_type = DailyFact, MonthlyFact, self.type
        place_filters = bool(
            self.kind
            or of_type
            or (self.division is not None and self.division.level == "township")
        )
        end = self.split.astimezone(SHANGHAI).date()
        start = self.since.astimezone(SHANGHAI).date() if self.since else None
        if not accusations and (dim == "unit" or self.unit_id):
            if place_filters:
                return None
            qs = UnitDayFact.objects.all()
            if self.unit_id:
                qs = qs.filter(unit_id=self.unit_id)
            qs = qs.filter(day__lt=end)
            return [qs.filter(day__gte=start) if start else qs]

        def scoped(qs):
            if self.division is not None and self.division.level == "township":
                qs = qs.filter(township=self.division.code)
            if self.kind:
                qs = qs.filter(kind=self.kind)
            if of_type:
                qs = qs.filter(type=of_type)
            return qs

        daily = scoped(day_model.objects.all())
        # Whole months: from the first month that starts on or after `start` to the month
        # that holds `end` (exclusive).
        first = start if start is None or start.day == 1 else _next_month(start)
        last = end.replace(day=1)
        if not monthly or (first is not None and first >= last):
            qs = daily.filter(day__lt=end)
            return [qs.filter(day__gte=start) if start else qs]
        months = scoped(month_model.objects.filter(day__lt=last))
        parts = [months.filter(day__gte=first) if first else months]
        days = Q(day__gte=last, day__lt=end)
        if start and start < first:
            days |= Q(day__gte=start, day__lt=first)
        parts.append(daily.filter(days))
        return parts

    def _live(self, rolled: bool = True):
        since = (self.split or self.since) if rolled else self.since
        if rolled and self.split and self.until and self.until <= self.split:
            return None  # the roll-ups answered the whole period

        return metrics.base_queryset(
            since=since,
            until=self.until,
            division=self.division,
            unit_id=self.unit_id,
            kind=self.kind,
            type=self.type,
        )

    def _by_place(self) -> list[dict] | None:
        """The roll-ups' rows of this scope summed per (township, QR kind, type): one query per
        part, from which the headline and the three place breakdowns are all added up (once
        per Figures), where four queries per part would each sum the same rows again."""
        if not hasattr(self, "_place_rows"):
            facts = self._facts()
            self._place_rows = None
            if facts is not None and self.unit_id:
                # A unit's roll-ups (UnitDayFact) know no place: their totals only.
                self._place_rows = [
                    {k: v or 0 for k, v in part.aggregate(**{k: Sum(k) for k in KEYS}).items()}
                    for part in facts
                ]
            elif facts is not None:
                self._place_rows = [
                    row
                    for part in facts
                    for row in part.values(*DIMS.values())
                    .order_by()
                    .annotate(**{k: Sum(k) for k in KEYS})
                ]
        return self._place_rows

    def _headline_rolled(self) -> dict | None:
        rows = self._by_place()
        if rows is None:
            return None
        total = dict.fromkeys(KEYS, 0)
        for row in rows:
            for key in KEYS:
                total[key] += row[key]
        return total

    def headline(self) -> dict:
        rolled = self._rolled("headline", self._headline_rolled)
        total = dict(rolled) if rolled is not None else dict.fromkeys(KEYS, 0)
        live = self._live(rolled=rolled is not None)
        if live is not None:
            counts = metrics.headline(live)
            for key in KEYS:
                total[key] += counts[key]
        return metrics.finish(total)

    def accusations(self) -> int:
        """metrics.accusation_count for this period, place and QR kind (of any appeal type
        filter: accusations are a type of their own), from the roll-ups for whole past days."""

        def rolled():
            facts = self._facts(accusations=True)
            if facts is None:
                return None
            return sum(part.aggregate(n=Sum("accusations"))["n"] or 0 for part in facts)

        total = self._rolled("accusations", rolled)
        if total is not None and self.until and self.until <= self.split:
            return total  # the roll-ups answered the whole period
        return (total or 0) + metrics.accusation_count(
            since=self.split if total is not None else self.since,
            until=self.until,
            division=self.division,
            kind=self.kind,
        )

    def _breakdown_rolled(self, dim: str) -> dict | None:
        if dim in DIMS and self.unit_id:
            return None  # a unit's roll-ups know no place: counted live
        if dim in DIMS:
            rows = self._by_place()
        else:
            facts = self._facts(dim)
            rows = facts and [
                row
                for part in facts
                for row in part.values("unit_id")
                .order_by()
                .annotate(**{k: Sum(k) for k in metrics.COUNTS})
            ]
        if rows is None:
            return None
        merged: dict = {}
        field = DIMS.get(dim, "unit_id")
        for row in rows:
            into = merged.setdefault(row[field], dict.fromkeys(metrics.COUNTS, 0))
            for k in metrics.COUNTS:
                into[k] += row[k] or 0
        return merged

    def breakdown(self, dim: str) -> list[dict]:
        rolled = self._rolled(f"breakdown:{dim}", lambda: self._breakdown_rolled(dim))
        merged = {key: dict(counts) for key, counts in (rolled or {}).items()}
        live = self._live(rolled=rolled is not None)
        if live is not None:
            for row in metrics.breakdown(live, dim):
                into = merged.setdefault(row["key"], dict.fromkeys(metrics.COUNTS, 0))
                for k in metrics.COUNTS:
                    into[k] += row[k]
        return [
            metrics.finish({"key": key, **counts})
            for key, counts in sorted(merged.items(), key=lambda kv: str(kv[0]))
        ]

    def _trend_rolled(self, granularity: str) -> dict | None:
        # Monthly rows can only fill monthly buckets; days and weeks read the daily rows.
        facts = self._facts(monthly=granularity == "month")
        if facts is None:
            return None
        buckets: dict = {}
        trunc = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}.get(granularity, TruncDay)
        for part in facts:
            for row in (
                part.annotate(bucket=trunc("day"))
                .values("bucket")
                .order_by("bucket")
                .annotate(
                    received=Sum("received"), effective=Sum("effective"), completed=Sum("completed")
                )
            ):
                bucket = row["bucket"]
                bucket = bucket.date() if isinstance(bucket, datetime) else bucket
                into = buckets.setdefault(bucket, {"received": 0, "effective": 0, "completed": 0})
                for k in ("received", "effective", "completed"):
                    into[k] += row[k] or 0
        return buckets

    def trend(self, granularity: str = "day") -> list[dict]:
        rolled = self._rolled(f"trend:{granularity}", lambda: self._trend_rolled(granularity))
        buckets = {bucket: dict(counts) for bucket, counts in (rolled or {}).items()}
        live = self._live(rolled=rolled is not None)
        if live is not None:
            for row in metrics.trend(live, granularity):
                bucket = row["bucket"].astimezone(SHANGHAI).date()
                into = buckets.setdefault(bucket, {"received": 0, "effective": 0, "completed": 0})
                for k in ("received", "effective", "completed"):
                    into[k] += row[k]
        if granularity == "day" and (buckets or self.since) and self.until:
            # Every day of the period on the axis, the quiet ones as zeros.
            first = self.since.astimezone(SHANGHAI).date() if self.since else min(buckets)
            # ...up to the period's end, or tomorrow when it reaches into the future.
            last = min(self.until.astimezone(SHANGHAI).date(), _today() + timedelta(days=1))
            for i in range((last - first).days):
                buckets.setdefault(
                    first + timedelta(days=i), {"received": 0, "effective": 0, "completed": 0}
                )
        return [{"bucket": b, **v} for b, v in sorted(buckets.items())]
