"""Staff pages in a real browser: the unit picker narrows as one types, the QR list shows codes."""

import pytest

from e2e.conftest import wait_for
from e2e.test_journeys import staff_login
from mashang.appeals.tests.conftest import codes, file  # noqa: F401 - fixtures
from mashang.testing import PASSWORD

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


def test_the_staff_bar_keeps_every_label_on_one_line_at_1366(live_server, browser, people):
    """A leader sees many pages: labels never break character by character; the figures
    pages open from one 统计 menu."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/staff/login/")
    page.fill("#id_username", people.county_leader.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/staff/")
    page.screenshot(path="/tmp/staff_bar_1366.png")
    links = page.locator(".nav > a, .nav-group summary")
    heights = [links.nth(i).bounding_box()["height"] for i in range(links.count())]
    line = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('.nav a')).lineHeight)"
    )
    assert heights and max(heights) < 2 * line  # one line each
    page.locator(".nav-group summary").click()
    page.locator(".nav-menu").get_by_role("link", name="效能统计").click()
    page.wait_for_url(f"{live_server.url}/staff/efficiency/")
    context.close()
