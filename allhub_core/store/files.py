"""The database file before DuckDB opens it, and DuckDB's errors in one sentence each.

``Store`` (``db``) asks here whether a path may hold a database: its folder exists (or may be
created), a new file's folder is writable, an existing file is DuckDB's (``sniff``) and allhub's
(``peek``), and an empty or half-created file is cleared away. Every check names the path in the
sentence it raises; nothing here keeps state.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import duckdb

from allhub_core.errors import StoreError
from allhub_core.store.bookkeeping import classify

__all__ = [
    "MIN_DUCKDB_SIZE",
    "check_folder",
    "check_writable",
    "damaged_message",
    "describe_open_error",
    "drop_empty_file",
    "foreign_message",
    "is_damage",
    "is_lock_error",
    "owner_only_files",
    "peek",
    "remove_partial_file",
    "sniff",
]

# A complete DuckDB file holds at least its three 4 KiB header blocks.
MIN_DUCKDB_SIZE = 3 * 4096
# DuckDB's words for a file that is cut short or overwritten.
_DAMAGE = ("Could not read enough bytes", "Corrupt database file", "does not match stored checksum")


def owner_only_files() -> None:
    """From now on this process creates files 0600 and folders 0700 (umask |= 077): the database,
    its WAL and temp files, exports and backups hold the user's data."""
    os.umask(os.umask(0o077) | 0o077)


def damaged_message(path: str) -> str:
    return (f"The database {path} is damaged (cut short or overwritten) and cannot be read. Move it aside, "
            "then restore your accounts from a backup into a new database: an export or WebDAV backup "
            "through the Import / Export or Backup page, or 'allhub import FILE' / 'allhub backup pull'.")


def foreign_message(path: str) -> str:
    return f"{path} is a DuckDB database of another program; allhub will not change it."


def is_damage(exc: Exception) -> bool:
    return any(word in str(exc) for word in _DAMAGE)


def is_lock_error(exc: Exception) -> bool:
    return "Could not set lock" in str(exc) or "Conflicting lock" in str(exc)


def describe_open_error(path: str, exc: Exception) -> str:
    """DuckDB's error on opening ``path``, as one sentence."""
    text = str(exc)
    if "No space left on device" in text:
        return f"{path} cannot be written (No space left on device)."
    if "Read-only file system" in text:
        return f"{path} cannot be opened for writing: it is on a read-only file system."
    if "not a valid DuckDB database" in text or ("Invalid Input" in text and "database" in text):
        return f"{path} is not a DuckDB database; choose an allhub database file."
    if "version" in text.lower() and "storage" in text.lower():
        return f"{path} was written by an incompatible DuckDB version."
    if "Permission denied" in text:
        return f"{path} cannot be opened: permission denied."
    if "No such file or directory" in text:
        return f"{path} cannot be created: its folder does not exist."
    with contextlib.suppress(OSError):
        if 0 < os.path.getsize(path) < MIN_DUCKDB_SIZE:
            return (f"{path} is an incomplete database file (its creation was interrupted, e.g. by a "
                    "full disk) and holds no data; delete it and try again.")
    if is_damage(exc):
        return damaged_message(path)
    first = text.splitlines()[0] if text else type(exc).__name__
    return f"{path} cannot be opened: {first}"


def check_folder(path: str, folder: Path, *, create: bool) -> None:
    """The database's folder exists, or is created when ``create`` (only the built-in default)."""
    if folder.is_dir():
        return
    if folder.exists():
        raise StoreError(f"{folder} is not a folder, so {path} cannot be a database in it.")
    if not create:
        raise StoreError(
            f"The folder {folder} does not exist; create it first (or check that its disk is mounted)."
        )
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"The folder {folder} cannot be created ({exc.strerror}).") from exc


def check_writable(folder: Path) -> None:
    """A new database needs a folder it can write (the file, its WAL and the key file)."""
    if os.access(folder, os.W_OK | os.X_OK):
        return
    read_only = False
    with contextlib.suppress(OSError, AttributeError):
        read_only = bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    how = "is read-only" if read_only else "is not writable"
    raise StoreError(f"The folder {folder} {how}, so a new database cannot be created there.")


def peek(path: str) -> str | None:
    """What the file holds, looked at read-only and without waiting: ``'allhub'``,
    ``'blank'``, ``'foreign'``, or None when it cannot be opened just now."""
    try:
        con = duckdb.connect(path, read_only=True)
    except duckdb.Error:
        return None
    try:
        return classify(con)
    except duckdb.Error:
        return None
    finally:
        con.close()


def drop_empty_file(path: str) -> None:
    """DuckDB will not open a 0-byte file: remove one no process holds; the new database replaces it.
    A symlink stays: its (regular, empty) target is removed and DuckDB creates it through the link."""
    try:
        import fcntl  # noqa: PLC0415 - POSIX only: on Windows the import fails and DuckDB's own error is reported
    except ImportError:
        return
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # DuckDB's lock: held while one creates it
        except OSError:
            return  # another process is creating it right now; connecting waits for it
        target = os.path.realpath(path)
        if os.fstat(fd).st_size == 0 and os.path.samestat(os.fstat(fd), os.stat(target)):
            os.unlink(target)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_partial_file(path: str) -> None:
    """After a failed creation: remove the file we began (a partial header holds no data)."""
    with contextlib.suppress(OSError):
        if os.path.getsize(path) < MIN_DUCKDB_SIZE:
            os.unlink(path)


def sniff(path: str) -> None:
    """Refuse a file that is not DuckDB before DuckDB tries to open (and maybe rewrite) it."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise StoreError(f"{path} cannot be read ({exc.strerror}).") from exc
    if len(head) < 12 or head[8:12] != b"DUCK":
        raise StoreError(f"{path} is not a DuckDB database; choose an allhub database file.")
