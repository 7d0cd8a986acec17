"""Backups restore: deploy/backup.sh, then deploy/restore.sh into a fresh database and folder;
the appeals, their events, the messages and the photo files are all there."""

import os
import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from mashang.appeals.models import Appeal, AppealEvent, AppealPhoto
from mashang.appeals.tests.conftest import codes, jpeg  # noqa: F401 - fixtures
from mashang.appeals.tests.test_intake_form import GOOD, sms_code_from_outbox
from mashang.core.models import AuditLog
from mashang.notifications.models import Message

DEPLOY = Path(settings.BASE_DIR) / "deploy"

pytestmark = [
    pytest.mark.skipif(
        os.environ.get("DATABASE_URL", "").split(":")[0] not in ("postgres", "postgresql"),
        reason="the restore test needs PostgreSQL (CI's second run)",
    ),
    pytest.mark.skipif(
        not all(shutil.which(t) for t in ("pg_dump", "pg_restore", "psql")),
        reason="PostgreSQL client tools (pg_dump, pg_restore, psql) not installed",
    ),
]


def _url(name: str) -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER'] or 'postgres'}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


@pytest.fixture
def restore_db():
    """A fresh database named after the configured one (DATABASE_URL's name + _restore)."""
    name = os.environ["DATABASE_URL"].rsplit("/", 1)[1].split("?")[0] + "_restore"
    admin = _url("postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield _url(name)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run(script: str, *args, env: dict) -> str:
    result = subprocess.run(
        [str(DEPLOY / script), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_a_backup_restores_into_a_fresh_database_with_everything(
    transactional_db,
    client,
    codes,  # noqa: F811
    people,
    settings,
    tmp_path,
    restore_db,
):
    settings.MEDIA_ROOT = tmp_path / "media"
    for i in range(3):
        response = client.post(
            codes.bureau.get_absolute_url(),
            {**GOOD, "form_token": f"t{i}", "phone": f"1380013800{i}", "photos": [jpeg()]},
        )
        client.post(response.url, {"code": sms_code_from_outbox()})
    assert Appeal.objects.count() == 3 and AppealPhoto.objects.count() == 3
    expected = {
        "appeals_appeal": Appeal.objects.count(),
        "appeals_appealevent": AppealEvent.objects.count(),
        "notifications_message": Message.objects.count(),
        "appeals_appealphoto": AppealPhoto.objects.count(),
        "core_auditlog": AuditLog.objects.count(),
    }
    numbers = sorted(Appeal.objects.values_list("number", flat=True))
    photos = {p.image.name: Path(p.image.path).read_bytes() for p in AppealPhoto.objects.all()}

    stamp = _run(
        "backup.sh",
        str(tmp_path / "backups"),
        env={
            "DATABASE_URL": _url(connection.settings_dict["NAME"]),
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        },
    )
    restored_media = tmp_path / "restored-media"
    _run(
        "restore.sh",
        str(tmp_path / "backups"),
        stamp,
        env={"DATABASE_URL": restore_db, "MEDIA_ROOT": str(restored_media)},
    )

    with psycopg.connect(restore_db) as conn:
        for table, count in expected.items():
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == count, table
        restored_numbers = sorted(r[0] for r in conn.execute("SELECT number FROM appeals_appeal"))
        names = [r[0] for r in conn.execute("SELECT image FROM appeals_appealphoto")]
    assert restored_numbers == numbers
    assert expected["appeals_appealevent"] >= 3 and expected["notifications_message"] >= 6
    for name in names:
        assert (restored_media / name).read_bytes() == photos[name]


def test_a_tampered_backup_is_refused(transactional_db, settings, tmp_path, restore_db):
    settings.MEDIA_ROOT = tmp_path / "media"
    env = {
        "DATABASE_URL": _url(connection.settings_dict["NAME"]),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    stamp = _run("backup.sh", str(tmp_path / "backups"), env=env)
    with open(tmp_path / "backups" / f"media-{stamp}.tar.gz", "ab") as f:
        f.write(b"x")
    result = subprocess.run(
        [str(DEPLOY / "restore.sh"), str(tmp_path / "backups"), stamp],
        env={**os.environ, "DATABASE_URL": restore_db, "MEDIA_ROOT": str(tmp_path / "r")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert not (tmp_path / "r").exists()
