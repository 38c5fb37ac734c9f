"""The extension's encrypted backup envelope (its WebDAV encryption), read and written exactly.

``{"type": "all-api-hub-webdav-backup-encrypted", "v": 1, "kdf": "PBKDF2", "cipher": "AES-GCM",
"iter": 250000, "salt": b64(16 bytes), "iv": b64(12 bytes), "ct": b64(ciphertext + GCM tag)}``;
the key is PBKDF2-HMAC-SHA256 of the UTF-8 password (``iter`` rounds) to 32 bytes, the cipher
AES-256-GCM with no associated data, as WebCrypto does it. Files of either tool open in the other.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from allhub_core.errors import ValidationError

__all__ = [
    "DEFAULT_ITERATIONS",
    "ENVELOPE_TYPE",
    "PasswordRequired",
    "decrypt_envelope",
    "encrypt_backup",
    "is_encrypted_envelope",
]

ENVELOPE_TYPE = "all-api-hub-webdav-backup-encrypted"
DEFAULT_ITERATIONS = 250_000
#: A file asking for more rounds than this is refused rather than keeping the machine busy for minutes.
_MAX_ITERATIONS = 10_000_000


class PasswordRequired(ValidationError):
    """The backup is encrypted and no password was given."""

    title = "Password needed"


def is_encrypted_envelope(obj: Any) -> bool:
    return (isinstance(obj, dict) and obj.get("type") == ENVELOPE_TYPE and obj.get("v") == 1
            and obj.get("kdf") == "PBKDF2" and obj.get("cipher") == "AES-GCM"
            and isinstance(obj.get("iter"), int) and not isinstance(obj.get("iter"), bool)
            and all(isinstance(obj.get(k), str) for k in ("salt", "iv", "ct")))


def _key(password: str, salt: bytes, iterations: int) -> bytes:
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=iterations)
    return kdf.derive(password.encode("utf-8"))


def encrypt_backup(text: str, password: str, *, iterations: int = DEFAULT_ITERATIONS) -> str:
    """The extension's encrypted envelope (JSON text) around ``text``."""
    if not password:
        raise ValidationError("The encryption password is empty.")
    salt, iv = os.urandom(16), os.urandom(12)
    ct = AESGCM(_key(password, salt, iterations)).encrypt(iv, text.encode("utf-8"), None)
    b64 = lambda b: base64.b64encode(b).decode("ascii")  # noqa: E731
    return json.dumps({"type": ENVELOPE_TYPE, "v": 1, "kdf": "PBKDF2", "cipher": "AES-GCM", "iter": iterations,
                       "salt": b64(salt), "iv": b64(iv), "ct": b64(ct)})


def decrypt_envelope(obj: dict, password: str | None) -> str:
    """The plain text inside an envelope; one sentence for no, or a wrong, password."""
    if not password:
        raise PasswordRequired("This backup is encrypted; enter its password to read it.")
    iterations = obj["iter"]
    if not 1 <= iterations <= _MAX_ITERATIONS:
        raise ValidationError("This encrypted backup names an unusable number of key rounds.")
    try:
        salt, iv, ct = (base64.b64decode(obj[k], validate=True) for k in ("salt", "iv", "ct"))
    except (binascii.Error, ValueError):
        raise ValidationError("This encrypted backup is damaged (its fields are not base64).") from None
    if not iv or not salt:
        raise ValidationError("This encrypted backup is damaged (its salt or IV is empty).")
    try:
        plain = AESGCM(_key(password, salt, iterations)).decrypt(iv, ct, None)
    except (InvalidTag, ValueError):
        raise ValidationError("The password does not open this encrypted backup (or the file is damaged).") from None
    try:
        return plain.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError("The decrypted backup is not UTF-8 text.") from None
