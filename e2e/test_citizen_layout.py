"""The citizen journey at 375×667, measured in the page: tap targets, radios, buttons, fields."""

import io
import os
from pathlib import Path

import pytest
from PIL import Image

from e2e.conftest import wait_for
from mashang.appeals import actions
from mashang.appeals.models import Appeal
from mashang.notifications.models import Message
from mashang.qrcodes.choices import QRKind
from mashang.qrcodes.models import Placement

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MIN_TARGET = 44  # px, WCAG 2.5.5 / 适老化: every link and control
# Every visible link and control; a radio or checkbox counts by the label that holds it.
MEASURE = """() => {
  const small = [];
  const seen = new Set();
  for (const el of document.querySelectorAll('a[href], button, input, select, textarea')) {
    if (el.type === 'hidden') continue;
    const target = (el.type === 'radio' || el.type === 'checkbox') ? el.closest('label') : el;
    if (!target || seen.has(target)) continue;
    seen.add(target);
    const r = target.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;  // not shown
    if (r.height < MIN_TARGET) small.push(`${target.tagName} "${target.textContent.trim().slice(0, 20)}" ${Math.round(r.height)}px`);
  }
  return small;
}""".replace("MIN_TARGET", str(MIN_TARGET))
# A radio's circle sits beside its words (level with them, to their left), never above.
RADIOS = """() => [...document.querySelectorAll('label.c-radio')].filter(l => l.offsetParent).map(l => {
  const box = l.querySelector('input').getBoundingClientRect();
  const range = document.createRange();
  range.selectNodeContents(l);
  const rects = [...range.getClientRects()].filter(r => r.width > 0 && r.left >= box.right - 1);
  const top = Math.min(...rects.map(r => r.top)), bottom = Math.max(...rects.map(r => r.bottom));
  const middle = (box.top + box.bottom) / 2;
  return {
    label: l.textContent.trim().slice(0, 12),
    sameRow: rects.length > 0 && middle > top && middle < bottom,
    circleFirst: rects.length > 0 && rects.every(r => box.right <= r.left + 1),
  };
})"""
SHOTS = os.environ.get("SCREENSHOT_DIR")


def shot(page, name: str) -> None:
    """Screenshots for people to look at (SCREENSHOT_DIR=…); nothing is asserted on them."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def check_page(page, name: str) -> None:
    assert page.evaluate(MEASURE) == [], name
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, name
    for radio in page.evaluate(RADIOS):
        assert radio["sameRow"] and radio["circleFirst"], (name, radio)
    # Primary buttons fill the column they are in (the main column, or a panel inside it).
    for width, room in page.evaluate(
        """[...document.querySelectorAll('.c-button')].filter(b => b.offsetParent).map(b => {
          let box = b.parentElement;
          while (getComputedStyle(box).display !== 'block') box = box.parentElement;
          const s = getComputedStyle(box);
          return [b.getBoundingClientRect().width,
                  box.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight)];
        })"""
    ):
        assert room > 250 and width >= room - 1, (name, width, room)
    shot(page, name)


def code_from_outbox() -> str:
    body = Message.objects.filter(template="sms_code").latest("id").body
    return body.split("验证码", 1)[1][:6]


def jpeg_file() -> dict:
    buf = io.BytesIO()
    Image.new("RGB", (80, 60), (30, 120, 200)).save(buf, "JPEG")
    return {"name": "井盖.jpg", "mimeType": "image/jpeg", "buffer": buf.getvalue()}


@pytest.fixture
def poster(county):
    return Placement.objects.create(
        kind=QRKind.BUREAU,
        division=county.county,
        place_unit=county.units.housing,
        place_label="县住房和城乡建设局",
        addressee_unit=county.units.housing,
    )


def test_the_citizen_journey_fits_a_phone_and_a_finger(live_server, phone, poster, people):
    base = live_server.url
    phone.goto(f"{base}/")
    check_page(phone, "1-home")

    phone.goto(f"{base}{poster.get_absolute_url()}")
    assert not phone.locator("#id_number").is_visible()  # only an accusation asks for it
    phone.check("input[value=accusation]")
    assert phone.locator("#id_number").is_visible()
    phone.check("input[value=complaint]")
    assert not phone.locator("#id_number").is_visible()
    phone.set_input_files("#photos", [jpeg_file()])
    assert phone.locator("#thumbs img").count() == 1  # seen before sending
    phone.fill("#content", "小区门口的下水道井盖缺失两周了，老人小孩经过很危险。")
    phone.fill("#phone", "13800138000")
    check_page(phone, "2-form")
    phone.get_by_role("button", name="提交诉求").click()

    check_page(phone, "3-verify")
    phone.fill("#code", code_from_outbox())
    phone.get_by_role("button", name="确认提交").click()
    check_page(phone, "4-receipt")
    number = phone.locator("#number").inner_text()

    phone.goto(f"{base}/track")
    check_page(phone, "5-track")

    appeal = Appeal.objects.get(number=number)
    appeal = actions.dispatch_appeal(appeal, poster.addressee_unit, acting_user=people.dispatcher)
    appeal = actions.accept_appeal(appeal, acting_user=people.handler_a)
    actions.reply_appeal(appeal, "已补装井盖。", acting_user=people.handler_a)
    phone.goto(f"{base}/track/{number}")
    assert phone.locator("#my-photos img").count() == 1
    phone.locator("#my-photos img").scroll_into_view_if_needed()
    wait_for(lambda: phone.locator("#my-photos img").evaluate("i => i.naturalWidth") > 0)
    assert phone.locator("#f-rating input:checked").count() == 0  # nothing pre-chosen
    check_page(phone, "6-rating")
    phone.check("#f-rating input[name=solved][value='1']")
    phone.check("#f-rating input[name=rating][value='5']")
    phone.get_by_role("button", name="提交评价").click()
    assert phone.locator("#status").inner_text() == "已回访" or "已结案" in phone.content()


def test_a_forwarded_tracking_link_asks_for_the_code(live_server, browser, phone, poster):
    context = browser.new_context(viewport={"width": 375, "height": 667}, locale="zh-CN")
    other = context.new_page()
    other.goto(f"{live_server.url}/track/430422-2026-000123")
    assert other.locator("#ask-code").is_visible()
    assert other.locator("#number").input_value() == "430422-2026-000123"
    check_page(other, "7-ask-code")
    context.close()


def test_the_privacy_notice_is_one_tap_from_the_form(live_server, phone, poster):
    phone.goto(f"{live_server.url}{poster.get_absolute_url()}")
    phone.locator("form").get_by_role("link", name="个人信息保护说明").click()
    assert phone.locator("h1").inner_text() == "个人信息保护说明"
    check_page(phone, "8-privacy")
