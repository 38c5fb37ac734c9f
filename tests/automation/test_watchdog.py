"""No job stalls the scheduler: a WebDAV sync against a server that drips its answer ends at the
WebDAV deadline, and a job stuck past its own deadline is recorded failed with one sentence while
the scheduler goes on to the day's check-in (a real wsgidav server on 127.0.0.1, a FakeClock)."""

from __future__ import annotations

import threading
import time

import pytest
from automation_helpers import FakeCheckin, add_accounts, today_at
from webdav_server import PASSWORD, USER

from allhub_core import sync
from allhub_core.automation import FakeClock, Scheduler, list_runs, save_settings, watchdog
from allhub_core.store import Store
from allhub_core.sync import RefreshReport, backup


@pytest.fixture
def fake_checkin(monkeypatch):
    fake = FakeCheckin()
    monkeypatch.setattr(sync, "checkin", fake)
    return fake


def setup(db_path, dav, timeout_s: int) -> tuple[Store, list[int]]:
    store = Store(db_path)
    ids = add_accounts(store, 2)
    backup.save_backup_settings(store, url=dav.url("/"), username=USER, password=PASSWORD, timeout_s=timeout_s)
    save_settings(store, checkin_enabled=True, checkin_mode="fixed", checkin_time="10:00",
                  webdav_sync_enabled=True, webdav_sync_interval_s=300)
    return store, ids


def runs(store) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for run in reversed(list_runs(store)):
        out.setdefault(run["job"], []).append(run)
    return out


def test_a_dripping_webdav_server_ends_the_sync_at_its_deadline_and_the_check_in_runs(db_path, dav_server,
                                                                                       fake_checkin):
    dav = dav_server("drip")
    dav.drip_every = 0.5
    store, ids = setup(db_path, dav, timeout_s=2)
    clock = FakeClock(today_at("09:59"))
    sched = Scheduler(db_path, clock=clock)
    started = time.monotonic()
    [sync_run] = sched.tick()
    assert time.monotonic() - started < 15
    assert sync_run.job == "webdav_sync" and sync_run.status == "failed"
    assert sync_run.summary() == f"The WebDAV server at {dav.url('/')} did not finish answering before the run's " \
                                 "time limit; nothing more was sent to it."
    clock.advance(60)
    [checkin] = sched.tick()
    assert checkin.job == "checkin" and checkin.status == "ok" and sorted(fake_checkin.checked()) == ids
    logged = runs(store)
    assert [r["status"] for r in logged["webdav_sync"]] == ["failed"] and logged["checkin"][0]["status"] == "ok"


def test_a_job_stuck_past_its_deadline_is_logged_failed_and_the_scheduler_goes_on(db_path, dav_server, fake_checkin,
                                                                                 monkeypatch):
    """A sync that never returns (stuck where no WebDAV deadline reaches): after the WebDAV deadline
    plus the margin its run is failed with one sentence, the check-in still runs at its time, the
    stuck job is not started a second time, and its late end does not rewrite the log."""
    store, ids = setup(db_path, dav_server(), timeout_s=1)
    release = threading.Event()
    calls: list[float | None] = []

    def stuck_sync(store, *, mode="merge", time_limit_s=None, **kw):
        calls.append(time_limit_s)
        release.wait(60)
        raise AssertionError("never reached in time")

    monkeypatch.setattr(sync, "backup_sync", stuck_sync)
    monkeypatch.setattr(watchdog, "JOB_MARGIN_S", 1.0)
    clock = FakeClock(today_at("09:59"))
    sched = Scheduler(db_path, clock=clock)
    started = time.monotonic()
    [sync_run] = sched.tick()
    assert time.monotonic() - started < 15
    sentence = "The WebDAV sync did not finish within 2 s; it was given up on so the other jobs could run."
    assert (sync_run.job, sync_run.status, sync_run.summary()) == ("webdav_sync", "failed", sentence)
    assert calls == [1]  # the sync itself was told to end within the WebDAV deadline
    assert watchdog.stuck_jobs(store.path) == ["webdav_sync"]

    clock.advance(60)  # 10:00: the check-in runs although the sync is still stuck
    [checkin] = sched.tick()
    assert checkin.job == "checkin" and checkin.status == "ok" and sorted(fake_checkin.checked()) == ids
    clock.advance(600)  # the sync is due again but its stuck run has not ended: not started twice
    assert sched.tick() == [] and calls == [1]

    release.set()  # the stuck run ends at last (with an error): the log keeps the deadline's sentence
    deadline = time.monotonic() + 10
    while watchdog.stuck_jobs(store.path) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert watchdog.stuck_jobs(store.path) == []
    [logged] = runs(store)["webdav_sync"]
    assert (logged["status"], logged["summary"]) == ("failed", sentence)
    clock.advance(600)
    [again] = sched.tick()  # and the next due sync starts again
    assert again.job == "webdav_sync" and len(calls) == 2


def test_job_deadlines(store):
    backup.save_backup_settings(store, timeout_s=90)
    assert watchdog.job_deadline_s(store, "webdav_sync", 0) == 90 + watchdog.JOB_MARGIN_S
    assert watchdog.job_deadline_s(store, "refresh", 10) == watchdog.BASE_S + 10 * watchdog.PER_ACCOUNT_S
    assert watchdog.job_deadline_s(store, "checkin", 0) == watchdog.BASE_S


def hanging_refresh(seen: list):
    """Stands in for ``sync.refresh``: hangs until the run is told to stop (or 30 s pass)."""

    def refresh(store, ids=None, *, cancel=None, **kw):
        seen.append(cancel)
        stopped = cancel.wait(30) if cancel is not None else False
        seen.append(stopped)
        return RefreshReport([], [])
    return refresh


def test_a_run_given_up_is_told_to_stop(store, monkeypatch):
    seen: list = []
    monkeypatch.setattr(sync, "refresh", hanging_refresh(seen))
    started = time.monotonic()
    report = watchdog.run_within_deadline(store, "refresh", trigger="schedule", clock=FakeClock(today_at("08:00")),
                                          deadline_s=1)
    assert time.monotonic() - started < 10
    assert report.status == "failed" and report.summary().startswith("The refresh did not finish within 1 s;")
    deadline = time.monotonic() + 10
    while watchdog.stuck_jobs(store.path) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert seen[1] is True and watchdog.stuck_jobs(store.path) == []  # it stopped when told, not after 30 s
    [run] = list_runs(store)
    assert run["status"] == "failed" and run["summary"] == report.summary()


def test_a_stop_is_passed_on_to_the_run(store, monkeypatch):
    seen: list = []
    monkeypatch.setattr(sync, "refresh", hanging_refresh(seen))
    stop = threading.Event()
    threading.Timer(0.5, stop.set).start()
    started = time.monotonic()
    report = watchdog.run_within_deadline(store, "refresh", trigger="schedule", clock=FakeClock(today_at("08:00")),
                                          deadline_s=30, cancel=stop)
    assert time.monotonic() - started < 10 and seen[1] is True
    assert "did not finish" not in report.summary() and list_runs(store)[0]["status"] == report.status
