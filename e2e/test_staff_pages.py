"""Staff pages in a real browser: the unit picker narrows as one types, the QR list shows codes."""

import pytest

from e2e.conftest import wait_for
from e2e.test_journeys import staff_login
from mashang.appeals.tests.conftest import codes, file  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_co_handling_picker_narrows_as_one_types(live_server, browser, file):  # noqa: F811
    appeal = file()
    page = staff_login(browser, live_server, "t_dispatcher")
    page.goto(f"{live_server.url}/staff/appeals/{appeal.pk}/")
    labels = page.locator("#co-unit-list label")
    everyone = labels.count()
    page.fill("#co-filter", "水利")
    visible = [
        labels.nth(i).inner_text().strip() for i in range(everyone) if labels.nth(i).is_visible()
    ]
    assert visible == ["县水利局"] and everyone > 3
    page.check("#co-unit-list input[type=checkbox] >> visible=true")
    page.fill("#co-filter", "")
    assert sum(labels.nth(i).is_visible() for i in range(everyone)) == everyone
    body = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    control = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('#co-filter')).fontSize)"
    )
    assert body >= 16 and control >= 16
    page.get_by_role("button", name="派单", exact=True).click()
    assert "已派单" in page.locator(".messages").inner_text()
    assert "协办：县水利局" in page.locator(".card").first.inner_text()


def test_the_qr_list_shows_each_code(live_server, browser, codes):  # noqa: F811
    page = staff_login(browser, live_server, "t_dispatcher")
    page.goto(f"{live_server.url}/staff/qrcodes/")
    assert page.locator("table img").count() == 3
    wait_for(
        lambda: page.locator("table img").evaluate_all(
            "imgs => imgs.every(i => i.complete && i.naturalWidth > 0)"
        )
    )
