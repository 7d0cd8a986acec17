"""The Redis cache, failing open: when Redis does not answer, a read is a miss and a write is
dropped, so a stopped Redis costs speed, never a page.

After a failure the cache stays "down" for DOWN_FOR seconds in this process: requests do not each
wait for a refused connection, and the log gets one line per outage window, not one per call.
Rate limits do not fail open: `core.ratelimit` counts in the database while Redis is down
(`redis_down()` tells it to go there at once).
"""

import logging
import time

from django.core.cache.backends.redis import RedisCache

log = logging.getLogger(__name__)

DOWN_FOR = 5.0  # seconds this process leaves Redis alone after a failure
_down_until = 0.0


def redis_down() -> bool:
    return time.monotonic() < _down_until


def mark_down(exc: Exception) -> None:
    """Remember the failure; log it once per window."""
    global _down_until
    if not redis_down():
        log.warning("Redis unavailable, cache bypassed for %gs: %s", DOWN_FOR, exc)
    _down_until = time.monotonic() + DOWN_FOR


def mark_up() -> None:
    global _down_until
    _down_until = 0.0


def _errors():
    from redis.exceptions import RedisError

    return (RedisError, OSError)


def _fail_open(default_factory):
    def wrap(method):
        def inner(self, *args, **kwargs):
            if redis_down():
                return default_factory(*args, **kwargs)
            try:
                return method(self, *args, **kwargs)
            except _errors() as exc:
                mark_down(exc)
                return default_factory(*args, **kwargs)

        inner.__name__ = method.__name__
        inner.__doc__ = method.__doc__
        return inner

    return wrap


def _default(key, default=None, *args, **kwargs):
    return default


class ResilientRedisCache(RedisCache):
    """django's RedisCache with short timeouts; every call fails open (see the module)."""

    def __init__(self, server, params):
        params = dict(params)
        options = {"socket_connect_timeout": 1, "socket_timeout": 2, **params.get("OPTIONS", {})}
        params["OPTIONS"] = options
        super().__init__(server, params)

    get = _fail_open(_default)(RedisCache.get)
    add = _fail_open(lambda *a, **k: False)(RedisCache.add)
    set = _fail_open(lambda *a, **k: None)(RedisCache.set)
    touch = _fail_open(lambda *a, **k: False)(RedisCache.touch)
    delete = _fail_open(lambda *a, **k: False)(RedisCache.delete)
    get_many = _fail_open(lambda *a, **k: {})(RedisCache.get_many)
    has_key = _fail_open(lambda *a, **k: False)(RedisCache.has_key)
    set_many = _fail_open(lambda data, *a, **k: list(data))(RedisCache.set_many)
    delete_many = _fail_open(lambda *a, **k: None)(RedisCache.delete_many)
    clear = _fail_open(lambda *a, **k: False)(RedisCache.clear)

    def incr(self, key, delta=1, version=None):
        # A counter that silently restarts would be wrong: callers of incr get the error.
        return super().incr(key, delta, version)
