import pytest

from mashang.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dispatcher_logs_in_and_sees_only_their_pages(live_server, desktop, people):
    desktop.goto(f"{live_server.url}/staff/")
    assert "/staff/login/" in desktop.url
    desktop.fill("#id_username", "t_dispatcher")
    desktop.fill("#id_password", PASSWORD)
    desktop.click("button[type=submit]")
    desktop.wait_for_url(f"{live_server.url}/staff/")
    assert desktop.locator("h1").inner_text() == "您好，分拨员甲"
    assert "分拨员" in desktop.locator(".who").inner_text()
    assert desktop.locator("text=管理后台").count() == 0  # admin is for administrators only


def test_wrong_password_shows_a_chinese_error(live_server, desktop, people):
    desktop.goto(f"{live_server.url}/staff/login/")
    desktop.fill("#id_username", "t_dispatcher")
    desktop.fill("#id_password", "not-it")
    desktop.click("button[type=submit]")
    assert "用户名或密码不正确" in desktop.locator("#login-error").inner_text()
    assert desktop.title().startswith("错误：")


def test_citizen_home_reads_well_on_a_phone(live_server, phone, db):
    phone.goto(f"{live_server.url}/")
    assert phone.locator("h1").inner_text() == "有事找政府，扫码就能办"
    size = phone.evaluate("parseFloat(getComputedStyle(document.querySelector('p')).fontSize)")
    assert size >= 18
    # Nothing wider than the screen: no sideways scrolling on a 375 px phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    button = phone.locator("a.c-button").first.bounding_box()
    assert button["height"] >= 44
