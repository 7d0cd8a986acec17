"""Fixed-window rate limits: Redis INCR when REDIS_URL is set, else one atomic database upsert.

Both count atomically: a parallel burst of N requests against a limit of L lets exactly L
through (the database cache's add-then-incr did not: 31 of 30 under a burst).

Redis stopped: the limits keep holding, counted in the database (the same upsert) until Redis
answers again. Failing open would let a script file thousands of appeals and send thousands of
SMS codes while Redis is down; refusing would stop every citizen for an outage of a cache. The
cost: the database count starts from zero, so across a switch a client may get up to one more
window's allowance. Only when the database fails too does `allow` let the request through
(and then the request itself fails on the database anyway).
"""

import hashlib
import logging
import random
import time
from datetime import timedelta

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone
from redis.exceptions import RedisError

from .cache import mark_down, redis_down

REDIS_ERRORS = (RedisError, OSError)

log = logging.getLogger(__name__)


class RateLimited(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _bucket(key: str, window: int) -> str:
    # Keys may carry what a client typed (a tracking number): bound their length.
    if len(key) > 120:
        key = "h:" + hashlib.sha256(key.encode()).hexdigest()
    return f"rl:{key}:{window}:{int(time.time() // window)}"


def hit(key: str, window: int) -> int:
    """Count one hit for `key` in the current window and return the count so far."""
    bucket = _bucket(key, window)
    if settings.REDIS_URL and not redis_down():
        try:
            return _redis_hit(bucket, window)
        except REDIS_ERRORS as exc:
            mark_down(exc)
    return _db_hit(bucket, window)


def peek(key: str, window: int) -> int:
    """The count so far for `key` in the current window, without counting a hit."""
    bucket = _bucket(key, window)
    try:
        if settings.REDIS_URL and not redis_down():
            from django.core.cache import cache

            try:
                client = cache._cache.get_client(bucket)
                return int(client.get(cache.make_key(bucket)) or 0)
            except REDIS_ERRORS as exc:
                mark_down(exc)
        from .models import RateCounter

        row = RateCounter.objects.filter(key=bucket).values_list("count", flat=True).first()
        return int(row or 0)
    except (OperationalError, InterfaceError) as exc:
        log.warning("rate limit store unavailable: %s", exc)
        return 0
    except Exception:
        log.exception("rate limit store unavailable")
        return 0


def _redis_hit(bucket: str, window: int) -> int:
    from django.core.cache import cache

    client = cache._cache.get_client(bucket, write=True)
    name = cache.make_key(bucket)
    pipe = client.pipeline()
    pipe.incr(name)
    pipe.expire(name, window + 5, nx=True)
    count, _ = pipe.execute()
    return int(count)


def _db_hit(bucket: str, window: int) -> int:
    from .models import RateCounter

    now = timezone.now()
    q = connection.ops.quote_name
    table = q(RateCounter._meta.db_table)
    # A savepoint: a failure here must not break the caller's transaction (PostgreSQL).
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({q('key')}, {q('count')}, {q('expires_at')}) "
            f"VALUES (%s, 1, %s) ON CONFLICT ({q('key')}) "
            f"DO UPDATE SET {q('count')} = {table}.{q('count')} + 1 RETURNING {q('count')}",
            [bucket, now + timedelta(seconds=window + 5)],
        )
        (count,) = cursor.fetchone()
    if random.random() < 0.01:  # now and then, forget finished windows
        RateCounter.objects.filter(expires_at__lt=now).delete()
    return int(count)


def allow(key: str, limit: int, window: int) -> bool:
    """Count one hit for `key`; False once more than `limit` hits fall in the current window.

    When the store itself fails we let the request through rather than block citizens.
    """
    try:
        return hit(key, window) <= limit
    except (OperationalError, InterfaceError) as exc:  # the database restarting: one line
        log.warning("rate limit store unavailable: %s", exc)
        return True
    except Exception:  # a broken store must not stop appeals
        log.exception("rate limit store unavailable")
        return True


# Count each bucket in turn and stop at the first over its limit, as the loop in `check` does,
# in one round trip: KEYS are the buckets, ARGV each one's limit and lifetime.
CHECK_SCRIPT = """
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  redis.call('EXPIRE', key, ARGV[2 * i], 'NX')
  if count > tonumber(ARGV[2 * i - 1]) then return i end
end
return 0
"""
_check_script = None


def _redis_check(rules: list[tuple[str, int, int]]) -> bool:
    """Every rule counted in Redis at once; False if one tripped (the later ones uncounted)."""
    global _check_script
    from django.core.cache import cache

    buckets = [_bucket(key, window) for key, _, window in rules]
    client = cache._cache.get_client(buckets[0], write=True)
    if _check_script is None:
        _check_script = client.register_script(CHECK_SCRIPT)
    args = [n for _, limit, window in rules for n in (limit, window + 5)]
    tripped = _check_script(keys=[cache.make_key(b) for b in buckets], args=args, client=client)
    return not tripped


def check(rules: list[tuple[str, int, int]], message: str) -> None:
    """Apply every (key, limit, window) rule; raise RateLimited with `message` if one trips.

    The rules are counted in order and counting stops at the first that trips. With Redis
    that is one round trip for all of them, not one a rule."""
    if rules and settings.REDIS_URL and not redis_down():
        try:
            allowed = _redis_check(rules)
        except REDIS_ERRORS as exc:
            mark_down(exc)  # counted in the database below
        except Exception:  # a broken store must not stop appeals (as `allow`)
            log.exception("rate limit store unavailable")
            return
        else:
            if not allowed:
                raise RateLimited(message)
            return
    for key, limit, window in rules:
        if not allow(key, limit, window):
            raise RateLimited(message)
