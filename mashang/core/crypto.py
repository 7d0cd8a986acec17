"""Personal data at rest: SM4-GCM encryption with key ids, and an HMAC-SM3 blind index.

Keys come from the environment:
  FIELD_ENCRYPTION_KEYS  "kid:hex32[,kid:hex32…]" — 16-byte SM4 keys; the first encrypts,
                         all decrypt (rotation: put the new key first, run `rotate_field_keys`).
  BLIND_INDEX_KEY        hex, ≥ 16 bytes — HMAC-SM3 key that lets us match the same phone
                         without storing it in clear.
In the embedded demo both are generated once into var/ so a restart keeps data readable.
Ciphertext format: "sm4gcm:<kid>:<base64(nonce ‖ ciphertext ‖ tag)>".
"""

import base64
import hmac as std_hmac
import os
import secrets
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "sm4gcm"
NONCE = 12
TAG = 16


class CryptoError(ValueError):
    pass


def _demo_secret(name: str, size: int) -> str:
    return _demo_secret_at(str(settings.VAR_DIR / name), size)


@lru_cache(maxsize=8)
def _demo_secret_at(path_name: str, size: int) -> str:
    """Read once per process (every encryption asks for the key): the file is written once,
    by whichever process starts first, and never changes afterwards."""
    path = Path(path_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(size)
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    # Written whole under a temporary name, then linked into place: of two processes starting
    # together, the first link wins and the other reads that key, never a half-written file.
    temporary = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    temporary.write_text(value, encoding="utf-8")
    try:
        os.link(temporary, path)
    except FileExistsError:
        value = path.read_text(encoding="utf-8").strip()
    finally:
        temporary.unlink()
    return value


@lru_cache(maxsize=4)
def _keyring(raw: str) -> tuple[str, dict[str, bytes]]:
    keys: dict[str, bytes] = {}
    current = ""
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        kid, _, hexkey = part.partition(":")
        key = bytes.fromhex(hexkey)
        if len(key) != 16 or not kid:
            raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS: each key is kid:32 hex digits")
        keys[kid] = key
        current = current or kid
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty")
    return current, keys


def keyring() -> tuple[str, dict[str, bytes]]:
    raw = os.environ.get("FIELD_ENCRYPTION_KEYS", "")
    if not raw:
        if not settings.DEMO_MODE:
            raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set in production")
        raw = "demo1:" + _demo_secret("field_key", 16)
    return _keyring(raw)


def blind_index_key() -> bytes:
    raw = os.environ.get("BLIND_INDEX_KEY", "")
    if not raw:
        if not settings.DEMO_MODE:
            raise ImproperlyConfigured("BLIND_INDEX_KEY must be set in production")
        raw = _demo_secret("blind_index_key", 32)
    return bytes.fromhex(raw)


def encrypt(plaintext: str) -> str:
    kid, keys = keyring()
    nonce = os.urandom(NONCE)
    enc = Cipher(algorithms.SM4(keys[kid]), modes.GCM(nonce)).encryptor()
    body = enc.update(plaintext.encode("utf-8")) + enc.finalize()
    blob = base64.b64encode(nonce + body + enc.tag).decode("ascii")
    return f"{PREFIX}:{kid}:{blob}"


def decrypt(token: str) -> str:
    try:
        prefix, kid, blob = token.split(":", 2)
    except ValueError as exc:
        raise CryptoError("not an encrypted value") from exc
    if prefix != PREFIX:
        raise CryptoError("not an encrypted value")
    _current, keys = keyring()
    if kid not in keys:
        raise CryptoError(f"unknown key id {kid!r}")
    raw = base64.b64decode(blob)
    nonce, body, tag = raw[:NONCE], raw[NONCE:-TAG], raw[-TAG:]
    dec = Cipher(algorithms.SM4(keys[kid]), modes.GCM(nonce, tag)).decryptor()
    try:
        return (dec.update(body) + dec.finalize()).decode("utf-8")
    except Exception as exc:
        raise CryptoError("ciphertext was altered or the key is wrong") from exc


def key_id_of(token: str) -> str:
    return token.split(":", 2)[1] if token.startswith(PREFIX + ":") else ""


def blind_index(value: str, purpose: str = "phone") -> str:
    """HMAC-SM3 of a normalised value: equal inputs match, nothing can be read back."""
    mac = hmac.HMAC(blind_index_key(), hashes.SM3())
    mac.update(f"{purpose}:{value}".encode())
    return mac.finalize().hex()


def secret_digest(value: str) -> str:
    """For short secrets we only compare (query codes, SMS codes): HMAC-SM3, hex."""
    return blind_index(value, purpose="secret")


def digests_match(value: str, digest: str) -> bool:
    return std_hmac.compare_digest(secret_digest(value), digest)


class EncryptedTextField(models.TextField):
    """A text column stored as SM4-GCM ciphertext; Python code sees the clear text.

    It cannot be filtered on: match through a blind index column instead.
    """

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)
