"""Whistle-blower metadata stays with the discipline commission (issue 11, item 4)."""

from django.urls import reverse

from mashang.appeals.tests.conftest import codes, file  # noqa: F401 - fixtures
from mashang.notifications.models import Message, MessageStatus


def test_the_admin_outbox_shows_nothing_that_identifies_an_accusation(
    client,
    people,
    codes,  # noqa: F811
    file,  # noqa: F811
):
    accusation = file(
        codes.discipline,
        type="accusation",
        phone="13912345678",
        content="某局干部收受红包，时间地点如下……",
    )
    ordinary = file(phone="13800138000")
    receipt = Message.objects.get(template="accusation_received")
    client.force_login(people.admin)
    listing = client.get(reverse("admin:notifications_message_changelist")).content.decode()
    assert "accusation_received" not in listing and accusation.number not in listing
    assert "sms_code" not in listing  # codes are secrets, and an accusation's code is one
    assert "appeal_received" in listing and "138****8000" in listing
    assert "13800138000" not in listing and "13912345678" not in listing
    assert "保密消息" in listing  # the admin sees that they exist, and their delivery states
    detail = client.get(reverse("admin:notifications_message_change", args=[receipt.pk]))
    assert detail.status_code in (302, 404)
    assert accusation.number not in detail.content.decode()
    ordinary_receipt = Message.objects.get(template="appeal_received", appeal=ordinary)
    page = client.get(reverse("admin:notifications_message_change", args=[ordinary_receipt.pk]))
    assert page.status_code == 200 and "13800138000" not in page.content.decode()


def test_the_admin_can_resend_failed_confidential_messages_without_seeing_them(
    client,
    people,
    codes,  # noqa: F811
    file,  # noqa: F811
):
    file(
        codes.discipline, type="accusation", phone="13912345678", content="某局干部收受红包，请查。"
    )
    Message.objects.filter(template="accusation_received").update(status=MessageStatus.DEAD)
    client.force_login(people.admin)
    client.post(reverse("admin:notifications_message_retry_confidential"))
    assert Message.objects.get(template="accusation_received").status == MessageStatus.RETRY


def test_the_discipline_commission_follows_its_messages(
    client,
    people,
    codes,  # noqa: F811
    file,  # noqa: F811
):
    accusation = file(
        codes.discipline, type="accusation", phone="13912345678", content="某局干部收受红包，请查。"
    )
    client.force_login(people.discipline)
    page = client.get(reverse("inbox")).content.decode()
    assert accusation.number in page and "139****5678" in page
    client.force_login(people.dispatcher)
    assert accusation.number not in client.get(reverse("inbox")).content.decode()
