"""``Store(warm=True)`` (the CLI's listing commands): the schema check's connection serves the first
read, so the file is opened once; after that unit of work the file's lock is free for others."""

from __future__ import annotations

import subprocess
import sys

import pytest

from allhub_core.accounts import AccountInput, account_records, add_account
from allhub_core.store import Store

pytestmark = pytest.mark.subprocess


def _other_process_writes(path) -> subprocess.CompletedProcess:
    code = ("import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
            "con.execute(\"UPDATE accounts SET notes = 'from another process'\"); con.close()")
    return subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60)


def test_a_warm_store_reads_at_once_and_then_lets_go_of_the_file(tmp_path):
    path = tmp_path / "allhub.duckdb"
    add_account(Store(path), AccountInput(site_url="https://a.example", site_name="A", user_id="1",
                                          access_token="tok-a"))
    warm = Store(path, warm=True)
    assert [r["site_name"] for r in account_records(warm)] == ["A"]  # the kept connection served the read
    done = _other_process_writes(path)  # ... and was closed with it: another process may write
    assert done.returncode == 0, done.stderr
    assert [r["notes"] for r in account_records(Store(path))] == ["from another process"]


def test_a_warm_session_is_one_opening_and_is_released_at_its_end(tmp_path):
    path = tmp_path / "allhub.duckdb"
    Store(path)
    warm = Store(path, warm=True)
    with warm.session():
        add_account(warm, AccountInput(site_url="https://b.example", site_name="B", user_id="2",
                                       access_token="tok-b"))
        assert [r["site_name"] for r in account_records(warm)] == ["B"]
    done = _other_process_writes(path)
    assert done.returncode == 0, done.stderr
