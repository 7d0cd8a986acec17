"""Typed helpers that read settings from the environment and fail loudly on bad values."""

import os
from datetime import time as dtime
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlparse


class EnvError(ValueError):
    pass


def envstr(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envsecret(name: str, default: str = "") -> str:
    """Read NAME, or the contents of the file named by NAME_FILE (for Docker/systemd secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise EnvError(f"{name} must be 0/1/true/false, got {raw!r}")


def envint(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise EnvError(f"{name} must be an integer, got {raw!r}") from exc


def envlist(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [part.strip() for part in raw.split(",") if part.strip()]


def parse_database_url(url: str) -> dict:
    """Turn sqlite:///path or postgres://user:pass@host:port/name?opt=v into a DATABASES entry."""
    parsed = urlparse(url)
    scheme = parsed.scheme
    if scheme == "sqlite":
        # sqlite:///var/db.sqlite3 is relative; sqlite:////srv/db.sqlite3 is absolute.
        rest = unquote(url[len("sqlite://") :].split("?", 1)[0])
        path = rest[1:] if rest.startswith("/") else rest
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path or ":memory:",
            "OPTIONS": {
                # WAL and immediate transactions let the web server and the worker write at once.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    if scheme in {"postgres", "postgresql", "pgsql"}:
        options = dict(parse_qsl(parsed.query))
        conn_max_age = int(options.pop("conn_max_age", "60"))
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": conn_max_age,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    raise EnvError(
        f"DATABASE_URL scheme {scheme!r} is not supported (use sqlite:// or postgres://)"
    )


def parse_office_hours(raw: str) -> list[tuple[dtime, dtime]]:
    """ "08:30-12:00,14:30-17:30" → [(08:30, 12:00), (14:30, 17:30)]; fails loudly."""
    spans = []
    for part in raw.split(","):
        a, _, b = part.strip().partition("-")
        start, end = dtime.fromisoformat(a.strip()), dtime.fromisoformat(b.strip())
        if end <= start:
            raise EnvError(f"OFFICE_HOURS: {part!r} ends before it starts")
        spans.append((start, end))
    if not spans:
        raise EnvError("OFFICE_HOURS is empty")
    return sorted(spans)


def local_site_url(host: str, port: int) -> str:
    """The demo's public address from HOST/PORT (a wildcard bind is reached on 127.0.0.1)."""
    if host in ("", "0.0.0.0", "::", "[::]"):
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"
