from collections import Counter

import pytest

from mashang.directory.choices import DivisionLevel
from mashang.directory.demo import load_demo_county
from mashang.directory.models import Division, Unit
from mashang.qrcodes.choices import PlacementStatus, QRKind
from mashang.qrcodes.models import Placement
from mashang.qrcodes.placements import generate_placements

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    load_demo_county()
    return Division.objects.get(code="430422")


def test_the_demo_county_has_its_2633_placements_by_the_documented_rule(demo):
    counts = Counter(Placement.objects.values_list("kind", flat=True))
    assert sum(counts.values()) == 2633
    assert counts[QRKind.BUREAU] == 37
    assert counts[QRKind.TOWNSHIP] == 23 + 445 + 2053
    assert counts[QRKind.COUNTY_MAYOR] == counts[QRKind.COUNTY_SECRETARY] == 1 + 1 + 23
    assert counts[QRKind.DISCIPLINE] == 1 + 1 + 23


def test_every_hamlet_and_village_carries_its_own_townships_code(demo):
    for level in (DivisionLevel.HAMLET, DivisionLevel.VILLAGE):
        placement = (
            Placement.objects.filter(division__level=level)
            .select_related("division", "addressee_unit")
            .last()
        )
        township = placement.division.ancestor_at(DivisionLevel.TOWNSHIP)
        assert placement.kind == QRKind.TOWNSHIP
        assert placement.addressee_unit == Unit.objects.get(kind="township", division=township)


def test_codes_are_addressed_to_posts_not_persons(demo):
    placement = Placement.objects.filter(kind=QRKind.BUREAU, place_label="县住房和城乡建设局").get()
    assert placement.addressee_label == "县住房和城乡建设局局长"
    chief = placement.addressee_positions()[0]
    old_holder = chief.holder
    chief.holder = None  # a reshuffle: the poster stays valid
    chief.save()
    placement.refresh_from_db()
    assert placement.addressee_label == "县住房和城乡建设局局长"
    assert old_holder is not None
    township = Placement.objects.filter(
        kind=QRKind.TOWNSHIP, division__level=DivisionLevel.HAMLET
    ).first()
    titles = [p.title for p in township.addressee_positions()]
    assert titles == ["party_secretary", "mayor"]


def test_generation_is_idempotent_and_fills_only_the_gaps(demo):
    assert generate_placements(demo) == 0
    one = Placement.objects.filter(kind=QRKind.BUREAU).first()
    one.status = PlacementStatus.RETIRED
    one.save()
    assert generate_placements(demo) == 1  # a retired wall gets a fresh active code
    assert Placement.objects.count() == 2634


def test_tokens_are_long_and_manual_codes_short_and_unique(demo):
    tokens = list(Placement.objects.values_list("token", flat=True))
    codes = list(Placement.objects.values_list("manual_code", flat=True))
    assert len(set(tokens)) == len(tokens) and min(len(t) for t in tokens) >= 22
    assert len(set(codes)) == len(codes) and {len(c) for c in codes} == {8}
    assert not any(ch in "".join(codes) for ch in "01OIL")
