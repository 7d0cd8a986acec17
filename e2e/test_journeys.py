"""The whole journeys, each step done by the person who does it, in a real browser."""

import re

import pytest

from mashang.notifications.models import Message
from mashang.qrcodes.choices import QRKind
from mashang.qrcodes.models import Placement
from mashang.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def code_from_outbox() -> str:
    body = Message.objects.filter(template="sms_code").latest("id").body
    return re.search(r"验证码(\d{6})", body).group(1)


def citizen_files(phone, url, *, kind_value, content, anonymous=False, number="13800138000"):
    phone.goto(url)
    phone.check(f"input[value={kind_value}]")
    phone.fill("#content", content)
    if anonymous:
        phone.check("input[name=anonymous]")
    else:
        phone.fill("#phone", number)
    phone.get_by_role("button", name="提交诉求").click()
    if not anonymous:
        phone.fill("#code", code_from_outbox())
        phone.get_by_role("button", name="确认提交").click()
    return phone.locator("#number").inner_text(), phone.locator("#query-code").inner_text()


def staff_login(browser, live_server, username):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/staff/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/staff/")
    return page


def open_appeal(page, live_server, list_url, number):
    page.goto(f"{live_server.url}{list_url}")
    page.click(f"#appeal-list >> text={number}")
    assert number in page.locator("h1").inner_text()


def test_scan_submit_dispatch_accept_reply_callback(live_server, browser, phone, county, people):
    poster = Placement.objects.create(
        kind=QRKind.BUREAU,
        division=county.county,
        place_unit=county.units.housing,
        place_label="县住房和城乡建设局",
        addressee_unit=county.units.housing,
    )
    number, query_code = citizen_files(
        phone,
        f"{live_server.url}{poster.get_absolute_url()}",
        kind_value="complaint",
        content="小区门口的下水道井盖缺失两周了，老人小孩经过很危险。",
    )

    desk = staff_login(browser, live_server, "t_dispatcher")
    open_appeal(desk, live_server, "/staff/desk/", number)
    assert "县住房和城乡建设局（二维码受理对象）" in desk.locator("#actions").inner_text()
    assert desk.locator("#lead_unit").input_value() == str(county.units.housing.pk)
    desk.get_by_role("button", name="派单", exact=True).click()
    assert "已派单" in desk.locator(".messages").inner_text()

    unit = staff_login(browser, live_server, "t_handler_a")
    open_appeal(unit, live_server, "/staff/work/?tab=incoming", number)
    unit.click("#btn-accept")
    assert "已受理" in unit.locator(".messages").inner_text()
    unit.fill("textarea[name=result]", "已补装井盖并设置警示标志。")
    unit.get_by_role("button", name="办结并答复").click()
    assert "已办结答复" in unit.locator(".messages").inner_text()

    office = staff_login(browser, live_server, "t_supervisor")
    open_appeal(office, live_server, "/staff/callbacks/", number)
    office.check("#actions input[name=rating][value='5']")
    office.check("#actions input[name=solved][value='1']")
    office.get_by_role("button", name="保存回访").click()
    assert "已回访" in office.locator(".messages").inner_text()

    phone.goto(f"{live_server.url}/track")
    phone.fill("#number", number)
    phone.fill("#query_code", query_code)
    phone.get_by_role("button", name="查询", exact=True).click()
    assert phone.locator("#status").inner_text() == "已回访"
    timeline = phone.locator(".c-timeline").inner_text()
    for step in (
        "已转交县住房和城乡建设局办理",
        "已受理",
        "办理结果：已补装井盖",
        "已回访，评价：非常满意",
    ):
        assert step in timeline
    assert people.handler_a.full_name not in phone.content()


def test_the_accusation_journey_stays_with_the_commission(
    live_server, browser, phone, county, people
):
    poster = Placement.objects.create(
        kind=QRKind.DISCIPLINE,
        division=county.town_a,
        place_label="茶市镇便民服务中心",
        addressee_unit=county.units.discipline,
    )
    number, query_code = citizen_files(
        phone,
        f"{live_server.url}{poster.get_absolute_url()}",
        kind_value="accusation",
        content="某站所负责人在危房改造验收中收受好处费。",
        anonymous=True,
    )

    desk = staff_login(browser, live_server, "t_dispatcher")
    desk.goto(f"{live_server.url}/staff/desk/")
    assert number not in desk.content() and "检举控告 1 件" in desk.content()

    officer = staff_login(browser, live_server, "t_discipline")
    open_appeal(officer, live_server, "/staff/discipline/", number)
    assert "危房改造验收" in officer.locator("#appeal-content").inner_text()
    officer.get_by_role("button", name="纪委受理").click()
    officer.fill("textarea[name=feedback]", "已立案调查，依纪依法处理。")
    officer.get_by_role("button", name="办结").click()
    assert "已纪委办结" in officer.locator(".messages").inner_text()

    phone.goto(f"{live_server.url}/track")
    phone.fill("#number", number)
    phone.fill("#query_code", query_code)
    phone.get_by_role("button", name="查询", exact=True).click()
    assert phone.locator("#status").inner_text() == "纪委办结"
    assert "已立案调查" not in phone.content()  # anonymous: no feedback text on the page
