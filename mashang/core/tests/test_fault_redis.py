"""Redis stopped: a private redis-server (never the shared one) is the cache, then it is
killed. The cache fails open (a miss, a dropped write: slower, never an error page); the rate
limits keep holding, counted in the database; a citizen still files an appeal and staff still
log in; when Redis is back, the cache uses it again.

Why not fail open for the rate limits too: while Redis is down a script could then file
thousands of appeals and have thousands of SMS codes sent; refusing instead would stop every
citizen because a cache stopped. The database is there anyway (every filing writes to it).
"""

import shutil
import time
import uuid

import pytest
from django.core.cache import cache
from django.urls import reverse

from mashang.appeals.models import Appeal, AppealEvent
from mashang.appeals.tests.conftest import codes  # noqa: F401 - fixture
from mashang.appeals.tests.test_intake_form import GOOD, sms_code_from_outbox
from mashang.core import cache as resilient
from mashang.core.models import RateCounter
from mashang.core.ratelimit import allow
from mashang.notifications.models import Message
from mashang.testing import PASSWORD

from .faultkit import PrivateRedis

pytestmark = pytest.mark.skipif(
    shutil.which("redis-server") is None, reason="redis-server not installed"
)


@pytest.fixture
def redis(settings, monkeypatch):
    server = PrivateRedis().start()
    settings.REDIS_URL = server.url
    settings.CACHES = {
        "default": {
            "BACKEND": "mashang.core.cache.ResilientRedisCache",
            "LOCATION": server.url,
            "KEY_PREFIX": "mashang",
        }
    }
    monkeypatch.setattr(resilient, "DOWN_FOR", 0.5)
    resilient.mark_up()
    yield server
    server.stop()
    resilient.mark_up()


def test_the_cache_fails_open_and_rate_limits_count_in_the_database(db, redis):
    cache.set("fault:k", "上", 60)
    assert cache.get("fault:k") == "上"
    key = f"fault:{uuid.uuid4().hex}"
    assert allow(key, 2, 60)
    assert not RateCounter.objects.exists()  # counted in Redis while it runs

    redis.stop()
    assert cache.get("fault:k", "miss") == "miss"  # a miss, not an error
    cache.set("fault:k2", 1, 60)  # dropped, not an error
    assert cache.get_or_set("fault:k3", lambda: "computed", 60) == "computed"
    assert not cache.add("fault:k4", 1)
    # The limit holds in the database: the third hit of a limit of two is refused.
    other = f"fault:{uuid.uuid4().hex}"
    assert [allow(other, 2, 60) for _ in range(3)] == [True, True, False]
    assert RateCounter.objects.get(key__startswith=f"rl:{other}:").count == 3

    redis.start()  # the same port: Redis is back
    time.sleep(0.6)  # past the window in which this process leaves Redis alone
    cache.set("fault:k", "回来了", 60)
    assert cache.get("fault:k") == "回来了"
    fresh = f"fault:{uuid.uuid4().hex}"
    assert allow(fresh, 2, 60)
    assert not RateCounter.objects.filter(key__startswith=f"rl:{fresh}:").exists()


def test_check_counts_its_rules_in_redis_in_order_and_in_the_database_when_it_stops(db, redis):
    from .test_ratelimit import check_in_order

    assert check_in_order(uuid.uuid4().hex) == [1, 3, 2]  # one script, the loop's counts
    assert not RateCounter.objects.exists()
    redis.stop()
    assert check_in_order(uuid.uuid4().hex) == [1, 3, 2]
    assert RateCounter.objects.count() == 2


def test_citizens_file_and_staff_log_in_with_redis_stopped(client, codes, people, redis):  # noqa: F811
    redis.stop()
    response = client.post(codes.bureau.get_absolute_url(), GOOD)
    assert response.status_code == 302, response.content.decode()[:1000]
    response = client.post(response.url, {"code": sms_code_from_outbox()})
    assert response.status_code == 200
    appeal = Appeal.objects.get()
    assert appeal.number in response.content.decode()
    assert AppealEvent.objects.filter(appeal=appeal, kind="received").exists()
    assert Message.objects.filter(appeal=appeal, template="appeal_received").exists()

    # The SMS-code limit (5 an hour a phone) still holds: the sixth code is refused, clearly.
    statuses = []
    for i in range(2, 7):
        response = client.post(codes.bureau.get_absolute_url(), {**GOOD, "form_token": f"t{i}"})
        statuses.append(response.status_code)
    assert statuses == [302, 302, 302, 302, 400]
    assert "获取验证码太频繁了" in response.content.decode()

    response = client.post(reverse("login"), {"username": "t_dispatcher", "password": PASSWORD})
    assert response.status_code == 302
