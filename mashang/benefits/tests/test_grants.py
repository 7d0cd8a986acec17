"""Review, four-eyes approval, the beneficiary's link, payment: one state machine, audited."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from mashang.benefits import actions
from mashang.benefits.choices import GrantStatus as S
from mashang.benefits.models import Grant, GrantEvent
from mashang.benefits.runs import run_policy
from mashang.benefits.workflow import TransitionError
from mashang.notifications.models import Message

from .conftest import firm_row, import_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def grants(jobs, officer):
    import_rows([firm_row(1), firm_row(5, 失业保险缴费="10000.00")], officer)
    run_policy(jobs, "2025", acting_user=officer)
    big = Grant.objects.get(amount=Decimal("28980.00"))  # above the 20,000 four-eyes line
    small = Grant.objects.get(amount=Decimal("6000.00"))
    return big, small


def _link(grant) -> str:
    body = Message.objects.filter(template="benefit_granted").latest("id").body
    return re.search(r"/b/[\w-]+", body).group()


def test_approval_below_the_line_asks_the_firm_to_confirm_by_sms(grants, officer):
    _big, small = grants
    actions.approve_grant(small, acting_user=officer)
    small.refresh_from_db()
    assert small.status == S.AWAITING_CONFIRMATION and small.approved_by == officer
    sms = Message.objects.get(template="benefit_granted")
    assert sms.to_phone == "13800000005"
    assert "稳岗返还" in sms.body and "6,000.00元" in sms.body
    assert "/b/" in sms.body and small.link_token not in sms.body  # only a digest is kept


def test_above_the_line_a_second_officer_must_approve(grants, officer, chief):
    big, _small = grants
    actions.approve_grant(big, acting_user=officer)
    big.refresh_from_db()
    assert big.status == S.PENDING_SECOND and not Message.objects.exists()
    with pytest.raises(TransitionError, match="另一位政策专员"):
        actions.second_approve_grant(big, acting_user=officer)
    actions.second_approve_grant(big, acting_user=chief)
    big.refresh_from_db()
    assert big.status == S.AWAITING_CONFIRMATION
    assert (big.first_approved_by, big.approved_by) == (officer, chief)


def test_the_four_eyes_line_is_set_per_policy(grants, jobs, officer):
    big, _small = grants
    jobs.four_eyes_above = Decimal("30000")
    jobs.save()
    actions.approve_grant(big, acting_user=officer)
    big.refresh_from_db()
    assert big.status == S.AWAITING_CONFIRMATION


def test_bulk_approval_reports_each_refusal(grants, officer, chief):
    big, small = grants
    done, errors = actions.bulk(actions.approve_grant, [big, small], acting_user=officer)
    assert done == 2 and errors == []
    done, errors = actions.bulk(actions.second_approve_grant, [big, small], acting_user=officer)
    assert done == 0 and len(errors) == 2
    assert "另一位政策专员" in errors[0] and "待确认账户" in errors[1]


def test_excluding_needs_a_reason(grants, officer):
    _big, small = grants
    with pytest.raises(TransitionError, match="请填写排除原因"):
        actions.exclude_grant(small, " ", acting_user=officer)
    actions.exclude_grant(small, "已享受同类补贴", acting_user=officer)
    small.refresh_from_db()
    assert small.status == S.EXCLUDED and small.reason == "已享受同类补贴"


def test_only_policy_officers_decide_and_only_finance_pays(grants, officer, finance):
    _big, small = grants
    with pytest.raises(TransitionError, match="您的角色不能执行“批准”"):
        actions.approve_grant(small, acting_user=finance)
    actions.approve_grant(small, acting_user=officer)
    actions.confirm_grant(small)
    with pytest.raises(TransitionError, match="您的角色不能执行“拨付”"):
        actions.pay_grant(small, "HNCZ0001", acting_user=officer)
    with pytest.raises(TransitionError, match="凭证号"):
        actions.pay_grant(small, "", acting_user=finance)
    actions.pay_grant(small, "HNCZ0001", acting_user=finance)
    small.refresh_from_db()
    assert small.status == S.PAID and small.voucher == "HNCZ0001" and small.paid_at
    paid_sms = Message.objects.get(template="benefit_paid")
    assert "尾号0005" in paid_sms.body and "HNCZ0001" in paid_sms.body
    assert "6228480000000000005" not in paid_sms.body


def test_the_firm_confirms_its_account_through_the_link(client, grants, officer):
    _big, small = grants
    actions.approve_grant(small, acting_user=officer)
    link = _link(small)
    page = client.get(link)
    html = page.content.decode()
    assert page.status_code == 200
    assert "6,000.00 元" in html and "**** **** 0005" in html
    assert "6228480000000000005" not in html  # the full account is never shown
    response = client.post(link, {"choice": "confirm"})
    assert response.status_code == 302
    small.refresh_from_db()
    assert small.status == S.TO_PAY and small.confirmed_at
    assert "已确认收款账户" in client.get(link).content.decode()
    again = client.post(link, {"choice": "decline"})
    assert again.status_code == 400 and "不能放弃" in again.content.decode()


def test_the_firm_may_decline(client, grants, officer):
    _big, small = grants
    actions.approve_grant(small, acting_user=officer)
    client.post(_link(small), {"choice": "decline", "reason": "暂不需要"})
    small.refresh_from_db()
    assert small.status == S.DECLINED and small.reason == "暂不需要"


def test_an_unknown_link_shows_nothing(client, db):
    assert client.get(reverse("benefit_confirm", args=["nope"])).status_code == 404


def test_a_resent_link_replaces_the_old_one(client, grants, officer):
    _big, small = grants
    actions.approve_grant(small, acting_user=officer)
    old = _link(small)
    actions.resend_link(small, acting_user=officer)
    assert client.get(old).status_code == 404
    assert client.get(_link(small)).status_code == 200


def test_every_change_writes_an_event(grants, officer, chief, finance):
    big, _small = grants
    actions.check_grant(big, "已与社保数据核对一致", acting_user=officer)
    actions.approve_grant(big, acting_user=officer)
    actions.second_approve_grant(big, acting_user=chief)
    actions.confirm_grant(big)
    actions.pay_grant(big, "HNCZ0002", acting_user=finance)
    events = list(GrantEvent.objects.filter(grant=big).values_list("action", "new_status", "actor"))
    assert events == [
        ("check", S.PENDING_REVIEW, officer.pk),
        ("approve", S.PENDING_SECOND, officer.pk),
        ("second_approve", S.AWAITING_CONFIRMATION, chief.pk),
        ("confirm", S.TO_PAY, None),
        ("pay", S.PAID, finance.pk),
    ]
