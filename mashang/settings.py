"""码上办 settings: read from the environment only (see README for every variable)."""

import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from mashang.env import (
    envbool,
    envint,
    envlist,
    envsecret,
    envstr,
    local_site_url,
    parse_database_url,
    parse_office_hours,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(envstr("VAR_DIR", str(BASE_DIR / "var")))

DATABASE_URL = envstr("DATABASE_URL")
# The embedded demo (SQLite, demo county, demo logins) is on only when no database is configured.
DEMO_MODE = envbool("DEMO_MODE", not DATABASE_URL)
DEBUG = envbool("DEBUG", False)

SECRET_KEY = envsecret("SECRET_KEY")
if not SECRET_KEY:
    if not DEMO_MODE:
        raise ImproperlyConfigured("SECRET_KEY must be set when DATABASE_URL is set (production)")
    # Demo: a random key kept under var/ so sessions survive a restart.
    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        SECRET_KEY = key_file.read_text(encoding="utf-8").strip()
    else:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        SECRET_KEY = secrets.token_urlsafe(50)
        key_file.write_text(SECRET_KEY, encoding="utf-8")

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])
CSRF_FAILURE_VIEW = "mashang.core.views.csrf_failure"
# Where `make run` / `manage.py serve` listen; the demo prints this address on QR codes and in
# SMS links. Production sets SITE_URL (check --deploy requires it).
PORT = envint("PORT", 8000)
HOST = envstr("HOST", "127.0.0.1")
SITE_URL = (envstr("SITE_URL") or local_site_url(HOST, PORT)).rstrip("/")
# The one name printed on posters, pages and the 大屏, and who runs the site (page footer).
SITE_NAME = envstr("SITE_NAME", "衡南县“清”易通·“码”上办")
SITE_OWNER = envstr("SITE_OWNER", "衡南县人民政府办公室")
# Who answers questions about personal data (the privacy notice names it).
PRIVACY_CONTACT = envstr("PRIVACY_CONTACT", "衡南县政务服务中心，电话 0734-0000000")
# How many reverse proxies (nginx) stand in front: their X-Forwarded-For gives the real IP.
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
# Who may scrape /metrics besides the host itself: addresses or networks (10.0.0.5,10.1.0.0/24).
METRICS_ALLOWED_IPS = envlist("METRICS_ALLOWED_IPS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    # Serves /api/v1/docs with the swagger-ui files django-ninja ships (no CDN, works offline).
    "ninja",
    "mashang.core",
    "mashang.directory",
    "mashang.qrcodes",
    "mashang.appeals",
    "mashang.notifications",
    "mashang.api",
    "mashang.deadlines",
    "mashang.stats",
    "mashang.catalog",
    "mashang.benefits",
    "mashang.documents",
    "mashang.applications",
    "mashang.hall",
]

MIDDLEWARE = [
    "mashang.core.prometheus.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "mashang.core.middleware.RenewingSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "mashang.core.middleware.RejectNulBytes",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "mashang.core.middleware.SecurityHeaders",
    # The database not answering or the media disk full: a Chinese 503 page (JSON on the API).
    "mashang.core.middleware.ServiceUnavailable",
]

ROOT_URLCONF = "mashang.urls"
WSGI_APPLICATION = "mashang.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mashang.core.context.site",
            ],
        },
    },
]

DATABASES = {
    "default": parse_database_url(DATABASE_URL or f"sqlite:///{VAR_DIR / 'mashang.sqlite3'}")
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3") and not DATABASE_URL:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Tests on SQLite use a file as production does: an in-memory database refuses parallel
    # writers ("table is locked") where a file waits, and the burst tests need the real thing.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
# DB_POOL=1: Django 5.2's psycopg pool in each web process in place of one persistent
# connection (CONN_MAX_AGE), without the health-check query each request; DB_POOL_SIZE is the
# most connections a process keeps. bench/load.py measures both (README, Performance).
if envbool("DB_POOL", False) and DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"]["OPTIONS"]["pool"] = {
        "min_size": 1,
        "max_size": envint("DB_POOL_SIZE", 4),
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # Django refuses persistent connections with a pool
    # CONN_HEALTH_CHECKS (on) makes Django check each pooled connection before handing it out,
    # so after PostgreSQL restarts the dead ones are dropped, not given to requests.
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = envstr("REDIS_URL")
if REDIS_URL:
    # Fails open when Redis stops (a miss, not an error page); rate limits then count in the
    # database (mashang/core/cache.py, ratelimit.py).
    CACHES = {
        "default": {
            "BACKEND": "mashang.core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "mashang",
        }
    }
else:
    # Shared by the web processes and the worker, unlike local memory.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "mashang_cache",
        }
    }

AUTH_USER_MODEL = "directory.Staff"
AUTHENTICATION_BACKENDS = ["mashang.directory.auth.LockoutModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "staff_home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "mashang.directory.auth.CharacterClassValidator"},
]
LOGIN_MAX_FAILURES = envint("LOGIN_MAX_FAILURES", 5)
LOGIN_LOCKOUT_MINUTES = envint("LOGIN_LOCKOUT_MINUTES", 15)
# Wrong passwords from one IP in 15 minutes, whatever the accounts, before that IP is refused.
LOGIN_IP_MAX_FAILURES = envint("LOGIN_IP_MAX_FAILURES", 10)

# Idle sessions end after SESSION_IDLE_MINUTES; requests renew the clock, at most once a
# minute (core.middleware.RenewingSessionMiddleware: no session write on every page).
SESSION_COOKIE_AGE = envint("SESSION_IDLE_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_RENEW_SECONDS = 60
SESSION_ENGINE = "mashang.core.sessions"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

# Office hours for working-time limits; the dispatch desk may work round the clock.
OFFICE_HOURS = parse_office_hours(envstr("OFFICE_HOURS", "08:30-12:00,14:30-17:30"))
DESK_24H = envbool("DESK_24H", False)
# Hall appointments: N no-shows within D days block booking for B days ("N,D,B").
HALL_NO_SHOW_RULE = tuple(int(v) for v in envlist("HALL_NO_SHOW_RULE", ["3", "30", "7"]))
if len(HALL_NO_SHOW_RULE) != 3:
    raise ValueError("HALL_NO_SHOW_RULE takes three numbers, e.g. 3,30,7")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    # FileSystemStorage that removes a half-written file (disk full) and, inside
    # core.storage.files_follow_rows(), the files of a transaction that rolled back.
    "default": {"BACKEND": "mashang.core.storage.MediaStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# ECharts comes from npm (`make` runs `npm ci` where Node.js is present); without it the
# dashboards show their tables and say that charts need it.
ECHARTS_DIR = BASE_DIR / "node_modules" / "echarts" / "dist"
STATICFILES_DIRS = [("vendor/echarts", ECHARTS_DIR)] if ECHARTS_DIR.is_dir() else []
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"

# Production hardening: on unless running the embedded demo on plain http.
SECURE = envbool("SECURE", not DEMO_MODE and not DEBUG)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = SECURE and envbool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000) if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE else None
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Django 5.2 has no CSP of its own (6.0 will); core.middleware.SecurityHeaders sends this,
# with {nonce} replaced by a fresh value per response (the few small inline scripts carry it).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

# LOG_FORMAT=json: one JSON object a line, for the journal and a log store (README: retention).
LOG_FORMAT = envstr("LOG_FORMAT", "text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be text or json, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"refusals": {"()": "mashang.core.logfilters.RefusalsWithoutTraceback"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "mashang.core.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["refusals"],
        }
    },
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
