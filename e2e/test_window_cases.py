"""The window clerk picks the applicant's 情形 and the checklist changes with it (1366×768)."""

import pytest
from playwright.sync_api import expect

from mashang.applications.models import Application
from mashang.applications.tests.conftest import _media, catalog  # noqa: F401 - fixtures
from mashang.applications.tests.test_cases_fields_uploads import cased  # noqa: F401 - fixture
from mashang.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def counter(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def test_the_window_clerk_picks_a_case_and_the_checklist_follows(
    live_server,
    counter,
    people,
    cased,  # noqa: F811
    catalog,  # noqa: F811
):
    page = counter
    page.goto(f"{live_server.url}/staff/login/")
    page.fill("#id_username", people.window_clerk.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/staff/applications/new/?item={cased.item.code}")
    expect(page.locator("#cases-first")).to_be_visible()
    expect(page.locator("#window-form")).to_have_count(0)

    page.get_by_label("委托他人办理").check()
    page.click("#cases-submit")
    checklist = page.locator("#checklist")
    expect(checklist).to_contain_text("授权委托书（必交）")
    expect(checklist).to_contain_text("居民身份证")
    expect(page.locator("#case-summary")).to_contain_text("委托他人办理")

    page.get_by_label("本人办理").check()
    page.click("#cases-submit")
    expect(page.locator("#case-summary")).to_contain_text("本人办理")
    expect(checklist).not_to_contain_text("授权委托书")
    expect(checklist).to_contain_text("居民身份证")
    # 姓名/身份证号/联系电话 are asked once, in the applicant block
    expect(page.locator("input[name=f_id_number]")).to_have_count(0)

    page.fill("input[name=applicant_name]", "赵六")
    page.fill("input[name=applicant_id_number]", "430422199202021231")
    page.fill("input[name=applicant_phone]", "13800138000")
    page.fill("input[name=f_project_name]", "旧房")
    page.check(f"input[name=seen][value='{catalog.id_card.pk}']")
    page.click("#window-form button[type=submit]")
    expect(page.locator("#status")).to_contain_text("待预审")
    application = Application.objects.get()
    assert [m.name for m in application.materials.all()] == ["居民身份证"]
    assert "本人办理" in application.events.get().note
