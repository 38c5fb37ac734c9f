"""The DuckDB store: one write path, connections held only for a unit of work.

Why this shape:
- DuckDB lets one *process* hold a database file read-write. The dashboard and a cron'd CLI
  must take turns, so every unit of work opens the file, does its work and closes it again
  (the process's last close releases the file lock). A lock held by another process is
  retried with backoff, then reported in one sentence (``StoreBusy``).
- Inside a process DuckDB fails concurrent updates of the same row ("Conflict on update"), so
  all writes go through one process-wide lock: one writer at a time, each write one
  transaction that commits whole or not at all. Reads take their own cursor.
- Opening the file also validates it: a file that is not a DuckDB database, another
  program's DuckDB database, or a key that does not fit the secrets inside it, is refused
  before anything is changed.
- Opening never guesses about folders: only the built-in default path may create its folder;
  an explicitly chosen path in a missing folder (an unmounted disk in cron) is refused, and a
  read-only or unwritable folder is one sentence, with nothing created. A creation that fails
  half way (a full disk) removes the partial database file it made, so the next run starts clean.
- Files are for their owner only: opening a store sets this process's umask to include 077, so
  the database, its WAL (DuckDB makes a new one after every checkpoint), its temp files and the
  key file are created 0600 and a folder the store creates (``data/``) 0700. A path that is not a
  regular file (``/dev/null``, a FIFO, a symlink to one) is refused; a symlink to a regular file
  is followed, never replaced.
- A damaged file (cut short, overwritten) is named as damaged, with the way back: a backup.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb

from allhub_core.errors import StoreBusy, StoreError
from allhub_core.store.crypto import KEY_ENV, SecretBox, key_path_for, load_or_create_key
from allhub_core.store.files import (
    check_folder,
    check_writable,
    damaged_message,
    describe_open_error,
    drop_empty_file,
    foreign_message,
    is_damage,
    is_lock_error,
    owner_only_files,
    peek,
    remove_partial_file,
    sniff,
)
from allhub_core.store.migrations import classify, migrate

__all__ = ["DEFAULT_DB", "Store", "default_db_path", "one_row", "rows_table"]

DEFAULT_DB = "data/allhub.duckdb"
# One writer per process, whatever the number of Store objects on the same file.
_WRITE_LOCK = threading.RLock()
# Paths already migrated and key-checked in this process.
_READY: set[tuple[str, str]] = set()
_READY_LOCK = threading.Lock()
#: How long ``Store.released`` keeps the file before it lets go: the network waits of a single
#: action (one refresh, an add) end sooner, so it neither closes nor reopens the file; a longer
#: wait holds another process back by at most this much.
RELEASE_GRACE_S = 0.5


def default_db_path() -> str:
    return os.environ.get("ALLHUB_DB") or DEFAULT_DB


def one_row(con: duckdb.DuckDBPyConnection) -> tuple[Any, ...]:
    """The row of a statement that always yields one: ``count(*)``, an aggregate, ``INSERT ... RETURNING``."""
    row = con.fetchone()
    assert row is not None, "this statement always yields a row"
    return row


def rows_table(con: duckdb.DuckDBPyConnection, name: str, columns: dict[str, str],
               rows: list[dict[str, Any]]) -> None:
    """A TEMP table ``name`` (column -> DuckDB type) holding ``rows``, for set-based SQL.

    One INSERT of unnested list parameters: ~5 ms for a thousand rows, and no pandas, whose
    import alone costs a one-account ``allhub refresh`` a third of a second. Drop it after use
    (``DROP TABLE``); it lives in the caller's transaction.
    """
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} ({', '.join(f'{c} {t}' for c, t in columns.items())})")
    if rows:
        select = ", ".join(f"unnest(?::{t}[]) AS {c}" for c, t in columns.items())
        con.execute(f"INSERT INTO {name} SELECT {select}", [[r.get(c) for r in rows] for c in columns])


class Store:
    """A DuckDB file plus the key for its secrets.

    ``read()`` yields a cursor; ``write()`` yields a connection inside a transaction that
    commits on success and rolls back on any exception.
    """

    def __init__(self, path: str | os.PathLike | None = None, *, lock_timeout: float = 10.0,
                 key: bytes | None = None, create_folder: bool | None = None, warm: bool = False):
        """``create_folder``: may a missing folder of the database be created? ``None`` means only
        for the built-in default (no path given and no ALLHUB_DB); a path someone chose is refused
        when its folder does not exist, so an unmounted disk never becomes an empty new store.

        ``warm``: the connection that checked the schema stays open for the first unit of work or
        session, so a command that uses the store at once opens the file once, not twice (the
        CLI). It holds the file's lock until then: only for a caller that uses the store at once."""
        if create_folder is None:
            create_folder = not path and not os.environ.get("ALLHUB_DB")
        self.create_folder = create_folder
        self.path = str(Path(path or default_db_path()))
        self.lock_timeout = lock_timeout
        self._key = key
        self._box: SecretBox | None = None
        # Keeps the DuckDB instance of this file alive while a batch of units of work runs
        # in this process (see ``session``); None means open and close per unit of work.
        self._pinned: duckdb.DuckDBPyConnection | None = None
        self._pin_lock = threading.Lock()
        self._warm: duckdb.DuckDBPyConnection | None = None
        self._ensure_ready(warm)

    def __repr__(self) -> str:
        return f"Store({self.path!r})"

    # -- opening -------------------------------------------------------------------------
    def _connect(self) -> duckdb.DuckDBPyConnection:
        """Open the file, retrying while another process holds its lock (or hand over the
        schema check's connection, once, with ``warm``)."""
        if self._warm is not None:
            con, self._warm = self._warm, None
            return con
        deadline = time.monotonic() + self.lock_timeout
        delay = 0.05
        while True:
            try:
                return duckdb.connect(self.path)
            except duckdb.IOException as exc:
                if is_lock_error(exc):
                    if time.monotonic() >= deadline:
                        raise StoreBusy(
                            f"The database {self.path} is in use by another allhub process; "
                            "try again in a moment."
                        ) from exc
                    time.sleep(delay)
                    delay = min(delay * 2, 0.5)
                    continue
                raise StoreError(describe_open_error(self.path, exc)) from exc
            except duckdb.Error as exc:
                raise StoreError(describe_open_error(self.path, exc)) from exc

    @contextlib.contextmanager
    def _connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._pin_lock:
            pinned = self._pinned
        if pinned is not None:
            cur = pinned.cursor()
            try:
                yield cur
            finally:
                cur.close()
            return
        con = self._connect()
        try:
            yield con
        finally:
            con.close()

    @contextlib.contextmanager
    def session(self) -> Iterator[Store]:
        """Hold the file open across several units of work (one page render, one command).

        The file lock is released when the session ends, so a session must stay short, never
        the lifetime of a server. A Store object is meant for one thread; make one per thread.
        """
        if self._pinned is not None:
            yield self
            return
        con = self._connect()
        with self._pin_lock:
            self._pinned = con
        try:
            yield self
        finally:
            with self._pin_lock:
                self._pinned = None
            con.close()

    @contextlib.contextmanager
    def released(self, grace_s: float | None = None) -> Iterator[Store]:
        """Let go of a session's file lock for a while (around network waits), then take it back.

        The file is let go ``grace_s`` seconds in (``RELEASE_GRACE_S``; 0: at once), by a timer: a
        wait that ends sooner (one account's refresh, a site's recognition) keeps its connection
        and takes nothing back, instead of closing the file and opening it again (~20-40 ms each)
        for a few hundred milliseconds of network. Inside the block the session is not pinned:
        its units of work open their own connection, which within the grace is DuckDB's cached
        instance of the held one (no file is opened), after it an opening of the file."""
        with self._pin_lock:
            con, self._pinned = self._pinned, None
        if con is None:
            yield self
            return
        grace = RELEASE_GRACE_S if grace_s is None else grace_s
        held: list[duckdb.DuckDBPyConnection] = [con]
        handover = threading.Lock()

        def let_go() -> None:
            with handover:
                if held:
                    held.pop().close()

        timer = None
        if grace > 0:
            timer = threading.Timer(grace, let_go)
            timer.daemon = True
            timer.start()
        else:
            let_go()
        try:
            yield self
        finally:
            if timer is not None:
                timer.cancel()
            with handover:
                kept = held.pop() if held else None
            new = kept if kept is not None else self._connect()
            with self._pin_lock:
                self._pinned = new

    def _ensure_ready(self, warm: bool = False) -> None:
        owner_only_files()
        real = os.path.realpath(self.path)
        db = Path(self.path)
        check_folder(self.path, db.parent, create=self.create_folder)
        if db.is_dir():
            raise StoreError(f"{self.path} is a folder, not a database file.")
        if db.exists() and not db.is_file():  # /dev/null, a FIFO, a socket (or a symlink to one)
            what = f"a link to {real}, which" if db.is_symlink() else "it"
            raise StoreError(f"{self.path} cannot be a database: {what} is not a regular file.")
        existed = db.exists()
        creating = not existed or db.stat().st_size == 0
        if creating:
            check_writable(db.parent)
        else:
            sniff(self.path)
        seen = None  # what the file holds, once looked at read-only
        blank = False
        key = self._key
        if key is None and not creating and not os.environ.get(KEY_ENV):
            key_file = key_path_for(self.path)
            if not key_file.exists() or key_file.stat().st_size == 0:
                # No usable key file: first see what the file is, to say the right thing.
                seen = peek(self.path)
                if seen == "foreign":
                    raise StoreError(foreign_message(self.path))
                blank = seen == "blank"  # a DuckDB file without tables holds no secrets yet
        # An existing database never gets a fresh key: that could only fail to decrypt it.
        key = key or load_or_create_key(self.path, create=creating or blank)
        self._box = SecretBox(key)
        fingerprint = (real, hashlib.sha256(key).hexdigest())
        with _READY_LOCK:
            if creating:  # a new (or re-created) file is always migrated, whatever we saw before
                _READY.difference_update({r for r in _READY if r[0] == real})
            elif fingerprint in _READY:  # migrated and checked with this very key in this process
                return
            elif real in {p for p, _ in _READY}:
                self._check_key()
                _READY.add(fingerprint)
                return
            with _WRITE_LOCK:
                if (not creating and seen is None and os.path.exists(self.path + ".wal")
                        and peek(self.path) == "foreign"):
                    # looked at read-only first: another program's WAL is not replayed into its file
                    # (without a WAL there is nothing to replay; the check below reads the tables)
                    raise StoreError(foreign_message(self.path))
                if creating and existed:
                    drop_empty_file(self.path)
                try:
                    con = self._connect()
                    try:
                        if not creating and classify(con) == "foreign":
                            raise StoreError(foreign_message(self.path))
                        try:
                            migrate(con)
                        except duckdb.Error as exc:
                            if is_damage(exc):
                                raise StoreError(damaged_message(self.path)) from exc
                            raise StoreError(
                                f"Upgrading the database schema of {self.path} failed: {str(exc).splitlines()[0]}"
                            ) from exc
                        self._check_key(con)
                    except BaseException:
                        con.close()
                        raise
                    if warm:  # handed to the first unit of work (``_connect``)
                        self._warm = con
                    else:
                        con.close()
                except StoreError as exc:
                    if creating and not isinstance(exc, StoreBusy):
                        remove_partial_file(self.path)
                    raise
            _READY.add(fingerprint)

    def _check_key(self, con: duckdb.DuckDBPyConnection | None = None) -> None:
        box = self._box
        assert box is not None
        def run(c: duckdb.DuckDBPyConnection) -> None:
            row = c.execute("SELECT value_blob FROM meta WHERE key = 'key_check'").fetchone()
            if row is None or row[0] is None:
                c.execute(
                    "INSERT INTO meta (key, value_blob) VALUES ('key_check', ?) "
                    "ON CONFLICT (key) DO UPDATE SET value_blob = excluded.value_blob",
                    [box.check_value()],
                )
            elif not box.fits(row[0]):
                raise StoreError(
                    "The secret key does not fit this database: its secrets were encrypted with "
                    "another key (check the key file beside it or ALLHUB_SECRET_KEY)."
                )
        if con is not None:
            run(con)
        else:
            with self._connection() as c:
                run(c)

    # -- units of work -----------------------------------------------------------------
    @property
    def box(self) -> SecretBox:
        assert self._box is not None
        return self._box

    @contextlib.contextmanager
    def read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor for reads; results must be fetched inside the block."""
        try:
            with self._connection() as con:
                yield con
        except duckdb.Error as exc:
            if is_damage(exc):
                raise StoreError(damaged_message(self.path)) from exc
            raise StoreError(f"Reading the database failed: {str(exc).splitlines()[0]}") from exc

    @contextlib.contextmanager
    def write(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One transaction under the process-wide write lock; all or nothing."""
        with _WRITE_LOCK, self._connection() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
                con.execute("COMMIT")
            except BaseException as exc:
                with contextlib.suppress(duckdb.Error):
                    con.execute("ROLLBACK")
                if isinstance(exc, duckdb.Error) and is_damage(exc):
                    raise StoreError(damaged_message(self.path)) from exc
                if isinstance(exc, duckdb.Error):
                    raise StoreError(f"Saving to the database failed: {str(exc).splitlines()[0]}") from exc
                raise
