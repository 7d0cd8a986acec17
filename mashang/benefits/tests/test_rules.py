"""Conditions and amounts are evaluated as their trace says; dated parameters; bad rules refused."""

import re
from datetime import date
from decimal import Decimal

import pytest

from mashang.benefits import actions
from mashang.benefits.models import Condition, Policy
from mashang.benefits.rules import CompiledPolicy, check_rules, params_on

from .conftest import JOBS_CONDITIONS, JOBS_DATA, jobs_parameters

pytestmark = pytest.mark.django_db


def facts(**over):
    base = {
        "industry": "制造业",
        "size": "小型",
        "township": "茶市镇",
        "insured": Decimal(23),
        "insured_avg": Decimal(23),
        "layoff_rate": Decimal(0),
        "unemployment_paid": Decimal("48300.00"),
        "social_paid": Decimal("120000.00"),
        "loan_interest": Decimal("0.00"),
        "dishonest": False,
    }
    return base | over


def test_each_condition_and_the_amount_are_in_the_trace_with_their_operands(jobs):
    decision = CompiledPolicy(jobs.revisions.get().rules, "2025").decide(facts())
    assert decision.eligible
    assert decision.amount == Decimal("28980.00")
    assert decision.trace.split("；") == [
        "参保人数：参保人数 23 ≥ 10 且 参保人数 23 ≤ 300 ✓",
        "无失信记录：失信记录 否 = 否 ✓",
        "裁员率：裁员率 0 % ≤ 5.5 % ✓",
        "金额 = 实际缴纳失业保险费 48,300.00 × 60 % = 28,980.00 元",
    ]


@pytest.mark.parametrize(
    ("over", "failed"),
    [
        ({"insured": Decimal(9)}, "参保人数：参保人数 9 ≥ 10 且 参保人数 9 ≤ 300 ✗"),
        ({"insured": Decimal(301)}, "参保人数：参保人数 301 ≥ 10 且 参保人数 301 ≤ 300 ✗"),
        ({"dishonest": True}, "无失信记录：失信记录 是 = 否 ✗"),
        ({"layoff_rate": Decimal("0.056")}, "裁员率：裁员率 5.6 % ≤ 5.5 % ✗"),
    ],
)
def test_a_failed_condition_makes_the_firm_ineligible_and_says_which(jobs, over, failed):
    decision = CompiledPolicy(jobs.revisions.get().rules, "2025").decide(facts(**over))
    assert not decision.eligible
    assert decision.amount == Decimal("0.00")
    assert failed in re.split("[；。]", decision.trace)
    assert decision.trace.endswith("不符合条件")


def test_a_layoff_rate_on_the_limit_still_qualifies(jobs):
    decision = CompiledPolicy(jobs.revisions.get().rules, "2025").decide(
        facts(layoff_rate=Decimal("0.055"))
    )
    assert decision.eligible and "裁员率 5.5 % ≤ 5.5 % ✓" in decision.trace


def test_the_cap_limits_the_amount_and_the_trace_says_so(officer):
    policy = actions.save_policy(
        None, dict(JOBS_DATA), JOBS_CONDITIONS, jobs_parameters(cap="20000"), acting_user=officer
    )
    decision = CompiledPolicy(policy.revisions.get().rules, "2025").decide(facts())
    assert decision.amount == Decimal("20000.00")
    assert decision.trace.endswith("= 28,980.00 元，超过上限，按上限 20,000.00 元")


def test_amounts_round_half_up_to_the_fen(jobs):
    decision = CompiledPolicy(jobs.revisions.get().rules, "2025").decide(
        facts(unemployment_paid=Decimal("100.01"))  # × 60 % = 60.006
    )
    assert decision.amount == Decimal("60.01")


def test_dated_parameters_pick_the_value_in_force_on_the_first_day_of_the_period(officer):
    params = jobs_parameters() + [
        {
            "key": "rate",
            "label": "返还比例",
            "kind": "percent",
            "valid_from": date(2026, 7, 1),
            "value": "75",
        },
    ]
    data = dict(JOBS_DATA, period_kind="month")
    policy = actions.save_policy(None, data, JOBS_CONDITIONS, params, acting_user=officer)
    rules = policy.revisions.get().rules
    june = CompiledPolicy(rules, "2026-06").decide(facts())
    july = CompiledPolicy(rules, "2026-07").decide(facts())
    assert june.amount == Decimal("28980.00") and "× 60 %" in june.trace
    assert july.amount == Decimal("36225.00") and "× 75 %" in july.trace


def test_params_on_takes_the_latest_row_not_after_the_day():
    rows = [
        {"key": "a", "valid_from": "2026-07-01", "value": "150"},
        {"key": "a", "valid_from": "2024-01-01", "value": "100"},
    ]
    assert params_on(rows, date(2026, 6, 30))["a"]["value"] == "100"
    assert params_on(rows, date(2026, 7, 1))["a"]["value"] == "150"
    assert params_on(rows, date(2023, 12, 31)) == {}


def _rules(**over):
    rules = actions.rules_of(dict(JOBS_DATA), JOBS_CONDITIONS, jobs_parameters())
    return rules | over


@pytest.mark.parametrize(
    ("conditions", "formula", "message"),
    [
        ([{"label": "参保", "expression": "insurd >= 10"}], "rate", "未知的字段或参数“insurd”"),
        ([{"label": "行业", "expression": "industry > 3"}], "rate", "类型不符"),
        ([{"label": "参保", "expression": "insured >= (10"}], "rate", "语法错误"),
        ([{"label": "参保", "expression": "insured + 1"}], "rate", "结果应为判断"),
        (JOBS_CONDITIONS, "dishonest", "金额公式的结果应为数值"),
        (JOBS_CONDITIONS, "industry * rate", "类型不符"),
    ],
)
def test_bad_rules_are_refused_with_a_clear_message(conditions, formula, message):
    errors = check_rules(_rules(conditions=conditions, amount_formula=formula))
    assert any(message in e for e in errors.values()), errors


def test_a_bad_rule_is_refused_on_save_and_the_policy_is_unchanged(jobs, officer):
    bad = [*JOBS_CONDITIONS, {"label": "营收", "expression": "revenue > 100"}]
    data = {f: getattr(jobs, f) for f in actions.POLICY_FIELDS}
    with pytest.raises(actions.PolicyInvalid) as caught:
        actions.save_policy(jobs, data, bad, jobs_parameters(), acting_user=officer)
    assert caught.value.errors == {"conditions-3": "条件“营收”引用了未知的字段或参数“revenue”"}
    jobs.refresh_from_db()
    assert jobs.revision == 1 and jobs.revisions.count() == 1
    assert list(Condition.objects.filter(policy=jobs).values_list("expression", flat=True)) == [
        c["expression"] for c in JOBS_CONDITIONS
    ]


def test_a_parameter_with_a_bad_value_or_name_is_refused():
    params = jobs_parameters()
    params[3]["value"] = "六十"
    params[0]["key"] = "Min-Insured"
    errors = check_rules(actions.rules_of(dict(JOBS_DATA), JOBS_CONDITIONS, params))
    assert "只能用小写字母" in errors["parameters-0"]
    assert "“六十”不是数字" in errors["parameters-3"]


def test_only_a_policy_officer_may_save_rules(people):
    with pytest.raises(actions.PolicyInvalid):
        actions.save_policy(
            None,
            dict(JOBS_DATA),
            JOBS_CONDITIONS,
            jobs_parameters(),
            acting_user=people.finance_clerk,
        )
    assert not Policy.objects.exists()


def test_each_save_keeps_a_revision_with_the_rules_it_had(jobs, officer):
    data = {f: getattr(jobs, f) for f in actions.POLICY_FIELDS}
    actions.save_policy(
        jobs, data, JOBS_CONDITIONS, jobs_parameters(rate="50"), acting_user=officer
    )
    first, second = jobs.revisions.order_by("number")
    assert [p["value"] for p in first.rules["parameters"] if p["key"] == "rate"] == ["60"]
    assert [p["value"] for p in second.rules["parameters"] if p["key"] == "rate"] == ["50"]
