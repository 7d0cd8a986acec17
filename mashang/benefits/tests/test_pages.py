"""The staff pages: edit a rule (refused with a message when bad), run, review, pay, figures."""

import io
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from mashang.benefits import actions
from mashang.benefits.choices import GrantStatus as S
from mashang.benefits.models import Firm, Grant, Policy
from mashang.benefits.runs import run_policy
from mashang.testing import PASSWORD

from .conftest import firm_row, import_rows

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def edit_post(policy, **over) -> dict:
    data = {
        "name": policy.name,
        "issuer": policy.issuer,
        "doc_number": policy.doc_number,
        "legal_reference": policy.legal_reference,
        "valid_from": "2025-01-01",
        "valid_to": "2026-12-31",
        "target": "firm",
        "period_kind": "year",
        "amount_formula": policy.amount_formula,
        "four_eyes_above": "20000",
    }
    conditions = list(policy.conditions.all())
    data.update({"conditions-TOTAL_FORMS": len(conditions), "conditions-INITIAL_FORMS": 0})
    for i, c in enumerate(conditions):
        data[f"conditions-{i}-label"], data[f"conditions-{i}-expression"] = c.label, c.expression
    params = list(policy.parameters.all())
    data.update({"parameters-TOTAL_FORMS": len(params), "parameters-INITIAL_FORMS": 0})
    for i, p in enumerate(params):
        for f in ("key", "label", "kind", "value"):
            data[f"parameters-{i}-{f}"] = getattr(p, f)
        data[f"parameters-{i}-valid_from"] = p.valid_from.isoformat()
    data.update(over)
    return data


def test_an_officer_edits_a_rule_in_the_page(client, jobs, officer):
    login(client, officer)
    assert client.get(reverse("benefits_policy_edit", args=[jobs.pk])).status_code == 200
    response = client.post(
        reverse("benefits_policy_edit", args=[jobs.pk]),
        edit_post(jobs, **{"conditions-0-expression": "insured >= min_insured"}),
    )
    assert response.status_code == 302
    jobs.refresh_from_db()
    assert jobs.revision == 2
    assert jobs.conditions.first().expression == "insured >= min_insured"


def test_a_bad_rule_is_shown_next_to_its_row_and_nothing_is_saved(client, jobs, officer):
    login(client, officer)
    response = client.post(
        reverse("benefits_policy_edit", args=[jobs.pk]),
        edit_post(jobs, **{"conditions-1-expression": "dishonest == '否'"}),
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "<title>错误：" in html and "条件第2条：条件“无失信记录”类型不符" in html
    jobs.refresh_from_db()
    assert jobs.revision == 1 and jobs.conditions.all()[1].expression == "dishonest == false"


def test_a_new_policy_is_created_from_the_page(client, officer):
    login(client, officer)
    data = {
        "name": "创业担保贷款贴息",
        "issuer": "县财政局",
        "doc_number": "衡南财金〔2025〕12号",
        "legal_reference": "财金〔2020〕21号",
        "valid_from": "2025-01-01",
        "target": "firm",
        "period_kind": "year",
        "amount_formula": "loan_interest * share",
        "four_eyes_above": "10000",
        "conditions-TOTAL_FORMS": 2,
        "conditions-INITIAL_FORMS": 0,
        "conditions-0-label": "有贷款利息",
        "conditions-0-expression": "loan_interest > 0",
        "conditions-1-label": "",
        "conditions-1-expression": "",
        "parameters-TOTAL_FORMS": 1,
        "parameters-INITIAL_FORMS": 0,
        "parameters-0-key": "share",
        "parameters-0-label": "贴息比例",
        "parameters-0-kind": "percent",
        "parameters-0-valid_from": "2025-01-01",
        "parameters-0-value": "50",
    }
    response = client.post(reverse("benefits_policy_new"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    policy = Policy.objects.get(name="创业担保贷款贴息")
    assert policy.conditions.count() == 1 and policy.revision == 1


def test_run_review_and_payment_through_the_pages(client, jobs, officer, finance):
    import_rows(
        [firm_row(5, 失业保险缴费="10000.00"), firm_row(6, 失业保险缴费="5000.00")], officer
    )
    login(client, officer)
    response = client.post(reverse("benefits_run_start", args=[jobs.pk]), {"period": "2025"})
    run = jobs.runs.get()
    assert response.url == reverse("benefits_run", args=[run.pk])
    page = client.get(response.url).content.decode()
    assert "金额 = 实际缴纳失业保险费 10,000.00 × 60 % = 6,000.00 元" in page
    assert "返还比例（rate）60 %" in page  # the dated parameter in force for the period
    ids = list(Grant.objects.values_list("pk", flat=True))
    client.post(reverse("benefits_grants"), {"grant": ids, "action": "approve"})
    assert set(Grant.objects.values_list("status", flat=True)) == {S.AWAITING_CONFIRMATION}
    for g in Grant.objects.all():
        actions.confirm_grant(g)
    client.logout()
    login(client, finance)
    page = client.get(reverse("benefits_payments")).content.decode()
    assert "**** **** 0005" in page and "6228480000000000005" not in page
    client.post(reverse("benefits_payments"), {"grant": ids, "action": "pay", "voucher": "HN-77"})
    assert set(Grant.objects.values_list("voucher", flat=True)) == {"HN-77"}


def test_a_run_with_a_bad_period_says_why(client, jobs, officer):
    login(client, officer)
    response = client.post(
        reverse("benefits_run_start", args=[jobs.pk]), {"period": "去年"}, follow=True
    )
    assert "期间应写作 2025 这样的格式" in response.content.decode()


def test_the_finance_clerk_sees_no_grant_under_review(client, jobs, officer, finance):
    import_rows([firm_row(5, 失业保险缴费="10000.00")], officer)
    run_policy(jobs, "2025", acting_user=officer)
    grant = Grant.objects.get()
    login(client, finance)
    assert client.get(reverse("benefits_grant", args=[grant.pk])).status_code == 404
    assert client.get(reverse("benefits_grants")).status_code == 403


def test_a_bad_upload_lists_every_error_and_writes_nothing(client, officer):
    login(client, officer)
    content = "统一社会信用代码,企业名称\n123,甲\n".encode()
    response = client.post(
        reverse("benefits_data"),
        {"kind": "firms", "source": "社保", "file": SimpleUploadedFile("a.csv", content)},
    )
    assert response.status_code == 400
    assert "缺少列：行业、企业规模" in response.content.decode()
    assert not Firm.objects.exists()


@pytest.fixture
def history(jobs, officer, finance):
    import_rows(
        [
            firm_row(5, 失业保险缴费="10000.00"),
            firm_row(6, 企业名称='=HYPERLINK("x")', 失业保险缴费="5000.00"),
        ],
        officer,
    )
    run_policy(jobs, "2025", acting_user=officer)
    first, second = Grant.objects.order_by("id")
    actions.approve_grant(first, acting_user=officer)
    actions.confirm_grant(first)
    actions.pay_grant(first, "HNCZ0001", acting_user=finance)
    actions.approve_grant(second, acting_user=officer)
    actions.decline_grant(second)
    return first, second


def test_figures_count_grants_amounts_and_declines(history):
    from mashang.benefits import metrics

    values = metrics.headline()
    assert values["candidates"] == 2 and values["granted"] == 2 and values["paid"] == 1
    assert values["paid_amount"] == Decimal("6000.00") and values["declines"] == 1
    assert values["decline_rate"] == 50.0 and values["days_to_pay"] == 0.0


def test_stats_json_has_the_benefit_figures(history):
    from datetime import timedelta

    from django.utils import timezone

    tomorrow = f"{timezone.localdate() + timedelta(days=1):%Y-%m-%d}"
    out = io.StringIO()
    call_command("stats", "--json", "--to", tomorrow, stdout=out)  # today asked for
    data = json.loads(out.getvalue())["benefits"]
    assert data["metrics"]["paid_amount"]["value"] == "6000.00"
    assert data["policies"][0]["doc_number"] == "衡南政发〔2026〕3号"


def test_stats_json_counts_benefits_over_the_same_default_period(history):
    """Like every other figure, the default period ends yesterday 24:00: today's grants wait."""
    out = io.StringIO()
    call_command("stats", "--json", stdout=out)
    data = json.loads(out.getvalue())["benefits"]
    assert data["metrics"]["paid_amount"]["value"] == "0.00"


def _tomorrow() -> str:
    from datetime import timedelta

    from django.utils import timezone

    return f"{timezone.localdate() + timedelta(days=1):%Y-%m-%d}"


def test_the_page_the_export_and_the_command_count_the_same_period(client, history, people):
    login(client, people.county_leader)
    default = client.get(reverse("benefits_stats")).content.decode()
    with_today = client.get(reverse("benefits_stats"), {"to": _tomorrow()}).content.decode()
    assert "6,000.00" not in default and "6,000.00" in with_today
    response = client.get(reverse("benefits_export"))
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert list(wb["发放清单"].iter_rows(min_row=2, values_only=True)) == []


def test_unbounded_dates_on_the_benefit_figures_are_ignored_not_a_500(client, history, people):
    login(client, people.county_leader)
    for bad in ("0001-01-01", "99999-01-01", "x"):
        assert client.get(reverse("benefits_stats"), {"from": bad}).status_code == 200
        assert client.get(reverse("benefits_export"), {"to": bad}).status_code == 200


def test_the_export_writes_user_text_as_text(client, history, people):
    login(client, people.county_leader)
    response = client.get(reverse("benefits_export"), {"to": _tomorrow()})
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    names = [row[3] for row in wb["发放清单"].iter_rows(min_row=2, values_only=True)]
    assert '=HYPERLINK("x")' in names  # kept as the firm's name, typed as text
    assert client.get(reverse("benefits_stats")).status_code == 200


def test_the_statistics_overview_links_the_benefit_figures_for_whom_may_open_them(client, people):
    login(client, people.county_leader)
    assert reverse("benefits_stats") in client.get(reverse("stats_overview")).content.decode()
    client.logout()
    login(client, people.dispatcher)
    assert reverse("benefits_stats") not in client.get(reverse("stats_overview")).content.decode()


def test_policy_and_grant_pages_show_the_rules_the_trace_and_the_timeline(
    client, history, jobs, officer
):
    paid, declined = history
    login(client, officer)
    page = client.get(reverse("benefits_policy", args=[jobs.pk])).content.decode()
    assert "insured &gt;= min_insured and insured &lt;= max_insured" in page
    assert "衡南政发〔2026〕3号" in page
    page = client.get(reverse("benefits_grant", args=[paid.pk])).content.decode()
    assert "6,000.00 元" in page and "凭证号：HNCZ0001" in page
    assert "**** **** 0005" in page and "6228480000000000005" not in page
    assert "<td>实际缴纳失业保险费</td><td>10,000.00</td>" in page
    assert "<td>失信记录</td><td>否</td>" in page
    for label in ("运行查出", "批准", "确认收款账户", "拨付"):
        assert f"<td>{label}</td>" in page
    home = client.get(reverse("benefits_home")).content.decode()
    # The home's figures count the statistics' default period, which ends yesterday 24:00.
    assert "稳岗返还" in home and 'id="period"' in home and "6,000.00" not in home


def test_rates_read_as_percentages_on_the_page_and_in_excel(client, history, people):
    login(client, people.county_leader)
    tomorrow = _tomorrow()
    page = client.get(reverse("benefits_stats"), {"to": tomorrow}).content.decode()
    assert "50.0%" in page  # one of two approved grants declined
    response = client.get(reverse("benefits_export"), {"to": tomorrow})
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = wb["按政策统计"]
    header = [c.value for c in sheet[1]]
    rate = sheet.cell(2, header.index("放弃率") + 1)
    assert rate.value == 0.5 and rate.number_format == "0.00%"
