import io

import pytest
from django.core.management import call_command
from django.db import connection

from mashang.core import crypto
from mashang.core.crypto import CryptoError, blind_index, decrypt, encrypt, key_id_of

KEY_A = "a2026:" + "0a" * 16
KEY_B = "b2027:" + "0b" * 16


def test_encryption_roundtrips_chinese_and_hides_the_text(monkeypatch):
    monkeypatch.setenv("FIELD_ENCRYPTION_KEYS", KEY_A)
    token = encrypt("张三 13800138000")
    assert token.startswith("sm4gcm:a2026:")
    assert "13800138000" not in token and "张三" not in token
    assert decrypt(token) == "张三 13800138000"
    assert encrypt("x") != encrypt("x")  # a fresh nonce each time


def test_tampering_is_detected(monkeypatch):
    monkeypatch.setenv("FIELD_ENCRYPTION_KEYS", KEY_A)
    token = encrypt("13800138000")
    prefix, kid, blob = token.split(":", 2)
    flipped = blob[:-6] + ("A" if blob[-6] != "A" else "B") + blob[-5:]
    with pytest.raises(CryptoError):
        decrypt(f"{prefix}:{kid}:{flipped}")


def test_an_old_key_still_decrypts_after_rotation(monkeypatch):
    monkeypatch.setenv("FIELD_ENCRYPTION_KEYS", KEY_A)
    old = encrypt("李四")
    monkeypatch.setenv("FIELD_ENCRYPTION_KEYS", f"{KEY_B},{KEY_A}")
    assert decrypt(old) == "李四"
    assert key_id_of(encrypt("李四")) == "b2027"
    monkeypatch.setenv("FIELD_ENCRYPTION_KEYS", KEY_B)
    with pytest.raises(CryptoError, match="unknown key id"):
        decrypt(old)


def test_blind_index_matches_equal_phones_only(monkeypatch):
    assert blind_index("13800138000") == blind_index("13800138000")
    assert blind_index("13800138000") != blind_index("13800138001")
    assert len(blind_index("13800138000")) == 64
    monkeypatch.setenv("BLIND_INDEX_KEY", "33" * 32)
    other = blind_index("13800138000")
    monkeypatch.setenv("BLIND_INDEX_KEY", "22" * 32)
    assert other != blind_index("13800138000")


def test_rotate_field_keys_reencrypts_stored_rows(monkeypatch, county):
    from mashang.notifications.outbox import queue_sms

    monkeypatch.setenv("FIELD_ENCRYPTION_KEYS", KEY_A)
    message = queue_sms("13800138000", "sms_code", {"code": "123456"})
    monkeypatch.setenv("FIELD_ENCRYPTION_KEYS", f"{KEY_B},{KEY_A}")
    call_command("rotate_field_keys", stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_phone FROM notifications_message WHERE id = %s", [message.pk])
        assert key_id_of(cursor.fetchone()[0]) == "b2027"
    monkeypatch.setenv("FIELD_ENCRYPTION_KEYS", KEY_B)
    message.refresh_from_db()
    assert message.to_phone == "13800138000"


def test_production_refuses_to_run_without_keys(monkeypatch, settings):
    settings.DEMO_MODE = False
    monkeypatch.delenv("FIELD_ENCRYPTION_KEYS")
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt("x")


def _demo_key_in_child(path: str, queue) -> None:
    queue.put(crypto._demo_secret_at(path, 16))


def test_processes_starting_together_share_one_demo_key(tmp_path):
    import multiprocessing

    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    path = str(tmp_path / "var" / "field_key")
    children = [context.Process(target=_demo_key_in_child, args=(path, queue)) for _ in range(6)]
    for child in children:
        child.start()
    keys = {queue.get(timeout=30) for _ in children}
    for child in children:
        child.join()
    assert len(keys) == 1
    assert (tmp_path / "var" / "field_key").read_text() == keys.pop()
    assert sorted(p.name for p in (tmp_path / "var").iterdir()) == ["field_key"]  # no leftovers


def test_an_existing_demo_key_is_kept(tmp_path):
    (tmp_path / "field_key").write_text("ab" * 16 + "\n")
    assert crypto._demo_secret_at(str(tmp_path / "field_key"), 16) == "ab" * 16
