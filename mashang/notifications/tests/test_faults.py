"""Faults survived: the gateway down for an hour, a worker killed mid-pass, two workers."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection
from django.utils import timezone

from mashang.notifications.backends import HttpGatewayBackend
from mashang.notifications.models import Message, MessageStatus
from mashang.notifications.outbox import _claim, queue_sms, send_due_messages


class Gateway:
    """A real HTTP SMS gateway on 127.0.0.1 that can be switched off, recording what it got."""

    def __init__(self):
        self.down = False
        self.received: list[dict] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if gateway.down:
                    self.send_response(503)
                    self.end_headers()
                    return
                gateway.received.append(body)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"code": "OK"}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(monkeypatch):
    gw = Gateway()
    monkeypatch.setenv("SMS_HTTP_URL", gw.url)
    monkeypatch.setenv("SMS_HTTP_TIMEOUT", "2")
    yield gw
    gw.close()


def queue(n):
    return [queue_sms(f"1380000{i:04d}", "sms_code", {"code": f"{i:06d}"}) for i in range(n)]


@pytest.mark.django_db
def test_the_gateway_posts_template_id_params_and_out_id(gateway):
    message = queue(1)[0]
    send_due_messages(backend=HttpGatewayBackend())
    body = gateway.received[0]
    assert body["template_id"] == "sms_code" and body["params"] == {"code": "000000"}
    assert body["phone"] == "13800000000" and body["out_id"] == str(message.pk)


@pytest.mark.django_db
def test_gateway_down_for_an_hour_then_back_delivers_everything_once(gateway):
    messages = queue(5)
    backend = HttpGatewayBackend()
    gateway.down = True
    now = timezone.now()
    for minute in range(0, 180):  # a pass a minute for three hours
        if minute == 60:
            gateway.down = False
        send_due_messages(backend=backend, now=now + timedelta(minutes=minute))
    ids = [r["out_id"] for r in gateway.received]
    assert sorted(ids) == sorted(str(m.pk) for m in messages)  # each exactly once
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.DELIVERED}


@pytest.mark.django_db
def test_a_worker_killed_mid_pass_leaves_nothing_behind(gateway):
    queue(3)
    now = timezone.now()
    _claim(10, now)  # the worker took the rows, then died before sending
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.SENDING}
    backend = HttpGatewayBackend()
    assert send_due_messages(backend=backend, now=now + timedelta(minutes=1)) == 0  # leased
    delivered = send_due_messages(backend=backend, now=now + timedelta(minutes=6))
    assert delivered == 3, list(Message.objects.values_list("status", "last_error"))
    assert len(gateway.received) == 3


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite runs one worker; several at once need PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_message_once_and_warn_once(gateway, county, people):
    from mashang.appeals import intake
    from mashang.deadlines.sweep import run_sweep
    from mashang.qrcodes.choices import QRKind
    from mashang.qrcodes.models import Placement

    placement = Placement.objects.create(
        kind=QRKind.BUREAU,
        division=county.county,
        place_label="县住房和城乡建设局",
        addressee_unit=county.units.housing,
    )
    appeals = 20
    for i in range(appeals):
        data = intake.validate_intake(
            type="help", content="路灯坏了很久了，请尽快修理。", phone=f"1390000{i:04d}"
        )
        started = intake.start_intake(placement, data, token=f"two-{i}", ip=f"10.1.0.{i}")
        intake.confirm_intake(started.draft, started.sms_code)
    messages = Message.objects.filter(channel="sms").count()
    later = timezone.now() + timedelta(days=10)
    errors = []

    def worker():
        from django.db import connections

        try:
            backend = HttpGatewayBackend()
            for _ in range(6):
                send_due_messages(backend=backend, limit=5)
                run_sweep(later, limit=5)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    while send_due_messages(backend=HttpGatewayBackend()):
        pass
    ids = [r["out_id"] for r in gateway.received]
    assert len(ids) == len(set(ids)) == messages
    import re
    from collections import Counter

    from mashang.appeals.models import Appeal

    inapp = Message.objects.filter(channel="inapp", to_unit=county.units.dispatch)
    numbers = set(Appeal.objects.values_list("number", flat=True))
    # Ten days on, every appeal is past its dispatch hour: one yellow and one red each,
    # whichever worker raised it.
    for template in ("deadline_warning", "deadline_overdue"):
        named = Counter(
            n
            for body in inapp.filter(template=template).values_list("body", flat=True)
            for n in re.findall(r"430422-\d{4}-\d{6}", body)
        )
        assert set(named) == numbers and set(named.values()) == {1}, template


class KillsItsConnection:
    """A backend that records what it sends and, on the message given, cuts the worker's own
    database connection (PostgreSQL's pg_terminate_backend, from another session): the database
    lost between handing a message to the gateway and marking it delivered."""

    def __init__(self, on: int):
        import psycopg

        self.on, self.sent = on, []
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            self.pid = cursor.fetchone()[0]
        s = connection.settings_dict
        self.other = psycopg.connect(
            host=s["HOST"], port=s["PORT"] or 5432, user=s["USER"], dbname=s["NAME"],
            autocommit=True,
        )  # fmt: skip

    def send(self, message) -> None:
        self.sent.append(message.pk)
        if message.pk == self.on:
            self.other.execute("SELECT pg_terminate_backend(%s)", [self.pid])


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="cuts a PostgreSQL connection from another session"
)
@pytest.mark.django_db(transaction=True)
def test_connection_lost_after_sending_marks_it_delivered_next_pass_without_sending_again():
    from django.db import OperationalError, close_old_connections

    first, second, third = queue(3)
    backend = KillsItsConnection(on=second.pk)
    now = timezone.now()
    with pytest.raises(OperationalError):
        send_due_messages(backend=backend, now=now)
    assert backend.sent == [first.pk, second.pk]  # the second went out; its mark did not
    close_old_connections()  # what the worker does between passes
    connection.close()  # (outside a request, Django keeps a broken connection until closed)
    assert Message.objects.get(pk=second.pk).status == MessageStatus.SENDING
    # The next pass, a second later (long before the 5-minute lease): the second is marked
    # delivered without going out again, the third (claimed, never sent) goes out now.
    assert send_due_messages(backend=backend, now=now + timedelta(seconds=1)) == 1
    assert backend.sent == [first.pk, second.pk, third.pk]
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.DELIVERED}
    assert Message.objects.get(pk=third.pk).attempts == 1  # the lost claim is not an attempt
    backend.other.close()
