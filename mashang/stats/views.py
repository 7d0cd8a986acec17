"""Dashboards: the county overview, the unit ranking, each unit's page, the wall screen, and the
lists behind every figure (with Excel export). Figures come from `metrics` only."""

import io
from datetime import datetime

from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.urls import resolve, reverse
from django.utils import timezone
from django.utils.http import urlencode

from mashang.appeals.queries import appeals_for
from mashang.catalog.queries import catalog_figures
from mashang.core.access import staff_view
from mashang.core.nav import nav_for
from mashang.directory.choices import Role
from mashang.directory.models import Division, Unit
from mashang.qrcodes.choices import QRKind

from . import metrics
from .exports import appeals_workbook
from .forms import StatsFilter, checked_period
from .sections import SECTIONS

COUNTY_WIDE = (Role.COUNTY_LEADER, Role.SUPERVISOR, Role.ADMIN, Role.DISPATCHER)
UNIT_ROLES = (Role.HANDLER, Role.UNIT_LEADER)
# Which appeals a click on a figure lists: the figure's own condition.
FILTERS = {
    "received": Q(),
    "effective": metrics.COUNTS["effective"],
    "completed": metrics.COUNTS["completed"],
    "completed_late": metrics.COUNTS["completed"] & ~metrics.COUNTS["completed_on_time"],
    "dispatched_late": metrics.COUNTS["dispatched"] & ~metrics.COUNTS["dispatched_on_time"],
    "acknowledged_late": metrics.COUNTS["acknowledged"] & ~metrics.COUNTS["acknowledged_on_time"],
    "rated": metrics.COUNTS["rated"],
    "bad": metrics.COUNTS["bad"],
    "rehandled": metrics.COUNTS["rehandled"],
    "ordered": Q(supervision_orders__isnull=False),
    "invalid": metrics.COUNTS["invalid"],
    "merged": metrics.COUNTS["merged"],
}


def _day(value: str | None) -> datetime | None:
    try:
        return metrics.local_midnight(value)
    except (TypeError, ValueError):
        return None


class Scope:
    """The period and filters of a request, and the queryset they select."""

    def __init__(self, request, *, unit: Unit | None = None):
        g = StatsFilter.valid(request)  # bounded dates and numbers only
        # Default: everything up to yesterday 24:00 (截至昨日), decided in metrics alone.
        self.since, self.until = checked_period(request, g)
        if g.get("from") and self.since is None:  # refused (empty period): links drop it too
            g = {k: v for k, v in g.items() if k not in ("from", "to")}
        self.township = (
            Division.objects.filter(code=g["township"], level="township").first()
            if g.get("township")
            else None
        )
        self.kind = g.get("kind") if g.get("kind") in QRKind.values else ""
        self.type = g.get("type") if g.get("type") in dict(metrics.PUBLIC_TYPES) else ""
        self.unit = unit
        self.params = {
            k: v
            for k, v in {
                "from": g.get("from", ""),
                "to": g.get("to", ""),
                "township": self.township.code if self.township else "",
                "kind": self.kind,
                "type": self.type,
                "unit": unit.pk if unit else "",
            }.items()
            if v
        }

    def figures(self):
        """The figures of this scope: roll-ups for past days, live for today."""
        from .facts import Figures

        return Figures(
            since=self.since,
            until=self.until,
            division=self.township,
            unit_id=self.unit.pk if self.unit else None,
            kind=self.kind,
            type=self.type,
        )

    def queryset(self):
        return metrics.base_queryset(
            since=self.since,
            until=self.until,
            division=self.township,
            unit_id=self.unit.pk if self.unit else None,
            kind=self.kind,
            type=self.type,
        )

    @property
    def query(self) -> str:
        """The scope alone as a query string, for links to other pages (no `by`, `page`…)."""
        return urlencode(self.params)

    def link(self, figure: str) -> str:
        return reverse("stats_appeals") + "?" + urlencode({**self.params, "metric": figure})

    @property
    def label(self) -> str:
        return metrics.period_label(self.since, self.until)

    @property
    def described(self) -> str:
        """The period and every filter, for the head of an export."""
        parts = [self.label]
        if self.township:
            parts.append(self.township.name)
        if self.kind:
            parts.append(dict(QRKind.choices)[self.kind])
        if self.type:
            parts.append(dict(metrics.PUBLIC_TYPES)[self.type])
        return "；".join(parts)


def _figures(scope: Scope, values: dict) -> list[dict]:
    return [
        {"metric": m, "value": values.get(m.key), "link": scope.link(m.list_filter)}
        for m in metrics.METRICS
    ]


def _charts_available() -> bool:
    return bool(finders.find("vendor/echarts/echarts.min.js"))


def _may_open(user, url_name: str) -> bool:
    access = getattr(resolve(reverse(url_name)).func, "access", None)
    return bool(access) and access != "public" and user.has_role(*access)


def _townships() -> list[tuple[str, str]]:
    return list(
        Division.objects.filter(level="township").order_by("code").values_list("code", "name")
    )


def _common(request, scope: Scope) -> dict:
    return {
        "nav": nav_for(request.user),
        "scope": scope,
        "kinds": QRKind.choices,
        "types": metrics.PUBLIC_TYPES,
        "townships": _townships(),
        "charts": _charts_available(),
        "sections": [s for s in SECTIONS.values() if _may_open(request.user, s.url_name)],
    }


@staff_view(*COUNTY_WIDE)
def overview(request):
    scope = Scope(request)
    common = _common(request, scope)
    figures = scope.figures()
    values = figures.headline()
    granularity = request.GET.get("by") if request.GET.get("by") in metrics.TRUNC else "month"
    # The filter's list of townships names them too: no second query.
    towns = metrics.rank_places(figures.breakdown("township"), names=dict(common["townships"]))
    for t in towns:
        t["link"] = (
            reverse("stats_overview") + "?" + urlencode({**scope.params, "township": t["key"]})
            if t["key"]
            else ""
        )
    kind_labels, type_labels = dict(QRKind.choices), dict(metrics.PUBLIC_TYPES)
    by_kind = [
        {**r, "name": kind_labels.get(r["key"], "其他渠道")} for r in figures.breakdown("kind")
    ]
    by_type = [
        {**r, "name": type_labels.get(r["key"], r["key"])} for r in figures.breakdown("type")
    ]
    shown = {"month": "%Y年%m月", "week": "%Y年%m月%d日当周"}.get(granularity, "%Y-%m-%d")
    trend = [
        {
            "key": f"{r['bucket']:%Y-%m-%d}",
            "bucket": format(r["bucket"], shown),
            "received": r["received"],
            "effective": r["effective"],
            "completed": r["completed"],
        }
        for r in figures.trend(granularity)
    ]
    from .exports import last_complete_month

    report_month = last_complete_month()
    show_accusations = request.user.has_role(Role.COUNTY_LEADER, Role.SUPERVISOR, Role.ADMIN)
    context = common | {
        "catalog": catalog_figures(),
        "figures": _figures(scope, values),
        "values": values,
        "towns": towns,
        "by_kind": by_kind,
        "by_type": by_type,
        "trend": trend,
        "by": granularity,
        "report_month": report_month,
        "report_label": f"{metrics.local_midnight(report_month + '-01'):%Y年%m月}",
        "accusations": figures.accusations() if show_accusations else None,
        "chart_data": {
            "trend": trend,
            "kinds": [[r["name"], r["received"]] for r in by_kind],
            "types": [[r["name"], r["received"]] for r in by_type],
            "towns": [[t["name"], t["satisfaction"] or 0] for t in towns],
        },
    }
    if request.GET.get("screen"):
        # The wall screen also ranks the units (top ten by on-time completion).
        # The same ranking as 单位排名 (full names: a township government's short name would
        # read as the township itself).
        units = metrics.rank_units(figures.breakdown("unit"))
        context["chart_data"]["units"] = [
            [r["name"], r["on_time_rate"] or 0, r["effective"]] for r in units[:10]
        ]
        return render(request, "stats/screen.html", context)
    return render(request, "stats/overview.html", context)


@staff_view(Role.SUPERVISOR, Role.ADMIN, Role.COUNTY_LEADER)
def units(request):
    """效能督查's ranking of units by on-time completion and satisfaction."""
    scope = Scope(request)
    rows = metrics.rank_units(scope.figures().breakdown("unit"))
    if request.GET.get("format") == "xlsx":
        from .exports import table_response

        return table_response(
            "单位排名", "承办单位排名", scope.described, UNIT_RANKING_COLUMNS, rows
        )
    return render(request, "stats/units.html", _common(request, scope) | {"rows": rows})


# The 单位排名 table's columns, for the page's export (the page's own header matches).
UNIT_RANKING_COLUMNS = [
    ("名次", "rank", "count"),
    ("承办单位", "name", "text"),
    ("有效诉求", "effective", "count"),
    ("按期办结率", "on_time_rate", "rate"),
    ("受理告知及时率", "ack_rate", "rate"),
    ("满意度", "satisfaction", "rate"),
    ("差评", "bad", "count"),
    ("重办率", "rehandle_rate", "rate"),
]


def _unit_for(user, pk: int) -> Unit:
    unit = get_object_or_404(Unit, pk=pk)
    if user.has_role(*COUNTY_WIDE):
        return unit
    if user.has_role(*UNIT_ROLES) and user.unit_id == unit.pk:
        return unit
    raise Http404("没有找到这个单位，或您无权查看")


@staff_view(*COUNTY_WIDE, *UNIT_ROLES)
def unit_page(request, pk: int):
    unit = _unit_for(request.user, pk)
    scope = Scope(request, unit=unit)
    values = scope.figures().headline()
    return render(
        request,
        "stats/unit.html",
        _common(request, scope)
        | {"unit": unit, "figures": _figures(scope, values), "values": values},
    )


@staff_view(*COUNTY_WIDE, *UNIT_ROLES)
def my_unit(request):
    if request.user.unit_id is None:
        raise PermissionDenied("您没有所属单位。")
    return unit_page(request, request.user.unit_id)


# What a figure's list is called (its title): the appeals behind the figure.
LIST_TITLES = {
    "received": "收到的诉求",
    "effective": "有效诉求",
    "completed": "已办结的诉求",
    "completed_late": "未按期办结的诉求",
    "dispatched_late": "未及时分拨的诉求",
    "acknowledged_late": "未及时受理告知的诉求",
    "rated": "已评价的诉求",
    "bad": "差评诉求",
    "rehandled": "重办过的诉求",
    "ordered": "督办过的诉求",
    "invalid": "无效诉求",
    "merged": "合并的诉求",
}


def _listed(request, *, tell: bool = True):
    """The appeals behind a figure (a cohort: `metric`, `from`, `to`, over the default period
    unless dates are given), or a work list (everything up to now, today included), with the
    staff lists' filters on top (status, kind, type, township, waiting) — always within what
    this person may see anyway. Returns a Listing: title, ordered appeals, the export link,
    and what the filter form must carry along (the figure and its period)."""
    from mashang.appeals.staff import Listing, _filter

    unit = None
    valid = StatsFilter.valid(request, tell=False)
    if valid.get("unit", "").isdigit():
        unit = _unit_for(request.user, int(valid["unit"]))
    elif request.user.has_role(*UNIT_ROLES):
        unit = request.user.unit
    scope = Scope(request, unit=unit)
    visible = appeals_for(request.user)
    metric = request.GET.get("metric", "")
    keep = {}
    if {"metric", "from", "to"} & set(request.GET):
        condition = FILTERS.get(metric, Q())
        qs = scope.queryset().filter(condition).filter(pk__in=visible.values("pk")).distinct()
        title = f"{LIST_TITLES.get(metric, '诉求')}清单（{scope.label}）"
        keep = {k: v for k, v in scope.params.items() if k in ("from", "to", "unit")}
        if metric in FILTERS:
            keep["metric"] = metric
        if unit is not None:
            title = f"{unit.name} · {title}"
    else:
        # A work list shows today's appeals too, so its title says so.
        title = f"诉求清单（截至{timezone.localtime():%Y年%m月%d日 %H:%M}，含今日）"
        qs = visible
    appeals = _filter(request, qs, tell=tell).order_by("-received_at", "id")
    query = request.GET.copy()
    query.pop("page", None)
    export_url = reverse("stats_export") + "?" + query.urlencode()
    return Listing(appeals, title, export=export_url), list(keep.items())


@staff_view(*COUNTY_WIDE, *UNIT_ROLES)
def appeal_list(request):
    from mashang.appeals.staff import _list

    listing, keep = _listed(request)
    # The filter form keeps the figure and its period: filtering narrows the figure's list.
    return _list(request, listing, extra={"hidden": keep})


@staff_view(*COUNTY_WIDE, *UNIT_ROLES)
def export(request):
    """Any staff list, as an Excel workbook: the rows its page shows, in its order (without
    personal data). `list=desk|work|callbacks|leader` names a staff list (with its tab and
    filters), otherwise it is a figure's list or a work list of stats_appeals."""
    if request.GET.get("list"):
        from mashang.appeals.staff import staff_listing

        listing = staff_listing(request, request.GET["list"], tell=False)
        title = f"{listing.title}（截至{timezone.localtime():%Y年%m月%d日 %H:%M}）"
    else:
        listing, _keep = _listed(request, tell=False)
        title = listing.title
    buf = io.BytesIO()
    appeals_workbook(listing.appeals.select_related("division", "lead_unit"), buf, title=title)
    buf.seek(0)
    name = f"诉求清单-{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(
        buf,
        as_attachment=True,
        filename=name,
        content_type=("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    )


@staff_view(Role.COUNTY_LEADER, Role.SUPERVISOR, Role.ADMIN)
def monthly_report(request):
    """The month's report as Excel (?format=xlsx) or PDF (?format=pdf)."""
    from .exports import last_complete_month, monthly_data, monthly_pdf, monthly_workbook

    valid = StatsFilter.valid(request, tell=False)
    if request.GET.get("month") and "month" not in valid:
        raise Http404("月份应为 2026-10 这样的格式")
    month = valid.get("month") or last_complete_month()
    try:
        data = monthly_data(month)
    except ValueError as exc:
        raise Http404("月份应为 2026-10 这样的格式") from exc
    buf = io.BytesIO()
    if request.GET.get("format") == "pdf":
        monthly_pdf(data, buf)
        kind, ext = "application/pdf", "pdf"
    else:
        monthly_workbook(data, buf)
        kind, ext = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"
    buf.seek(0)
    return FileResponse(
        buf, as_attachment=True, content_type=kind, filename=f"码上办月度报告-{month}.{ext}"
    )
