"""The Content-Security-Policy breaks nothing: no violation on the citizen form, the staff
pages, the ECharts dashboards (tooltips included), htmx and the Django admin (issue 11)."""

import pytest
from django.conf import settings

from mashang.appeals import actions
from mashang.appeals.tests.conftest import codes, file  # noqa: F401 - fixtures
from mashang.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WATCH = """() => { window.__csp = [];
  document.addEventListener('securitypolicyviolation',
    e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI)); }"""


def violations(page, console) -> list[str]:
    found = page.evaluate("window.__csp || []")
    return found + [m for m in console if "Content Security Policy" in m]


def test_no_csp_violation_on_citizen_staff_dashboard_and_admin_pages(
    live_server,
    browser,
    people,
    codes,  # noqa: F811
    file,  # noqa: F811
):
    appeal = file()
    actions.dispatch_appeal(appeal, people.handler_a.unit, acting_user=people.dispatcher)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.add_init_script(f"({WATCH})()")
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))

    response = page.goto(f"{live_server.url}{codes.bureau.get_absolute_url()}")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.fill("#content", "短")
    page.get_by_role("button", name="提交诉求").click()
    assert violations(page, console) == []

    page.goto(f"{live_server.url}/staff/login/")
    page.fill("#id_username", people.admin.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    for path in ["/staff/desk/", f"/staff/appeals/{appeal.pk}/", "/staff/stats/?to=2100-01-01"]:
        response = page.goto(f"{live_server.url}{path}")
        assert "no-store" in response.headers["cache-control"]
        assert violations(page, console) == [], path
    if settings.ECHARTS_DIR.is_dir():
        page.wait_for_selector("#chart-trend canvas")
        box = page.locator("#chart-trend canvas").bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_timeout(300)  # the tooltip writes its own styles
        assert page.evaluate("typeof echarts") == "object"
    assert violations(page, console) == []
    assert page.evaluate("typeof htmx") == "object"

    for path in [
        "/admin/",
        "/admin/directory/staff/",
        f"/admin/directory/staff/{people.admin.pk}/change/",
    ]:
        page.goto(f"{live_server.url}{path}")
        assert violations(page, console) == [], path
    page.goto(f"{live_server.url}/admin/notifications/message/")
    assert violations(page, console) == []
    context.close()
