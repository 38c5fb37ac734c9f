"""Bad input at import: each one clear sentence and the store unchanged, and a process killed
(SIGKILL) in the middle of an import leaves the store as it was (issue 9, "Bad input and crashes")."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from allhub_core.accounts import account_records
from allhub_core.cli.main import main
from allhub_core.store import Store
from allhub_core.transfer import apply_import, build_own_backup, encrypt_backup, parse_backup

FIX = Path(__file__).parent / "fixtures"
FULL = FIX / "extension_v4_full.json"


def _state(store) -> list[tuple]:
    return [(r["id"], r["site_name"], r["updated_at"]) for r in account_records(store)]


@pytest.mark.parametrize("make, words", [
    (lambda tmp: b"not json at all {", "not"),
    (lambda tmp: json.dumps({"version": "5.0", "accounts": []}).encode(), "5.0"),
    (lambda tmp: json.dumps({"version": "4.0", "accounts": {"accounts": "nope"}}).encode(), ""),
    (lambda tmp: b"{" + b" " * (50 * 1024 * 1024) + b"}", "over 32 MB"),
    (lambda tmp: b"url,user_id,token\n=HYPERLINK(\"http://evil\"),1,tok-aaaaaaaaaaaaaaaa\n", ""),
])
def test_bad_files_are_one_sentence_and_change_nothing(store, db_path, tmp_path, capsys, make, words):
    apply_import(store, parse_backup(FULL.read_bytes()))
    before = _state(store)
    path = tmp_path / "input.bin"
    path.write_bytes(make(tmp_path))
    code = main(["--db", str(db_path), "import", str(path)])
    err = capsys.readouterr().err
    assert code in (1, 2)
    if code == 2:  # unreadable input: one sentence on stderr
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err and words in err
    assert _state(store) == before


def test_a_wrong_backup_password_changes_nothing(store, db_path, tmp_path, capsys, monkeypatch):
    before = _state(store)
    path = tmp_path / "enc.json"
    path.write_text(encrypt_backup(FULL.read_text(), "right-password"))
    monkeypatch.setattr(sys, "stdin", __import__("io").StringIO("wrong-password\n"))
    code = main(["--db", str(db_path), "import", str(path), "--password-stdin"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "password" in err.lower()
    assert "right-password" not in err and _state(store) == before


KILLED_IMPORT = r"""
import sys, time, pathlib
from allhub_core.store import Store
from allhub_core.transfer import apply_import, parse_backup
import allhub_core.transfer.import_write as importer

flag = pathlib.Path(sys.argv[3])
real = importer._write_bookmarks

def stall(*a, **k):  # the accounts are written, the transaction is still open
    real(*a, **k)
    flag.write_text("inside")
    time.sleep(60)

importer._write_bookmarks = stall
apply_import(Store(sys.argv[1]), parse_backup(pathlib.Path(sys.argv[2]).read_bytes()), "replace")
"""


def test_sigkill_in_the_middle_of_an_import_leaves_the_store_as_it_was(db_path, tmp_path):
    store = Store(db_path)
    apply_import(store, parse_backup((FIX / "extension_v2_accounts_only.json").read_bytes()))
    before = _state(store)
    assert before
    store = None  # let the child have the file
    flag = tmp_path / "inside"
    child = subprocess.Popen([sys.executable, "-c", KILLED_IMPORT, str(db_path), str(FULL), str(flag)],
                             env={**os.environ, "ALLHUB_DB": str(db_path)})
    try:
        deadline = time.monotonic() + 60
        while not flag.exists():
            assert child.poll() is None, "the import ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    after = Store(db_path)
    assert _state(after) == before  # the half-done replace left nothing behind


@pytest.mark.parametrize("column, value, words", [
    ("exchange_rate", "x", 'Its exchange_rate is "x", which is not a number.'),
    ("exchange_rate", 1e308 * 10, "which is not a number"),
    ("quota", 2 ** 70, "which is not a whole number that fits"),
    ("disabled", "yes", 'Its disabled is "yes", which is not true or false.'),
    ("notes", {"a": 1}, "which is not text"),
])
def test_a_wrong_value_type_in_our_own_backup_rejects_that_account_in_one_sentence(
        store, db_path, tmp_path, capsys, column, value, words):
    """Before: 'Saving to the database failed: Conversion Error: ...' and the whole import stopped."""
    apply_import(store, parse_backup(FULL.read_bytes()))
    before = _state(store)
    own = build_own_backup(store)
    own["accounts"][0]["values"][column] = value
    own["accounts"][0]["ext_id"] = "changed-entry"  # a new entry, so it would be inserted
    path = tmp_path / "own.json"
    path.write_text(json.dumps(own))
    code = main(["--db", str(db_path), "import", str(path), "--json"])
    out, err = capsys.readouterr()
    assert code == 1 and "Traceback" not in err and "Conversion" not in out + err, err  # 1: a row rejected
    [rejected] = [r for r in json.loads(out)["rows"] if r["action"] == "rejected"]
    assert words in rejected["reason"]
    assert _state(store) == before
