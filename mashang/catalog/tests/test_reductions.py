from decimal import Decimal

import pytest

from mashang.catalog.actions import create_draft, publish_version, set_draft_steps
from mashang.catalog.choices import StepKind
from mashang.catalog.models import Bundle, BundleItem, BundleStep
from mashang.catalog.queries import bundle_view, county_reductions, today
from mashang.catalog.testing import build_item

pytestmark = pytest.mark.django_db


def make_bundle(county, versions, *, steps=2, days=3, visits=0, code="b1"):
    bundle = Bundle.objects.create(
        code=code,
        name="新生儿出生一件事",
        lead_unit=county.units.centre,
        promised_limit_days=days,
        visits=visits,
    )
    for i, v in enumerate(versions):
        BundleItem.objects.create(bundle=bundle, item=v.item, order=i)
    for i in range(steps):
        BundleStep.objects.create(bundle=bundle, name=f"环节{i}", order=i)
    return bundle


@pytest.fixture
def newborn(county, kit):
    user = county.people.catalog_admin
    a = build_item(
        user,
        county.units.housing,
        "出生医学证明签发",
        steps=4,
        promised=5,
        materials=[kit.id_card, kit.hukou],
        fields=[kit.name, kit.id_number],
        produces=[kit.birth_cert],
    )
    b = build_item(
        user,
        county.units.water,
        "出生登记",
        steps=4,
        promised=10,
        visits=2,
        materials=[
            kit.id_card,
            kit.birth_cert,
            (kit.income, {"source": "government"}),
            (kit.photo, {"may_be_missing": True}),
        ],
        fields=[kit.name, kit.child],
    )
    return a, b


def test_each_reduction_is_one_minus_bundle_over_sum_of_items(county, newborn):
    view = bundle_view(make_bundle(county, newborn, steps=2, days=3, visits=0))
    r = view.reductions
    assert (r["steps"].bundle_value, r["steps"].items_value) == (2, 8)
    assert r["steps"].percent == Decimal("75.0")
    assert (r["time"].bundle_value, r["time"].items_value) == (3, 15)
    assert r["time"].percent == Decimal("80.0")
    assert (r["visits"].bundle_value, r["visits"].items_value) == (0, 3)
    # Items alone: 2 + 3 brought by the applicant (the income record is held by government).
    # Bundle: id card once, hukou, photo; the birth certificate comes from the first item.
    assert (r["materials"].bundle_value, r["materials"].items_value) == (3, 5)
    assert r["materials"].percent == Decimal("40.0")
    assert r["materials"].arithmetic == "1 − 3份 ÷ 5份 = 40.0%"


def test_merged_materials_say_why_a_material_drops_out(county, newborn, kit):
    merged = {
        m.material_type.code: m
        for m in bundle_view(make_bundle(county, newborn)).merged_materials()
    }
    assert merged["id_card"].item_names == ["出生医学证明签发", "出生登记"]
    assert merged["id_card"].brought
    assert "出生医学证明签发" in merged["birth_cert"].dropped
    assert "共享" in merged["income"].dropped
    assert merged["photo"].may_be_missing


def test_a_material_may_be_missing_in_the_bundle_only_if_every_item_allows_it(county, kit):
    user = county.people.catalog_admin
    a = build_item(
        user, county.units.housing, "甲", materials=[(kit.photo, {"may_be_missing": True})]
    )
    b = build_item(user, county.units.water, "乙", materials=[kit.photo])
    merged = bundle_view(make_bundle(county, [a, b])).merged_materials()
    assert [m.may_be_missing for m in merged] == [False]


def test_one_form_lists_each_dictionary_field_once(county, newborn):
    fields = bundle_view(make_bundle(county, newborn)).merged_fields()
    assert [f.field.code for f in fields] == ["applicant_name", "id_number", "child_name"]
    assert fields[0].item_names == ["出生医学证明签发", "出生登记"]


def test_the_figure_moves_when_an_item_changes(county, newborn):
    bundle = make_bundle(county, newborn, steps=2)
    assert bundle_view(bundle).reductions["steps"].percent == Decimal("75.0")
    user = county.people.catalog_admin
    draft = create_draft(newborn[1].item, acting_user=user)
    set_draft_steps(
        draft,
        [{"kind": StepKind.REVIEW, "name": n, "limit_days": 0} for n in ("受理", "审查")],
        acting_user=user,
    )
    # Effective tomorrow: today's figure is unchanged, tomorrow's moves (2 ÷ 6).
    from datetime import timedelta

    tomorrow = today() + timedelta(days=1)
    publish_version(draft, effective_from=tomorrow, acting_user=user)
    assert bundle_view(bundle).reductions["steps"].items_value == 8
    moved = bundle_view(bundle, on=tomorrow).reductions["steps"]
    assert (moved.bundle_value, moved.items_value, moved.percent) == (2, 6, Decimal("66.7"))


def test_county_figure_is_the_ratio_of_sums_not_the_mean_of_ratios(county, kit):
    user = county.people.catalog_admin
    small = [
        build_item(user, county.units.housing, f"小{i}", steps=1, materials=[kit.hukou])
        for i in range(2)
    ]
    big = [
        build_item(user, county.units.water, f"大{i}", steps=9, materials=[kit.hukou])
        for i in range(2)
    ]
    make_bundle(county, small, steps=1, code="small")  # 1 − 1/2 = 50 %
    make_bundle(county, big, steps=2, code="big")  # 1 − 2/18 ≈ 88.9 %
    figures = county_reductions()
    # Ratio of sums: 1 − 3/20 = 85 %; a mean of the two would say 69.4 %.
    assert figures.reductions["steps"].percent == Decimal("85.0")
    assert figures.online_percent == Decimal("100.0")


def test_a_retired_member_leaves_the_figures(county, newborn):
    from mashang.catalog.actions import retire_item

    bundle = make_bundle(county, newborn)
    retire_item(newborn[1].item, on=today(), acting_user=county.people.catalog_admin, reason="取消")
    view = bundle_view(bundle)
    assert [v.name for v in view.versions] == ["出生医学证明签发"]
    assert [i.name for i in view.missing] == ["出生登记"]
