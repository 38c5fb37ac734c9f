"""The Automation page (settings, next runs, run now, the run log with per-account results), the
progress every page shows while a job runs in the background, and app.py's once-per-process
scheduler and once-per-session refresh on open."""

from __future__ import annotations

import time

import pytest
from appsupport import ROOT, start, texts
from streamlit.testing.v1 import AppTest

from allhub_core import automation
from allhub_core.accounts import AccountInput, add_account, set_preference
from allhub_core.sandbox import demo_accounts

PAGE = "pages/automation.py"
SAVE = "FormSubmitter:automation_settings-Save automation settings"


def wait_idle(store, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while automation.current_run(store) is not None:
        assert time.monotonic() < deadline, "the background run did not finish"
        time.sleep(0.2)


def test_settings_are_saved_and_read_back(store):
    at = start(PAGE)
    at.toggle(key="refresh_enabled").set_value(True)
    at.number_input(key="refresh_interval_s").set_value(1200)
    at.toggle(key="checkin_enabled").set_value(True)
    at.radio(key="checkin_mode").set_value("fixed")
    at.text_input(key="checkin_time").input("7:45")
    at.text_input(key="checkin_window_start").input("22:00")
    at.text_input(key="checkin_window_end").input("06:30")  # past midnight is allowed
    at.toggle(key="retry_enabled").set_value(True)
    at.number_input(key="retry_max").set_value(5)
    at.selectbox(key="webdav_sync_mode").set_value("upload")
    at.toggle(key="models_sync_enabled").set_value(True)
    at.number_input(key="models_sync_interval_s").set_value(43_200)
    at.button(key=SAVE).click().run()
    assert not at.exception, at.exception
    assert texts(at.success) == ["Automation settings saved."]

    s = automation.get_settings(store)
    assert (s.refresh_enabled, s.refresh_interval_s, s.checkin_enabled, s.checkin_mode, s.checkin_time) == (
        True, 1200, True, "fixed", "07:45")
    assert (s.checkin_window_start, s.checkin_window_end, s.retry_enabled, s.retry_max, s.webdav_sync_mode) == (
        "22:00", "06:30", True, 5, "upload")
    assert (s.models_sync_enabled, s.models_sync_interval_s) == (True, 43_200)

    again = start(PAGE)  # a new session reads them back from the database
    assert again.toggle(key="refresh_enabled").value is True
    assert again.number_input(key="refresh_interval_s").value == 1200
    assert again.text_input(key="checkin_window_start").value == "22:00"
    assert again.text_input(key="checkin_time").value == "07:45"
    assert again.selectbox(key="webdav_sync_mode").value == "upload"
    # the next runs follow the settings: refresh and check-in now have a time
    shown = {row["Job"]: row["Next run"] for row in again.dataframe[0].value.to_dict("records")}
    assert shown["Refresh"] != "—" and shown["Check-in"] != "—" and shown["Models sync"] != "—", shown


@pytest.mark.parametrize("start_at, end_at, sentence", [
    ("10:00", "10:00", "The check-in window must not be empty: its start and end must differ."),
    ("25:00", "23:00", "The start of the check-in window must be a time of day as HH:MM (00:00 to 23:59), "
                       "not '25:00'."),
])
def test_a_bad_window_shows_one_sentence_and_changes_nothing(store, start_at, end_at, sentence):
    automation.save_settings(store, refresh_enabled=True, refresh_interval_s=900)
    before = automation.get_settings(store)
    at = start(PAGE)
    at.toggle(key="checkin_enabled").set_value(True)
    at.number_input(key="refresh_interval_s").set_value(3600)  # a good change in the same form
    at.text_input(key="checkin_window_start").input(start_at)
    at.text_input(key="checkin_window_end").input(end_at)
    at.button(key=SAVE).click().run()
    assert not at.exception, at.exception
    assert texts(at.error) == [sentence]
    assert not at.success
    assert automation.get_settings(store) == before


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=["new-api", "veloera"], users_per_site=2, seed=11)


def add_sandbox_accounts(store, sandbox) -> list[str]:
    set_preference(store, "per_site_rpm", 0)  # our own loopback sites: no need to be polite
    names = []
    for row in demo_accounts(sandbox):
        name = f"{row['dialect']} {row['username']}"
        add_account(store, AccountInput(site_url=row["site_url"], site_name=name, site_type=row["site_type"],
                                        user_id=row["user_id"], username=row["username"], auth_type=row["auth_type"],
                                        access_token=row["access_token"], cookie=row.get("cookie") or ""))
        names.append(name)
    return names


def test_run_now_runs_in_the_background_and_the_log_shows_each_account(store, sandbox):
    names = add_sandbox_accounts(store, sandbox)
    sandbox.site("veloera").inject("401")  # one site refuses: its accounts fail with the reason
    at = start(PAGE)
    assert texts(at.caption)[-1] == "No run yet."
    at.selectbox(key="run_job").set_value("refresh")
    at.button(key="run_now").click().run()
    assert not at.exception, at.exception
    assert texts(at.success) == ["Refresh started in the background; its progress shows in the sidebar of every page."]
    wait_idle(store)

    at.run()
    log = at.dataframe[1].value
    assert list(log["Job"]) == ["Refresh"] and list(log["Trigger"]) == ["manual"]
    assert log["Status"][0] == "partial" and log["Accounts"][0] == f"{len(names)}/{len(names)}"
    results = at.dataframe[2].value
    assert sorted(results["Name"]) == sorted(names)
    by_name = dict(zip(results["Name"], results["OK"], strict=True))
    assert all(ok for n, ok in by_name.items() if n.startswith("new-api")), by_name
    assert not any(ok for n, ok in by_name.items() if n.startswith("veloera")), by_name
    assert any("401" in m for m in results["Message"]), list(results["Message"])


def test_run_now_while_a_job_runs_says_so_and_starts_nothing(store, monkeypatch):
    monkeypatch.setattr(automation, "start_background_run", lambda *a, **k: False)
    at = start(PAGE)
    at.button(key="run_now").click().run()
    assert texts(at.warning) == ["A job is running already; this one can start when it has finished."]
    assert automation.list_runs(store) == []


def first_run() -> AppTest:
    """The landing page through app.py. (AppTest runs app.py on the first run only; later runs
    run the page file bare, so what app.py adds to every page is checked on a first run.)"""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.run()
    assert not at.exception, at.exception
    return at


def test_every_page_shows_the_running_job_in_the_sidebar(store, monkeypatch):
    running = {"id": 7, "job": "checkin", "trigger": "schedule", "status": "running", "done": 3, "total": 8,
               "summary": None, "started_at": None, "finished_at": None}
    monkeypatch.setattr(automation, "current_run", lambda _store: running)
    at = first_run()
    bars = at.sidebar.get("progress")
    assert len(bars) == 1 and bars[0].value == 37  # percent
    assert bars[0].proto.text == "Check-in running: 3/8"
    assert "It runs in the background: use the dashboard meanwhile." in texts(at.sidebar.get("caption"))


def test_when_the_run_it_saw_ends_the_sidebar_says_so_and_offers_the_new_data(store, monkeypatch):
    finished = {"id": 7, "job": "refresh", "trigger": "manual", "status": "ok", "done": 4, "total": 4,
                "summary": "Refresh complete: 4 succeeded."}
    monkeypatch.setattr(automation, "current_run", lambda _store: None)
    monkeypatch.setattr(automation, "list_runs", lambda _store, limit=50, job=None: [finished])
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.session_state["_bg_seen"] = 7
    at.run()
    assert not at.sidebar.get("progress")
    assert texts(at.sidebar.get("caption")) == ["**Refresh finished** (ok). Refresh complete: 4 succeeded."]
    assert [b.label for b in at.sidebar.get("button")] == ["Show the new data"]


def test_idle_the_sidebar_shows_nothing(store):
    at = first_run()
    assert not at.sidebar.get("progress") and not at.sidebar.get("caption") and not at.sidebar.get("button")


def test_the_scheduler_starts_once_per_process_and_the_stale_refresh_once_per_session(store, monkeypatch):
    monkeypatch.delenv("ALLHUB_NO_BACKGROUND")
    started, refreshed = [], []
    monkeypatch.setattr(automation, "start_scheduler_thread", lambda path: started.append(path) or object())
    monkeypatch.setattr(automation, "refresh_if_stale", lambda s: refreshed.append(s.path))
    first_run()
    first_run()  # another browser tab: a new session
    deadline = time.monotonic() + 5
    while len(refreshed) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert started == [store.path]
    assert refreshed == [store.path, store.path]


def test_without_background_the_dashboard_starts_no_scheduler(store, monkeypatch):
    started = []
    monkeypatch.setattr(automation, "start_scheduler_thread", lambda path: started.append(path))
    monkeypatch.setattr(automation, "refresh_if_stale", lambda s: started.append(s))
    first_run()
    time.sleep(0.2)
    assert started == []
