from datetime import date
from decimal import Decimal

import pytest

from mashang.benefits import actions
from mashang.benefits.imports import credit_code_with_check, import_firms
from mashang.directory.choices import Role
from mashang.directory.models import Staff
from mashang.testing import PASSWORD


def firm_row(n: int, **over) -> dict:
    """One firm-year row in the documented layout; `over` replaces columns by name."""
    row = {
        "统一社会信用代码": credit_code_with_check(f"91430422MA4L{n:05d}"),
        "企业名称": f"衡南县测试{n}号有限公司",
        "行业": "制造业",
        "企业规模": "小型",
        "所属乡镇代码": "430422101",
        "联系电话": f"1380000{n:04d}",
        "开户银行": "衡南农村商业银行",
        "银行账号": f"62284800{n:011d}",
        "年度": "2025",
        "失业保险缴费": "48300.00",
        "社保单位缴费": "120000.00",
        "创业担保贷款利息": "",
        "失信": "否",
    }
    insured = over.pop("insured", 23)
    months = insured if isinstance(insured, list) else [insured] * 12
    row.update({f"{m + 1}月参保人数": str(v) for m, v in enumerate(months)})
    row.update(over)
    return row


@pytest.fixture
def officer(people):
    return people.policy_officer


@pytest.fixture
def chief(county):
    return Staff.objects.create_user(
        username="t_policy_chief",
        password=PASSWORD,
        roles=[Role.POLICY_OFFICER, Role.UNIT_LEADER],
        unit=county.units.centre,
        full_name="复核专员",
    )


@pytest.fixture
def finance(people):
    return people.finance_clerk


def import_rows(rows, officer):
    return import_firms(rows, source="县人社局社保数据", file_name="t.csv", acting_user=officer)


JOBS_CONDITIONS = [
    {"label": "参保人数", "expression": "insured >= min_insured and insured <= max_insured"},
    {"label": "无失信记录", "expression": "dishonest == false"},
    {"label": "裁员率", "expression": "layoff_rate <= max_layoff"},
]


def jobs_parameters(rate="60", cap="500000"):
    return [
        {
            "key": "min_insured",
            "label": "参保人数下限",
            "kind": "number",
            "valid_from": date(2025, 1, 1),
            "value": "10",
        },
        {
            "key": "max_insured",
            "label": "参保人数上限",
            "kind": "number",
            "valid_from": date(2025, 1, 1),
            "value": "300",
        },
        {
            "key": "max_layoff",
            "label": "裁员率上限",
            "kind": "percent",
            "valid_from": date(2025, 1, 1),
            "value": "5.5",
        },
        {
            "key": "rate",
            "label": "返还比例",
            "kind": "percent",
            "valid_from": date(2025, 1, 1),
            "value": rate,
        },
        {
            "key": "cap",
            "label": "单户上限",
            "kind": "money",
            "valid_from": date(2025, 1, 1),
            "value": cap,
        },
    ]


JOBS_DATA = {
    "name": "稳岗返还",
    "issuer": "衡南县人力资源和社会保障局",
    "doc_number": "衡南政发〔2026〕3号",
    "legal_reference": "《失业保险条例》",
    "valid_from": date(2025, 1, 1),
    "valid_to": date(2026, 12, 31),
    "target": "firm",
    "period_kind": "year",
    "amount_formula": "unemployment_paid * rate",
    "four_eyes_above": Decimal("20000"),
}


@pytest.fixture
def jobs(officer):
    """稳岗返还: 10–300 insured, no 失信, layoffs ≤ 5.5 %; 60 % of the unemployment premium."""
    return actions.save_policy(
        None, dict(JOBS_DATA), JOBS_CONDITIONS, jobs_parameters(), acting_user=officer
    )
