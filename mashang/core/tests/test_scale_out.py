"""Two web servers and two workers against one PostgreSQL: real processes, as on two machines.

Each `manage.py serve` is what one machine runs (gunicorn + a worker). Appeals are filed
through both web servers; both workers deliver the outbox at once; every message goes out
exactly once and both workers report their heartbeat."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import connection

from mashang.api.models import PartnerSystem
from mashang.core.models import WorkerHeartbeat
from mashang.notifications.models import Message, MessageStatus
from mashang.notifications.outbox import queue_sms

PORTS = (8215, 8216)
APPEALS = 8
EXTRA_MESSAGES = 60
BOUND = 90  # seconds: the whole test gives up after this

pytestmark = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").split(":")[0] not in ("postgres", "postgresql"),
    reason="several processes at once need PostgreSQL (CI's second run)",
)


def _database_url() -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return (
        f"postgres://{s['USER'] or 'postgres'}{password}@{s['HOST'] or '127.0.0.1'}:"
        f"{s['PORT'] or 5432}/{s['NAME']}"
    )


def _get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError:  # not listening yet
        return 0, ""


def _post(port: int, path: str, fields: dict) -> tuple[int, str]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=urlencode(fields).encode(), method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _wait(condition, what: str, deadline: float):
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def machines(transactional_db, tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "SECRET_KEY": "scale-out-test-" + "x" * 40,
        "SECURE": "0",
        "DEBUG": "0",
        "SMS_BACKEND": "file",
        "SMS_FILE_PATH": str(tmp_path / "sms.jsonl"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "VAR_DIR": str(tmp_path / "var"),
        "WEB_CONCURRENCY": "1",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    procs = [
        subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--port", str(port), "--workers", "1"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for port in PORTS
    ]
    try:
        yield tmp_path / "sms.jsonl"
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


def test_two_web_servers_and_two_workers_share_one_database(county, machines):
    deadline = time.monotonic() + BOUND
    _, key = PartnerSystem.issue("衡阳市12345热线")
    for i in range(EXTRA_MESSAGES):
        queue_sms(f"1390000{i:04d}", "sms_code", {"code": f"{i:06d}"})

    _wait(lambda: all(_get(p, "/healthz")[0] == 200 for p in PORTS), "both web servers", deadline)
    filed = []
    for i in range(APPEALS):
        status, body = _post(
            PORTS[i % 2],
            "/open311/v2/requests.json",
            {
                "api_key": key,
                "jurisdiction_id": "430422",
                "service_code": "help",
                "attribute[division]": county.town_a.code,
                "phone": f"1370000{i:04d}",
                "description": f"第{i}号：村里的自来水停了三天，请帮忙协调。",
            },
        )
        assert status == 200, body
        filed.append(json.loads(body)[0]["service_request_id"])
    assert len(set(filed)) == APPEALS

    def all_sent():
        total = Message.objects.count()
        return (
            total >= EXTRA_MESSAGES + APPEALS
            and not Message.objects.exclude(status=MessageStatus.DELIVERED).exists()
        )

    _wait(all_sent, "every message delivered", deadline)
    sent_ids = [
        json.loads(line)["id"] for line in machines.read_text(encoding="utf-8").splitlines()
    ]
    assert sorted(sent_ids) == sorted(Message.objects.values_list("pk", flat=True))  # once each

    _wait(lambda: WorkerHeartbeat.objects.count() == 2, "both workers' heartbeats", deadline)
    assert len({b.pid for b in WorkerHeartbeat.objects.all()}) == 2
    for port in PORTS:
        status, body = _get(port, "/healthz")
        assert json.loads(body)["worker"]["alive"] == 2
        status, body = _get(port, "/metrics")
        assert status == 200 and "mashang_workers_alive 2.0" in body
