"""Who goes first in a refresh: the accounts on a person's screen, and for the scheduler the
stalest; read off the sandbox's recording (one request at a time, so arrival order is the order)."""

from __future__ import annotations

import itertools

import pytest
from shared import fast_politeness

from allhub_core.accounts import AccountInput, add_account
from allhub_core.automation import run_job, run_now
from allhub_core.sandbox import demo_accounts
from allhub_core.sync import refresh

ONE_AT_A_TIME = fast_politeness(per_site_concurrency=1, global_concurrency=1)


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=["new-api"], users_per_site=5, seed=21)


@pytest.fixture
def accounts(store, sandbox):
    site = sandbox.sites[0]
    site.reset()
    ids = {}
    for row in demo_accounts(sandbox):
        aid = add_account(store, AccountInput(site_url=row["site_url"], site_name=row["username"],
                                              site_type=row["site_type"], user_id=row["user_id"],
                                              username=row["username"], access_token=row["access_token"]))
        ids[aid] = int(row["user_id"])
    site.clear_requests()
    return ids


def _user_order(sandbox) -> list[int]:
    seen: list[int] = []
    for r in sandbox.sites[0].requests:
        if r.path == "/api/user/self" and r.user_id is not None and r.user_id not in seen:
            seen.append(r.user_id)
    return seen


def test_the_accounts_on_screen_go_first(store, sandbox, accounts):
    aids = list(accounts)
    on_screen = [aids[3], aids[1]]
    report = refresh(store, force=True, politeness=ONE_AT_A_TIME, first=on_screen, sync_usage_when_due=False)
    assert len(report.results) == len(aids) and not report.failed
    order = _user_order(sandbox)
    assert order[:2] == [accounts[aids[3]], accounts[aids[1]]]
    assert sorted(order) == sorted(accounts.values())


def test_a_persons_refresh_all_passes_what_is_on_screen(store, sandbox, accounts):
    aids = list(accounts)
    run = run_now(store, "refresh", None, trigger="dashboard", force=True, politeness=ONE_AT_A_TIME,
                  first=[aids[-1]])
    assert run.status == "ok"
    assert _user_order(sandbox)[0] == accounts[aids[-1]]


def test_the_scheduler_takes_the_stalest_first(store, sandbox, accounts):
    aids = list(accounts)
    # newest refresh for the lowest ids: the stalest is the highest id, then never-refreshed ones first
    with store.write() as con:
        for n, aid in enumerate(aids[1:]):
            con.execute("UPDATE accounts SET last_sync_time = now() - to_hours(?) WHERE id = ?", [n + 1, aid])
    run = run_job(store, "refresh", trigger="schedule", politeness=ONE_AT_A_TIME, sync_usage=False)
    assert run.status == "ok"
    expected = [aids[0], *reversed(aids[1:])]  # never refreshed, then oldest to newest
    assert _user_order(sandbox) == [accounts[a] for a in expected]


def test_what_runs_by_itself_is_paced_and_a_persons_run_is_not(store, sandbox, accounts):
    """The scheduler's refresh spreads its starts over the site's window (one every W/N s); the
    same refresh started by hand goes as fast as the window lets a burst go."""
    windowed = fast_politeness(per_site_concurrency=2, window_requests=10, window_s=2.0)
    site = sandbox.sites[0]

    def gaps() -> list[float]:
        times = sorted(r.time for r in site.requests)
        return [b - a for a, b in itertools.pairwise(times)]

    site.clear_requests()
    run_job(store, "refresh", trigger="manual", politeness=windowed, sync_usage=False)
    assert min(gaps()) < 0.1  # a burst: some starts close together
    with store.write() as con:
        con.execute("UPDATE accounts SET last_sync_time = NULL")
    site.clear_requests()
    scheduled = run_job(store, "refresh", trigger="schedule", politeness=windowed, sync_usage=False)
    assert scheduled.status == "ok"
    assert min(gaps()) >= 0.15  # paced: 0.2 s apart (2 s / 10), less loopback jitter
