import pytest

from mashang.env import EnvError, envbool, envint, envlist, envsecret, parse_database_url


def test_envbool_reads_common_spellings(monkeypatch):
    monkeypatch.setenv("X_FLAG", "yes")
    assert envbool("X_FLAG", False) is True
    monkeypatch.setenv("X_FLAG", "0")
    assert envbool("X_FLAG", True) is False
    monkeypatch.delenv("X_FLAG")
    assert envbool("X_FLAG", True) is True


def test_envbool_fails_loudly_on_nonsense(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(EnvError):
        envbool("X_FLAG", False)


def test_envint_fails_loudly_on_nonsense(monkeypatch):
    monkeypatch.setenv("X_INT", "12a")
    with pytest.raises(EnvError):
        envint("X_INT", 1)
    monkeypatch.setenv("X_INT", "42")
    assert envint("X_INT", 1) == 42


def test_envlist_splits_on_commas(monkeypatch):
    monkeypatch.setenv("X_LIST", " a.example, b.example ,")
    assert envlist("X_LIST", []) == ["a.example", "b.example"]


def test_envsecret_reads_file_variant(monkeypatch, tmp_path):
    secret = tmp_path / "key"
    secret.write_text("from-file\n")
    monkeypatch.setenv("X_SECRET", "from-env")
    monkeypatch.setenv("X_SECRET_FILE", str(secret))
    assert envsecret("X_SECRET") == "from-file"


def test_postgres_url_becomes_database_settings():
    db = parse_database_url("postgres://app:p%40ss@db.local:5433/mashang?sslmode=require")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "mashang",
        "app",
        "p@ss",
        "db.local",
        "5433",
    )
    assert db["OPTIONS"] == {"sslmode": "require"}


def test_sqlite_url_uses_wal_and_immediate_transactions():
    db = parse_database_url("sqlite:////srv/mashang/db.sqlite3")
    assert db["NAME"] == "/srv/mashang/db.sqlite3"
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]


def test_unknown_database_scheme_is_refused():
    with pytest.raises(EnvError):
        parse_database_url("mysql://root@localhost/x")
