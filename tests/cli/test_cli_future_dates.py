"""Issue 16 through real ``allhub`` processes: deletion records from the future and impossible
times in a backup (``import``, ``backup pull``, ``backup sync`` against a real WebDAV server),
deletions asked for on a terminal and refused without one unless ``--yes``."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from webdav_server import PASSWORD, USER

from allhub_core.accounts import account_records, update_accounts
from allhub_core.store import Store
from allhub_core.sync import save_backup_settings
from allhub_core.transfer import apply_import, parse_backup

ROOT = Path(__file__).resolve().parents[2]
FILE = "all-api-hub-backup/all-api-hub-1-0.json"
YEAR_MS = 365 * 24 * 3600 * 1000
SKEW_MS = 5 * 60 * 1000
TOKEN = "tok-CLI-FUTURE-0123456789abcdef"


def now_ms() -> int:
    return int(time.time() * 1000)


def account(aid: str, name: str, updated: int) -> dict:
    return {"id": aid, "site_name": name, "site_url": f"https://{name.lower()}.example.com", "site_type": "new-api",
            "authType": "access_token", "account_info": {"id": 7, "username": name.lower(), "access_token": TOKEN},
            "created_at": updated - 60_000, "updated_at": updated, "user_updated_at": updated}


def backup_text(accounts: list[dict], tombstones: dict | None = None) -> str:
    t = now_ms()
    return json.dumps({"version": "4.0", "timestamp": t, "accounts": {
        "accounts": accounts, "bookmarks": [], "deletedEntryRecords": tombstones or {}, "last_updated": t}})


def future_deletion(aid: str = "acc-a") -> dict:
    return {aid: {"kind": "account", "deletedAt": now_ms() + YEAR_MS, "entryUpdatedAt": now_ms() + YEAR_MS}}


@pytest.fixture
def db(tmp_path) -> Path:
    """A database with Alpha (the extension's 'acc-a', from a year ago, edited today) and Bravo."""
    path = tmp_path / "allhub.duckdb"
    store = Store(path)
    year_ago = now_ms() - YEAR_MS
    apply_import(store, parse_backup(backup_text([account("acc-a", "Alpha", year_ago),
                                                  account("acc-b", "Bravo", year_ago)])))
    alpha = next(r for r in account_records(store) if r["site_name"] == "Alpha")
    update_accounts(store, {int(alpha["id"]): {"notes": "edited today"}})
    return path


def allhub(db: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "allhub_core", "--db", str(db), *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=120)


def state(db: Path) -> tuple[list[tuple], list[tuple]]:
    """(accounts: name, notes; tombstones: id, deleted_at) as another process sees them."""
    done = subprocess.run([sys.executable, "-c", (
        "import json, sys, duckdb; c = duckdb.connect(sys.argv[1], read_only=True); print(json.dumps(["
        "c.execute('SELECT site_name, notes FROM accounts ORDER BY site_name').fetchall(), "
        "c.execute('SELECT id, deleted_at FROM tombstones ORDER BY id').fetchall()]))"), str(db)],
        capture_output=True, text=True, timeout=60, check=True)
    accounts, tombs = json.loads(done.stdout)
    return [tuple(a) for a in accounts], [tuple(t) for t in tombs]


def one_sentence(text: str) -> None:
    assert "Traceback" not in text and "internal error" not in text
    assert len(text.strip().splitlines()) == 1, text


BOTH = [("Alpha", "edited today"), ("Bravo", "")]


# -- import ------------------------------------------------------------------------------------
def test_import_of_deletions_from_next_year_deletes_nothing_without_yes(db, tmp_path):
    path = tmp_path / "future.json"
    path.write_text(backup_text([], future_deletion()))
    dry = allhub(db, "import", str(path), "--dry-run")
    assert dry.returncode == 0 and "1 deletion record was dated in the future and is treated as dated now." in dry.stdout
    refused = allhub(db, "import", str(path))
    assert refused.returncode == 2 and refused.stdout == ""
    one_sentence(refused.stderr)
    assert refused.stderr.startswith("allhub: Refusing to delete 1 account (Alpha) without --yes")
    assert state(db) == (BOTH, [])  # nothing deleted, no date from the future stored

    done = allhub(db, "import", str(path), "--yes")
    assert done.returncode == 0 and "1 deleted" in done.stdout and "treated as dated now" in done.stdout
    accounts, tombs = state(db)
    assert accounts == [("Bravo", "")] and [t[0] for t in tombs] == ["acc-a"]
    assert tombs[0][1] <= now_ms() + SKEW_MS  # stored as now, so a later edit brings Alpha back


def test_replace_by_a_file_without_accounts_needs_yes(db, tmp_path):
    path = tmp_path / "empty.json"
    path.write_text(backup_text([]))
    refused = allhub(db, "import", str(path), "--mode", "replace")
    assert refused.returncode == 2
    one_sentence(refused.stderr)
    assert "Refusing to delete 2 accounts (Alpha, Bravo) without --yes" in refused.stderr
    assert state(db) == (BOTH, [])
    assert allhub(db, "import", str(path), "--mode", "replace", "--yes").returncode == 0
    assert state(db)[0] == []


@pytest.mark.parametrize("value", ["1e17", "-1e17", "Infinity", "1e15", "1e20"])
def test_impossible_times_are_one_sentence_and_change_nothing(db, tmp_path, value):
    entry = account("acc-a", "Alpha", now_ms())
    entry["notes"] = "from the file"
    text = backup_text([entry]).replace(f'"updated_at": {entry["updated_at"]}', f'"updated_at": {value}')
    assert f'"updated_at": {value}' in text
    (tmp_path / "row.json").write_text(text)
    rejected = allhub(db, "import", str(tmp_path / "row.json"))
    assert rejected.returncode == 1 and "Traceback" not in rejected.stdout + rejected.stderr
    assert "- rejected: Alpha (https://alpha.example.com) — Its updated_at (" in rejected.stdout
    assert "is not a possible time." in rejected.stdout
    assert state(db) == (BOTH, [])

    tomb = backup_text([], {"acc-a": {"kind": "account", "deletedAt": 1, "entryUpdatedAt": 0}})
    (tmp_path / "tomb.json").write_text(tomb.replace('"deletedAt": 1', f'"deletedAt": {value}'))
    refused = allhub(db, "import", str(tmp_path / "tomb.json"), "--yes")
    assert refused.returncode == 2
    one_sentence(refused.stderr)
    assert refused.stderr.startswith("allhub: This backup cannot be imported: the deletion date of its deletion "
                                     "record 'acc-a' (")
    assert state(db) == (BOTH, [])


def _prompted(db: Path, args: list[str], answer: str) -> tuple[int, str]:
    """Run allhub on a terminal (a pty), answer its question, return (exit status, what it showed)."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: allhub with the pty as its terminal
        os.chdir(ROOT)
        os.execv(sys.executable, [sys.executable, "-m", "allhub_core", "--db", str(db), *args])
    seen, answered, deadline = b"", False, time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
        if not answered and b"Continue? [y/N]" in seen:
            os.write(fd, answer.encode() + b"\n")
            answered = True
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), seen.decode(errors="replace")


def test_on_a_terminal_the_import_asks_first(db, tmp_path):
    path = tmp_path / "future.json"
    path.write_text(backup_text([], future_deletion()))
    code, shown = _prompted(db, ["import", str(path)], "n")
    assert code == 0 and "This will delete 1 account (Alpha). Continue? [y/N]" in shown
    assert "Nothing was changed." in shown and state(db) == (BOTH, [])
    code, shown = _prompted(db, ["import", str(path)], "y")
    assert code == 0 and "1 deleted" in shown and state(db)[0] == [("Bravo", "")]


# -- backup pull and sync against a real WebDAV server -----------------------------------------
@pytest.fixture
def dav(dav_server, db):
    server = dav_server()
    save_backup_settings(Store(db), url=server.url("/"), username=USER, password=PASSWORD)
    (server.root / "all-api-hub-backup").mkdir(exist_ok=True)
    # the remote file: Bravo, and Alpha deleted "next year"
    (server.root / FILE).write_text(backup_text([account("acc-b", "Bravo", now_ms() - YEAR_MS)], future_deletion()))
    return server


def test_backup_pull_and_sync_delete_nothing_without_yes_and_upload_nothing(db, dav):
    remote_before = (dav.root / FILE).read_bytes()
    for args in (["backup", "pull"], ["backup", "sync"], ["backup", "sync", "--mode", "download"]):
        refused = allhub(db, *args)
        assert refused.returncode == 2, (args, refused.stderr)
        one_sentence(refused.stderr)
        assert refused.stderr.startswith("allhub: Refusing to delete 1 account (Alpha) without --yes"), refused.stderr
        assert state(db) == (BOTH, [])
    assert (dav.root / FILE).read_bytes() == remote_before  # the sync uploaded nothing
    assert [m for m in dav.methods() if m in ("PUT", "MOVE")] == []


def test_backup_sync_with_yes_deletes_and_stores_no_future_date(db, dav):
    done = allhub(db, "backup", "sync", "--yes")
    assert done.returncode == 0, done.stderr
    accounts, tombs = state(db)
    assert accounts == [("Bravo", "")] and tombs[0][0] == "acc-a" and tombs[0][1] <= now_ms() + SKEW_MS
    uploaded = json.loads((dav.root / FILE).read_text())["accounts"]
    assert [a["site_name"] for a in uploaded["accounts"]] == ["Bravo"]
    assert uploaded["deletedEntryRecords"]["acc-a"]["deletedAt"] <= now_ms() + SKEW_MS
