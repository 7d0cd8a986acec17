import io
from datetime import timedelta

import pytest
from django.urls import reverse

from mashang.catalog.actions import create_draft
from mashang.catalog.excel import export_catalog
from mashang.catalog.models import CatalogEvent, ItemVersion
from mashang.catalog.queries import current_version, today
from mashang.catalog.testing import build_item
from mashang.testing import PASSWORD

pytestmark = pytest.mark.django_db


def login(client, user):
    client.logout()
    assert client.login(username=user.username, password=PASSWORD)


def form_data(response) -> dict:
    """What the browser would send back for the page's forms, unchanged."""
    data = {}
    ctx = response.context
    forms = [ctx["form"]]
    for name in ("bases", "steps", "materials"):
        fs = ctx[name]
        forms += [fs.management_form, *fs.forms]
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            key = form.add_prefix(name)
            if isinstance(value, bool) or value is None:
                if value:
                    data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [getattr(v, "pk", v) for v in value]
            else:
                data[key] = value
    return data


@pytest.fixture
def items(county, kit):
    water = build_item(
        county.people.catalog_admin, county.units.water, "取水许可", materials=[kit.id_card]
    )
    housing = build_item(
        county.people.catalog_admin, county.units.housing, "施工许可", materials=[kit.id_card]
    )
    return water, housing


def test_a_units_catalogue_keeper_sees_only_its_units_items(client, county, items):
    login(client, county.people.clerk_b)
    page = client.get(reverse("catalog_items")).content.decode()
    assert "取水许可" in page and "施工许可" not in page
    assert client.get(reverse("catalog_item", args=[items[1].item.code])).status_code == 404


def test_staff_without_the_catalogue_role_are_refused(client, county, items):
    login(client, county.people.handler_b)
    assert client.get(reverse("catalog_items")).status_code == 403


def test_a_unit_edits_a_draft_publishes_it_and_the_old_version_stays_readable(
    client, county, items
):
    water = items[0]
    login(client, county.people.clerk_b)
    response = client.post(reverse("catalog_create_draft", args=[water.item.code]))
    assert response.status_code == 302
    edit = reverse("catalog_draft_edit", args=[water.item.code, 2])
    data = form_data(client.get(edit))
    data["phone"] = "0734-8000001"
    response = client.post(edit, data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    diff = client.get(reverse("catalog_diff", args=[water.item.code])).content.decode()
    assert "咨询电话" in diff and "0734-8000001" in diff
    tomorrow = today() + timedelta(days=1)
    client.post(
        reverse("catalog_publish", args=[water.item.code, 2]),
        {"effective_from": tomorrow.isoformat(), "note": "更新电话"},
    )
    v2 = ItemVersion.objects.get(item=water.item, number=2)
    assert v2.status == "published" and v2.phone == "0734-8000001"
    assert current_version(water.item).number == 1  # version 2 starts tomorrow
    old = client.get(reverse("catalog_version", args=[water.item.code, 1])).content.decode()
    assert f"{tomorrow:%Y-%m-%d}起由新版本取代" in old
    # Once version 2 is in force, version 1 is still there to read, with its period.
    v1 = ItemVersion.objects.get(item=water.item, number=1)
    assert v1.effective_to == tomorrow and v1.phone == ""
    actors = set(CatalogEvent.objects.filter(item=water.item).values_list("actor", flat=True))
    assert county.people.clerk_b.pk in actors


def test_a_published_version_has_no_edit_page(client, county, items):
    login(client, county.people.clerk_b)
    response = client.get(reverse("catalog_draft_edit", args=[items[0].item.code, 1]))
    assert response.status_code == 302


def test_a_bad_draft_is_shown_again_with_the_reason_and_nothing_saved(client, county, items):
    water = items[0]
    create_draft(water.item, acting_user=county.people.clerk_b)
    login(client, county.people.clerk_b)
    edit = reverse("catalog_draft_edit", args=[water.item.code, 2])
    data = form_data(client.get(edit))
    data["legal_limit_days"] = "3"
    data["promised_limit_days"] = "9"
    response = client.post(edit, data)
    assert response.status_code == 200
    assert "承诺时限不能超过法定时限" in response.content.decode()
    assert ItemVersion.objects.get(item=water.item, number=2).legal_limit_days == 20


def test_the_bundle_page_shows_the_arithmetic(client, county, items):
    from .test_reductions import make_bundle

    bundle = make_bundle(county, items, steps=2)
    login(client, county.people.clerk_b)
    page = client.get(reverse("catalog_bundle", args=[bundle.pk])).content.decode()
    assert "1 − 2个 ÷ 6个 = 66.7%" in page


def test_only_the_service_centre_imports(client, county, items):
    out = io.BytesIO()
    export_catalog(out)
    out.seek(0)
    login(client, county.people.clerk_b)
    response = client.post(reverse("catalog_import"), {"file": out})
    assert response.status_code == 404
    login(client, county.people.catalog_admin)
    out.seek(0)
    response = client.post(reverse("catalog_import"), {"file": out})
    assert "导入完成" in response.content.decode()


def test_the_import_page_lists_every_bad_row(client, county, items):
    login(client, county.people.catalog_admin)
    bad = io.BytesIO(b"PK not really")
    bad.name = "bad.xlsx"
    page = client.post(reverse("catalog_import"), {"file": bad}).content.decode()
    assert "无法读取文件" in page
