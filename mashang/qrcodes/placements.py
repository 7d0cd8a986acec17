"""The county's placement rule: which codes hang where (about 2,600 posters for 衡南县).

- 政务服务大厅 (the service centre): 找县长, 找县委书记, 县纪委书记码上查;
- each county department: its own 局长"码"上办;
- 县纪委监委: 码上查; 县委办公室: 找县委书记; 县人民政府办公室: 找县长;
- each township (street) service centre: its 书记（镇长）code, 找县长, 找县委书记, 码上查;
- each village (community) station and each hamlet party group: its township's 书记（镇长）code.
Every form accepts every appeal type, 检举控告 included, so one code per village wall is enough.
For 衡南县: 3 + 37 + 3 + 23×4 + 445 + 2,053 = 2,633 placements.
"""

from dataclasses import dataclass

from django.db import transaction

from mashang.directory.choices import DivisionLevel, PositionTitle, UnitKind
from mashang.directory.models import Division, Position, Unit

from .choices import QRKind
from .models import Placement


@dataclass(frozen=True)
class Wanted:
    kind: str
    division_id: int
    place_unit_id: int | None
    place_label: str
    addressee_unit_id: int


def _unit_holding(title: str) -> Unit | None:
    position = Position.objects.select_related("unit").filter(title=title).first()
    return position.unit if position else None


def planned_placements(county: Division) -> list[Wanted]:
    mayor = _unit_holding(PositionTitle.COUNTY_MAYOR)
    secretary = _unit_holding(PositionTitle.COUNTY_SECRETARY)
    discipline = _unit_holding(PositionTitle.DISCIPLINE_SECRETARY)
    county_wide = [
        (k, u)
        for k, u in (
            (QRKind.COUNTY_MAYOR, mayor),
            (QRKind.COUNTY_SECRETARY, secretary),
            (QRKind.DISCIPLINE, discipline),
        )
        if u is not None
    ]
    wanted: list[Wanted] = []
    county_units = Unit.objects.filter(division=county, is_active=True).order_by("sort_order", "id")
    for unit in county_units:
        if unit.kind == UnitKind.SERVICE_CENTRE:
            for kind, addressee in county_wide:
                wanted.append(Wanted(kind, county.pk, unit.pk, "政务服务大厅", addressee.pk))
        elif unit.kind == UnitKind.DEPARTMENT:
            wanted.append(Wanted(QRKind.BUREAU, county.pk, unit.pk, unit.name, unit.pk))
        else:
            for kind, addressee in county_wide:
                if addressee.pk == unit.pk:
                    wanted.append(Wanted(kind, county.pk, unit.pk, unit.name, unit.pk))

    township_units = {
        u.division_id: u
        for u in Unit.objects.filter(kind=UnitKind.TOWNSHIP, division__path__startswith=county.path)
    }
    below = (
        Division.objects.subtree(county)
        .filter(level__in=[DivisionLevel.TOWNSHIP, DivisionLevel.VILLAGE, DivisionLevel.HAMLET])
        .order_by("code")
    )
    township_of_path: dict[str, Division] = {}
    for division in below:
        if division.level == DivisionLevel.TOWNSHIP:
            township_of_path[division.path] = division
            gov = township_units.get(division.pk)
            if gov is None:
                continue
            label = division.name + "便民服务中心"
            wanted.append(Wanted(QRKind.TOWNSHIP, division.pk, gov.pk, label, gov.pk))
            for kind, addressee in county_wide:
                wanted.append(Wanted(kind, division.pk, gov.pk, label, addressee.pk))
            continue
        township_path = "/".join(division.path.split("/")[: county.depth + 3]) + "/"
        township = township_of_path.get(township_path)
        gov = township_units.get(township.pk) if township else None
        if gov is None:
            continue
        label = (
            division.name
            if division.level == DivisionLevel.HAMLET
            else (division.name + "便民服务站")
        )
        wanted.append(Wanted(QRKind.TOWNSHIP, division.pk, None, label, gov.pk))
    return wanted


@transaction.atomic
def generate_placements(county: Division) -> int:
    """Create every planned placement that has no active one yet; returns how many were made."""
    existing = set(
        Placement.objects.filter(division__path__startswith=county.path)
        .exclude(status="retired")
        .values_list("kind", "division_id", "place_unit_id", "addressee_unit_id")
    )
    new = [
        Placement(
            kind=w.kind,
            division_id=w.division_id,
            place_unit_id=w.place_unit_id,
            place_label=w.place_label,
            addressee_unit_id=w.addressee_unit_id,
        )
        for w in planned_placements(county)
        if (w.kind, w.division_id, w.place_unit_id, w.addressee_unit_id) not in existing
    ]
    Placement.objects.bulk_create(new, batch_size=1000)
    return len(new)
