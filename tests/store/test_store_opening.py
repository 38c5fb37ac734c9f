"""Opening a store: full disks, read-only and missing folders, other programs' files, key file modes.

Full and read-only file systems are real: a tiny tmpfs mounted for the test (this needs root and
permission to mount; where mounting is not permitted those tests skip, and the simulated ones
below them still run). chmod does not stop root, so a read-only folder is a read-only tmpfs.
"""

from __future__ import annotations

import errno
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import pytest
from cryptography.fernet import Fernet

from allhub_core.accounts import AccountInput, add_account, get_secrets
from allhub_core.errors import StoreError
from allhub_core.store import Store, key_path_for, migrations
from allhub_core.store import db as dbmod

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "sk-OPENING-SECRET-0123456789abcdef"


def _acc() -> AccountInput:
    return AccountInput(site_url="https://relay.example.com", site_name="Relay", user_id="1", access_token=TOKEN)


def _cli(*argv: str, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "allhub_core", *argv], capture_output=True, text=True,
                          env=os.environ.copy() if env is None else env, cwd=cwd, timeout=120)


def _one_sentence(err: str) -> str:
    """The CLI's stderr is exactly one line, no traceback, no 'internal error'."""
    assert err.count("\n") == 1 and err.endswith(".\n"), err
    assert "Traceback" not in err and "internal error" not in err, err
    return err.strip()


def _fresh_process(monkeypatch) -> None:
    """Forget what this process already checked, as after a restart."""
    monkeypatch.setattr(dbmod, "_READY", set())


def _tables(path: Path) -> list[tuple[str, str]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return sorted(con.execute("SELECT table_schema, table_name FROM information_schema.tables "
                                  "WHERE table_catalog = current_database()").fetchall())
    finally:
        con.close()


# ---- tmpfs helpers ---------------------------------------------------------------------------
def _mount_tmpfs(target: Path, size: str) -> bool:
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(target)],
                       capture_output=True)
    return r.returncode == 0


def _umount(target: Path) -> None:
    if subprocess.run(["umount", str(target)], capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", str(target)], capture_output=True)


@pytest.fixture
def tmpfs(tmp_path):
    """A small tmpfs of our own (a real file system that can fill up or turn read-only)."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    if not _mount_tmpfs(mnt, "4m"):  # room for a new store (all migrations in its WAL) once freed
        pytest.skip("mounting a tmpfs is not permitted here (the simulated tests still run)")
    yield mnt
    _umount(mnt)


def _fill(folder: Path, leave: int = 0) -> Path:
    """Fill the file system holding ``folder``, then give ``leave`` bytes back."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    if leave:
        os.ftruncate(fd, os.fstat(fd).st_size - leave)
    os.close(fd)
    return filler


def _remount_read_only(mnt: Path) -> None:
    r = subprocess.run(["mount", "-o", "remount,ro", str(mnt)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"remounting read-only is not permitted here: {r.stderr.strip()}")


# ---- 1. a full disk while creating a store -----------------------------------------------------
def test_full_disk_while_creating_leaves_nothing_that_blocks_the_next_run(tmpfs):
    db = tmpfs / "allhub.duckdb"
    filler = _fill(tmpfs)
    with pytest.raises(StoreError, match="No space left on device") as info:
        Store(db)
    assert "\n" not in str(info.value)
    assert sorted(os.listdir(tmpfs)) == ["filler"]  # no empty key file, no temporary file, no database

    err = _one_sentence(_cli("account", "list", "--db", str(db)).stderr)
    assert err.startswith("allhub: ") and "No space left on device" in err
    assert sorted(os.listdir(tmpfs)) == ["filler"]

    filler.unlink()  # space freed: the next run simply works
    store = Store(db)
    aid = add_account(store, _acc())
    assert get_secrets(store, [aid])[aid]["access_token"] == TOKEN
    key = key_path_for(db)
    assert len(key.read_bytes()) == 44 and stat.S_IMODE(key.stat().st_mode) == 0o600


def test_full_disk_after_the_key_leaves_no_half_written_database(tmpfs):
    db = tmpfs / "allhub.duckdb"
    filler = _fill(tmpfs, leave=8192)  # room for the key, not for the database
    with pytest.raises(StoreError, match="No space left on device"):
        Store(db)
    assert not db.exists()
    filler.unlink()
    store = Store(db)
    aid = add_account(store, _acc())
    assert get_secrets(store, [aid])[aid]["access_token"] == TOKEN


@pytest.mark.parametrize("failing", ["write", "fsync"])
def test_simulated_full_disk_leaves_no_key_file(tmp_path, monkeypatch, failing):
    """The same without a mount: the write (or the fsync that reports deferred allocation) fails."""
    db = tmp_path / "allhub.duckdb"
    real = getattr(os, failing)

    def no_space(fd, *rest):
        if stat.S_ISREG(os.fstat(fd).st_mode) and os.readlink(f"/proc/self/fd/{fd}").startswith(str(tmp_path)):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fd, *rest)

    monkeypatch.setattr(os, failing, no_space)
    with pytest.raises(StoreError, match="No space left on device"):
        Store(db)
    assert os.listdir(tmp_path) == []
    monkeypatch.setattr(os, failing, real)
    Store(db)
    assert len(key_path_for(db).read_bytes()) == 44


def test_key_file_is_fsynced_then_put_in_place_whole(tmp_path, monkeypatch):
    synced = []
    real_fsync = os.fsync

    def spy(fd):
        synced.append(os.fstat(fd))
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", spy)
    db = tmp_path / "allhub.duckdb"
    Store(db)
    key = key_path_for(db).stat()
    folder = tmp_path.stat()
    files = [s for s in synced if stat.S_ISREG(s.st_mode)]
    # the file that was fsynced is the very inode now at the key's name (it was renamed there)...
    assert any((s.st_dev, s.st_ino) == (key.st_dev, key.st_ino) for s in files)
    # ...and the folder was fsynced after, so the new name survives a crash
    assert any(stat.S_ISDIR(s.st_mode) and (s.st_dev, s.st_ino) == (folder.st_dev, folder.st_ino) for s in synced)
    assert sorted(os.listdir(tmp_path)) == ["allhub.duckdb", "allhub.secret.key"]  # no temporary file left


def test_a_key_another_process_wrote_first_is_kept_not_replaced(tmp_path, monkeypatch):
    """Two first runs at once (dashboard and cron): the second key never overwrites the first."""
    db = tmp_path / "allhub.duckdb"
    theirs = Fernet.generate_key()
    real_link = os.link

    def other_process_was_faster(src, dst, *a, **kw):
        Path(dst).write_bytes(theirs)
        os.chmod(dst, 0o600)
        return real_link(src, dst, *a, **kw)

    monkeypatch.setattr(os, "link", other_process_was_faster)
    store = Store(db)
    assert key_path_for(db).read_bytes() == theirs
    assert store.box.fits(Fernet(theirs).encrypt(b"allhub-key-check-v1"))
    assert sorted(os.listdir(tmp_path)) == ["allhub.duckdb", "allhub.secret.key"]


@pytest.mark.parametrize("database", ["missing", "empty file"])
def test_empty_key_file_of_an_interrupted_creation_is_replaced(tmp_path, database):
    db = tmp_path / "allhub.duckdb"
    key = key_path_for(db)
    key.write_bytes(b"")  # what an older version left behind on a full disk
    if database == "empty file":
        db.write_bytes(b"")
    store = Store(db)
    assert len(key.read_bytes()) == 44 and stat.S_IMODE(key.stat().st_mode) == 0o600
    aid = add_account(store, _acc())
    assert get_secrets(store, [aid])[aid]["access_token"] == TOKEN


def test_empty_key_file_beside_a_database_with_data_is_refused(tmp_path, monkeypatch):
    db = tmp_path / "allhub.duckdb"
    add_account(Store(db), _acc())
    key = key_path_for(db)
    key.write_bytes(b"")
    before = db.read_bytes()
    _fresh_process(monkeypatch)
    with pytest.raises(StoreError) as info:
        Store(db)
    msg = str(info.value)
    assert msg.startswith(f"The key file {key} is empty") and msg.count(". ") == 0 and msg.endswith(".")
    assert db.read_bytes() == before and key.read_bytes() == b""  # nothing replaced, nothing changed


def test_incomplete_database_file_left_by_an_older_version_is_one_clear_sentence(tmp_path, monkeypatch):
    db = tmp_path / "allhub.duckdb"
    Store(db)
    db.write_bytes(db.read_bytes()[:4096])  # the first block of a creation that ran out of space
    _fresh_process(monkeypatch)
    with pytest.raises(StoreError, match="is an incomplete database file") as info:
        Store(db)
    assert "\n" not in str(info.value)
    assert db.stat().st_size == 4096  # the user decides; nothing is deleted behind their back


# ---- 2. a read-only folder ----------------------------------------------------------------------
def test_read_only_folder_is_one_sentence_and_nothing_is_created(tmpfs, monkeypatch):
    _remount_read_only(tmpfs)
    db = tmpfs / "allhub.duckdb"
    with pytest.raises(StoreError, match="read-only") as info:
        Store(db)
    assert str(info.value) == f"The folder {tmpfs} is read-only, so a new database cannot be created there."
    monkeypatch.setenv("ALLHUB_SECRET_KEY", Fernet.generate_key().decode())  # no key file to write at all
    with pytest.raises(StoreError, match="read-only"):
        Store(db)
    monkeypatch.delenv("ALLHUB_SECRET_KEY")
    r = _cli("account", "list", "--db", str(db))
    assert r.returncode == 2
    assert _one_sentence(r.stderr) == f"allhub: The folder {tmpfs} is read-only, so a new database cannot be created there."
    assert os.listdir(tmpfs) == []


def test_database_on_a_read_only_file_system_is_one_sentence(tmpfs, monkeypatch):
    db = tmpfs / "allhub.duckdb"
    add_account(Store(db), _acc())
    _remount_read_only(tmpfs)
    _fresh_process(monkeypatch)
    with pytest.raises(StoreError, match="read-only file system") as info:
        Store(db)
    assert "\n" not in str(info.value) and "IO Error" not in str(info.value)
    r = _cli("account", "list", "--db", str(db))
    assert r.returncode == 2 and "read-only file system" in _one_sentence(r.stderr)


def _as_unprivileged(fn) -> str:
    """Run ``fn()`` in a forked child that gave up root (chmod does not stop root); its result or error."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(r)
        try:
            nobody = pwd.getpwnam("nobody")
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            out = f"ok: {fn()}"
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            out = f"{type(exc).__name__}: {exc}"
        os.write(w, out.encode())
        os._exit(0)
    os.close(w)
    chunks = []
    while chunk := os.read(r, 65536):
        chunks.append(chunk)
    os.close(r)
    os.waitpid(pid, 0)
    return b"".join(chunks).decode()


def test_unwritable_folder_is_one_sentence():
    base = tempfile.mkdtemp(prefix="allhub-locked-")
    os.chmod(base, 0o755)  # reachable by the unprivileged child
    folder = Path(base) / "locked"
    folder.mkdir(mode=0o555)
    folder.chmod(0o555)
    try:
        if os.geteuid() == 0:
            result = _as_unprivileged(lambda: Store(folder / "allhub.duckdb"))
            assert result.startswith("StoreError: ") and "not writable" in result, result
        else:
            with pytest.raises(StoreError, match="not writable"):
                Store(folder / "allhub.duckdb")
        assert os.listdir(folder) == []
    finally:
        folder.chmod(0o755)
        shutil.rmtree(base)


# ---- 3. an explicit path into a missing folder -------------------------------------------------
@pytest.mark.parametrize("given_by", ["option", "environment"])
def test_explicit_path_into_a_missing_folder_is_refused_and_nothing_created(tmp_path, given_by):
    db = tmp_path / "unmounted" / "disk" / "allhub.duckdb"
    env = os.environ.copy()
    if given_by == "option":
        r = _cli("account", "list", "--db", str(db), env=env)
    else:
        env["ALLHUB_DB"] = str(db)
        r = _cli("account", "list", env=env)
    assert r.returncode == 2 and r.stdout == ""
    err = _one_sentence(r.stderr)
    assert err == f"allhub: The folder {db.parent} does not exist; create it first (or check that its disk is mounted)."
    assert "--db" not in err
    assert not (tmp_path / "unmounted").exists()


def test_store_creates_a_missing_folder_only_when_asked(tmp_path, monkeypatch):
    db = tmp_path / "new" / "allhub.duckdb"
    with pytest.raises(StoreError, match="does not exist"):
        Store(db)
    assert not db.parent.exists()
    Store(db, create_folder=True)
    assert db.exists() and key_path_for(db).exists()


def test_default_database_may_create_its_folder(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "ALLHUB_DB"}
    r = _cli("account", "list", "--json", env=env, cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.strip() == "[]", r.stderr
    assert (tmp_path / "data" / "allhub.duckdb").exists()


def test_explicit_path_in_an_existing_folder_still_creates_a_store(tmp_path):
    db = tmp_path / "new.duckdb"
    r = _cli("account", "list", "--json", "--db", str(db))
    assert r.returncode == 0 and r.stdout.strip() == "[]", r.stderr
    assert db.exists()


def test_dashboard_creates_only_the_default_folder(monkeypatch):
    sys.path.insert(0, str(ROOT))
    try:
        from pages import _ui  # noqa: PLC0415 - importable only while the project root is on sys.path
    finally:
        sys.path.remove(str(ROOT))
    seen = []
    monkeypatch.setattr(_ui, "Store", lambda path, **kw: seen.append((path, kw)))
    _ui._new_store()  # ALLHUB_DB is set by tests/conftest.py: an explicit path
    monkeypatch.delenv("ALLHUB_DB")
    _ui._new_store()  # the built-in default
    assert [kw.get("create_folder") for _, kw in seen] == [False, True]
    assert seen[1][0] == dbmod.DEFAULT_DB


# ---- 4. another program's DuckDB file; a failed first migration --------------------------------
def _foreign_db(path: Path, ddl: str = "CREATE TABLE measurements (t TIMESTAMP, v DOUBLE)") -> bytes:
    con = duckdb.connect(str(path))
    con.execute(ddl)
    con.execute(f"INSERT INTO {ddl.split()[2]} VALUES ('2024-01-01', 1.5)")
    con.close()
    return path.read_bytes()


@pytest.mark.parametrize("key", ["environment", "no key"])
def test_another_programs_duckdb_file_is_refused_and_not_changed(tmp_path, monkeypatch, key):
    db = tmp_path / "sensors.duckdb"
    before = _foreign_db(db)
    tables = _tables(db)
    if key == "environment":
        monkeypatch.setenv("ALLHUB_SECRET_KEY", Fernet.generate_key().decode())
    with pytest.raises(StoreError) as info:
        Store(db)
    assert str(info.value) == f"{db} is a DuckDB database of another program; allhub will not change it."
    r = _cli("account", "list", "--db", str(db))
    assert r.returncode == 2
    assert _one_sentence(r.stderr) == f"allhub: {db} is a DuckDB database of another program; allhub will not change it."
    assert db.read_bytes() == before and _tables(db) == tables
    assert sorted(os.listdir(tmp_path)) == ["sensors.duckdb"]  # no key file, no WAL


def test_another_programs_schema_migrations_table_is_not_taken_for_ours(tmp_path, monkeypatch):
    db = tmp_path / "rails.duckdb"
    before = _foreign_db(db, "CREATE TABLE schema_migrations (version VARCHAR, note DOUBLE)")
    monkeypatch.setenv("ALLHUB_SECRET_KEY", Fernet.generate_key().decode())
    with pytest.raises(StoreError, match="of another program"):
        Store(db)
    assert db.read_bytes() == before


def test_a_duckdb_file_without_tables_becomes_a_store(tmp_path):
    db = tmp_path / "blank.duckdb"
    duckdb.connect(str(db)).close()
    store = Store(db)  # nothing in it to protect: a key is created and the schema added
    aid = add_account(store, _acc())
    assert get_secrets(store, [aid])[aid]["access_token"] == TOKEN


def test_failed_first_migration_leaves_not_even_its_bookkeeping_table(tmp_path, monkeypatch):
    def broken(con):
        con.execute("CREATE TABLE half_done (x INT)")
        raise RuntimeError("boom")

    monkeypatch.setattr(migrations, "MIGRATIONS", [migrations.Migration(1, "broken", broken)])
    path = tmp_path / "m.duckdb"
    con = duckdb.connect(str(path))
    with pytest.raises(RuntimeError):
        migrations.migrate(con)
    con.close()
    assert _tables(path) == []


def test_looking_at_versions_changes_nothing(tmp_path):
    path = tmp_path / "m.duckdb"
    con = duckdb.connect(str(path))
    assert migrations.applied_versions(con) == []
    assert migrations.pending_versions(con) == [m.version for m in migrations.MIGRATIONS]
    con.close()
    assert _tables(path) == []


# ---- 5. a key file other users can read --------------------------------------------------------
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_key_file_readable_by_others_is_warned_about_once(tmp_path, mode):
    db = tmp_path / "allhub.duckdb"
    Store(db)
    key = key_path_for(db)
    key.chmod(mode)
    for argv in (["account", "list"], ["refresh"]):
        r = _cli(*argv, "--db", str(db))
        assert r.returncode == 0, r.stderr
        assert r.stderr.splitlines() == [f"Warning: the key file {key} is readable by other users; run chmod 600 {key}."]
    assert stat.S_IMODE(key.stat().st_mode) == mode  # warned, not silently changed


def test_private_key_file_gives_no_warning(tmp_path):
    db = tmp_path / "allhub.duckdb"
    Store(db)
    r = _cli("account", "list", "--db", str(db))
    assert r.returncode == 0 and r.stderr == ""


def test_the_warning_is_logged_once_per_process(tmp_path, caplog):
    db = tmp_path / "allhub.duckdb"
    Store(db)
    key_path_for(db).chmod(0o644)
    with caplog.at_level("WARNING", logger="allhub_core"):
        Store(db)
        Store(db)
    warnings = [r for r in caplog.records if "readable by other users" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].name.startswith("allhub_core")


def test_group_writable_key_file_is_warned_about_too(tmp_path, caplog):
    db = tmp_path / "allhub.duckdb"
    Store(db)
    key = key_path_for(db)
    key.chmod(0o620)
    with caplog.at_level("WARNING", logger="allhub_core"):
        Store(db)
    assert [r.getMessage() for r in caplog.records if r.name.startswith("allhub_core")] == [
        f"Warning: the key file {key} is writable by other users; run chmod 600 {key}."]
