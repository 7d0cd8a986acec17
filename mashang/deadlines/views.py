from django.shortcuts import render

from mashang.core.access import staff_view
from mashang.core.nav import nav_for
from mashang.directory.choices import Role

from .forms import EfficiencyFilter
from .metrics import FIGURES, efficiency

# Each "按时 x / y（z%）" cell of the page as three columns of the export.
EXPORT_COLUMNS = [
    ("已分拨", "dispatched", "count"),
    ("按时分拨", "dispatched_on_time", "count"),
    ("按时分拨率", "dispatched_on_time_rate", "rate"),
    ("已受理", "acknowledged", "count"),
    ("按时受理告知", "acknowledged_on_time", "count"),
    ("按时受理告知率", "acknowledged_on_time_rate", "rate"),
    ("已办结", "completed", "count"),
    ("按期办结", "completed_on_time", "count"),
    ("按期办结率", "completed_on_time_rate", "rate"),
    ("当前超时", "overdue_now", "count"),
    ("批准延期", "extensions", "count"),
    ("收到督办", "orders", "count"),
    ("督办逾期答复", "orders_late", "count"),
]


def _date(value: str | None):
    from mashang.stats.metrics import local_midnight

    try:
        return local_midnight(value)
    except (TypeError, ValueError):
        return None


@staff_view(Role.SUPERVISOR, Role.ADMIN, Role.COUNTY_LEADER)
def efficiency_page(request):
    """行政效能: on-time rates per unit or township, each with its formula, over the same
    default period as every other statistics page (截至昨日)."""
    from mashang.stats import metrics

    group = "township" if request.GET.get("group") == "township" else "unit"
    valid = EfficiencyFilter.valid(request)  # bounded dates only
    since, until = metrics.period(_date(valid.get("from")), _date(valid.get("to")))
    rows = efficiency(group, since, until)
    if group == "township":
        for row in rows:
            row["name"] = row["name"] or metrics.COUNTY_LEVEL
    if request.GET.get("format") == "xlsx":
        from mashang.stats.exports import table_response

        first = "乡镇" if group == "township" else "承办单位"
        return table_response(
            f"效能统计-{'按乡镇' if group == 'township' else '按承办单位'}",
            f"效能统计（按{first}）",
            metrics.period_label(since, until),
            [(first, "name", "text"), ("诉求", "total", "count"), *EXPORT_COLUMNS],
            rows,
        )
    return render(
        request,
        "deadlines/efficiency.html",
        {
            "nav": nav_for(request.user),
            "rows": rows,
            "period": metrics.period_label(since, until),
            "group": group,
            "figures": FIGURES,
            "params": request.GET,
        },
    )
