from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mashang.appeals import actions
from mashang.appeals.tests.conftest import codes, file  # noqa: F401 - fixtures
from mashang.deadlines.metrics import efficiency
from mashang.deadlines.templatetags.deadlines import due_badge
from mashang.notifications.models import Message, MessageStatus
from mashang.testing import PASSWORD


def test_the_badge_goes_green_yellow_red(file, people, county):  # noqa: F811
    appeal = file()
    assert "due-green" in due_badge(appeal, appeal.received_at)
    assert "due-yellow" in due_badge(appeal, appeal.warn_at + timedelta(seconds=1))
    red = due_badge(appeal, appeal.due_at + timedelta(hours=3))
    assert "due-red" in red and "已超时 3小时" in red


def test_lists_show_each_appeals_deadline(client, people, file):  # noqa: F811
    file()
    client.login(username=people.dispatcher.username, password=PASSWORD)
    page = client.get(reverse("desk")).content.decode()
    assert "分拨时限 · 剩" in page


def test_the_inbox_shows_the_units_messages_and_marks_them_read(client, people, county, file):  # noqa: F811
    appeal = file()
    actions.dispatch_appeal(appeal, county.units.housing, acting_user=people.dispatcher)
    client.login(username=people.handler_a.username, password=PASSWORD)
    page = client.get(reverse("inbox")).content.decode()
    assert f"新派单：诉求{appeal.number}" in page
    assert not Message.objects.filter(
        channel="inapp", to_unit=county.units.housing, read_at__isnull=True
    ).exists()
    client.logout()
    client.login(username=people.handler_b.username, password=PASSWORD)
    assert appeal.number not in client.get(reverse("inbox")).content.decode()


def test_supervision_orders_and_the_unit_answers_from_the_page(client, people, county, file):  # noqa: F811
    appeal = file()
    actions.dispatch_appeal(appeal, county.units.housing, acting_user=people.dispatcher)
    client.login(username=people.supervisor.username, password=PASSWORD)
    client.post(reverse("appeal_action", args=[appeal.pk, "order"]), {"reason": "群众多次来电"})
    order = appeal.supervision_orders.get()
    client.logout()
    client.login(username=people.handler_a.username, password=PASSWORD)
    client.post(
        reverse("appeal_action", args=[appeal.pk, "answer_order"]),
        {"order": order.pk, "answer": "已安排人员今日处理"},
    )
    order.refresh_from_db()
    assert order.status == "answered" and order.answered_by == people.handler_a


def test_efficiency_counts_on_a_hand_made_set(people, county, file):  # noqa: F811
    # Three appeals to housing: one on time all along, one acknowledged late, one overdue.
    on_time, late_ack, overdue = file(), file(phone="13800000001"), file(phone="13800000002")
    for appeal in (on_time, late_ack, overdue):
        actions.dispatch_appeal(appeal, county.units.housing, acting_user=people.dispatcher)
    actions.accept_appeal(on_time, acting_user=people.handler_a)
    actions.reply_appeal(on_time, "已处理完毕。", acting_user=people.handler_a)
    type(late_ack).objects.filter(pk=late_ack.pk).update(
        ack_due_at=timezone.now() - timedelta(hours=1)
    )
    actions.accept_appeal(late_ack, acting_user=people.handler_a)
    type(overdue).objects.filter(pk=overdue.pk).update(due_at=timezone.now() - timedelta(hours=1))
    row = next(r for r in efficiency("unit") if r["name"] == "县住房和城乡建设局")
    assert (row["total"], row["dispatched"], row["dispatched_on_time"]) == (3, 3, 3)
    assert (row["acknowledged"], row["acknowledged_on_time"]) == (2, 1)
    assert row["acknowledged_on_time_rate"] == 50.0
    assert (row["completed"], row["completed_on_time"]) == (1, 1)
    assert row["overdue_now"] == 1
    assert efficiency("unit", since=timezone.now() + timedelta(days=1)) == []


def test_efficiency_by_township_names_the_township(people, county, codes, file):  # noqa: F811
    file(codes.township)
    rows = efficiency("township")
    assert [r["name"] for r in rows] == ["茶市镇"] and rows[0]["dispatched"] == 0
    assert rows[0]["dispatched_on_time_rate"] is None  # no division by zero


def test_efficiency_leaves_accusations_out(people, codes, file):  # noqa: F811
    file(codes.discipline, type="accusation", content="某干部收受红包，请查处此事。")
    assert efficiency("township") == []


def test_the_efficiency_page_is_for_supervision_and_leaders(client, people, county, file):  # noqa: F811
    appeal = file()
    actions.dispatch_appeal(appeal, county.units.housing, acting_user=people.dispatcher)
    client.login(username=people.county_leader.username, password=PASSWORD)
    page = client.get(reverse("efficiency"), {"to": "2100-01-01"}).content.decode()
    assert "县住房和城乡建设局" in page and "按时分拨" in page
    client.logout()
    client.login(username=people.handler_a.username, password=PASSWORD)
    assert client.get(reverse("efficiency")).status_code == 403


@pytest.mark.django_db
def test_the_admin_retries_dead_messages_and_never_shows_a_phone(client, people):
    from mashang.notifications.outbox import queue_sms

    # An ordinary message (codes and accusations are not listed at all: test_confidential).
    message = queue_sms("13912345678", "appeal_accepted", {"number": "N-1", "unit": "123456"})
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.DEAD, attempts=20)
    client.login(username=people.admin.username, password=PASSWORD)
    page = client.get("/admin/notifications/message/").content.decode()
    assert "139****5678" in page and "13912345678" not in page and "123456" not in page
    client.post(
        "/admin/notifications/message/", {"action": "retry", "_selected_action": [message.pk]}
    )
    message.refresh_from_db()
    assert message.status == MessageStatus.RETRY and message.attempts == 0
