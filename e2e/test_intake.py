"""A villager on a cheap phone: scan → fill → submit → SMS code → receipt → track."""

import re

import pytest

from mashang.notifications.models import Message
from mashang.qrcodes.choices import QRKind
from mashang.qrcodes.models import Placement

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def poster(county):
    return Placement.objects.create(
        kind=QRKind.TOWNSHIP,
        division=county.hamlet_a,
        place_label="老屋场党小组",
        addressee_unit=county.units.town_a,
    )


def latest_code(template="sms_code") -> str:
    body = Message.objects.filter(template=template).latest("id").body
    return re.search(r"验证码(\d{6})", body).group(1)


def test_first_load_of_the_form_is_under_100_kb(live_server, phone, poster):
    sizes = []
    phone.on(
        "requestfinished",
        lambda req: sizes.append(
            req.sizes()["responseBodySize"] + req.sizes()["responseHeadersSize"]
        ),
    )
    phone.goto(f"{live_server.url}{poster.get_absolute_url()}")
    phone.wait_for_load_state("networkidle")
    total = sum(sizes)
    print(f"\nform first load: {len(sizes)} requests, {total} bytes")
    assert total <= 100 * 1024
    # Works without JavaScript: no script file to fetch (small inline helpers only).
    assert phone.evaluate("document.querySelectorAll('script[src]').length") == 0


def test_the_citizen_journey_at_phone_size(live_server, phone, poster):
    phone.goto(f"{live_server.url}{poster.get_absolute_url()}")
    assert phone.locator("h1").inner_text() == "书记（镇长）“码”上办"
    assert "老屋场党小组" in phone.locator(".c-hint").first.inner_text()
    body_size = phone.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert body_size >= 18
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375

    # A first try with too little text: the error summary names the problem, text is kept.
    phone.check("input[value=help]")
    phone.fill("#content", "水渠堵了")
    phone.fill("#phone", "138 0013 8000")
    phone.click("button[type=submit]")
    assert phone.title().startswith("错误：")
    assert "至少写10个字" in phone.locator("#error-summary").inner_text()
    assert phone.input_value("#phone") == "138 0013 8000"

    phone.fill("#content", "组里的水渠堵了一个月，田里的水排不出去，请帮忙疏通。")
    submit = phone.locator("button[type=submit]").bounding_box()
    assert submit["height"] >= 44
    phone.click("button[type=submit]")
    assert "138****8000" in phone.locator("main").inner_text()
    phone.fill("#code", latest_code())
    phone.get_by_role("button", name="确认提交").click()
    number = phone.locator("#number").inner_text()
    query_code = phone.locator("#query-code").inner_text()
    assert re.fullmatch(r"430422-\d{4}-\d{6}", number) and re.fullmatch(r"\d{6}", query_code)

    # Later, on another phone: track with number and query code.
    other = phone.context.browser.new_context(viewport={"width": 375, "height": 667})
    page = other.new_page()
    page.goto(f"{live_server.url}/track")
    page.fill("#number", number)
    page.fill("#query_code", query_code)
    page.get_by_role("button", name="查询", exact=True).click()
    assert page.locator("#status").inner_text() == "待分拨"
    assert "诉求已提交，等待分派" in page.locator(".c-timeline").inner_text()
    other.close()
