"""First run of a production instance: settings checked, the first administrator created once."""

import io

import pytest
from django.core.management import CommandError, call_command

from mashang.core.models import AuditLog
from mashang.directory.choices import Role
from mashang.directory.models import Staff

pytestmark = pytest.mark.django_db

STRONG = "Hengnan-Prod#2026"


@pytest.fixture
def production(settings, tmp_path, monkeypatch):
    # The browser tests allow async-unsafe database access; production never does.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    settings.DEMO_MODE = False
    settings.MEDIA_ROOT = tmp_path / "media"
    # Production names its public address (check --deploy requires SITE_URL in the environment).
    monkeypatch.setenv("SITE_URL", "https://mashang.example.gov.cn")
    settings.SITE_URL = "https://mashang.example.gov.cn"
    return settings


def _bootstrap(tmp_path, password=STRONG, **options):
    path = tmp_path / "pw"
    path.write_text(password + "\n", encoding="utf-8")
    out = io.StringIO()
    err = io.StringIO()
    try:
        call_command("bootstrap", password_file=str(path), stdout=out, stderr=err, **options)
    except CommandError:
        print(err.getvalue())  # the problems, shown when a test fails
        raise
    return out.getvalue()


def test_bootstrap_creates_the_first_administrator(production, tmp_path, client):
    output = _bootstrap(tmp_path, username="chief")
    chief = Staff.objects.get(username="chief")
    assert chief.is_superuser and chief.role_set == {Role.ADMIN}
    assert "已创建超级管理员 chief" in output and "import_directory" in output
    assert client.login(username="chief", password=STRONG)
    assert client.get("/admin/").status_code == 200
    assert AuditLog.objects.filter(
        action="bootstrap_admin_created", object_id=str(chief.pk)
    ).exists()


def test_bootstrap_run_again_creates_no_second_administrator(production, tmp_path):
    _bootstrap(tmp_path, username="chief")
    output = _bootstrap(tmp_path, username="other")
    assert "已有超级管理员 chief" in output
    assert not Staff.objects.filter(username="other").exists()


def test_bootstrap_refuses_a_weak_password(production, tmp_path):
    with pytest.raises(CommandError, match="密码不符合要求"):
        _bootstrap(tmp_path, password="12345678")
    assert not Staff.objects.exists()


def test_bootstrap_stops_on_a_settings_error_and_changes_nothing(production, tmp_path, monkeypatch):
    monkeypatch.delenv("BLIND_INDEX_KEY")
    with pytest.raises(CommandError, match="设置有 1 处问题"):
        _bootstrap(tmp_path)
    assert not Staff.objects.exists()


def test_bootstrap_warns_about_a_plain_http_site_url(production, tmp_path, monkeypatch):
    monkeypatch.setenv("SITE_URL", "http://mashang.example.gov.cn")
    production.SITE_URL = "http://mashang.example.gov.cn"
    assert "SITE_URL=http://mashang.example.gov.cn" in _bootstrap(tmp_path)


def test_bootstrap_is_not_for_the_demo(settings, tmp_path):
    settings.DEMO_MODE = True
    with pytest.raises(CommandError, match="内置演示模式"):
        _bootstrap(tmp_path)
