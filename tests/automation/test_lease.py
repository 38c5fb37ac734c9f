"""One acting scheduler per database: the lease, its heartbeat and its expiry."""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import timedelta

import pytest
from automation_helpers import FakeCheckin, add_accounts, today_at

from allhub_core import sync
from allhub_core.automation import FakeClock, JobBusy, Scheduler, lease_holder, list_runs, run_job, save_settings
from allhub_core.automation.lease import LEASE_TTL_S
from allhub_core.automation.runlog import claim_run, current_run
from allhub_core.store import Store


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_the_second_scheduler_waits_and_says_so(db_path, caplog):
    clock = FakeClock(today_at("08:00"))
    a, b = Scheduler(db_path, clock=clock), Scheduler(db_path, clock=clock)
    a.tick()
    with caplog.at_level("INFO", logger="allhub.automation"):
        assert b.tick() == []
    assert (a.state, b.state) == ("active", "waiting") and b.waiting_for["holder"] == a.holder
    assert "waiting: " + a.holder in caplog.text
    holder = lease_holder(Store(db_path))
    assert holder["holder"] == a.holder and holder["is_me"]
    assert holder["expires_at"] == holder["heartbeat_at"] + timedelta(seconds=LEASE_TTL_S)
    # the holder's ticks renew it; the other keeps waiting however long
    for _ in range(10):
        clock.advance(LEASE_TTL_S - 1)
        a.tick()
        b.tick()
        assert b.state == "waiting"


def test_a_dead_holders_lease_expires(db_path):
    clock = FakeClock(today_at("08:00"))
    a, b = Scheduler(db_path, clock=clock), Scheduler(db_path, clock=clock)
    a.tick()
    clock.advance(LEASE_TTL_S - 1)
    b.tick()
    assert b.state == "waiting"
    clock.advance(1)  # a stopped renewing: its lease ran out
    b.tick()
    assert b.state == "active" and lease_holder(Store(db_path))["holder"] == b.holder
    a.tick()
    assert a.state == "waiting"


def test_a_holder_whose_process_is_gone_loses_the_lease_at_once(db_path):
    store = Store(db_path)
    clock = FakeClock(today_at("08:00"))
    ghost = f"{socket.gethostname()}:{_dead_pid()}:deadbeef"
    with store.write() as con:
        con.execute("INSERT INTO automation_lease VALUES ('scheduler', ?, ?, ?, ?)",
                    [ghost, clock.now(), clock.now(), clock.now() + timedelta(hours=1)])
    assert not lease_holder(store)["is_me"]
    b = Scheduler(db_path, clock=clock)
    b.tick()
    assert b.state == "active"


def test_a_clean_stop_hands_over_at_once(db_path):
    clock = FakeClock(today_at("08:00"))
    a, b = Scheduler(db_path, clock=clock), Scheduler(db_path, clock=clock)
    a.tick()
    a.release()
    assert lease_holder(Store(db_path)) is None
    b.tick()
    assert b.state == "active"


def test_two_schedulers_on_one_file_check_each_account_in_once(db_path, monkeypatch):
    fake = FakeCheckin()
    monkeypatch.setattr(sync, "checkin", fake)
    store = Store(db_path)
    ids = add_accounts(store, 3)
    save_settings(store, checkin_enabled=True, checkin_mode="fixed", checkin_time="09:00")
    clock = FakeClock(today_at("09:00"))
    a, b = Scheduler(db_path, clock=clock), Scheduler(db_path, clock=clock)
    for _ in range(6):
        a.tick()
        b.tick()
        clock.advance(LEASE_TTL_S + 1)  # the lease changes hands when the other was slow
        b.tick()
        a.tick()
    # restarts: new schedulers, new stores
    for _ in range(3):
        Scheduler(Store(db_path).path, clock=clock).tick()
    assert sorted(fake.checked()) == ids and len(fake.calls) == 1


def test_one_live_run_per_job_and_a_dead_ones_row_is_closed(db_path):
    store = Store(db_path)
    clock = FakeClock(today_at("08:00"))
    assert claim_run(store, "refresh", "manual", clock.now()) is not None
    with pytest.raises(JobBusy):
        run_job(store, "refresh", clock=clock)
    # a run row left by a process that died: closed as failed, the job runs again
    with store.write() as con:
        con.execute("UPDATE automation_runs SET holder = ?", [f"{socket.gethostname()}:{_dead_pid()}"])
    report = run_job(store, "refresh", clock=clock)
    assert report.status == "ok"
    runs = list_runs(store)
    assert [r["status"] for r in runs] == ["ok", "failed"] and "Interrupted" in runs[1]["summary"]
    # a row not heard from for long is closed too (another host)
    assert claim_run(store, "usage_sync", "manual", clock.now(), holder="elsewhere:1") is not None
    with pytest.raises(JobBusy):
        run_job(store, "usage_sync", clock=clock)
    clock.advance(601)
    assert run_job(store, "usage_sync", clock=clock).status == "ok"


def test_a_run_whose_process_was_killed_is_shown_failed_before_anything_closes_it(db_path):
    """SIGKILL leaves the row 'running'; the log and the progress poll must not say it still is."""
    store = Store(db_path)
    clock = FakeClock(today_at("08:00"))
    rid = claim_run(store, "refresh", "manual", clock.now())
    assert current_run(store)["id"] == rid
    with store.write() as con:
        con.execute("UPDATE automation_runs SET holder = ?", [f"{socket.gethostname()}:{_dead_pid()}"])
    (run,) = list_runs(store)
    assert run["status"] == "failed" and run["summary"] == "Interrupted: the process running it stopped."
    assert current_run(store) is None
    with store.read() as con:  # nothing was written by reading: the next claim closes the row
        assert con.execute("SELECT status FROM automation_runs").fetchone()[0] == "running"
    assert run_job(store, "refresh", clock=clock).status == "ok"
    assert [r["status"] for r in list_runs(store)] == ["ok", "failed"]
