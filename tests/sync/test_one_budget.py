"""One request budget per site (issue 18): every job and every process on a store shares each
site's window, a site may have its own window, a 429's lower window is stored, and the usage
sync yields to foreground work.

Against sandbox sites over real HTTP on 127.0.0.1 and a real DuckDB file. The assertions count
the requests the sandbox recorded (their arrival times at the server) in every window; the only
time bounds are loose correctness bounds.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from shared import load_demo

from allhub_core.accounts import AccountInput, set_preference, set_site_window, site_windows
from allhub_core.net._shared_window import SharedWindows
from allhub_core.sandbox import demo_accounts, most_in_any
from allhub_core.store import Store
from allhub_core.sync import checkin, onboard, politeness_for, refresh, sync_usage
from allhub_core.sync.credentials import shared_window_dir

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=["new-api", "veloera"], users_per_site=3, seed=18)


pytestmark = pytest.mark.usefixtures("fresh_sites")


def _window(store, n: int, w: int) -> None:
    set_preference(store, "per_site_window_requests", n)
    set_preference(store, "per_site_window_s", w)


def _polite(store, **kw):
    """The store's politeness (shared folder, the sites' windows, the 429 keeper) with quick retries."""
    return dataclasses.replace(politeness_for(store), backoff_base=0.01, backoff_max=0.05, retry_after_max=0.2,
                               log_spacing_ms=0, **kw)


def _times(site, user_id: int | None = None) -> list[float]:
    return sorted(r.time for r in site.requests if user_id is None or r.user_id == user_id)


#: Arrivals lag their starts by a varying few tens of milliseconds, more on a loaded machine (the
#: window's margin is 0.1 s): the windows counted at the server are this much shorter.
JITTER = 0.15


def _most_in_any(times: list[float], seconds: float) -> int:
    """The most arrivals in any window of ``seconds`` (less the arrivals' jitter)."""
    return most_in_any(times, seconds - JITTER)


def test_a_refresh_then_its_usage_sync_share_one_window(store, sandbox):
    ids = load_demo(store, sandbox)
    _window(store, 5, 1)
    site = sandbox.site("new-api")
    started = time.monotonic()
    report = refresh(store, ids=None, force=True, politeness=_polite(store))
    elapsed = time.monotonic() - started
    assert not report.failed, report.summary(details=3)
    assert report.usage is not None and report.usage.results, "a refresh of everything syncs the usage logs due"
    times = _times(site)
    logs = [r for r in site.requests if r.path.startswith("/api/log/") and "stat" not in r.path]
    assert logs, "the usage sync asked the site"
    assert _most_in_any(times, 1.0) <= 5
    assert _most_in_any(_times(sandbox.site("veloera")), 1.0) <= 5
    # Not slower than the window requires, loosely: the background part uses 4 of each 5 starts,
    # two sites run side by side; a few seconds of slack for the answers and the store.
    bound = math.ceil(len(times) / 4) * (1.0 + 0.1) + 8.0
    assert elapsed < bound, (elapsed, len(times))
    assert len(ids["new-api"]) == 3
    assert sorted(os.listdir(shared_window_dir(store)))  # one file per site, beside the database


#: A refresh of everything in a process of its own (``allhub refresh`` is one logged run at a
#: time per store; the library's refresh is what every job calls).
REFRESH_CHILD = ("import json, sys; from allhub_core.store import Store; from allhub_core.sync import refresh; "
                 "r = refresh(Store(sys.argv[1]), force=True, sync_usage_when_due=False); "
                 "print(json.dumps(r.rows()))")


def test_two_processes_refreshing_at_once_stay_within_one_window(store, sandbox, db_path):
    load_demo(store, sandbox)
    _window(store, 5, 1)
    env = {**os.environ, "ALLHUB_DB": str(db_path), "PYTHONPATH": str(ROOT)}
    runs = [[sys.executable, "-c", REFRESH_CHILD, str(db_path)],
            [sys.executable, "-c", REFRESH_CHILD, str(db_path)],
            [sys.executable, "-m", "allhub_core", "checkin", "--json"]]
    procs = [subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for argv in runs]
    outs = [p.communicate(timeout=180) for p in procs]
    for p, (out, err) in zip(procs, outs, strict=True):
        assert p.returncode in (0, 1), err  # 1: a check-in that needs the user, not an error
        assert json.loads(out), err
    for (out, _err) in outs[:2]:
        assert all(row["ok"] for row in json.loads(out))
    for site in sandbox.sites:
        times = _times(site)
        assert len(times) >= 2 * 3 * 3  # both refreshes asked for the three accounts
        assert _most_in_any(times, 1.0) <= 5, site.dialect


def test_a_429_lowers_the_stored_window_and_the_next_run_starts_from_it(store, sandbox):
    ids = load_demo(store, sandbox)
    _window(store, 10, 1)
    site = sandbox.site("new-api")
    site.inject("429", path="/api/user/self", times=1)
    report = refresh(store, ids=None, force=True, politeness=_polite(store), sync_usage_when_due=False)
    assert not report.failed, report.summary(details=3)
    stored = site_windows(store)[site.url]
    assert (stored.requests, stored.seconds, stored.source) == (5, 1.0, "429")
    assert sandbox.site("veloera").url not in site_windows(store)
    # The next run (another politeness, as another process would read it) starts from 5 per 1 s.
    later = _polite(store)
    assert later.window_for(site.url) == (5, 1.0)
    assert later.window_for(sandbox.site("veloera").url) == (10, 1.0)
    site.clear_requests()
    refresh(store, ids["new-api"], force=True, politeness=later)
    assert _most_in_any(_times(site), 1.0) <= 5
    # A user's raise is kept: no 429 raises it back down silently, nor does the default.
    set_site_window(store, site.url, 20, 1)
    assert _polite(store).window_for(site.url) == (20, 1.0)


def test_a_sites_own_window_lets_it_go_faster_than_the_default(store, sandbox):
    load_demo(store, sandbox)
    _window(store, 3, 1)
    fast_site, slow_site = sandbox.site("new-api"), sandbox.site("veloera")
    set_site_window(store, fast_site.url, 180, 180)
    report = refresh(store, ids=None, force=True, politeness=_polite(store), sync_usage_when_due=False)
    assert not report.failed, report.summary(details=3)
    assert _most_in_any(_times(slow_site), 1.0) <= 3
    assert _most_in_any(_times(fast_site), 1.0) > 3
    assert _times(fast_site)[-1] < _times(slow_site)[-1]


def test_the_background_usage_sync_waits_while_a_refresh_runs_on_the_site(store, sandbox):
    ids = load_demo(store, sandbox)
    _window(store, 50, 10)
    site = sandbox.site("new-api")
    site.set_latency(250)
    first, second = ids["new-api"][0], ids["new-api"][1]
    users = [int(a["user_id"]) for a in demo_accounts(sandbox) if a["dialect"] == "new-api"]
    p = _polite(store, per_site_concurrency=1)
    done: list[object] = []
    other = Store(store.path)  # a Store object is meant for one thread
    fg = threading.Thread(target=lambda: done.append(refresh(other, [first], force=True, politeness=p)))
    try:
        fg.start()
        while not site.requests:  # the refresh has begun
            time.sleep(0.01)
        usage = sync_usage(store, [second], politeness=p)  # background, as every usage sync
        fg.join(60)
    finally:
        site.set_latency(0)
    assert done and not done[0].failed, done
    assert usage.results and usage.results[0].status in ("ok", "partial"), usage.rows()
    refreshed, synced = _times(site, users[0]), _times(site, users[1])
    assert refreshed and synced
    assert min(synced) >= max(refreshed) - 0.05  # the usage sync began only once the refresh was done


def test_a_lowering_a_killed_run_left_unstored_is_stored_by_the_next_run(store, sandbox):
    load_demo(store, sandbox)
    _window(store, 10, 2)
    site = sandbox.site("new-api")
    folder = shared_window_dir(store)
    assert folder is not None
    shared = SharedWindows(folder).file(site.url)
    assert shared is not None
    shared.lower(4, 2.0, now=time.time(), known_at=float("-inf"))  # its run was killed before it stored it
    assert site.url not in site_windows(store)
    p = politeness_for(store)
    stored = site_windows(store)[site.url]
    assert (stored.requests, stored.seconds, stored.source) == (4, 2.0, "429")
    assert p.window_for(site.url) == (4, 2.0)
    # The user raises it again: the old lowering in the folder is older than that, and stays ignored.
    set_site_window(store, site.url, 30, 2)
    assert politeness_for(store).window_for(site.url) == (30, 2.0)
    assert site_windows(store)[site.url].source == "user"


@pytest.mark.parametrize("job", ["checkin", "usage sync", "add"])
def test_every_job_stores_the_window_a_429_lowered(store, sandbox, job):
    _window(store, 10, 2)
    site = sandbox.site("new-api")
    if job == "add":
        row = next(r for r in demo_accounts(sandbox) if r["dialect"] == "new-api")
        site.inject("429", times=1)
        onboard(store, AccountInput(site_url=row["site_url"], site_type=row["site_type"], user_id=row["user_id"],
                                    auth_type=row["auth_type"], access_token=row.get("access_token") or ""),
                politeness=_polite(store))
    else:
        ids = load_demo(store, sandbox)
        site.inject("429", times=1)
        if job == "checkin":
            checkin(store, ids["new-api"], politeness=_polite(store))
        else:
            sync_usage(store, ids["new-api"], politeness=_polite(store))
    assert any(r.status == 429 for r in site.requests)
    stored = site_windows(store)[site.url]
    assert (stored.requests, stored.seconds, stored.source) == (5, 2.0, "429")
