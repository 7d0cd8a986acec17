from django.contrib.auth.views import LoginView
from django.shortcuts import get_object_or_404, render

from mashang.core.access import public_view, staff_view
from mashang.core.nav import nav_for

from .auth import remember_device
from .choices import UnitKind
from .forms import StaffLoginForm
from .models import Division
from .queries import children_with_counts, county_root, units_with_positions


class StaffLoginView(LoginView):
    template_name = "directory/login.html"
    authentication_form = StaffLoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        remember_device(self.request, response, form.get_user())
        return response


staff_login = public_view(StaffLoginView.as_view())


@staff_view()
def staff_home(request):
    from django.db.models import Count

    from mashang.appeals.choices import AppealStatus
    from mashang.appeals.queries import appeals_for

    user = request.user
    counts = dict(appeals_for(user).order_by().values_list("status").annotate(n=Count("id")))
    return render(
        request,
        "directory/home.html",
        {
            "nav": nav_for(user),
            "positions": list(user.positions.select_related("unit")),
            "counts": [
                (label, counts[value]) for value, label in AppealStatus.choices if counts.get(value)
            ],
        },
    )


@staff_view()
def directory_tree(request):
    code = request.GET.get("code")
    division = get_object_or_404(Division, code=code) if code else county_root()
    children = children_with_counts(division) if division else []
    return render(
        request,
        "directory/tree.html",
        {
            "nav": nav_for(request.user),
            "division": division,
            "ancestors": list(division.ancestors()) if division else [],
            "children": children,
        },
    )


@staff_view()
def directory_units(request):
    kind = request.GET.get("kind") or UnitKind.DEPARTMENT
    if kind not in UnitKind.values:
        kind = UnitKind.DEPARTMENT
    return render(
        request,
        "directory/units.html",
        {
            "nav": nav_for(request.user),
            "units": units_with_positions(kind),
            "kinds": UnitKind.choices,
            "kind": kind,
        },
    )
