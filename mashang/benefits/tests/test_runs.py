"""Runs: a decision and trace for every record; the same data give the same result; nobody is
granted twice for the same policy and period."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from mashang.benefits import actions
from mashang.benefits.choices import GrantStatus
from mashang.benefits.models import Candidate, Grant
from mashang.benefits.rules import RuleError
from mashang.benefits.runs import run_policy
from mashang.benefits.workflow import TransitionError
from mashang.core.models import AuditLog

from .conftest import firm_row, import_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def firms(officer):
    return import_rows(
        [
            firm_row(1),  # eligible: 28,980.00
            firm_row(2, insured=5),  # too few insured
            firm_row(3, 失信="是"),
            firm_row(4, insured=[100] * 11 + [90]),  # 10 % fewer insured: too many layoffs
            firm_row(5, 失业保险缴费="10000.00"),  # eligible: 6,000.00
        ],
        officer,
    )


def test_a_run_decides_every_record_and_grants_the_eligible(jobs, firms, officer):
    run = run_policy(jobs, "2025", acting_user=officer)
    assert (run.evaluated, run.eligible, run.new_grants, run.already) == (5, 2, 2, 0)
    assert run.total_amount == Decimal("34980.00")
    grants = {g.name: g.amount for g in Grant.objects.all()}
    assert grants == {
        "衡南县测试1号有限公司": Decimal("28980.00"),
        "衡南县测试5号有限公司": Decimal("6000.00"),
    }
    layoffs = Candidate.objects.get(run=run, name="衡南县测试4号有限公司")
    assert "裁员率：裁员率 10 % ≤ 5.5 % ✗" in layoffs.trace
    assert layoffs.facts["insured"] == "90"
    assert AuditLog.objects.filter(action="benefits.run", object_id=str(run.pk)).exists()


def test_rerunning_gives_the_same_result_and_grants_nothing_twice(jobs, firms, officer):
    first = run_policy(jobs, "2025", acting_user=officer)
    second = run_policy(jobs, "2025", acting_user=officer)
    assert (second.eligible, second.new_grants, second.already) == (2, 0, 2)
    assert Grant.objects.count() == 2

    def decisions(run):
        return list(
            run.candidates.order_by("name").values_list("name", "eligible", "amount", "trace")
        )

    assert decisions(first) == decisions(second)


def test_a_rerun_leaves_a_reviewed_grant_alone(jobs, firms, officer):
    run_policy(jobs, "2025", acting_user=officer)
    grant = Grant.objects.get(name="衡南县测试5号有限公司")
    actions.approve_grant(grant, acting_user=officer)
    import_rows([firm_row(5, 失业保险缴费="20000.00")], officer)
    run_policy(jobs, "2025", acting_user=officer)
    grant.refresh_from_db()
    assert grant.amount == Decimal("6000.00") and grant.status == GrantStatus.AWAITING_CONFIRMATION


def test_a_rerun_refreshes_an_unreviewed_grant_and_drops_one_no_longer_eligible(
    jobs, firms, officer
):
    run_policy(jobs, "2025", acting_user=officer)
    import_rows([firm_row(5, 失业保险缴费="20000.00"), firm_row(1, 失信="是")], officer)
    run_policy(jobs, "2025", acting_user=officer)
    five = Grant.objects.get(name="衡南县测试5号有限公司")
    one = Grant.objects.get(name="衡南县测试1号有限公司")
    assert five.amount == Decimal("12000.00") and five.status == GrantStatus.PENDING_REVIEW
    assert one.status == GrantStatus.EXCLUDED and one.reason == "重新运行后不再符合条件"


def test_another_period_is_another_grant(jobs, officer):
    import_rows([firm_row(1), firm_row(1, 年度="2026")], officer)
    run_policy(jobs, "2025", acting_user=officer)
    run_policy(jobs, "2026", acting_user=officer)
    assert sorted(Grant.objects.values_list("period", flat=True)) == ["2025", "2026"]


def test_the_database_refuses_a_second_grant_for_the_same_beneficiary_and_period(
    jobs, firms, officer
):
    run_policy(jobs, "2025", acting_user=officer)
    grant = Grant.objects.first()
    grant.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        grant.save()


def test_a_period_outside_the_policy_validity_is_refused(jobs, firms, officer):
    with pytest.raises(RuleError, match="2024年度不在政策有效期内"):
        run_policy(jobs, "2024", acting_user=officer)
    with pytest.raises(RuleError, match="期间应写作 2025"):
        run_policy(jobs, "2025-01", acting_user=officer)


def test_only_a_policy_officer_may_run(jobs, firms, people):
    with pytest.raises(TransitionError):
        run_policy(jobs, "2025", acting_user=people.finance_clerk)
    assert not Grant.objects.exists()


def test_elderly_allowance_by_month_with_a_dated_amount(county, officer):
    from datetime import date

    from mashang.benefits.imports import import_persons

    from .test_imports import person_row

    import_persons(
        [
            person_row(1, "1944-03-05"),  # 82 in June 2026
            person_row(2, "1935-01-01"),  # 91
            person_row(3, "1950-01-01"),  # 76
            person_row(4, "1940-01-01", 已故="是"),
            person_row(5, "1940-01-01", 户籍地区划代码="430481001001"),  # not of this county
        ],
        source="户籍",
        file_name="p.csv",
        acting_user=officer,
    )
    policy = actions.save_policy(
        None,
        {
            "name": "高龄津贴",
            "issuer": "县民政局",
            "doc_number": "衡南民发〔2024〕8号",
            "legal_reference": "条例",
            "valid_from": date(2024, 1, 1),
            "valid_to": None,
            "target": "person",
            "period_kind": "month",
            "amount_formula": "age >= 90 ? amount_90 : amount_80",
            "four_eyes_above": Decimal("1000"),
        },
        [
            {"label": "年满80周岁", "expression": "age >= 80"},
            {"label": "本县户籍", "expression": "hukou_local"},
            {"label": "健在", "expression": "deceased == false"},
        ],
        [
            {
                "key": "amount_80",
                "label": "80—89岁",
                "kind": "money",
                "valid_from": date(2024, 1, 1),
                "value": "100",
            },
            {
                "key": "amount_80",
                "label": "80—89岁",
                "kind": "money",
                "valid_from": date(2026, 7, 1),
                "value": "150",
            },
            {
                "key": "amount_90",
                "label": "90岁以上",
                "kind": "money",
                "valid_from": date(2024, 1, 1),
                "value": "200",
            },
        ],
        acting_user=officer,
    )
    june = run_policy(policy, "2026-06", acting_user=officer)
    july = run_policy(policy, "2026-07", acting_user=officer)
    assert {g.name: g.amount for g in june.grants.all()} == {
        "老人1": Decimal("100.00"),
        "老人2": Decimal("200.00"),
    }
    assert {g.name: g.amount for g in july.grants.all()} == {
        "老人1": Decimal("150.00"),
        "老人2": Decimal("200.00"),
    }
    trace = june.candidates.get(name="老人1").trace
    assert trace.endswith("金额 = 年龄 82 ≥ 90 ？ 200.00 ： 100.00 = 100.00 元")
