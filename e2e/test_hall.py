"""The hall floor in a real browser: a phone ticket, a window call, the screen and the phone."""

import time

import pytest

from mashang.hall.models import Ticket
from mashang.hall.testing import make_hall
from mashang.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def staff_login(browser, live_server, username):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/staff/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/staff/")
    return page


def test_phone_ticket_called_from_window_shows_on_screen_and_phone(
    live_server, browser, phone, county, people
):
    hall = make_hall(county, hours=False)
    screen_ctx = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    screen = screen_ctx.new_page()
    screen.goto(f"{live_server.url}/hall/screen/")
    screen.wait_for_selector("#now-number")

    phone.goto(f"{live_server.url}/hall/take/{hall.hall.code}/")
    phone.check(f"input[name=zone][value='{hall.a.pk}']")
    phone.get_by_role("button", name="取号").click()
    phone.wait_for_selector("#number")
    number = phone.locator("#number").inner_text()
    assert number == Ticket.objects.get().number == "A001"

    clerk = staff_login(browser, live_server, "t_window_clerk")
    clerk.goto(f"{live_server.url}/staff/hall/window/")
    clerk.get_by_role("button", name="5号 综合窗口").click()
    clerk.get_by_role("button", name="叫下一位").click()
    called_at = time.monotonic()
    clerk.wait_for_selector("#ticket-A001")

    screen.wait_for_function(
        "document.getElementById('now-number').textContent === 'A001'", timeout=2000
    )
    shown_after = time.monotonic() - called_at
    assert "请到5号窗口办理" in screen.locator("#now-window").inner_text()
    phone.wait_for_function(
        "document.getElementById('message').textContent.includes('请到5号窗口')", timeout=5000
    )
    print(f"call to screen: {shown_after:.2f} s")
    screen_ctx.close()
    clerk.context.close()
