"""Leaders' dashboards in a real browser: figures, charts (when ECharts is installed), clicks."""

import pytest
from django.conf import settings

from mashang.appeals import actions
from mashang.appeals.tests.conftest import codes, file  # noqa: F401 - fixtures
from mashang.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_overview_draws_its_charts_and_figures_click_through(
    live_server,
    desktop,
    people,
    county,
    file,  # noqa: F811 - the fixture imported above
):
    appeal = file()
    actions.invalidate_appeal(appeal, "属紧急情况，请拨打119", acting_user=people.dispatcher)
    desktop.goto(f"{live_server.url}/staff/login/")
    desktop.fill("#id_username", people.county_leader.username)
    desktop.fill("#id_password", PASSWORD)
    desktop.click("button[type=submit]")
    desktop.goto(f"{live_server.url}/staff/stats/?to=2100-01-01")
    received = desktop.locator("#figures a[data-key=received] .figure-value")
    assert received.inner_text() == "1"
    if settings.ECHARTS_DIR.is_dir():
        desktop.wait_for_selector("#chart-trend canvas")
        assert desktop.locator("#chart-kinds canvas").count() == 1
    else:
        assert desktop.locator("#no-charts").is_visible()
    desktop.click("#figures a[data-key=received]")
    assert appeal.number in desktop.locator("#appeal-list").inner_text()


@pytest.mark.parametrize("size", [(1920, 1080), (1366, 768)])
def test_the_wall_screen_fills_the_screen_with_titled_charts(
    live_server,
    browser,
    people,
    county,
    file,  # noqa: F811 - the fixture imported above
    size,
):
    file()
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.goto(f"{live_server.url}/staff/login/")
    page.fill("#id_username", people.county_leader.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/staff/stats/?to=2100-01-01&screen=1")
    box = page.evaluate(
        """() => { const r = document.querySelector('main.panels').getBoundingClientRect();
        return {bottom: r.bottom, right: r.right,
                width: document.documentElement.scrollWidth,
                height: document.documentElement.scrollHeight}; }"""
    )
    assert box["width"] <= size[0] and box["height"] <= size[1]  # nothing scrolls
    assert box["bottom"] >= 0.97 * size[1] and box["right"] >= 0.97 * size[0]  # nothing empty
    titles = page.locator(".panel h2").all_inner_texts()
    assert len(titles) == page.locator(".panel .chart").count() == 5 and all(titles)
    if settings.ECHARTS_DIR.is_dir():
        page.wait_for_selector("#chart-towns canvas")
    page.close()
