"""Secrets at rest: Fernet with a key file (mode 0600) beside the database, or ALLHUB_SECRET_KEY.

Why: a DuckDB file stores strings verbatim, so a copied database or backup would leak every
access token and cookie. This protects copies of the database, not a compromised user account.
A fixed check value is encrypted into the database on creation so that a wrong key is
reported up front ("the key does not fit this database") instead of as garbage later.

The key file is written whole or not at all (a temporary file beside it, fsynced, then linked
into place, then the folder fsynced): a full disk must not leave an empty key file behind that
blocks every later run. An empty key file left by an older version is replaced only while the
database holds nothing. A key file other users can read is warned about (as ssh does), never
silently chmod-ed.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import logging
import os
import secrets
import stat
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from allhub_core.errors import StoreError

__all__ = ["KEY_ENV", "SecretBox", "key_path_for", "load_or_create_key", "mask_secret"]

KEY_ENV = "ALLHUB_SECRET_KEY"
log = logging.getLogger("allhub_core.crypto")
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
    """Return the key from ALLHUB_SECRET_KEY, else the key file beside the DB (created 0600).

    ``create`` says the database holds nothing yet: only then may a key be made, or an empty
    key file (an interrupted creation of an older version) be replaced.
    """
    env = os.environ.get(KEY_ENV)
    if env:
        return _validate_key(env.encode(), KEY_ENV)
    path = key_path_for(db_path)
    raw = _read_key_file(path)
    if raw is not None and raw.strip():
        key = _validate_key(raw, str(path))
        _warn_if_others_can_read(path)
        return key
    if not create:
        if raw is not None:
            raise StoreError(
                f"The key file {path} is empty, so the secrets in {db_path} cannot be decrypted; "
                "restore the key file from a backup (or set ALLHUB_SECRET_KEY)."
            )
        raise StoreError(
            f"The key file {path} is missing: restore it (or set ALLHUB_SECRET_KEY) to open this database."
        )
    if raw is not None:  # empty, and the database holds nothing it could have encrypted
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    return _create_key_file(path)


def _read_key_file(path: Path) -> bytes | None:
    """The key file's bytes, or None when there is none."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(f"The key file {path} cannot be read ({exc.strerror}).") from exc
    return data


_WARNED: set[str] = set()


def _warn_if_others_can_read(path: Path) -> None:
    """Warn once per process about a key file open to other users (as ssh does); never chmod it."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return
    if mode & 0o044:
        what = "readable"
    elif mode & 0o022:
        what = "writable"
    else:
        return
    where = os.path.abspath(path)
    if where in _WARNED:
        return
    _WARNED.add(where)
    log.warning("Warning: the key file %s is %s by other users; run chmod 600 %s.", path, what, path)


def _create_key_file(path: Path) -> bytes:
    """Write a new key whole or not at all; a key another process wrote first wins."""
    key = Fernet.generate_key()
    folder = path.parent
    tmp = folder / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
        try:
            try:
                view = memoryview(key)
                while view:
                    view = view[os.write(fd, view):]
                os.fsync(fd)
            finally:
                os.close(fd)
            try:
                os.link(tmp, path)  # atomic, and never replaces a key another process put there first
            except FileExistsError:
                os.unlink(tmp)
                return _validate_key(_read_key_file(path) or b"", str(path))
            except OSError as exc:
                if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK,
                                     errno.ENOSYS) or path.exists():
                    raise
                os.rename(tmp, path)  # a file system without hard links
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            _fsync_folder(folder)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    except OSError as exc:
        raise StoreError(f"The key file {path} cannot be written ({exc.strerror or exc}).") from exc
    return key


def _fsync_folder(folder: Path) -> None:
    """Make the new name durable (a crash after this keeps the key file)."""
    if os.name == "nt":  # folders cannot be opened there; NTFS journals the rename
        return
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EBADF):
            raise
    finally:
        os.close(fd)


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
