"""run_job against the sandbox relay sites over real HTTP: the run log, progress, results,
the notifications hook, refresh on open, and background runs."""

from __future__ import annotations

import sys
import threading
import time
import types

import pytest
from automation_helpers import today_at
from shared import fast_politeness

from allhub_core.accounts import AccountInput, add_account
from allhub_core.automation import (
    FakeClock,
    current_run,
    list_runs,
    next_runs,
    refresh_if_stale,
    run_job,
    run_now,
    run_results,
    save_settings,
    start_background_run,
)
from allhub_core.sandbox import demo_accounts
from allhub_core.store import Store

FAST = fast_politeness()
DIALECTS = ["new-api", "veloera", "one-api"]


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=DIALECTS, users_per_site=2, seed=5)


@pytest.fixture(autouse=True)
def clean(sandbox):
    for site in sandbox.sites:
        site.reset()
    yield
    for site in sandbox.sites:
        site.clear_faults()


@pytest.fixture
def no_notify(monkeypatch):
    """The notifications module absent (import fails), as before it existed."""
    monkeypatch.setitem(sys.modules, "allhub_core.automation.notify", None)


def load(store, sandbox) -> dict[int, str]:
    ids = {}
    for row in demo_accounts(sandbox):
        aid = add_account(store, AccountInput(
            site_url=row["site_url"], site_name=f"{row['dialect']} {row['username']}", site_type=row["site_type"],
            user_id=row["user_id"], username=row["username"], auth_type=row["auth_type"],
            access_token=row.get("access_token") or "", cookie=row.get("cookie") or ""))
        ids[aid] = row["dialect"]
    return ids


def checkin_posts(sandbox) -> int:
    return sum(1 for site in sandbox.sites for r in site.requests if r.method == "POST" and "check" in r.path)


def test_checkin_run_is_logged_with_results_progress_and_counts(store, sandbox, no_notify):
    ids = load(store, sandbox)
    report = run_job(store, "checkin", clock=FakeClock(today_at("10:00")), politeness=FAST)
    by_dialect = {ids[int(r["account_id"])]: r["result"] for r in report.rows()}
    assert by_dialect == {"new-api": "success", "veloera": "success", "one-api": "unsupported"}
    assert report.status == "ok" and report.exit_code() == 0 and report.notify == []
    assert report.summary().startswith("Check-in finished:")
    [run] = list_runs(store)
    assert run["job"] == "checkin" and run["trigger"] == "manual" and run["status"] == "ok"
    assert run["done"] == run["total"] == len(ids) and run["finished_at"] >= run["started_at"]
    assert run["counts"]["success"] == 4 and run["summary"] == report.summary() and run["notify"] == []
    results = run_results(store, run["id"])
    assert {r["account_id"] for r in results} == set(ids) and all(r["name"] for r in results)
    assert current_run(store) is None
    # a second run the same day takes only what is not checked in (one-api is now known unsupported)
    posts = checkin_posts(sandbox)
    again = run_job(store, "checkin", clock=FakeClock(today_at("11:00")), politeness=FAST)
    assert again.rows() == [] and checkin_posts(sandbox) == posts
    assert "every account with auto check-in is checked in today" in again.summary()


def test_refresh_run_and_failures_make_a_partial_run(store, sandbox, no_notify):
    ids = load(store, sandbox)
    victim = next(a for a, d in ids.items() if d == "veloera")
    with store.write() as con:
        con.execute("UPDATE accounts SET site_url = 'http://127.0.0.1:9' WHERE id = ?", [victim])
    report = run_job(store, "refresh", clock=FakeClock(today_at("10:00")), politeness=FAST)
    rows = {int(r["account_id"]): r for r in report.rows()}
    assert not rows[victim]["ok"] and rows[victim]["result"] == "failed" and rows[victim]["message"]
    assert report.status == "partial" and report.exit_code() == 1
    assert report.counts["failed"] == 1 and report.counts["refreshed"] == len(ids) - 1
    # non-forced: right after, everything fresh is skipped (the per-account minimum interval)
    again = run_job(store, "refresh", clock=FakeClock(today_at("10:01")), politeness=FAST)
    assert again.counts["skipped"] >= len(ids) - 1 and again.counts["refreshed"] == 0


def test_notifications_hook_is_called_and_its_answer_stored(store, sandbox, monkeypatch):

    seen = []
    fake = types.ModuleType("allhub_core.automation.notify")
    fake.notify_after_run = lambda store, run: seen.append(run) or [{"channel": "ntfy", "ok": True, "message": "sent"}]
    monkeypatch.setitem(sys.modules, "allhub_core.automation.notify", fake)
    load(store, sandbox)
    report = run_job(store, "checkin", politeness=FAST)
    assert report.notify == [{"channel": "ntfy", "ok": True, "message": "sent"}]
    assert list_runs(store)[0]["notify"] == report.notify
    [run] = seen
    assert run["job"] == "checkin" and run["status"] == "ok" and len(run["results"]) == len(report.rows())

    def broken(store, run):
        raise RuntimeError("boom")

    fake.notify_after_run = broken  # a notifier failure never fails the job
    report = run_job(store, "refresh", politeness=FAST)
    assert report.status == "ok" and report.notify[0]["ok"] is False
    # usage and WebDAV runs do not notify
    fake.notify_after_run = lambda store, run: pytest.fail("not for usage sync")
    assert run_job(store, "usage_sync", politeness=FAST).job == "usage_sync"


def test_webdav_run_without_settings_is_a_failed_run_with_a_sentence(store, no_notify):
    report = run_job(store, "webdav_sync")
    assert report.status == "failed" and "WebDAV is not set up" in report.summary()
    assert list_runs(store)[0]["status"] == "failed"


def test_refresh_if_stale(store, sandbox, no_notify):
    ids = load(store, sandbox)
    assert refresh_if_stale(store, politeness=FAST) is None  # "refresh on open" is off by default
    save_settings(store, refresh_on_open=True)
    first = refresh_if_stale(store, politeness=FAST)
    assert first is not None and first.trigger == "open" and first.counts["refreshed"] == len(ids)
    assert refresh_if_stale(store, politeness=FAST) is None  # fresh now
    with store.write() as con:  # two minutes on: the data is older than the minimum interval
        con.execute("UPDATE accounts SET last_sync_time = last_sync_time - INTERVAL 121 SECOND")
    clock = FakeClock()
    clock.advance(121)
    later = refresh_if_stale(store, clock=clock, politeness=FAST)
    assert later is not None and later.counts["refreshed"] == len(ids)


def test_background_run_returns_at_once_and_only_once(db_path, store, sandbox, no_notify):
    load(store, sandbox)
    for site in sandbox.sites:
        site.set_latency(300)
    try:
        assert start_background_run(db_path, "refresh", politeness=FAST) is True
        assert start_background_run(db_path, "refresh", politeness=FAST) is False  # already running
        running = current_run(store)
        assert running is not None and running["job"] == "refresh" and running["status"] == "running"
        assert running["total"] == 6
        deadline = time.monotonic() + 30
        while current_run(store) is not None and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        for site in sandbox.sites:
            site.set_latency(0)
    [run] = list_runs(store)
    assert run["status"] == "ok" and run["done"] == 6
    assert all(t.name != "allhub-refresh-run" for t in threading.enumerate())


def test_a_persons_refresh_goes_first_the_scheduled_one_makes_way(db_path, store, sandbox, no_notify):
    """A scheduled refresh is going on (slow sites) when a person asks for a refresh: theirs is not
    refused as busy; the scheduled run stops within a second, writes what it finished, says it made
    way, and leaves the job due at the next tick; no notification goes out for it."""
    ids = load(store, sandbox)
    for site in sandbox.sites:
        site.set_latency(400)
    done: dict[str, object] = {}

    def scheduled() -> None:
        done["report"] = run_job(Store(db_path), "refresh", trigger="schedule", politeness=slow_one_at_a_time())

    thread = threading.Thread(target=scheduled)
    try:
        thread.start()
        deadline = time.monotonic() + 10
        while current_run(store) is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert current_run(store)["trigger"] == "schedule"
        time.sleep(0.5)
        started = time.monotonic()
        mine = run_now(store, "refresh", list(ids)[:2], trigger="dashboard", force=True, politeness=FAST)
        waited = time.monotonic() - started
        thread.join(30)
    finally:
        for site in sandbox.sites:
            site.set_latency(0)
    assert mine.status == "ok" and mine.counts["refreshed"] == 2
    assert waited < 8  # it did not wait for the whole scheduled run (6 accounts, one request at a time)
    bg = done["report"]
    assert bg.summary().startswith("Made way for a run a person started:")
    assert bg.notify == [] and len(bg.rows()) < len(ids)
    runs = {r["trigger"]: r for r in list_runs(store)}
    assert runs["schedule"]["status"] != "running" and runs["dashboard"]["status"] == "ok"
    save_settings(store, refresh_enabled=True)
    refresh_entry = next(r for r in next_runs(store) if r["job"] == "refresh")
    assert refresh_entry["due"] is True  # the rest follow at the next tick
    assert not any(p.name.endswith(".preempt-refresh") for p in db_path.parent.iterdir())


def slow_one_at_a_time():
    return fast_politeness(per_site_concurrency=1, global_concurrency=1)
