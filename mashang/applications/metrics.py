"""The applications' figures, each defined once with its formula in Chinese.

A cohort by date received, like the appeals' figures. The county's headline counts each
application once (a 一件事 as one, through its parent); the per-unit table counts what each
unit reviews (single items and bundle parts); the channels count like the headline (how the
citizen filed), so they add up to 收件数. Rates are None when their base is zero.

Every figure is a sum of counts grouped by (role, unit, channel, level) — and 好差评 by
(unit, clerk, kind). Whole past days come from the daily roll-ups (`facts.py`), the rest
(today, or days the roll-ups do not cover yet) from the rows themselves, and both go through
the same `_Totals`: the page, its export, `stats --json` and `application_stats` print the
same numbers whichever way they were counted (tested against the rows in test_facts.py).
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, CharField, Count, F, Q, Sum, Value, When

from mashang.appeals.choices import BAD_RATINGS, SATISFIED_RATINGS

from .choices import Channel, Decision, RatingKind, Status
from .models import Application, ApplicationDayFact, RatingDayFact, ServiceRating

DONE = [Status.DECIDED, Status.COMPLETED]

COUNTS = {
    "received": Q(),
    "online": Q(channel=Channel.ONLINE) | Q(channel=Channel.API),
    "window": Q(channel=Channel.WINDOW),
    "station": Q(channel=Channel.STATION),
    "bundles": Q(bundle__isnull=False),
    "accepted": Q(accepted_at__isnull=False),
    "refused_acceptance": Q(status=Status.REFUSED),
    "withdrawn": Q(status=Status.WITHDRAWN),
    "decided": Q(status__in=DONE),
    "approved": Q(status__in=DONE, decision=Decision.APPROVE),
    "on_time": Q(status__in=DONE, decided_at__lte=F("promised_due_at")),
    "within_legal": Q(status__in=DONE, decided_at__lte=F("legal_due_at")),
    "instant": Q(instant=True),
    "first_time": Q(status__in=DONE, corrections=0),
    "open": Q(status__in=[Status.SUBMITTED, Status.CORRECTION, Status.ACCEPTED, Status.DEFERRED]),
    "overdue_open": Q(status__in=[Status.ACCEPTED, Status.DEFERRED], overdue_at__isnull=False),
    "rated": Q(rating__gt=""),
    "satisfied": Q(rating__in=list(SATISFIED_RATINGS)),
}


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    formula: str
    rate_of: tuple[str, str]


METRICS = [
    Metric(
        "on_time_rate",
        "按承诺时限办结率",
        "承诺时限内作出决定的件数 ÷ 已作出决定的件数",
        ("on_time", "decided"),
    ),
    Metric(
        "legal_rate",
        "按法定时限办结率",
        "法定时限内作出决定的件数 ÷ 已作出决定的件数",
        ("within_legal", "decided"),
    ),
    Metric(
        "instant_rate", "即办率", "当场办结的即办件数 ÷ 已作出决定的件数", ("instant", "decided")
    ),
    Metric(
        "first_time_rate",
        "一次办成率",
        "未经补正即作出决定的件数 ÷ 已作出决定的件数",
        ("first_time", "decided"),
    ),
    Metric(
        "online_rate", "网上办理率", "网上（含接口）提交的件数 ÷ 收件数", ("online", "received")
    ),
    Metric(
        "satisfaction_rate",
        "满意度（一事一评）",
        "非常满意、满意、基本满意的办件数 ÷ 已评价的办件数",
        ("satisfied", "rated"),
    ),
    Metric(
        "acceptance_rate", "受理率", "受理（含容缺受理）的件数 ÷ 收件数", ("accepted", "received")
    ),
]


def _rate(num: int, den: int) -> float | None:
    if not den:
        return None
    return float((Decimal(100 * num) / den).quantize(Decimal("0.01"), ROUND_HALF_UP))


def _avg(total, n: int) -> float | None:
    """An average to 0.01; the sum is first rounded to 1e-6 so that adding the same values in
    another order (roll-ups, then rows) cannot move the last digit."""
    if not n:
        return None
    return float((Decimal(repr(round(total, 6))) / n).quantize(Decimal("0.01"), ROUND_HALF_UP))


# ---- the counts, grouped --------------------------------------------------------------------

# single: an item applied for alone; parent: a 一件事 as the applicant filed it; part: one item
# of a 一件事, reviewed by its own unit. The headline counts single + parent, units single + part.
ROLE = Case(
    When(parent__isnull=False, then=Value("part")),
    When(bundle__isnull=False, then=Value("parent")),
    default=Value("single"),
    output_field=CharField(),
)
HEAD_ROLES = ("single", "parent")
UNIT_ROLES = ("single", "part")
SUMS = ["days_used_sum", "days_used_n", "promised_sum", "promised_n"]
KEYS = list(COUNTS) + SUMS
GROUP = ["role", "unit_id", "channel", "level"]

RATING_KEYS = ["rated", "satisfied", "bad", "bad_called_back"]
RATING_GROUP = ["unit_id", "clerk_id", "kind"]


def aggregates() -> dict:
    """The count of every condition and the sums behind the averages, for one group of rows."""
    args = {k: Count("pk", filter=q) if k != "received" else Count("pk") for k, q in COUNTS.items()}
    used = Q(status__in=DONE, days_used__isnull=False)
    promised = Q(status__in=DONE, promised_days__isnull=False)
    args["days_used_sum"] = Sum("days_used", filter=used)
    args["days_used_n"] = Count("pk", filter=used)
    args["promised_sum"] = Sum("promised_days", filter=promised)
    args["promised_n"] = Count("pk", filter=promised)
    return args


def rating_aggregates() -> dict:
    bad = Q(rating__in=list(BAD_RATINGS))
    return {
        "rated": Count("pk"),
        "satisfied": Count("pk", filter=Q(rating__in=list(SATISFIED_RATINGS))),
        "bad": Count("pk", filter=bad),
        "bad_called_back": Count("pk", filter=bad & Q(called_back_at__isnull=False)),
    }


def _ranges(since, until, use_facts: bool):
    """(first day, end day) of the roll-ups to read, and the [from, to) spans of rows to count
    live around them. Roll-ups only hold whole days before `facts.built_until()`."""
    from . import facts

    covered = facts.built_until() if use_facts else None
    if covered is None:
        return None, [(since, until)]
    lo = facts.first_whole_day(since)
    hi = facts.last_whole_day_end(until, covered)
    if lo is not None and lo >= hi:
        return None, [(since, until)]
    spans = []
    if since is not None and facts.midnight(lo) > since:
        spans.append((since, facts.midnight(lo)))
    if until is None or until > facts.midnight(hi):
        spans.append((facts.midnight(hi), until))
    return (lo, hi), spans


def _span_filter(spans, field: str) -> Q:
    """Rows in any of the [from, to) spans (an open end is unbounded)."""
    q = None
    for start, end in spans:
        bounds = {}
        if start is not None:
            bounds[f"{field}__gte"] = start
        if end is not None:
            bounds[f"{field}__lt"] = end
        if not bounds:
            return Q()  # every row (an empty Q would vanish from an OR)
        q = Q(**bounds) if q is None else q | Q(**bounds)
    return q if q is not None else Q(pk__in=[])


def _add(into: dict, row: dict, keys) -> None:
    for k in keys:
        into[k] = into.get(k, 0) + (row[k] or 0)


class _Totals:
    """The grouped counts of one period: roll-up rows for its whole past days plus live rows."""

    def __init__(self, since=None, until=None, *, use_facts: bool = True):
        days, spans = _ranges(since, until, use_facts)
        self.groups: dict[tuple, dict] = {}
        self.rating_groups: dict[tuple, dict] = {}
        if days is not None:
            facts = ApplicationDayFact.objects.filter(day__lt=days[1])
            ratings = RatingDayFact.objects.filter(day__lt=days[1])
            if days[0] is not None:
                facts = facts.filter(day__gte=days[0])
                ratings = ratings.filter(day__gte=days[0])
            for row in facts.values(*GROUP).order_by().annotate(**{k: Sum(k) for k in KEYS}):
                _add(self.groups.setdefault(tuple(row[g] for g in GROUP), {}), row, KEYS)
            for row in (
                ratings.values(*RATING_GROUP)
                .order_by()
                .annotate(**{k: Sum(k) for k in RATING_KEYS})
            ):
                key = tuple(row[g] for g in RATING_GROUP)
                _add(self.rating_groups.setdefault(key, {}), row, RATING_KEYS)
        spans = [s for s in spans if s[0] is None or s[1] is None or s[0] < s[1]]
        if spans:
            live = (
                Application.objects.filter(_span_filter(spans, "received_at"))
                .annotate(role=ROLE)
                .values(*GROUP)
                .order_by()
                .annotate(**aggregates())
            )
            for row in live:
                _add(self.groups.setdefault(tuple(row[g] for g in GROUP), {}), row, KEYS)
            live_ratings = (
                ServiceRating.objects.filter(_span_filter(spans, "at"))
                .values(*RATING_GROUP)
                .order_by()
                .annotate(**rating_aggregates())
            )
            for row in live_ratings:
                key = tuple(row[g] for g in RATING_GROUP)
                _add(self.rating_groups.setdefault(key, {}), row, RATING_KEYS)

    def _sum(self, roles, key_of) -> dict:
        out: dict = {}
        for key, counts in self.groups.items():
            group = dict(zip(GROUP, key, strict=True))
            if group["role"] in roles:
                _add(out.setdefault(key_of(group), dict.fromkeys(KEYS, 0)), counts, KEYS)
        return out

    def headline(self) -> dict:
        return _with_rates(self._sum(HEAD_ROLES, lambda g: None).get(None, dict.fromkeys(KEYS, 0)))

    def by_unit(self) -> list[dict]:
        from mashang.directory.models import Unit

        per_unit = self._sum(UNIT_ROLES, lambda g: g["unit_id"])
        names = dict(Unit.objects.filter(pk__in=list(per_unit)).values_list("pk", "name"))
        rows = sorted(per_unit.items(), key=lambda kv: (-kv[1]["received"], kv[0]))
        return [{"unit": names.get(unit_id, ""), **_with_rates(c)} for unit_id, c in rows]

    def by_dimension(self, field: str) -> dict:
        """The channel is how the citizen filed: counted like the headline (a 一件事 once), so
        the channels add up to 收件数. The level is where each item is handled: counted per
        reviewed item, like the per-unit table."""
        roles = HEAD_ROLES if field == "channel" else UNIT_ROLES
        per = self._sum(roles, lambda g: g[field] or "bundle")
        return {k: v["received"] for k, v in sorted(per.items())}

    def ratings(self) -> dict:
        c = dict.fromkeys(RATING_KEYS, 0)
        c["window"] = 0
        for (_unit, _clerk, kind), counts in self.rating_groups.items():
            _add(c, counts, RATING_KEYS)
            if kind == RatingKind.WINDOW:
                c["window"] += counts["rated"]
        c["satisfaction"] = _rate(c["satisfied"], c["rated"])
        c["bad_handled_rate"] = _rate(c["bad_called_back"], c["bad"])
        return c

    def ratings_by_clerk(self) -> list[dict]:
        from mashang.directory.models import Staff, Unit

        # A clerk is rated for the service at the window, whichever unit's item it was: one
        # row per clerk, under the clerk's own unit (Staff.unit), not the application's.
        per: dict[int, dict] = {}
        for (_unit_id, clerk_id, _kind), counts in self.rating_groups.items():
            if clerk_id is not None:
                _add(per.setdefault(clerk_id, {}), counts, RATING_KEYS)
        if not per:
            return []
        clerks = {
            pk: (name, unit)
            for pk, name, unit in Staff.objects.filter(pk__in=list(per)).values_list(
                "pk", "full_name", "unit_id"
            )
        }
        units = dict(
            Unit.objects.filter(pk__in={u for _, u in clerks.values()}).values_list("pk", "name")
        )
        rows = sorted(per.items(), key=lambda kv: (-kv[1]["rated"], kv[0]))
        return [
            {
                "clerk": clerks.get(clerk_id, ("", None))[0],
                "unit": units.get(clerks.get(clerk_id, ("", None))[1], ""),
                "rated": c["rated"],
                "satisfaction": _rate(c["satisfied"], c["rated"]),
            }
            for clerk_id, c in rows
        ]


def _with_rates(counts: dict) -> dict:
    out = {k: counts.get(k) or 0 for k in COUNTS}
    for m in METRICS:
        out[m.key] = _rate(out[m.rate_of[0]], out[m.rate_of[1]])
    out["days_used_avg"] = _avg(counts.get("days_used_sum") or 0, counts.get("days_used_n") or 0)
    out["days_promised_avg"] = _avg(counts.get("promised_sum") or 0, counts.get("promised_n") or 0)
    return out


def headline(since=None, until=None, *, use_facts: bool = True) -> dict:
    """The county's figures (parents and single items)."""
    return _Totals(since, until, use_facts=use_facts).headline()


def by_unit(since=None, until=None, *, use_facts: bool = True) -> list[dict]:
    """Per reviewing unit: single items and bundle parts."""
    return _Totals(since, until, use_facts=use_facts).by_unit()


def by_dimension(field: str, since=None, until=None, *, use_facts: bool = True) -> dict:
    """Counts received by channel (as filed: adds up to 收件数) or handling level (per
    reviewed item: single items and bundle parts)."""
    return _Totals(since, until, use_facts=use_facts).by_dimension(field)


def ratings(since=None, until=None, *, use_facts: bool = True) -> dict:
    """好差评: every rating (一事一评 and 一次一评), satisfaction and 差评 handled."""
    return _Totals(since, until, use_facts=use_facts).ratings()


def ratings_by_clerk(since=None, until=None, *, use_facts: bool = True) -> list[dict]:
    return _Totals(since, until, use_facts=use_facts).ratings_by_clerk()


def figures(since=None, until=None, *, use_facts: bool = True) -> dict:
    """Everything `application_stats --json` prints and the figures page shows.

    `use_facts=False` counts every row live: the reference the roll-ups are tested against."""
    t = _Totals(since, until, use_facts=use_facts)
    return {
        "headline": t.headline(),
        "metrics": {m.key: {"label": m.label, "formula": m.formula} for m in METRICS},
        "by_channel": t.by_dimension("channel"),
        "by_level": t.by_dimension("level"),
        "by_unit": t.by_unit(),
        "ratings": t.ratings(),
        "ratings_by_clerk": t.ratings_by_clerk(),
    }
