"""Secrets at rest: Fernet with a key file (mode 0600) beside the database, or ALLHUB_SECRET_KEY.

Why: a DuckDB file stores strings verbatim, so a copied database or backup would leak every
access token and cookie. This protects copies of the database, not a compromised user account.
A fixed check value is encrypted into the database on creation so that a wrong key is
reported up front ("the key does not fit this database") instead of as garbage later.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from allhub_core.errors import StoreError

__all__ = ["SecretBox", "key_path_for", "load_or_create_key", "mask_secret", "KEY_ENV"]

KEY_ENV = "ALLHUB_SECRET_KEY"
CHECK_PLAINTEXT = b"allhub-key-check-v1"


def key_path_for(db_path: str | os.PathLike) -> Path:
    """``data/allhub.duckdb`` -> ``data/allhub.secret.key``."""
    p = Path(db_path)
    return p.with_name(p.stem + ".secret.key")


def _validate_key(raw: bytes, where: str) -> bytes:
    raw = raw.strip()
    try:
        if len(base64.urlsafe_b64decode(raw)) != 32:
            raise ValueError
        Fernet(raw)
    except (ValueError, TypeError):
        raise StoreError(
            f"The secret key in {where} is not a valid key (expected 44 url-safe base64 characters)."
        ) from None
    return raw


def load_or_create_key(db_path: str | os.PathLike, create: bool = True) -> bytes:
    """Return the key from ALLHUB_SECRET_KEY, else the key file beside the DB (created 0600)."""
    env = os.environ.get(KEY_ENV)
    if env:
        return _validate_key(env.encode(), KEY_ENV)
    path = key_path_for(db_path)
    if path.exists():
        try:
            return _validate_key(path.read_bytes(), str(path))
        except OSError as exc:
            raise StoreError(f"The key file {path} cannot be read ({exc.strerror}).") from None
    if not create:
        raise StoreError(
            f"The key file {path} is missing: restore it (or set ALLHUB_SECRET_KEY) to open this database."
        )
    key = Fernet.generate_key()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    return key


class SecretBox:
    """Encrypts and decrypts secrets; never prints them."""

    def __init__(self, key: bytes):
        self._fernet = Fernet(key)

    def __repr__(self) -> str:  # never show the key
        return "SecretBox(<key hidden>)"

    def encrypt(self, value: str | None) -> bytes | None:
        if value is None or value == "":
            return None
        return self._fernet.encrypt(value.encode("utf-8"))

    def decrypt(self, blob: bytes | None) -> str | None:
        if blob is None:
            return None
        try:
            return self._fernet.decrypt(bytes(blob)).decode("utf-8")
        except InvalidToken:
            raise StoreError(
                "A stored secret cannot be decrypted: the secret key does not fit this database."
            ) from None

    def check_value(self) -> bytes:
        return self._fernet.encrypt(CHECK_PLAINTEXT)

    def fits(self, check: bytes) -> bool:
        try:
            return self._fernet.decrypt(bytes(check)) == CHECK_PLAINTEXT
        except InvalidToken:
            return False


def mask_secret(value: str | None) -> str:
    """``sk-abcdef1234`` -> ``sk-…1234``; short values become ``••••``; empty stays empty."""
    if not value:
        return ""
    if len(value) < 12:
        return "••••"
    prefix = value[:3] if value[:3].isascii() else ""
    return f"{prefix}…{value[-4:]}"
