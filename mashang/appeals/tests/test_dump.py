"""A database dump holds no reporter identity of an accusation in clear."""

import shutil
import subprocess

import pytest
from django.db import connection

from .test_intake_form import file_appeal

SECRETS = ("王检举", "13912345678", "43042219800101123X")


def dump_database() -> str:
    if connection.vendor == "sqlite":
        return "\n".join(connection.connection.iterdump())
    if not shutil.which("pg_dump"):
        pytest.skip("pg_dump not installed")
    s = connection.settings_dict
    env = {"PGPASSWORD": s.get("PASSWORD") or ""}
    result = subprocess.run(
        [
            "pg_dump",
            "--data-only",
            "-h",
            s["HOST"] or "127.0.0.1",
            "-p",
            str(s["PORT"] or 5432),
            "-U",
            s["USER"] or "postgres",
            s["NAME"],
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    return result.stdout


@pytest.mark.django_db(transaction=True)
def test_a_dump_shows_ciphertext_only(client, codes):
    file_appeal(
        client,
        codes.discipline,
        type="accusation",
        name="王检举",
        id_number="43042219800101123X",
        phone="139 1234 5678",
        content="某站所负责人在项目验收中收受好处费，有转账记录。",
    )
    dump = dump_database()
    assert "某站所负责人" in dump  # the dump is real and complete
    for secret in SECRETS:
        assert secret not in dump
    assert "sm4gcm:" in dump
