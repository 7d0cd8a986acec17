"""Which placements a member of staff may list and print."""

from django.db.models import Q

from mashang.directory.choices import Role, UnitKind
from mashang.directory.models import Division

from .models import Placement

COUNTY_WIDE = {Role.ADMIN, Role.DISPATCHER, Role.SUPERVISOR}


def placements_for(user):
    """County-wide roles see every placement; a unit leader sees those of their own unit
    (a township leader: every wall in the township)."""
    qs = Placement.objects.select_related("division", "addressee_unit", "place_unit")
    if user.has_role(*COUNTY_WIDE):
        return qs
    unit = user.unit
    if user.has_role(Role.UNIT_LEADER) and unit is not None:
        mine = Q(addressee_unit=unit) | Q(place_unit=unit)
        if unit.kind == UnitKind.TOWNSHIP:
            mine |= Q(division__path__startswith=unit.division.path)
        return qs.filter(mine)
    return qs.none()


def filter_placements(qs, *, division_code: str = "", kind: str = "", status: str = ""):
    division = None
    if division_code:
        division = Division.objects.filter(code=division_code).first()
        qs = qs.filter(division__path__startswith=division.path) if division else qs.none()
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("division__code", "kind", "id"), division
