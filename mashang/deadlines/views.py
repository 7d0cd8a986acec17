from django.shortcuts import render

from mashang.core.access import staff_view
from mashang.core.nav import nav_for
from mashang.directory.choices import Role

from .forms import EfficiencyFilter
from .metrics import FIGURES, efficiency


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
