"""/metrics in the Prometheus text format: request latency, worker heartbeats, job lag, and any
gauge an app registers (the outbox backlog is the notifications app's).

Under gunicorn each web process keeps its own counters; with PROMETHEUS_MULTIPROC_DIR set
(`manage.py serve` and the systemd unit set it) prometheus-client adds them up across
processes. The database-backed gauges are read at scrape time, once for the whole cluster.
Access: loopback and METRICS_ALLOWED_IPS only (addresses or networks), everyone else 403.
"""

import ipaddress
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from .access import public_view
from .audit import client_ip

REQUEST_LATENCY = Histogram(
    "mashang_http_request_duration_seconds",
    "Time from request to response, by view",
    ["method", "view", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


@dataclass(frozen=True)
class Gauge:
    name: str
    help: str
    func: Callable[[], float]


_gauges: dict[str, Gauge] = {}


def register_gauge(name: str, help: str, func: Callable[[], float]) -> None:
    """Register a gauge read from the database at scrape time (call from AppConfig.ready())."""
    _gauges[name] = Gauge(name, help, func)


class MetricsMiddleware:
    """Times every request (outermost middleware), labelled by the matched view's name."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        start = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or match._func_path) if match else "unmatched"
        REQUEST_LATENCY.labels(request.method, view, str(response.status_code)).observe(
            time.perf_counter() - start
        )
        return response


class DatabaseCollector:
    """Cluster-wide figures from the database: workers, jobs, and the apps' gauges."""

    def collect(self):
        from .models import WorkerHeartbeat

        now = timezone.now()
        beats = list(WorkerHeartbeat.objects.all())
        age = GaugeMetricFamily(
            "mashang_worker_last_pass_age_seconds",
            "Seconds since each worker process last recorded a pass",
            labels=["worker"],
        )
        for b in beats:
            age.add_metric([b.name], (now - b.beat_at).total_seconds())
        yield age
        alive = GaugeMetricFamily(
            "mashang_workers_alive", "Worker processes with a pass in the last 2 minutes"
        )
        alive.add_metric([], sum(1 for b in beats if (now - b.beat_at).total_seconds() < 120))
        yield alive
        lag = GaugeMetricFamily(
            "mashang_job_lag_seconds",
            "Seconds since any worker last finished each job successfully (sweep lag: job=sweep)",
            labels=["job"],
        )
        for name, at in last_success_by_job(beats).items():
            lag.add_metric([name], (now - at).total_seconds())
        yield lag
        for gauge in _gauges.values():
            family = GaugeMetricFamily(gauge.name, gauge.help)
            family.add_metric([], float(gauge.func()))
            yield family


def last_success_by_job(beats) -> dict:
    """For each job, the latest successful finish by any worker."""
    latest = {}
    for b in beats:
        for name, run in (b.jobs or {}).items():
            at = parse_datetime(run.get("at", "")) if run.get("ok") else None
            if at and (name not in latest or at > latest[name]):
                latest[name] = at
    return latest


_database_registry = CollectorRegistry(auto_describe=False)
_database_registry.register(DatabaseCollector())


def _allowed(request: HttpRequest) -> bool:
    ip = client_ip(request)
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return False
    if address.is_loopback:
        return True
    for entry in settings.METRICS_ALLOWED_IPS:
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


@public_view
def metrics(request: HttpRequest) -> HttpResponse:
    """The Prometheus scrape target: loopback and METRICS_ALLOWED_IPS only."""
    if not _allowed(request):
        return HttpResponse("禁止访问：监控指标只对本机和配置的采集端开放。", status=403)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        process_registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(process_registry)
    else:
        process_registry = REGISTRY
    body = generate_latest(process_registry) + generate_latest(_database_registry)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
