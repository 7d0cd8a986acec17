import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


# Variables a test run sets (the e2e tests allow async-unsafe DB access) that production lacks.
NOT_IN_PRODUCTION = {
    "DATABASE_URL",
    "DEBUG",
    "SECRET_KEY",
    "DEMO_MODE",
    "REDIS_URL",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "FIELD_ENCRYPTION_KEYS",
    "BLIND_INDEX_KEY",
    "SECURE",
    "SMS_BACKEND",
    "SMS_HTTP_URL",
    "SITE_URL",
    "PORT",
    "HOST",
}


def clean_env(extra):
    env = {k: v for k, v in os.environ.items() if k not in NOT_IN_PRODUCTION}
    env.update(extra)
    return env


def run_manage(*args, env_extra):
    env = clean_env(env_extra)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DEBUG": "0",
    "DATABASE_URL": "postgres://mashang@127.0.0.1:5432/mashang",
    "SECRET_KEY": "q7Vf2-Lk9zP0xR4tYw8bN3mC6hJ1sD5gA-eU_iO2pKlZxQ9rT4vB8nM3cF6yH1jW",
    "ALLOWED_HOSTS": "mashang.example.gov.cn",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "FIELD_ENCRYPTION_KEYS": "k2026:" + "ab" * 16,
    "BLIND_INDEX_KEY": "cd" * 32,
    "SMS_BACKEND": "http",
    "SMS_HTTP_URL": "https://sms-gateway.example.gov.cn/send",
    "SITE_URL": "https://mashang.example.gov.cn",
}


def test_deploy_check_passes_with_documented_production_variables():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env_extra=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_fails_without_encryption_keys():
    env = {k: v for k, v in PRODUCTION.items() if k != "BLIND_INDEX_KEY"}
    result = run_manage("check", "--deploy", env_extra=env)
    assert result.returncode != 0
    assert "BLIND_INDEX_KEY is not set" in result.stderr


def test_deploy_check_warns_about_a_clear_text_sms_backend():
    result = run_manage("check", "--deploy", env_extra={**PRODUCTION, "SMS_BACKEND": "console"})
    assert "mashang.W001" in result.stdout + result.stderr


def test_production_without_secret_key_refuses_to_start():
    env = dict(PRODUCTION)
    env.pop("SECRET_KEY")
    result = run_manage("check", env_extra=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_demo_data_cannot_be_loaded_with_production_settings():
    result = run_manage("load_demo", env_extra=PRODUCTION)
    assert result.returncode != 0
    assert "演示数据只能在内置演示模式" in result.stderr


def test_healthz_answers_503_when_the_database_is_unreachable():
    # A real unreachable PostgreSQL port, not a mocked cursor.
    code = (
        "import django;django.setup();from django.test import Client;"
        "r=Client(HTTP_HOST='mashang.example.gov.cn').get('/healthz');print(r.status_code, r.json()['status'])"
    )
    env = clean_env(
        {
            **PRODUCTION,
            "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
            "DJANGO_SETTINGS_MODULE": "mashang.settings",
            "SECURE": "0",
        }
    )
    env.pop("REDIS_URL")
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == ["503", "error"], result.stdout + result.stderr


def test_deploy_check_requires_the_public_site_url():
    env = {k: v for k, v in PRODUCTION.items() if k != "SITE_URL"}
    result = run_manage("check", "--deploy", env_extra=env)
    assert result.returncode != 0
    assert "SITE_URL is not set" in result.stderr


def test_demo_site_address_follows_port_and_host(tmp_path):
    # What `PORT=18111 make run` gives gunicorn: posters, SMS and Open311 discovery read it.
    code = (
        "import django;django.setup();from django.conf import settings;"
        "from django.test import Client;"
        "r=Client().get('/open311/v2/discovery.json');"
        "print(settings.SITE_URL, r.json()['endpoints'][0]['url'])"
    )
    env = clean_env(
        {
            "PORT": "18111",
            "HOST": "0.0.0.0",
            "VAR_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "mashang.settings",
            "SECURE": "0",
            "ALLOWED_HOSTS": "testserver",
        }
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == [
        "http://127.0.0.1:18111",
        "http://127.0.0.1:18111/open311/v2",
    ], result.stdout + result.stderr


def test_db_pool_gives_each_process_a_psycopg_pool_in_place_of_a_persistent_connection():
    code = (
        "import django;django.setup();from django.db import connection as c;"
        "d=c.settings_dict;print(d['OPTIONS'].get('pool'), d['CONN_MAX_AGE'],"
        "type(c.pool).__name__ if c.pool is not None else None)"
    )
    outputs = []
    for extra in ({}, {"DB_POOL": "1", "DB_POOL_SIZE": "3"}):
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=clean_env({**PRODUCTION, **extra, "DJANGO_SETTINGS_MODULE": "mashang.settings"}),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout.strip())
    assert outputs == [
        "None 60 None",
        "{'min_size': 1, 'max_size': 3} 0 ConnectionPool",
    ]


def test_the_load_benchs_floor_view_is_not_in_the_sites_urls(client, db):
    """bench/load_floor.py is reached only through bench/load_settings.py."""
    assert client.post("/bench/floor").status_code == 404
