import uuid

import pytest
from django.conf import settings
from django.core.cache import cache


@pytest.mark.skipif(
    not settings.REDIS_URL, reason="REDIS_URL not set (CI sets it on the PostgreSQL run)"
)
def test_cache_is_the_real_redis_when_redis_url_is_set():
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    assert isinstance(caches["default"], RedisCache)
    key = f"mashang-test-{uuid.uuid4().hex}"
    assert cache.add(key, 1, 30)
    assert cache.incr(key) == 2
    client = caches["default"]._cache.get_client(key)
    assert client.ttl(cache.make_key(key)) > 0  # the key really lives in Redis


def test_cache_roundtrip_on_the_configured_backend(db):
    cache.set("mashang-roundtrip", {"诉求": 1}, 30)
    assert cache.get("mashang-roundtrip") == {"诉求": 1}
