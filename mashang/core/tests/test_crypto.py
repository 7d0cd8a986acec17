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
