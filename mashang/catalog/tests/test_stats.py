import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from mashang.catalog.testing import build_item
from mashang.testing import PASSWORD

from .test_reductions import make_bundle

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(county, kit):
    user = county.people.catalog_admin
    a = build_item(user, county.units.water, "取水许可", steps=4, materials=[kit.id_card])
    b = build_item(
        user, county.units.housing, "村级代办事项", steps=2, level="village", materials=[kit.hukou]
    )
    make_bundle(county, [a, b], steps=2)


def test_stats_json_has_the_catalog_part(catalogue):
    out = io.StringIO()
    call_command("stats", json=True, stdout=out)
    catalog = json.loads(out.getvalue())["catalog"]
    assert catalog["units"] == 2
    assert catalog["items"] == 2
    assert catalog["items_by_level"] == {"county": 1, "township": 0, "village": 1}
    assert catalog["bundles"] == 1
    assert catalog["reductions"]["steps"] == 66.7  # 1 − 2 ÷ 6
    assert catalog["reduction_sums"]["steps"] == {"bundles": 2, "items": 6}
    assert catalog["online"] == 100.0
    assert catalog["aggregation"] == "ratio_of_sums"


def test_the_statistics_page_shows_the_same_figures(client, county, catalogue):
    client.login(username=county.people.county_leader.username, password=PASSWORD)
    page = client.get(reverse("stats_overview")).content.decode()
    assert 'id="catalog-figures"' in page
    assert "−66.7%" in page and "1 − 2 ÷ 6" in page
