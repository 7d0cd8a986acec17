"""The figures leaders read, each defined once, with its formula in Chinese.

Every figure counts appeals *received* in the period (a cohort): an appeal received in March
and finished in April counts for March. Accusations (检举控告) are never part of these figures;
`accusation_count` gives their number to those allowed to see it. Rates are None when their
base is zero: an empty period shows "—", never a division by zero.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, F, Q
from django.db.models.functions import Substr, TruncDay, TruncMonth, TruncWeek

from mashang.appeals.choices import SATISFIED_RATINGS, AppealStatus, AppealType
from mashang.appeals.models import Appeal
from mashang.deadlines.calendar import SHANGHAI
from mashang.deadlines.models import SupervisionOrder

DONE = [AppealStatus.COMPLETED, AppealStatus.CLOSED]
# The types these figures count: every one but 检举控告.
PUBLIC_TYPES = [(v, label) for v, label in AppealType.choices if v != AppealType.ACCUSATION]
NOT_EFFECTIVE = [AppealStatus.INVALID, AppealStatus.MERGED]
# Codes are 6 digits down to the county and 9 for a township: /430000/430400/430422/430422101/
TOWNSHIP_IN_PATH = (23, 9)


def local_midnight(value: str | date) -> datetime:
    """ "2026-01-31" (or a date) → that day's 00:00 in Asia/Shanghai; ValueError otherwise."""
    day = value if isinstance(value, date) else date.fromisoformat(value)
    return datetime.combine(day, datetime.min.time(), SHANGHAI)


def default_until(now: datetime | None = None) -> datetime:
    """The end of the default period: today's 00:00 in Asia/Shanghai (截至昨日24时).

    The one place the default is decided: the pages, the 数据大屏, 效能统计, the exports and
    `manage.py stats` all count appeals received before this unless a `to` date is given, so
    today's appeals never drift into a figure nobody asked to include them in."""
    from django.utils import timezone

    return local_midnight((now or timezone.now()).astimezone(SHANGHAI).date())


def period(since: datetime | None, until: datetime | None, now=None) -> tuple:
    """(since, until) with the default end filled in."""
    return since, until or default_until(now)


def period_label(since: datetime | None, until: datetime) -> str:
    """ "2026年01月01日至2026年11月26日": the last day counted, not the exclusive end."""
    start = f"{since:%Y年%m月%d日}" if since else "平台启用"
    end = until.astimezone(SHANGHAI) - timedelta(days=1)
    return f"{start}至{end:%Y年%m月%d日}"


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    formula: str
    rate_of: tuple[str, str] | None = None  # (numerator, denominator) counts
    list_filter: str = ""  # which appeals a click on the figure lists (stats.views.FILTERS)


# The counts, each one SQL condition: summed in a single aggregate query.
COUNTS = {
    "received": Q(),
    "effective": ~Q(status__in=NOT_EFFECTIVE),
    "invalid": Q(status=AppealStatus.INVALID),
    "merged": Q(status=AppealStatus.MERGED),
    "completed": Q(status__in=DONE),
    "completed_on_time": Q(status__in=DONE, completed_at__lte=F("complete_due_at")),
    "dispatched": Q(dispatched_at__isnull=False),
    "dispatched_on_time": Q(dispatched_at__lte=F("dispatch_due_at")),
    "acknowledged": Q(accepted_at__isnull=False),
    "acknowledged_on_time": Q(accepted_at__lte=F("ack_due_at")),
    "rated": Q(status__in=DONE, rating__gt=""),
    "satisfied": Q(status__in=DONE, rating__in=list(SATISFIED_RATINGS)),
    "bad": Q(ever_bad_rating=True),
    "bad_rectified": Q(ever_bad_rating=True, rehandle_count__gt=0, status__in=DONE),
    "rehandled": Q(rehandle_count__gt=0, status__in=DONE),
}

METRICS = [
    Metric("received", "收到诉求", "期间内提交的诉求件数（不含检举控告）", list_filter="received"),
    Metric("effective", "有效诉求", "收到诉求 − 无效 − 合并", list_filter="effective"),
    Metric("completed", "已办结", "有效诉求中已办结（含已回访）的件数", list_filter="completed"),
    Metric(
        "completion_rate", "办结率", "已办结 ÷ 有效诉求", ("completed", "effective"), "completed"
    ),
    Metric(
        "on_time_rate",
        "按期办结率",
        "按期办结 ÷ 已办结；按期：办结时间不晚于办结期限（含批准的延期）",
        ("completed_on_time", "completed"),
        "completed_late",
    ),
    Metric(
        "dispatch_rate",
        "分拨及时率",
        "收到后1个工作小时内分拨的件数 ÷ 已分拨",
        ("dispatched_on_time", "dispatched"),
        "dispatched_late",
    ),
    Metric(
        "ack_rate",
        "受理告知及时率",
        "派单后30分钟（工作时间）内受理并告知群众的件数 ÷ 已受理",
        ("acknowledged_on_time", "acknowledged"),
        "acknowledged_late",
    ),
    Metric(
        "callback_rate",
        "回访率",
        "已评价（回访或群众自评）÷ 已办结",
        ("rated", "completed"),
        "rated",
    ),
    Metric(
        "satisfaction",
        "满意度",
        "（非常满意 + 满意 + 基本满意）÷ 已评价",
        ("satisfied", "rated"),
        "rated",
    ),
    Metric("bad", "差评", "评价为不满意或非常不满意的件数（后来改评也计入）", list_filter="bad"),
    Metric(
        "bad_rectified_rate",
        "差评整改率",
        "差评中经重办并再次办结的件数 ÷ 差评",
        ("bad_rectified", "bad"),
        "bad",
    ),
    Metric(
        "rehandle_rate", "重办率", "重办过的件数 ÷ 已办结", ("rehandled", "completed"), "rehandled"
    ),
    Metric("orders", "督办", "期间内收到诉求的督办单张数", list_filter="ordered"),
]
BY_KEY = {m.key: m for m in METRICS}


def base_queryset(
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    division=None,
    unit_id: int | None = None,
    kind: str = "",
    type: str = "",
):
    """Non-accusation appeals received in [since, until), optionally in a subtree, led by a
    unit, of a QR kind or of an appeal type."""
    qs = Appeal.objects.not_accusations()
    if since:
        qs = qs.filter(received_at__gte=since)
    if until:
        qs = qs.filter(received_at__lt=until)
    if division is not None:
        qs = qs.filter(division__path__startswith=division.path)
    if unit_id:
        qs = qs.filter(lead_unit_id=unit_id)
    if kind:
        qs = qs.filter(kind=kind)
    if type:
        qs = qs.filter(type=type)
    return qs


def _aggregates():
    return {key: Count("id", filter=cond) if cond else Count("id") for key, cond in COUNTS.items()}


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 2) if whole else None


def finish(counts: dict) -> dict:
    """Add every rate to a dict of counts."""
    out = dict(counts)
    for metric in METRICS:
        if metric.rate_of:
            part, whole = metric.rate_of
            out[metric.key] = _rate(counts.get(part, 0), counts.get(whole, 0))
    return out


def headline(qs) -> dict:
    """All counts and rates for one set of appeals: two queries (appeals, 督办)."""
    counts = qs.aggregate(**_aggregates())
    counts["orders"] = SupervisionOrder.objects.filter(appeal__in=qs).count()
    return finish(counts)


def breakdown(qs, dim: str) -> list[dict]:
    """Counts and rates per unit, township, QR kind or appeal type: one grouped query."""
    if dim == "township":
        qs = qs.annotate(key=Substr("division__path", *TOWNSHIP_IN_PATH))
    elif dim == "unit":
        qs = qs.filter(lead_unit__isnull=False).annotate(key=F("lead_unit_id"))
    else:
        qs = qs.annotate(key=F(dim))
    rows = qs.values("key").order_by("key").annotate(**_aggregates())
    return [finish(row) for row in rows]


TRUNC = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}


def trend(qs, granularity: str = "day") -> list[dict]:
    """Received, effective and completed per day, week or month (Asia/Shanghai)."""
    trunc = TRUNC.get(granularity, TruncDay)("received_at", tzinfo=SHANGHAI)
    rows = (
        qs.annotate(bucket=trunc)
        .values("bucket")
        .order_by("bucket")
        .annotate(
            received=Count("id"),
            effective=Count("id", filter=COUNTS["effective"]),
            completed=Count("id", filter=COUNTS["completed"]),
        )
    )
    return list(rows)


def accusation_count(*, since=None, until=None, division=None, kind: str = "") -> int:
    """Accusations received in [since, until), in the same place and QR kind as the figures
    beside which the count is shown."""
    qs = Appeal.objects.accusations()
    if since:
        qs = qs.filter(received_at__gte=since)
    if until:
        qs = qs.filter(received_at__lt=until)
    if division is not None:
        qs = qs.filter(division__path__startswith=division.path)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.count()


# Appeals placed at the county itself (county departments, the service hall) have no township.
COUNTY_LEVEL = "县直（县级）"


def place_name(code: str | None, names: dict) -> str:
    """A township's name, or 县直（县级） for appeals placed above any township."""
    return names.get(code) or code if code else COUNTY_LEVEL


def rank_units(rows: list[dict]) -> list[dict]:
    """Name each unit row and rank the units by on-time completion, then satisfaction, then
    volume: the one ranking of 单位排名, its export, the 数据大屏 and the monthly report."""
    from mashang.directory.models import Unit

    names = dict(Unit.objects.filter(pk__in=[r["key"] for r in rows]).values_list("pk", "name"))
    for r in rows:
        r["name"] = names.get(r["key"], "")
    rows.sort(key=lambda r: (-(r["on_time_rate"] or 0), -(r["satisfaction"] or 0), -r["effective"]))
    for i, r in enumerate(rows, start=1):
        r["rank"] = i
    return rows


def rank_places(
    rows: list[dict], *, by=("satisfaction", "effective"), names: dict | None = None
) -> list[dict]:
    """Name each township row and rank the townships by `by` (highest first); the county-level
    row, not being a township, comes last with no rank. `names`: code → name of every
    township, when the caller has them already."""
    from mashang.directory.models import Division

    if names is None:
        names = dict(
            Division.objects.filter(code__in=[r["key"] for r in rows if r["key"]]).values_list(
                "code", "name"
            )
        )
    for r in rows:
        r["name"] = place_name(r["key"], names)
        r["county_level"] = not r["key"]
    towns = sorted((r for r in rows if r["key"]), key=lambda r: tuple(-(r[k] or 0) for k in by))
    for i, r in enumerate(towns, start=1):
        r["rank"] = i
    return towns + [dict(r, rank=None) for r in rows if not r["key"]]
