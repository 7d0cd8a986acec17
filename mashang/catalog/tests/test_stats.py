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


def test_the_cached_catalogue_figures_are_those_counted_afresh(catalogue):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from mashang.catalog.queries import _catalog_figures, catalog_figures, today

    first = catalog_figures()
    with CaptureQueriesContext(connection) as ctx:
        again = catalog_figures()
    assert again == first == _catalog_figures(today())
    assert not [q for q in ctx.captured_queries if "catalog_" in q["sql"]]  # from the cache


def test_a_catalogue_change_is_seen_at_once(county, kit, catalogue):
    from mashang.catalog import actions
    from mashang.catalog.models import Bundle, ItemVersion
    from mashang.catalog.queries import catalog_figures, today

    user = county.people.catalog_admin
    assert catalog_figures()["items"] == 2
    added = build_item(user, county.units.water, "排水许可", steps=3, materials=[kit.id_card])
    assert catalog_figures()["items"] == 3
    actions.retire_item(added.item, on=today(), acting_user=user, reason="合并")
    assert catalog_figures()["items"] == 2
    # A write outside the actions (the admin's), straight to a model: seen too.
    village = ItemVersion.objects.get(level="village").item
    village.retired_on = today()
    village.save()
    assert catalog_figures()["items_by_level"]["village"] == 0
    Bundle.objects.update(is_active=False)  # a bulk update sends no signal...
    from mashang.catalog.queries import bump_figures_version

    bump_figures_version()  # ...so a bulk writer calls this (the demo loader does)
    assert catalog_figures()["bundles"] == 0
