"""免申即享 in a real browser: an officer edits a rule, runs it, approves; the firm confirms
its account from the SMS link on a phone."""

import re
from decimal import Decimal

import pytest

from mashang.benefits.models import Grant
from mashang.benefits.tests.conftest import firm_row, import_rows, jobs, officer  # noqa: F401
from mashang.notifications.models import Message
from mashang.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_officer_edits_runs_approves_and_the_firm_confirms_by_link(
    live_server,
    desktop,
    phone,
    officer,  # noqa: F811 - the fixtures imported above
    jobs,  # noqa: F811
    tmp_path,
):
    import_rows([firm_row(7, 失业保险缴费="10000.00"), firm_row(8, insured=5)], officer)
    desktop.goto(f"{live_server.url}/staff/login/")
    desktop.fill("#id_username", officer.username)
    desktop.fill("#id_password", PASSWORD)
    desktop.click("button[type=submit]")

    desktop.click("text=免申即享")
    desktop.click("#policies >> text=稳岗返还")
    desktop.click("#edit-policy")
    # A typo first: refused with a message next to the rule, nothing saved.
    desktop.fill("#id_conditions-0-expression", "insured >= min_insurd")
    desktop.click("#save-policy")
    assert "未知的字段或参数“min_insurd”" in desktop.locator("#error-summary").inner_text()
    # Then the real edit: at least 5 insured (the second firm now qualifies), 50 % returned.
    desktop.fill("#id_conditions-0-expression", "insured >= 5")
    key = desktop.get_attribute("#parameters input[name$='-key'][value='rate']", "name")
    desktop.fill(f"input[name='{key.replace('-key', '-value')}']", "50")
    desktop.click("#save-policy")
    assert "第2版" in desktop.locator("h1").inner_text()
    assert desktop.locator("#rule-conditions").inner_text().count("insured >= 5") == 1

    desktop.fill("#period", "2025")
    desktop.click("#run-policy")
    trace = desktop.locator("#candidates").inner_text()
    assert "金额 = 实际缴纳失业保险费 10,000.00 × 50 % = 5,000.00 元" in trace
    assert "参保人数 5 ≥ 5 ✓" in trace
    desktop.screenshot(path=str(tmp_path / "run.png"), full_page=True)

    desktop.click("text=去审核")
    desktop.check("input[aria-label='全选']")
    desktop.click("#bulk-approve")
    assert "已处理 2 件" in desktop.locator(".messages").inner_text()
    grant = Grant.objects.get(name="衡南县测试7号有限公司")
    assert grant.status == "awaiting" and grant.amount == Decimal("5000.00")

    sms = [
        m for m in Message.objects.filter(template="benefit_granted") if m.to_phone == "13800000007"
    ]
    link = re.search(r"/b/[\w-]+", sms[0].body).group()
    phone.goto(live_server.url + link)
    assert "5,000.00 元" in phone.locator("#amount").inner_text()
    assert phone.locator("#account").inner_text() == "**** **** 0007"
    phone.screenshot(path=str(tmp_path / "confirm.png"), full_page=True)
    phone.click("#confirm")
    assert "已确认收款账户" in phone.locator("#state").inner_text()
    grant.refresh_from_db()
    assert grant.status == "to_pay"
