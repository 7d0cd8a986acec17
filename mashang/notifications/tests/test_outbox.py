import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from mashang.notifications.backends import FileBackend, SendError
from mashang.notifications.models import Message, MessageStatus, MessageTemplate
from mashang.notifications.outbox import MAX_ATTEMPTS, queue_sms, render, send_due_messages

pytestmark = pytest.mark.django_db


class FlakyGateway:
    """A real in-process backend that fails while `down` is set, and records what it sent."""

    def __init__(self):
        self.down = False
        self.sent: list[int] = []

    def send(self, message):
        if self.down:
            raise SendError("网关无响应")
        self.sent.append(message.pk)


def test_templates_fill_placeholders_and_admins_can_override():
    assert render("sms_code", {"code": "123456"}).startswith("【衡南码上办】验证码123456")
    MessageTemplate.objects.create(key="sms_code", text="验证码((code))，勿告诉他人")
    assert render("sms_code", {"code": "654321"}) == "验证码654321，勿告诉他人"


def test_default_texts_fit_one_sms():
    from mashang.notifications.templates_default import DEFAULTS

    sample = {"code": "123456", "number": "430422-2026-000123", "query_code": "123456"}
    for key in DEFAULTS:
        assert len(render(key, sample)) <= 70, key


def test_secrets_stay_out_of_the_plain_params():
    message = queue_sms("13800138000", "sms_code", {"code": "123456"})
    assert message.params == {}


def test_a_due_message_is_sent_once():
    gateway = FlakyGateway()
    message = queue_sms("13800138000", "sms_code", {"code": "111111"})
    assert send_due_messages(backend=gateway) == 1
    assert send_due_messages(backend=gateway) == 0
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED and gateway.sent == [message.pk]


def test_a_failed_send_is_retried_later_with_backoff():
    gateway = FlakyGateway()
    gateway.down = True
    message = queue_sms("13800138000", "sms_code", {"code": "111111"})
    send_due_messages(backend=gateway)
    message.refresh_from_db()
    assert message.status == MessageStatus.RETRY and message.attempts == 1
    assert message.next_attempt_at > timezone.now()
    assert "网关无响应" in message.last_error
    gateway.down = False
    assert send_due_messages(backend=gateway) == 0  # not due yet
    Message.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert send_due_messages(backend=gateway) == 1
    assert gateway.sent == [message.pk]


def test_a_message_is_dead_after_the_last_attempt():
    gateway = FlakyGateway()
    gateway.down = True
    message = queue_sms("13800138000", "sms_code", {"code": "111111"})
    for _ in range(MAX_ATTEMPTS):
        Message.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
        send_due_messages(backend=gateway)
    message.refresh_from_db()
    assert message.status == MessageStatus.DEAD and message.attempts == MAX_ATTEMPTS


def test_the_file_backend_writes_one_json_line(tmp_path):
    path = tmp_path / "sms.log"
    queue_sms("13800138000", "sms_code", {"code": "222222"})
    send_due_messages(backend=FileBackend(str(path)))
    line = json.loads(path.read_text(encoding="utf-8").strip())
    assert line["to"] == "13800138000" and "222222" in line["body"]


def test_worker_once_delivers_through_the_configured_backend(tmp_path, monkeypatch):
    path = tmp_path / "out.log"
    monkeypatch.setenv("SMS_BACKEND", "file")
    monkeypatch.setenv("SMS_FILE_PATH", str(path))
    queue_sms("13800138000", "sms_code", {"code": "333333"})
    call_command("worker", once=True, stdout=io.StringIO())
    assert "333333" in path.read_text(encoding="utf-8")
    assert Message.objects.get().status == MessageStatus.DELIVERED


def test_an_unknown_backend_name_fails_loudly(monkeypatch):
    from mashang.notifications.backends import get_backend

    monkeypatch.setenv("SMS_BACKEND", "carrier-pigeon")
    with pytest.raises(ValueError, match="SMS_BACKEND"):
        get_backend()
