"""A unit keeps its own items in a real browser: draft, diff, publish; the old version stays."""

from datetime import timedelta

import pytest

from mashang.catalog.models import ItemVersion
from mashang.catalog.queries import today
from mashang.catalog.testing import build_item, material_type
from mashang.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_unit_edits_a_draft_publishes_it_and_reads_the_old_version(
    live_server, desktop, people, county
):
    id_card = material_type("id_card", "居民身份证")
    v1 = build_item(
        people.catalog_admin, county.units.water, "取水许可", materials=[id_card], promised=8
    )
    code = v1.item.code
    page = desktop
    page.goto(f"{live_server.url}/staff/login/")
    page.fill("#id_username", people.clerk_b.username)  # the water bureau's 事项管理员
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")

    page.goto(f"{live_server.url}/staff/catalog/")
    page.click("text=取水许可")
    page.click("#new-draft")
    page.fill("#id_promised_limit_days", "5")
    page.fill("#id_phone", "0734-8123456")
    page.click("#save-draft")

    # The diff shows what changed; publish from tomorrow.
    diff = page.locator("#diff").inner_text()
    assert "承诺时限" in diff and "0734-8123456" in diff
    tomorrow = today() + timedelta(days=1)
    page.fill("input[name=effective_from]", tomorrow.isoformat())
    page.fill("input[name=note]", "压缩承诺时限")
    page.click("#publish-button")
    assert "第2版已发布" in page.locator(".messages").inner_text()

    v2 = ItemVersion.objects.get(item=v1.item, number=2)
    assert (v2.status, v2.promised_limit_days, v2.effective_from) == ("published", 5, tomorrow)
    # The old version is unchanged and still readable.
    page.goto(f"{live_server.url}/staff/catalog/items/{code}/v1/")
    body = page.locator("main").inner_text()
    assert "8个工作日" in body and "起由新版本取代" in body
    assert ItemVersion.objects.get(pk=v1.pk).promised_limit_days == 8
