"""The schedule with a controllable clock: the day's time, catch-up, retries, once a day."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from automation_helpers import FakeCheckin, add_accounts, today_at

from allhub_core import sync
from allhub_core.accounts import get_preferences, set_preference
from allhub_core.automation import FakeClock, Scheduler, get_settings, list_runs, next_runs, save_settings
from allhub_core.automation.schedule import planned_checkin_time, window_parts
from allhub_core.errors import ValidationError
from allhub_core.store import Store
from allhub_core.sync import RefreshReport


@pytest.fixture
def fake_checkin(monkeypatch):
    fake = FakeCheckin()
    monkeypatch.setattr(sync, "checkin", fake)
    return fake


def _entry(store, job, now):
    return next(r for r in next_runs(store, now) if r["job"] == job)


def test_defaults_follow_the_extension(store):
    s = get_settings(store)
    assert (s.refresh_enabled, s.refresh_interval_s, s.refresh_min_interval_s) == (False, 900, 120)
    assert (s.checkin_window_start, s.checkin_window_end, s.checkin_mode) == ("09:00", "23:00", "random")
    assert (s.retry_enabled, s.retry_interval_s, s.retry_max) == (False, 1800, 3)
    assert all(r["note"] == "off" for r in next_runs(store) if r["job"] != "webdav_sync")


@pytest.mark.parametrize("changes, words", [
    ({"refresh_interval_s": 59}, "at least|from 60"),
    ({"refresh_min_interval_s": 29}, "from 30"),
    ({"checkin_window_start": "25:00"}, "HH:MM"),
    ({"checkin_window_start": "10:00", "checkin_window_end": "10:00"}, "must not be empty"),
    ({"checkin_mode": "sometimes"}, "random"),
    ({"retry_max": 0}, "from 1"),
    ({"nonsense": 1}, "not an automation setting"),
])
def test_bad_values_are_one_sentence(store, changes, words):

    with pytest.raises(ValidationError) as err:
        save_settings(store, **changes)
    assert re.search(words, str(err.value)) and str(err.value).endswith(".")
    assert get_settings(store) == get_settings(store)  # nothing half-saved


def test_settings_are_saved_and_shared_with_the_preferences(store):

    s = save_settings(store, refresh_enabled=True, refresh_min_interval_s=300, usage_sync_interval_s=7200,
                      checkin_window_start="8:05")
    assert s.refresh_enabled and s.checkin_window_start == "08:05"
    prefs = get_preferences(store)
    assert prefs["refresh_min_interval_s"] == 300 and prefs["usage_sync_interval_s"] == 7200


def test_random_time_is_inside_the_window_and_kept_across_a_restart(db_path):
    store = Store(db_path)
    save_settings(store, checkin_enabled=True, checkin_window_start="10:00", checkin_window_end="10:30")
    clock = FakeClock(today_at("07:00"))
    first = _entry(store, "checkin", clock.now())
    assert not first["due"] and today_at("10:00") <= first["next_at"] <= today_at("10:30")
    assert "random in 10:00–10:30" in first["note"] and first["note"].startswith("today at ")
    # a new process (new Store, new scheduler) sees the same time
    again = Store(db_path)
    for _ in range(5):
        assert _entry(again, "checkin", clock.now())["next_at"] == first["next_at"]
    # a changed window picks again, inside the new window
    save_settings(again, checkin_window_start="20:00", checkin_window_end="20:10")
    moved = _entry(again, "checkin", clock.now())["next_at"]
    assert today_at("20:00") <= moved <= today_at("20:10")


def test_a_window_across_midnight_gives_each_day_its_own_part(store):
    s = save_settings(store, checkin_window_start="22:00", checkin_window_end="02:00")
    assert window_parts(s) == [(0, 120), (22 * 60, 24 * 60 - 1)]
    day = today_at("00:00").date()
    for offset in range(20):
        when = planned_checkin_time(store, s, day + timedelta(days=offset), today_at("00:00").tzinfo)
        assert when.date() == day + timedelta(days=offset)
        assert when.strftime("%H:%M") <= "02:00" or when.strftime("%H:%M") >= "22:00"


def test_fixed_time(store):
    save_settings(store, checkin_enabled=True, checkin_mode="fixed", checkin_time="14:37")
    entry = _entry(store, "checkin", today_at("08:00"))
    assert entry["next_at"] == today_at("14:37") and entry["note"] == "today at 14:37 (fixed time)"


def test_runs_at_its_time_then_not_again_that_day(db_path, fake_checkin):
    store = Store(db_path)
    ids = add_accounts(store, 3)
    save_settings(store, checkin_enabled=True, checkin_mode="fixed", checkin_time="10:00")
    clock = FakeClock(today_at("09:59"))
    sched = Scheduler(db_path, clock=clock)
    assert sched.tick() == [] and fake_checkin.calls == []
    clock.advance(60)
    [report] = sched.tick()
    assert report.job == "checkin" and report.trigger == "schedule" and report.status == "ok"
    assert sorted(fake_checkin.checked()) == ids
    for _ in range(10):  # later ticks, a restart and a second scheduler: nothing more today
        clock.advance(1800)
        assert sched.tick() == []
        assert Scheduler(db_path, clock=clock, holder=sched.holder).tick() == []
    assert len(fake_checkin.calls) == 1
    entry = _entry(store, "checkin", clock.now())
    assert entry["note"].startswith("done today; tomorrow at 10:00")


def test_a_window_already_begun_is_caught_up_the_same_day(db_path, fake_checkin):
    store = Store(db_path)
    add_accounts(store, 2)
    # switched on at 22:30, the random time (09:00-23:00) almost surely lies before: caught up now
    save_settings(store, checkin_enabled=True, checkin_mode="fixed", checkin_time="09:15")
    clock = FakeClock(today_at("22:30"))
    entry = _entry(store, "checkin", clock.now())
    assert entry["due"] and entry["trigger"] == "catch-up" and "catching up today's 09:15" in entry["note"]
    [report] = Scheduler(db_path, clock=clock).tick()
    assert report.trigger == "catch-up" and len(fake_checkin.calls) == 1
    assert list_runs(store)[0]["trigger"] == "catch-up"
    # and with a picked random time that has passed
    save_settings(store, checkin_mode="random", checkin_window_start="09:00", checkin_window_end="10:00")
    tomorrow = clock.now().date() + timedelta(days=1)
    clock.set(today_at("11:00", tomorrow))
    assert _entry(store, "checkin", clock.now())["trigger"] == "catch-up"


def test_retries_come_at_the_interval_and_stop_at_the_maximum(db_path, monkeypatch):
    store = Store(db_path)
    good, bad, later = add_accounts(store, 3)
    fake = FakeCheckin({bad: ["failed"], later: ["failed", "failed", "success"]})
    monkeypatch.setattr(sync, "checkin", fake)
    save_settings(store, checkin_enabled=True, checkin_mode="fixed", checkin_time="09:00", retry_enabled=True,
                  retry_interval_s=1800, retry_max=3)
    clock = FakeClock(today_at("09:00"))
    sched = Scheduler(db_path, clock=clock)
    [daily] = sched.tick()
    assert daily.status == "partial" and sorted(fake.calls[0]) == [good, bad, later]
    retry = _entry(store, "checkin_retry", clock.now())
    assert not retry["due"] and retry["next_at"] == daily.finished_at + timedelta(seconds=1800)
    assert "retry 1 of 3" in retry["note"]
    clock.advance(1799)
    assert sched.tick() == []
    clock.advance(1)
    [r1] = sched.tick()
    assert r1.trigger == "retry" and sorted(fake.calls[1]) == [bad, later]  # only today's failures
    clock.advance(1800)
    [r2] = sched.tick()
    assert sorted(fake.calls[2]) == [bad, later] and r2.status == "partial"  # `later` succeeds now
    clock.advance(1800)
    [r3] = sched.tick()
    assert fake.calls[3] == [bad] and r3.status == "failed"
    clock.advance(1800 * 5)
    assert sched.tick() == [] and len(fake.calls) == 4  # three retries, no more
    assert "none left today (3 of 3 used)" in _entry(store, "checkin_retry", clock.now())["note"]
    assert [r["trigger"] for r in list_runs(store, job="checkin")] == ["retry", "retry", "retry", "schedule"]


def test_accounts_off_or_checked_in_elsewhere_are_left_alone(db_path, fake_checkin):
    store = Store(db_path)
    a, b, c, d = add_accounts(store, 4)
    with store.write() as con:
        con.execute("UPDATE accounts SET auto_checkin = false WHERE id = ?", [a])
        con.execute("UPDATE accounts SET disabled = true WHERE id = ?", [b])
    sync.mark_custom_checked(store, [c])  # checked in by hand today
    save_settings(store, checkin_enabled=True, checkin_mode="fixed", checkin_time="09:00")
    clock = FakeClock(today_at("12:00"))
    [report] = Scheduler(db_path, clock=clock).tick()
    assert fake_checkin.calls == [[d]] and [r["account_id"] for r in report.rows()] == [str(d)]


def test_interval_jobs(db_path, monkeypatch):

    calls = []
    monkeypatch.setattr(sync, "refresh", lambda store, **kw: calls.append(kw) or RefreshReport([], []))
    store = Store(db_path)
    save_settings(store, refresh_enabled=True, refresh_interval_s=900)
    clock = FakeClock(today_at("08:00"))
    sched = Scheduler(db_path, clock=clock)
    [first] = sched.tick()
    assert first.job == "refresh" and calls[0]["force"] is False
    clock.advance(899)
    assert sched.tick() == []
    assert _entry(store, "refresh", clock.now())["note"] == "today at 08:15 (every 15 min)"
    clock.advance(1)
    assert [r.job for r in sched.tick()] == ["refresh"]
    state = json.loads(json.dumps([r["status"] for r in list_runs(store)]))
    assert state == ["ok", "ok"]


def test_the_two_shared_settings_have_one_set_of_bounds(store):
    """refresh_min_interval_s and usage_sync_interval_s are preferences the Settings page and the
    Automation page both edit: one table of bounds, so a value one page saves never breaks the
    other, and a value saved before these bounds falls back to its default."""

    for key, bad in (("refresh_min_interval_s", 0), ("usage_sync_interval_s", 0)):
        with pytest.raises(ValidationError):
            set_preference(store, key, bad)
        with pytest.raises(ValidationError):
            save_settings(store, **{key: bad})
    with store.write() as con:  # what an older version let the Settings page save
        con.execute("INSERT INTO preferences VALUES ('refresh_min_interval_s', '0')")
    assert get_preferences(store)["refresh_min_interval_s"] == 120  # checked on read: the default
    assert get_settings(store).refresh_min_interval_s == 120
