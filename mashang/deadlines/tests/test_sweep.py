"""The sweep: yellow once, red once, escalation to the unit and supervision, 督办."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from mashang.appeals import actions
from mashang.appeals.models import AppealEvent
from mashang.appeals.tests.conftest import codes, file  # noqa: F401 - fixtures
from mashang.appeals.workflow import TransitionError
from mashang.deadlines.actions import answer_order, issue_order
from mashang.deadlines.models import OrderStatus
from mashang.deadlines.sweep import run_sweep
from mashang.notifications.models import Message


def inbox(unit, template):
    return list(Message.objects.filter(channel="inapp", to_unit=unit, template=template))


def accepted(file, people, county):  # noqa: F811
    appeal = file()
    actions.dispatch_appeal(appeal, county.units.housing, acting_user=people.dispatcher)
    return actions.accept_appeal(appeal, acting_user=people.handler_a)


def test_a_yellow_warning_is_raised_once_to_the_lead_unit(file, people, county):  # noqa: F811
    appeal = accepted(file, people, county)
    later = appeal.warn_at + timedelta(minutes=1)
    assert later < appeal.due_at
    assert run_sweep(later)["warned"] == 1
    assert run_sweep(later)["warned"] == 0
    appeal.refresh_from_db()
    assert appeal.warned_at is not None and appeal.overdue_at is None
    assert len(inbox(county.units.housing, "deadline_warning")) == 1


def test_nothing_happens_before_the_warning_time(file, people, county):  # noqa: F811
    appeal = accepted(file, people, county)
    assert run_sweep(appeal.warn_at - timedelta(minutes=1)) == {
        "warned": 0,
        "overdue": 0,
        "bad_ratings": 0,
        "orders": 0,
    }


def test_overdue_goes_red_and_escalates_to_supervision_once(file, people, county):  # noqa: F811
    appeal = accepted(file, people, county)
    late = appeal.due_at + timedelta(minutes=1)
    counts = run_sweep(late)
    assert counts["overdue"] == 1 and counts["warned"] == 1
    assert run_sweep(late)["overdue"] == 0
    assert len(inbox(county.units.housing, "deadline_overdue")) == 1
    digest = inbox(county.units.supervision, "overdue_digest")
    assert len(digest) == 1 and appeal.number in digest[0].body and "1件" in digest[0].body
    assert AppealEvent.objects.filter(appeal=appeal, kind="overdue", is_public=False).exists()


def test_an_undispatched_appeal_warns_the_desk(file, people, county):  # noqa: F811
    appeal = file()
    run_sweep(appeal.dispatch_due_at + timedelta(minutes=1))
    assert len(inbox(county.units.dispatch, "deadline_overdue")) == 1


def test_an_overdue_accusation_stays_with_the_commission(file, people, county, codes):  # noqa: F811
    appeal = file(codes.discipline, type="accusation", content="某干部收受红包，请查处此事。")
    run_sweep(appeal.due_at + timedelta(minutes=1))
    assert len(inbox(county.units.discipline, "deadline_overdue")) == 1
    assert not inbox(county.units.supervision, "overdue_digest")


def test_a_new_limit_can_warn_again(file, people, county):  # noqa: F811
    appeal = file()
    run_sweep(appeal.dispatch_due_at + timedelta(minutes=1))
    actions.dispatch_appeal(appeal, county.units.housing, acting_user=people.dispatcher)
    appeal.refresh_from_db()
    assert appeal.overdue_at is None and appeal.due_key == "acknowledge"
    assert run_sweep(appeal.due_at + timedelta(minutes=1))["overdue"] == 1


def test_an_uncontacted_real_name_bad_rating_alerts_supervision(file, people, county):  # noqa: F811
    from mashang.appeals.choices import Rating

    appeal = accepted(file, people, county)
    actions.reply_appeal(appeal, "已处理完毕。", acting_user=people.handler_a)
    appeal = actions.record_callback(
        appeal, Rating.DISSATISFIED, False, note="群众不认可", acting_user=people.supervisor
    )
    later = appeal.bad_rating_due_at + timedelta(minutes=1)
    assert run_sweep(later)["bad_ratings"] == 1
    assert run_sweep(later)["bad_ratings"] == 0
    assert len(inbox(county.units.supervision, "bad_rating_overdue")) == 1


def test_an_unanswered_order_escalates_each_working_day_until_answered(file, people, county):  # noqa: F811
    appeal = accepted(file, people, county)
    order = issue_order(appeal, "群众反映多次未果", acting_user=people.supervisor)
    assert len(inbox(county.units.housing, "order_issued")) == 1
    assert run_sweep(order.due_at + timedelta(minutes=1))["orders"] == 1
    assert run_sweep(order.due_at + timedelta(minutes=2))["orders"] == 0
    order.refresh_from_db()
    assert order.escalations == 1 and order.next_escalation_at > order.due_at
    assert run_sweep(order.next_escalation_at + timedelta(minutes=1))["orders"] == 1
    assert len(inbox(county.units.supervision, "order_overdue")) == 2
    answer_order(order, "已约谈责任人并限期整改", acting_user=people.handler_a)
    order.refresh_from_db()
    assert order.status == OrderStatus.ANSWERED
    assert run_sweep(order.answered_at + timedelta(days=30))["orders"] == 0


def test_only_supervision_orders_and_only_the_unit_answers(file, people, county):  # noqa: F811
    appeal = accepted(file, people, county)
    with pytest.raises(TransitionError):
        issue_order(appeal, "督办一下", acting_user=people.dispatcher)
    order = issue_order(appeal, "督办一下", acting_user=people.supervisor)
    with pytest.raises(TransitionError):
        answer_order(order, "不归我们", acting_user=people.handler_b)


def test_worker_once_runs_the_sweep(file, people, county):  # noqa: F811
    appeal = file()
    type(appeal).objects.filter(pk=appeal.pk).update(
        warn_at=timezone.now() - timedelta(minutes=1), due_at=timezone.now() - timedelta(seconds=1)
    )
    out = io.StringIO()
    call_command("worker", once=True, stdout=out)
    assert "时限巡检" in out.getvalue()
    appeal.refresh_from_db()
    assert appeal.overdue_at is not None


def test_one_pass_handles_everything_due_in_batches(file, people, county):  # noqa: F811
    appeals = [file(phone=f"1380000{i:04d}") for i in range(5)]
    late = max(a.due_at for a in appeals) + timedelta(minutes=1)
    counts = run_sweep(late, limit=2)
    assert counts["warned"] == 5 and counts["overdue"] == 5
    digests = inbox(county.units.dispatch, "deadline_overdue")
    assert len(digests) == 3  # one line per unit per batch of two
    assert all(any(a.number in m.body for m in digests) for a in appeals)
