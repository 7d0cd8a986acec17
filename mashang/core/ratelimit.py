"""Fixed-window rate limits in the Django cache (Redis in production, the database otherwise)."""

import logging
import time

from django.core.cache import cache

log = logging.getLogger(__name__)


class RateLimited(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def allow(key: str, limit: int, window: int) -> bool:
    """Count one hit for `key`; False once more than `limit` hits fall in the current window.

    When the cache itself fails we let the request through rather than block citizens.
    """
    bucket = f"rl:{key}:{int(time.time() // window)}"
    try:
        if cache.add(bucket, 1, window + 5):
            return limit >= 1
        try:
            count = cache.incr(bucket)
        except ValueError:  # expired between add and incr
            cache.set(bucket, 1, window + 5)
            count = 1
        return count <= limit
    except Exception:  # a broken cache must not stop appeals
        log.exception("rate limit store unavailable")
        return True


def check(rules: list[tuple[str, int, int]], message: str) -> None:
    """Apply every (key, limit, window) rule; raise RateLimited with `message` if one trips."""
    for key, limit, window in rules:
        if not allow(key, limit, window):
            raise RateLimited(message)
