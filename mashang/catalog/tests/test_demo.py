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
