"""``allhub refresh`` and ``allhub checkin`` as real processes against the sandbox over HTTP:
with one site hanging, the other sites' results are in the store within 10 s while the command
still runs, and a SIGKILL keeps them; every run is in the run log (``allhub runs``) with its
trigger and counts, and a killed one shows as interrupted (issue 16)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from shared import add_sandbox_accounts

from allhub_core.cli.main import main
from allhub_core.store import Store

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.usefixtures("fresh_sites")


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    # new-api and veloera check in, one-api has no check-in; two accounts on each
    return sandbox_factory(dialects=["new-api", "veloera", "one-api"], users_per_site=2, seed=7)


def _allhub(db_path, *argv: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "allhub_core", "--db", str(db_path), *argv], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _ids(db_path, sql: str) -> set[int]:
    """Account ids a query returns, read by this process while the command may still run."""
    with Store(db_path).read() as con:
        return {int(r[0]) for r in con.execute(sql).fetchall()}


def _hang_one_site(db_path, sandbox) -> tuple[set[int], set[int]]:
    """Load every sandbox user, make the new-api site hang; (its accounts, the others)."""
    ids = set(add_sandbox_accounts(Store(db_path), sandbox))
    hanging = sandbox.site("new-api")
    hanging.inject("slow", ms=60_000)  # far beyond the 10 s we wait; the command keeps running
    stuck = _ids(db_path, f"SELECT id FROM accounts WHERE site_url = '{hanging.url}'")
    assert len(stuck) == 2 and len(ids - stuck) == 4
    return stuck, ids - stuck


def _wait_while_running(proc: subprocess.Popen, done, seconds: float = 10.0) -> float:
    started = time.monotonic()
    while not done():
        assert proc.poll() is None, f"the command ended before its results were seen: {proc.communicate()}"
        assert time.monotonic() - started < seconds, "the finished accounts were not in the store in time"
        time.sleep(0.2)
    assert proc.poll() is None  # still held by the hanging site
    return time.monotonic() - started


def _runs(db_path, capsys) -> list[dict]:
    capsys.readouterr()
    code = main(["--db", str(db_path), "runs", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def test_refresh_writes_each_result_as_it_comes_and_a_sigkill_keeps_them(db_path, sandbox, capsys):
    stuck, healthy = _hang_one_site(db_path, sandbox)
    refreshed = "SELECT id FROM accounts WHERE last_sync_time IS NOT NULL AND health_status = 'healthy'"
    proc = _allhub(db_path, "refresh")
    try:
        _wait_while_running(proc, lambda: _ids(db_path, refreshed) >= healthy)
        assert not _ids(db_path, refreshed) & stuck
        # the day's balance snapshot came with the figures, in the same transaction
        assert _ids(db_path, "SELECT account_id FROM balance_snapshots") == _ids(db_path, refreshed)
        running = [r for r in _runs(db_path, capsys) if r["job"] == "refresh"]
        assert [(r["trigger"], r["status"]) for r in running] == [("cli", "running")]
        # a second refresh meanwhile is refused in one sentence, like a busy database (exit 1)
        assert main(["--db", str(db_path), "refresh"]) == 1
        assert capsys.readouterr().err == "allhub: A refresh run is already going on; wait for it to finish.\n"
    finally:
        proc.kill()
        proc.wait(30)
    assert _ids(db_path, refreshed) == healthy
    assert _ids(db_path, "SELECT account_id FROM balance_snapshots") == healthy
    [run] = [r for r in _runs(db_path, capsys) if r["job"] == "refresh"]
    assert run["trigger"] == "cli" and run["status"] == "failed" and run["summary"].startswith("Interrupted")


def test_checkin_writes_each_result_as_it_comes_and_a_sigkill_keeps_them(db_path, sandbox, capsys):
    _stuck, others = _hang_one_site(db_path, sandbox)
    logged = "SELECT account_id FROM checkin_log"
    proc = _allhub(db_path, "checkin")
    try:
        _wait_while_running(proc, lambda: _ids(db_path, logged) >= others)
    finally:
        proc.kill()
        proc.wait(30)
    assert _ids(db_path, logged) == others  # veloera checked in, one-api unsupported: both kept
    checked = _ids(db_path, "SELECT id FROM accounts WHERE checkin_status = 'checked'")
    assert checked < others and len(checked) == 2
    posts = [r for r in sandbox.site("veloera").requests if r.method == "POST" and "check" in r.path]
    assert len(posts) == 2
    [run] = [r for r in _runs(db_path, capsys) if r["job"] == "checkin"]
    assert run["trigger"] == "cli" and run["status"] == "failed" and run["summary"].startswith("Interrupted")


def test_cli_refresh_and_checkin_are_in_the_run_log_with_their_counts(db_path, sandbox, capsys):
    ids = add_sandbox_accounts(Store(db_path), sandbox)
    sandbox.site("one-api").inject("500")  # a failure among the counts
    for argv in (["refresh", "--json"], ["checkin", "--json"]):
        out, err = _allhub(db_path, *argv).communicate(timeout=120)
        assert len(json.loads(out)) == len(ids), err
    runs = {r["job"]: r for r in _runs(db_path, capsys)}
    assert set(runs) == {"refresh", "checkin"}
    refresh, checkin = runs["refresh"], runs["checkin"]
    assert (refresh["trigger"], refresh["status"]) == ("cli", "partial")
    counts = refresh["counts"]
    assert (counts["refreshed"], counts["failed"], counts["skipped"]) == (4, 2, 0) and counts["usage_rows_added"] > 0
    assert refresh["done"] == refresh["total"] == len(refresh["results"]) == len(ids)
    assert refresh["summary"].startswith("Refresh complete: 4 succeeded, 2 failed. Usage sync: 4 account(s)")
    assert checkin["trigger"] == "cli" and checkin["done"] == checkin["total"] == len(checkin["results"]) == len(ids)
    assert checkin["counts"] == {"success": 4, "unsupported": 2}
    assert sorted(r["account_id"] for r in checkin["results"]) == sorted(ids)
    # a bad id is one sentence and leaves the log as it was
    assert main(["--db", str(db_path), "refresh", "999"]) == 2
    assert "999" in capsys.readouterr().err
    assert len(_runs(db_path, capsys)) == 2
