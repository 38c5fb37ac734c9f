"""``Store.released()``: a session lets go of the file around network waits, after a grace.

A wait shorter than the grace (one account's refresh, an add) keeps the session's connection and
takes nothing back (no closing and reopening of the file); a longer one frees the file for
another process once the grace is over, and the session is taken back at the end."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from allhub_core.accounts import AccountInput, account_records, add_account
from allhub_core.store import Store

pytestmark = pytest.mark.subprocess


def _other_process_writes(path) -> subprocess.CompletedProcess:
    code = ("import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
            "con.execute(\"UPDATE accounts SET notes = 'from another process'\"); con.close()")
    return subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60)


def _store(tmp_path) -> tuple[Store, object]:
    path = tmp_path / "allhub.duckdb"
    store = Store(path)
    add_account(store, AccountInput(site_url="https://a.example", site_name="A", user_id="1", access_token="tok-a"))
    return store, path


def test_a_short_wait_keeps_the_session_connection_and_holds_the_file(tmp_path):
    store, path = _store(tmp_path)
    with store.session():
        before = store._pinned
        with store.released(grace_s=30):
            # work inside the block is served (DuckDB's instance of the held connection) ...
            assert [r["site_name"] for r in account_records(store)] == ["A"]
            # ... and the file is still this process's: another process cannot write yet
            done = _other_process_writes(path)
            assert done.returncode != 0 and "lock" in done.stderr.lower()
        assert store._pinned is before  # nothing was closed, nothing opened again
        assert [r["site_name"] for r in account_records(store)] == ["A"]
    assert _other_process_writes(path).returncode == 0  # the session's end lets go


def test_a_long_wait_frees_the_file_after_the_grace_and_takes_the_session_back(tmp_path):
    store, path = _store(tmp_path)
    with store.session():
        before = store._pinned
        with store.released(grace_s=0.2):
            time.sleep(0.6)
            done = _other_process_writes(path)  # the grace is over: the file is free
            assert done.returncode == 0, done.stderr
        assert store._pinned is not None and store._pinned is not before  # taken back: a new opening
        assert [r["notes"] for r in account_records(store)] == ["from another process"]


def test_no_grace_lets_go_at_once(tmp_path):
    store, path = _store(tmp_path)
    with store.session(), store.released(grace_s=0):
        done = _other_process_writes(path)
        assert done.returncode == 0, done.stderr
