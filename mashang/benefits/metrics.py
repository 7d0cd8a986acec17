"""免申即享 figures, each defined once with its formula; pages, export and `stats --json`
read these. The period selects grants by the day they were found (the run that created them).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum

from mashang.stats.sections import Section

from .choices import GrantStatus as S
from .models import Grant, Policy
from .rules import money

APPROVED = [S.AWAITING_CONFIRMATION, S.TO_PAY, S.PAID, S.DECLINED]


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    formula: str
    money: bool = False
    rate: bool = False  # a percentage (15.62 means 15.62 %)


METRICS = [
    Metric("policies", "政策数", "已发布规则的政策（对企业和个人）"),
    Metric("candidates", "符合条件", "期间内运行查出的符合条件对象（同一政策同一期间只计一次）"),
    Metric("pending", "待审核", "待审核 + 待复核"),
    Metric("granted", "核准发放", "经审核批准的件数（含待确认、待拨付、已拨付、已放弃）"),
    Metric("granted_amount", "核准金额", "核准发放的金额合计（元）", money=True),
    Metric("paid", "已拨付", "财务已登记凭证号的件数"),
    Metric("paid_amount", "拨付金额", "已拨付的金额合计（元）", money=True),
    Metric("excluded", "排除", "审核排除或重新运行后不再符合的件数"),
    Metric("declines", "放弃", "受益方通过链接放弃的件数"),
    Metric("decline_rate", "放弃率", "放弃 ÷ 核准发放（%）", rate=True),
    Metric("days_to_pay", "运行到拨付平均天数", "已拨付件：拨付时间 − 运行查出时间，取平均（天）"),
]
BY_KEY = {m.key: m for m in METRICS}


def grant_queryset(*, since=None, until=None, policy=None):
    qs = Grant.objects.all()
    if since:
        qs = qs.filter(created_at__gte=since)
    if until:
        qs = qs.filter(created_at__lt=until)
    if policy is not None:
        qs = qs.filter(policy=policy)
    return qs


def _aggregates():
    zero = Decimal("0.00")
    return {
        "candidates": Count("id"),
        "pending": Count("id", filter=Q(status__in=[S.PENDING_REVIEW, S.PENDING_SECOND])),
        "granted": Count("id", filter=Q(status__in=APPROVED)),
        "granted_amount": Sum("amount", filter=Q(status__in=APPROVED), default=zero),
        "paid": Count("id", filter=Q(status=S.PAID)),
        "paid_amount": Sum("amount", filter=Q(status=S.PAID), default=zero),
        "excluded": Count("id", filter=Q(status=S.EXCLUDED)),
        "declines": Count("id", filter=Q(status=S.DECLINED)),
    }


def _finish(values: dict, qs) -> dict:
    for key in ("granted_amount", "paid_amount"):
        values[key] = money(values[key])  # SQLite sums lose the two places
    granted = values["granted"]
    values["decline_rate"] = round(100 * values["declines"] / granted, 2) if granted else None
    spans = [
        (paid - found).total_seconds() / 86400
        for found, paid in qs.filter(status=S.PAID).values_list("created_at", "paid_at")
    ]
    values["days_to_pay"] = round(sum(spans) / len(spans), 1) if spans else None
    return values


def headline(*, since=None, until=None) -> dict:
    qs = grant_queryset(since=since, until=until)
    values = qs.aggregate(**_aggregates())
    values["policies"] = Policy.objects.filter(revision__gt=0).count()
    return _finish(values, qs)


def by_policy(*, since=None, until=None) -> list[dict]:
    rows = []
    for policy in Policy.objects.filter(revision__gt=0).order_by("id"):
        qs = grant_queryset(since=since, until=until, policy=policy)
        values = _finish(qs.aggregate(**_aggregates()), qs)
        rows.append({"policy": policy, **values})
    return rows


def as_json(*, since=None, until=None) -> dict:
    values = headline(since=since, until=until)

    def plain(v):
        return str(v) if isinstance(v, Decimal) else v

    return {
        "metrics": {
            m.key: {"label": m.label, "value": plain(values[m.key]), "formula": m.formula}
            for m in METRICS
        },
        "policies": [
            {
                "name": row["policy"].name,
                "doc_number": row["policy"].doc_number,
                **{m.key: plain(row[m.key]) for m in METRICS if m.key != "policies"},
            }
            for row in by_policy(since=since, until=until)
        ],
    }


SECTION = Section(key="benefits", label="免申即享", url_name="benefits_stats", figures=as_json)
