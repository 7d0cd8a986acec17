import pytest

from mashang.catalog.choices import HandlingLevel
from mashang.catalog.demo import load_demo_catalog
from mashang.catalog.models import Bundle, Item
from mashang.catalog.queries import catalog_figures
from mashang.directory.choices import DivisionLevel
from mashang.directory.demo import _create_units
from mashang.directory.models import Division

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_units():
    province = Division.objects.create(code="430000", name="湖南省", level=DivisionLevel.PROVINCE)
    city = Division.objects.create(
        code="430400", name="衡阳市", level=DivisionLevel.CITY, parent=province
    )
    county = Division.objects.create(
        code="430422", name="衡南县", level=DivisionLevel.COUNTY, parent=city
    )
    _create_units(county, [], [])


def test_demo_catalogue_has_the_seed_figures(demo_units):
    assert load_demo_catalog()
    figures = catalog_figures()
    assert figures["units"] == 43
    assert figures["items"] == 1033
    assert figures["bundles"] == 26
    assert figures["items_by_level"][HandlingLevel.VILLAGE] >= 50
    assert figures["items_by_level"][HandlingLevel.TOWNSHIP] > 50
    assert figures["reductions"]["steps"] == 78.5
    assert figures["reductions"]["time"] == 87.2
    assert figures["reductions"]["materials"] == 39.6
    assert figures["online"] == 100.0
    # Loading again changes nothing.
    assert not load_demo_catalog()
    assert Item.objects.count() == 1033 and Bundle.objects.count() == 26


def test_every_demo_item_asks_only_for_materials_of_its_family(demo_units):
    """By the table of families (demo_data.MATERIAL_FAMILIES): no 出生医学证明 on a business
    licence, no 营业执照 on a person's allowance. An item's own materials (named after it)
    are its own."""
    from mashang.catalog.demo import material_fits, subject_of
    from mashang.catalog.models import BundleItem, ItemVersion, Material

    assert load_demo_catalog()
    bundles: dict[int, list[str]] = {}
    for bi in BundleItem.objects.select_related("bundle"):
        bundles.setdefault(bi.item_id, []).append(bi.bundle.name)
    codes: dict[int, list[str]] = {}
    for m in Material.objects.select_related("material_type"):
        if not m.material_type.code.startswith("own-"):
            codes.setdefault(m.version_id, []).append(m.material_type.code)
    wrong = []
    for v in ItemVersion.objects.all():
        names = [v.name, *bundles.get(v.item_id, [])]
        wrong += [
            f"{v.name}: {c}" for c in codes[v.pk] if not material_fits(c, subject_of(v), names)
        ]
    assert wrong == [], wrong


def test_the_family_table_refuses_what_the_tester_found():
    from mashang.catalog.demo import material_fits

    assert not material_fits("birth_cert", "e", ["企业设立登记", "开办餐饮店一件事"])
    assert not material_fits("business_license", "p", ["高龄津贴申领"])
    assert not material_fits("lease", "p", ["出生医学证明签发", "新生儿出生一件事"])
    assert material_fits("birth_cert", "p", ["出生登记（户口）", "新生儿出生一件事"])
    assert material_fits("id_card", "p", ["高龄津贴申领"])
