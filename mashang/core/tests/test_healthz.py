from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from mashang.core.models import WorkerHeartbeat


def test_healthz_answers_200_when_the_database_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"] == "ok"


def test_healthz_says_no_worker_has_run_yet(client, db):
    assert client.get("/healthz").json()["worker"] == {"status": "none", "last_pass": None}


def test_healthz_reports_the_workers_last_pass(client, db, capsys):
    call_command("worker", once=True)
    worker = client.get("/healthz").json()["worker"]
    beat = WorkerHeartbeat.objects.get()
    assert worker["status"] == "ok"
    assert worker["alive"] == 1
    assert worker["last_pass"] == beat.beat_at.isoformat()


def test_healthz_calls_a_silent_worker_stale_but_stays_up(client, db):
    call_command("worker", once=True)
    WorkerHeartbeat.objects.update(beat_at=timezone.now() - timedelta(minutes=5))
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["worker"]["status"] == "stale"
    assert response.json()["worker"]["alive"] == 0
