"""/metrics: Prometheus text for the host itself and the configured scraper, 403 for others."""

from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from mashang.core.models import WorkerHeartbeat
from mashang.notifications.outbox import queue_sms


def _value(body: str, name: str) -> float:
    for line in body.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not in metrics")


def test_metrics_are_open_to_the_host_itself(client, db):
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")


def test_metrics_refuse_a_foreign_address(client, db):
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 403
    assert "mashang_" not in response.content.decode()


def test_metrics_are_open_to_the_configured_scraper(client, db, settings):
    settings.METRICS_ALLOWED_IPS = ["10.8.0.0/24"]
    assert client.get("/metrics", REMOTE_ADDR="10.8.0.7").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.9.0.7").status_code == 403


def test_metrics_behind_nginx_judge_the_real_client_not_the_proxy(client, db, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    response = client.get(
        "/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1, 198.51.100.4"
    )
    assert response.status_code == 403


def test_metrics_show_request_latency_by_view(client, db):
    client.get("/healthz")
    body = client.get("/metrics").content.decode()
    assert (
        'mashang_http_request_duration_seconds_count{method="GET",status="200",view="healthz"}'
        in body
    )


def test_metrics_show_the_outbox_backlog(client, db):
    queue_sms("13800138000", "sms_code", {"code": "123456"})
    queue_sms("13800138001", "sms_code", {"code": "654321"})
    body = client.get("/metrics").content.decode()
    assert _value(body, "mashang_outbox_backlog") == 2


def test_metrics_show_worker_heartbeat_and_sweep_lag(client, db):
    call_command("worker", once=True)
    WorkerHeartbeat.objects.update(beat_at=timezone.now() - timedelta(seconds=90))
    body = client.get("/metrics").content.decode()
    assert _value(body, "mashang_workers_alive") == 1
    assert 90 <= _value(body, "mashang_worker_last_pass_age_seconds") < 120
    assert 'mashang_job_lag_seconds{job="sweep"}' in body
    assert _value(body, "mashang_outbox_backlog") == 0
