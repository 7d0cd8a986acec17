"""Efficiency figures (行政效能) per unit or township, from the time stamps the actions record.

Accusations are left out: their handling is the commission's, and their numbers are not shown
outside it. Each figure is a count; the rates are count ÷ base, shown with their formula.
"""

from django.db.models import Count, F, Q
from django.db.models.functions import Substr
from django.utils import timezone

from mashang.appeals.models import Appeal, ExtensionRequest
from mashang.directory.models import Division

from .models import SupervisionOrder

# Codes are 6 digits down to the county and 9 for a township: /430000/430400/430422/430422101/
TOWNSHIP_IN_PATH = (23, 9)

FIGURES = [
    ("dispatched", "已分拨", ""),
    ("dispatched_on_time", "按时分拨", "分拨时间 ≤ 收到后1个工作小时"),
    ("acknowledged", "已受理", ""),
    ("acknowledged_on_time", "按时受理告知", "受理时间 ≤ 派单后30分钟（工作时间）"),
    ("completed", "已办结", ""),
    ("completed_on_time", "按期办结", "办结时间 ≤ 办结期限（含批准的延期）"),
    ("overdue_now", "当前超时", "尚未办结且当前期限已过"),
    ("extensions", "批准延期", ""),
    ("orders", "收到督办", ""),
    ("orders_late", "督办逾期答复", "答复晚于期限，或期限已过仍未答复"),
]


def _appeals(since, until):
    qs = Appeal.objects.not_accusations()
    if since:
        qs = qs.filter(received_at__gte=since)
    if until:
        qs = qs.filter(received_at__lt=until)
    return qs


def _key(group: str, prefix: str = ""):
    if group == "township":
        return Substr(f"{prefix}division__path", *TOWNSHIP_IN_PATH)
    return F(f"{prefix}lead_unit__name")


def efficiency(group: str = "unit", since=None, until=None) -> list[dict]:
    """One row per unit (by lead unit) or township, figures as counts: three grouped queries
    (appeals, extensions, 督办), whatever the number of appeals."""
    now = timezone.now()
    appeals = _appeals(since, until)
    if group != "township":
        appeals = appeals.filter(lead_unit__isnull=False)
    rows = list(
        appeals.annotate(key=_key(group))
        .values("key")
        .order_by("key")
        .annotate(
            total=Count("id"),
            dispatched=Count("id", filter=Q(dispatched_at__isnull=False)),
            dispatched_on_time=Count("id", filter=Q(dispatched_at__lte=F("dispatch_due_at"))),
            acknowledged=Count("id", filter=Q(accepted_at__isnull=False)),
            acknowledged_on_time=Count("id", filter=Q(accepted_at__lte=F("ack_due_at"))),
            completed=Count("id", filter=Q(completed_at__isnull=False)),
            completed_on_time=Count("id", filter=Q(completed_at__lte=F("complete_due_at"))),
            overdue_now=Count("id", filter=Q(due_at__lt=now, completed_at__isnull=True)),
        )
    )
    extensions = dict(
        ExtensionRequest.objects.filter(status="approved", appeal__in=appeals)
        .annotate(key=_key(group, "appeal__"))
        .values("key")
        .order_by("key")
        .annotate(n=Count("id"))
        .values_list("key", "n")
    )
    orders = {
        r["key"]: r
        for r in SupervisionOrder.objects.filter(appeal__in=appeals)
        .annotate(key=_key(group, "appeal__"))
        .values("key")
        .order_by("key")
        .annotate(
            n=Count("id"),
            late=Count(
                "id",
                filter=Q(answered_at__gt=F("due_at")) | Q(answered_at__isnull=True, due_at__lt=now),
            ),
        )
    }
    names = {}
    if group == "township":
        names = dict(
            Division.objects.filter(code__in=[r["key"] for r in rows]).values_list("code", "name")
        )
    for row in rows:
        key = row["key"]
        row["name"] = names.get(key, key) if group == "township" else key
        row["extensions"] = extensions.get(key, 0)
        row["orders"] = orders.get(key, {}).get("n", 0)
        row["orders_late"] = orders.get(key, {}).get("late", 0)
        for base, part in (
            ("dispatched", "dispatched_on_time"),
            ("acknowledged", "acknowledged_on_time"),
            ("completed", "completed_on_time"),
        ):
            row[f"{part}_rate"] = round(100 * row[part] / row[base], 2) if row[base] else None
    return rows
