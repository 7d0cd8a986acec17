import os

import pytest

# Test keys for the encrypted fields, also when run with production variables (DATABASE_URL).
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "test1:" + "11" * 16)
os.environ.setdefault("BLIND_INDEX_KEY", "22" * 32)

from mashang.testing import make_county


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Real PBKDF2 costs ~0.3 s per password; the hasher is not what these tests test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The test client and the live server speak plain http, also when run with production
    # variables (DATABASE_URL set); test_settings checks the production hardening itself.
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    """Rate-limit counters live in the cache: each test starts with none. The database cache
    is rolled back with each test; Redis (test DB index) is flushed here."""
    if settings.REDIS_URL:
        from django.core.cache import cache

        cache.clear()


@pytest.fixture(autouse=True)
def _fresh_calendar_and_rules():
    """The calendar and the rules cache rows for a minute; a rolled-back test leaves none."""
    from mashang.deadlines import calendar, rules
    from mashang.notifications import outbox

    calendar.clear_cache()
    rules.clear_cache()
    outbox.clear_cache()


@pytest.fixture
def county(db):
    """A small county with one named person per role (see mashang.testing)."""
    return make_county()


@pytest.fixture
def people(county):
    return county.people
