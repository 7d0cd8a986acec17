"""A villager on a phone looks up what to bring for a newborn: 生孩子 → bundle → 情形 → checklist."""

from pathlib import Path

import pytest

from mashang.catalog.tests import guide_fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Shared fixtures, taken by name.
fresh_index = guide_fixtures.fresh_index
guide_catalog = guide_fixtures.guide_catalog

SHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"guide-{name}.png"), full_page=True)


def test_a_citizen_finds_the_newborn_bundle_by_everyday_words(live_server, phone, guide_catalog):
    phone.goto(f"{live_server.url}/")
    phone.click("text=办事指南")
    assert phone.locator("h1").inner_text() == "办事指南"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    shot(phone, "home")

    phone.fill("#q", "生孩子")
    phone.click("button[type=submit]")
    first = phone.locator("#results li a").first
    assert first.inner_text() == "新生儿出生一件事"
    assert "“生孩子”按“出生”查找" in phone.locator("main").inner_text()
    rows = phone.eval_on_selector_all(
        "#results a", "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert min(rows) >= 44  # each result is a whole row to tap
    shot(phone, "results")

    first.click()
    assert phone.locator("h1").inner_text() == "新生儿出生一件事"
    # Before answering: the proxy's papers are listed, marked with their case.
    assert "仅“委托他人办理”时需要" in phone.locator("main").inner_text()
    phone.check("input[name=c1][value='2']")  # no social security card now
    phone.check("input[name=c2][value='1']")  # in person
    shot(phone, "questions")
    phone.click("text=看我要带的材料")

    main = phone.locator("main").inner_text()
    assert "按您的情况（否；本人办理）列出" in main
    assert "按您的情况不用办：社会保障卡申领" in main
    checklist = phone.locator("#checklist + p + ol").inner_text()
    assert "居民身份证" in checklist and "【可容缺】" in checklist
    assert "授权委托书" not in checklist
    assert (
        "出生医学证明"
        in phone.locator("text=不用您带的材料")
        .locator("xpath=following-sibling::ul[1]")
        .inner_text()
    )
    # Targets stay tappable: every radio row at least 44 px high.
    heights = phone.eval_on_selector_all(
        ".c-radio", "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 44
    assert phone.evaluate("document.scripts.length") == 0
    shot(phone, "checklist")

    # The printable guide keeps the answers.
    href = phone.get_attribute("text=打印办事指南（PDF）", "href")
    assert "c1=2" in href and "c2=1" in href
    response = phone.request.get(f"{live_server.url}{href}")
    assert response.headers["content-type"] == "application/pdf"


def test_pinyin_initials_work_from_a_phone_keyboard(live_server, phone, guide_catalog):
    phone.goto(f"{live_server.url}/services/?q=csdj")
    assert phone.locator("#results li a").first.inner_text() == "出生登记（户口）"
    phone.locator("#results li a").first.click()
    assert phone.locator("h1").inner_text() == "出生登记（户口）"
    shot(phone, "item")
