from datetime import datetime

from django.shortcuts import render
from django.utils import timezone

from mashang.core.access import staff_view
from mashang.core.nav import nav_for
from mashang.directory.choices import Role

from .forms import EfficiencyFilter
from .metrics import FIGURES, efficiency


def _date(value: str | None):
    try:
        return timezone.make_aware(datetime.fromisoformat(value))
    except (TypeError, ValueError):
        return None


@staff_view(Role.SUPERVISOR, Role.ADMIN, Role.COUNTY_LEADER)
def efficiency_page(request):
    """行政效能: on-time rates per unit or township, each with its formula."""
    group = "township" if request.GET.get("group") == "township" else "unit"
    valid = EfficiencyFilter.valid(request)  # bounded dates only
    since, until = _date(valid.get("from")), _date(valid.get("to"))
    return render(
        request,
        "deadlines/efficiency.html",
        {
            "nav": nav_for(request.user),
            "rows": efficiency(group, since, until),
            "group": group,
            "figures": FIGURES,
            "params": request.GET,
        },
    )
