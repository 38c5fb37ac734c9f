"""A run a person starts holds one session of the store (issue 18: one opening of the file for the
command, not one per unit of work) and lets it go wherever it waits: for the sites (the sync room),
for a message to go out, for a background run to make way. DuckDB lets one process hold the file:
a session held through a wait would keep the dashboard or the daemon out."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import datetime

import pytest
from shared import fast_politeness

from allhub_core import automation
from allhub_core.accounts import AccountInput, add_account
from allhub_core.automation import JobBusy, list_runs, run_now, runlog, user_runs
from allhub_core.automation.notify import dispatch
from allhub_core.sandbox import demo_accounts

FAST = fast_politeness()


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=["new-api"], users_per_site=2, seed=5)


pytestmark = pytest.mark.usefixtures("fresh_sites")


def load(store, sandbox) -> list[int]:
    return [add_account(store, AccountInput(
        site_url=r["site_url"], site_name=r["username"], site_type=r["site_type"], user_id=r["user_id"],
        username=r["username"], auth_type=r["auth_type"], access_token=r.get("access_token") or "",
        cookie=r.get("cookie") or "")) for r in demo_accounts(sandbox)]


def another_process_writes(db_path) -> bool:
    code = ("import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
            "con.execute(\"INSERT INTO automation_state VALUES ('elsewhere', 'x') "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value\"); con.close()")
    done = subprocess.run([sys.executable, "-c", code, str(db_path)], capture_output=True, text=True, timeout=60)
    return done.returncode == 0


def test_a_persons_run_lets_the_file_go_while_a_background_run_makes_way(db_path, store, monkeypatch):
    """The scheduler's run (here: its row, as another process's run would leave it) is asked to
    make way; while the person's run waits for it, another process can write the file (the
    background run must record its end), even though the person's run holds a session."""
    rid = runlog.claim_run(store, "refresh", "schedule", datetime.now())
    assert rid is not None
    monkeypatch.setattr(user_runs, "MAKE_WAY_WAIT_S", 0.3)
    seen: list[bool] = []
    real_sleep = user_runs.time.sleep

    me = threading.get_ident()

    asked: list[bool] = []

    def sleep(seconds: float) -> None:  # time.sleep is global: another test's thread may sleep meanwhile
        # once: subprocess.run's own wait sleeps too (through this hook) while the other process runs
        if threading.get_ident() == me and not asked:
            asked.append(True)
            seen.append(another_process_writes(db_path))
        real_sleep(seconds)

    monkeypatch.setattr(user_runs.time, "sleep", sleep)
    with store.session(), pytest.raises(JobBusy):
        run_now(store, "refresh", trigger="cli", politeness=FAST)
    assert seen == [True]
    assert runlog.get_state(store, "elsewhere") == "x"


def test_a_refresh_of_chosen_accounts_ends_with_its_count_written(store, sandbox):
    """The batch that completes the count is written by the run's end, not by a progress write
    of its own: the run row still says done == total."""
    ids = load(store, sandbox)
    with store.session():
        report = run_now(store, "refresh", ids, trigger="cli", force=True, politeness=FAST)
    assert report.status == "ok" and report.counts["refreshed"] == len(ids)
    [run] = list_runs(store)
    assert run["status"] == "ok" and run["done"] == run["total"] == len(ids)


def test_a_message_goes_out_with_the_store_let_go_and_no_channel_keeps_it(store, sandbox, sink, monkeypatch):
    """With no enabled channel the hook only records the run (in the run's own session); with
    one, it runs with the session let go (another process could write while it sends)."""
    ids = load(store, sandbox)
    held: list[bool] = []
    real = dispatch.notify_after_run

    def hook(st, run):
        held.append(st._pinned is not None)
        return real(st, run)

    monkeypatch.setattr(dispatch, "notify_after_run", hook)
    monkeypatch.setattr(automation.notify, "notify_after_run", hook)
    with store.session():
        run_now(store, "refresh", ids[:1], trigger="cli", force=True, politeness=FAST)
    automation.notify.add_channel(store, "hook", "webhook", fields={"url": sink.url("/hooks/x")})
    with store.session():
        report = run_now(store, "refresh", ids[:1], trigger="cli", force=True, politeness=FAST)
    assert held == [True, False]
    assert [n["ok"] for n in report.notify] == [True] and len(sink.got) == 1
