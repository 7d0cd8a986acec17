"""The database not answering at all: the real platform (`manage.py serve`: gunicorn and the
worker) started against a PostgreSQL address where nothing listens. Every kind of client gets
a clear Chinese 503 with Retry-After, none a traceback or a 500, and the worker keeps running.
(The restart under load, and recovery, is test_fault_processes.py on CI's PostgreSQL leg.)"""

import time

import pytest
import requests

from .faultkit import Platform, free_port, platform_env

pytestmark = pytest.mark.skipif(
    __import__("importlib").util.find_spec("psycopg") is None, reason="psycopg not installed"
)


@pytest.fixture
def dead_database_platform(tmp_path):
    url = f"postgres://postgres@127.0.0.1:{free_port()}/nothing_listens_here"
    platform = Platform(platform_env(url, tmp_path), tmp_path, workers=1)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # /healthz answers 503 once gunicorn listens
        try:
            requests.get(platform.base + "/healthz", timeout=2)
            break
        except requests.RequestException:
            assert platform.proc.poll() is None, platform.read_log()[-2000:]
            time.sleep(0.2)
    yield platform
    platform.stop()


def _assert_clear(response, *, html: bool):
    assert response.status_code == 503, response.text[:500]
    assert response.headers["Retry-After"] == "30"
    assert "Traceback" not in response.text
    if html:
        assert response.headers["Content-Type"].startswith("text/html")
        assert "系统暂时无法使用" in response.text and "没有提交" in response.text


def test_every_client_gets_a_clear_503_and_the_worker_keeps_running(dead_database_platform):
    platform = dead_database_platform
    base = platform.base
    # The form behind a QR code, a receipt, the service guide: the Chinese page.
    for path in ("/q/any-poster-token", "/receipt/430422-2026-000001", "/services/"):
        _assert_clear(requests.get(base + path, timeout=10, allow_redirects=False), html=True)
    # The JSON API: its one error shape.
    response = requests.post(
        base + "/api/v1/appeals",
        data={
            "code": "x",
            "type": "complaint",
            "content": "村口的路灯坏了三个月。",
            "client_token": "t",
        },
        timeout=10,
    )
    _assert_clear(response, html=False)
    assert response.json()["code"] == "unavailable" and "稍后" in response.json()["message"]
    # Open311 partners: the specification's error array.
    response = requests.post(
        base + "/open311/v2/requests.json",
        data={"api_key": "k", "service_code": "help", "description": "路灯坏了三个月了。"},
        timeout=10,
    )
    _assert_clear(response, html=False)
    assert response.json()[0]["code"] == 503
    assert requests.get(base + "/healthz", timeout=10).status_code == 503

    # The worker's passes fail on the database, and it goes on (serve would stop the whole
    # platform if it died): still the same process a few passes later.
    worker = platform.worker_pid()
    assert worker is not None
    time.sleep(3)
    assert platform.worker_pid() == worker and platform.proc.poll() is None
    log = platform.read_log()
    assert "Traceback" not in log, log[-3000:]
