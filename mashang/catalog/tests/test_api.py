from datetime import timedelta

import pytest

from mashang.catalog.actions import create_draft, publish_version, update_draft
from mashang.catalog.queries import today
from mashang.catalog.testing import build_item

from .test_reductions import make_bundle

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(county, kit):
    user = county.people.catalog_admin
    a = build_item(user, county.units.water, "取水许可", materials=[kit.id_card], fields=[kit.name])
    b = build_item(
        user, county.units.housing, "建筑工程施工许可", materials=[kit.id_card, kit.hukou]
    )
    return a, b


def test_items_list_filters_by_name_and_unit(client, county, items):
    body = client.get("/api/v1/catalog/items", {"q": "取水"}).json()
    assert [i["name"] for i in body["items"]] == ["取水许可"]
    body = client.get("/api/v1/catalog/items", {"unit": county.units.housing.pk}).json()
    assert [i["name"] for i in body["items"]] == ["建筑工程施工许可"]
    assert client.get("/api/v1/catalog/items", {"level": "nowhere"}).status_code == 400


def test_item_detail_reads_the_current_and_any_published_version(client, county, items):
    user = county.people.catalog_admin
    draft = create_draft(items[0].item, acting_user=user)
    update_draft(draft, {"name": "取水许可（新）"}, acting_user=user)
    code = items[0].item.code
    assert client.get(f"/api/v1/catalog/items/{code}").json()["version"] == 1
    # A draft is never public.
    assert client.get(f"/api/v1/catalog/items/{code}", {"version": 2}).status_code == 404
    publish_version(draft, effective_from=today() + timedelta(days=1), acting_user=user)
    body = client.get(f"/api/v1/catalog/items/{code}", {"version": 2}).json()
    assert body["name"] == "取水许可（新）"
    assert body["versions"] == [1, 2]
    current = client.get(f"/api/v1/catalog/items/{code}").json()
    assert current["name"] == "取水许可" and current["materials"][0]["name"] == "居民身份证"
    assert client.get("/api/v1/catalog/items/NOPE").status_code == 404


def test_bundles_carry_their_reductions(client, county, items):
    bundle = make_bundle(county, items, steps=1, days=2)
    body = client.get("/api/v1/catalog/bundles").json()
    assert body["count"] == 1
    steps = next(r for r in body["items"][0]["reductions"] if r["key"] == "steps")
    assert (steps["bundle_value"], steps["items_value"], steps["percent"]) == (1, 6, 83.3)
    detail = client.get(f"/api/v1/catalog/bundles/{bundle.pk}").json()
    assert [m["name"] for m in detail["materials"]] == ["居民身份证", "户口簿"]
    assert client.get("/api/v1/catalog/bundles/999999").status_code == 404


def test_catalog_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {
        "/api/v1/catalog/items",
        "/api/v1/catalog/items/{code}",
        "/api/v1/catalog/bundles",
        "/api/v1/catalog/bundles/{bundle_id}",
    } <= set(paths)


def test_catalog_api_is_rate_limited(client, settings, monkeypatch, items):
    from mashang.catalog import api

    monkeypatch.setattr(api, "PER_MINUTE", 2)
    codes = [client.get("/api/v1/catalog/items").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
