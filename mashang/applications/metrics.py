"""The applications' figures, each defined once with its formula in Chinese.

A cohort by date received, like the appeals' figures. The county's headline counts each
application once (a 一件事 as one, through its parent); the per-unit table counts what each
unit reviews (single items and bundle parts). Rates are None when their base is zero.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, F, Q

from mashang.appeals.choices import BAD_RATINGS, SATISFIED_RATINGS

from .choices import Channel, Decision, RatingKind, Status
from .models import Application, ServiceRating

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


def _cohort(since=None, until=None):
    qs = Application.objects.all()
    if since:
        qs = qs.filter(received_at__gte=since)
    if until:
        qs = qs.filter(received_at__lt=until)
    return qs


def _aggregate(qs) -> dict:
    args = {k: Count("pk", filter=q) if k != "received" else Count("pk") for k, q in COUNTS.items()}
    args["days_used_avg"] = Avg("days_used", filter=Q(status__in=DONE))
    args["days_promised_avg"] = Avg("promised_days", filter=Q(status__in=DONE))
    return qs.aggregate(**args)


def _with_rates(counts: dict) -> dict:
    out = {k: counts[k] for k in COUNTS}
    for m in METRICS:
        out[m.key] = _rate(counts[m.rate_of[0]], counts[m.rate_of[1]])
    for k in ("days_used_avg", "days_promised_avg"):
        out[k] = round(counts[k], 2) if counts[k] is not None else None
    return out


def headline(since=None, until=None) -> dict:
    """The county's figures: one aggregate query over parents and single items."""
    return _with_rates(_aggregate(_cohort(since, until).filter(parent__isnull=True)))


def by_unit(since=None, until=None) -> list[dict]:
    """Per reviewing unit: single items and bundle parts (one GROUP BY)."""
    qs = _cohort(since, until).exclude(bundle__isnull=False, parent__isnull=True)
    args = {k: Count("pk", filter=q) if k != "received" else Count("pk") for k, q in COUNTS.items()}
    args["days_used_avg"] = Avg("days_used", filter=Q(status__in=DONE))
    args["days_promised_avg"] = Avg("promised_days", filter=Q(status__in=DONE))
    rows = qs.values("unit_id", "unit__name").annotate(**args).order_by("-received", "unit_id")
    return [{"unit": r["unit__name"], **_with_rates(r)} for r in rows]


def by_dimension(field: str, since=None, until=None) -> dict:
    """Counts received by channel or handling level (single items and bundle parts)."""
    qs = _cohort(since, until).exclude(bundle__isnull=False, parent__isnull=True)
    return {
        (r[field] or "bundle"): r["n"]
        for r in qs.values(field).annotate(n=Count("pk")).order_by(field)
    }


def ratings(since=None, until=None) -> dict:
    """好差评: every rating (一事一评 and 一次一评), satisfaction and 差评 handled."""
    qs = ServiceRating.objects.all()
    if since:
        qs = qs.filter(at__gte=since)
    if until:
        qs = qs.filter(at__lt=until)
    c = qs.aggregate(
        rated=Count("pk"),
        satisfied=Count("pk", filter=Q(rating__in=list(SATISFIED_RATINGS))),
        bad=Count("pk", filter=Q(rating__in=list(BAD_RATINGS))),
        bad_called_back=Count(
            "pk", filter=Q(rating__in=list(BAD_RATINGS), called_back_at__isnull=False)
        ),
        window=Count("pk", filter=Q(kind=RatingKind.WINDOW)),
    )
    c["satisfaction"] = _rate(c["satisfied"], c["rated"])
    c["bad_handled_rate"] = _rate(c["bad_called_back"], c["bad"])
    return c


def ratings_by_clerk(since=None, until=None) -> list[dict]:
    qs = ServiceRating.objects.filter(clerk__isnull=False)
    if since:
        qs = qs.filter(at__gte=since)
    if until:
        qs = qs.filter(at__lt=until)
    rows = (
        qs.values("clerk_id", "clerk__full_name", "unit__name")
        .annotate(
            rated=Count("pk"), satisfied=Count("pk", filter=Q(rating__in=list(SATISFIED_RATINGS)))
        )
        .order_by("-rated")
    )
    return [
        {
            "clerk": r["clerk__full_name"],
            "unit": r["unit__name"],
            "rated": r["rated"],
            "satisfaction": _rate(r["satisfied"], r["rated"]),
        }
        for r in rows
    ]


def figures(since=None, until=None) -> dict:
    """Everything `application_stats --json` prints and the figures page shows."""
    return {
        "headline": headline(since, until),
        "metrics": {m.key: {"label": m.label, "formula": m.formula} for m in METRICS},
        "by_channel": by_dimension("channel", since, until),
        "by_level": by_dimension("level", since, until),
        "by_unit": by_unit(since, until),
        "ratings": ratings(since, until),
        "ratings_by_clerk": ratings_by_clerk(since, until),
    }
