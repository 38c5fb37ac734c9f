"""Issue 21: the automatic check-in retry takes only the failures a retry can fix.

Over real HTTP against the sandbox, with the scheduler on a fake clock: four accounts fail the
daily check-in for four reasons; the retry POSTs again only for the site error (5xx) and the
timeout, never for the rejected token or the Turnstile wall (the POSTs are counted on the site).
"""

from __future__ import annotations

import pytest
from automation_helpers import today_at
from shared import add_demo_account, fast_politeness, shared_sandbox

from allhub_core.automation import FakeClock, Scheduler, save_settings
from allhub_core.automation.schedule import failed_today
from allhub_core.store import Store

CHECKIN = "/api/user/checkin"


@pytest.fixture(scope="module")
def sandbox():
    return shared_sandbox(dialects=["new-api"], users_per_site=4, seed=2121)


pytestmark = pytest.mark.usefixtures("fresh_sites")


def _posts(site, user) -> int:
    return sum(1 for r in site.requests if r.method == "POST" and r.path == CHECKIN and r.user_id == user.id)


def test_retry_posts_again_only_for_retryable_reasons(db_path, sandbox):
    store = Store(db_path)
    accounts = {name: add_demo_account(store, sandbox, "new-api", i)
                for i, name in enumerate(["token", "turnstile", "5xx", "timeout"])}
    site = accounts["token"][1]
    users = {name: a[2] for name, a in accounts.items()}
    ids = {name: a[0] for name, a in accounts.items()}
    site.inject("401", user_id=users["token"].id, path=CHECKIN, method="POST")
    # the answer of New API's Turnstile middleware to a check-in without a Turnstile token
    site.inject("business_error", user_id=users["turnstile"].id, path=CHECKIN, method="POST",
                message="Turnstile token 为空")
    site.inject("500", user_id=users["5xx"].id, path=CHECKIN, method="POST", times=1)
    # the POST hangs past the client's timeout and then fails: the site never checks it in
    site.inject("slow", user_id=users["timeout"].id, path=CHECKIN, method="POST", ms=1500, times=1)
    site.inject("500", user_id=users["timeout"].id, path=CHECKIN, method="POST", times=1)
    site.clear_requests()

    save_settings(store, checkin_enabled=True, checkin_mode="fixed", checkin_time="09:00", retry_enabled=True,
                  retry_interval_s=1800, retry_max=3)
    clock = FakeClock(today_at("09:00"))
    sched = Scheduler(db_path, clock=clock, politeness=fast_politeness(retries=0, read_timeout=0.3))
    [daily] = sched.tick()
    assert not any(r["ok"] for r in daily.rows())
    with store.read() as con:
        stored = dict(con.execute("SELECT account_id, reason FROM automation_run_results WHERE run_id = ?",
                                  [daily.run_id]).fetchall())
    assert stored == {ids["token"]: "token_rejected", ids["turnstile"]: "turnstile_required",
                      ids["5xx"]: "site_error_5xx", ids["timeout"]: "network_timeout"}
    assert sorted(a for a, _ in failed_today(store, clock.now().date())) == sorted([ids["5xx"], ids["timeout"]])
    assert {n: _posts(site, u) for n, u in users.items()} == {"token": 1, "turnstile": 1, "5xx": 1, "timeout": 1}

    clock.advance(1800)
    [retry] = sched.tick()
    assert retry.trigger == "retry" and retry.status == "ok"
    assert {n: _posts(site, u) for n, u in users.items()} == {"token": 1, "turnstile": 1, "5xx": 2, "timeout": 2}
    assert users["5xx"].checkins and users["timeout"].checkins and not users["token"].checkins
    # nothing retryable is left: no more retries, whatever the clock says
    clock.advance(1800 * 5)
    assert sched.tick() == []
    assert {n: _posts(site, u) for n, u in users.items()} == {"token": 1, "turnstile": 1, "5xx": 2, "timeout": 2}


def test_an_old_failure_without_a_reason_is_still_retried(db_path, sandbox):
    store = Store(db_path)
    aid, site, user = add_demo_account(store, sandbox, "new-api", 0)
    save_settings(store, checkin_enabled=True, checkin_mode="fixed", checkin_time="09:00", retry_enabled=True,
                  retry_interval_s=1800, retry_max=3)
    clock = FakeClock(today_at("09:00"))
    sched = Scheduler(db_path, clock=clock, politeness=fast_politeness(retries=0))
    site.inject("500", path=CHECKIN, method="POST", times=1)
    [daily] = sched.tick()
    with store.write() as con:  # as a result written before reasons were kept
        con.execute("UPDATE automation_run_results SET reason = NULL WHERE run_id = ?", [daily.run_id])
    assert [a for a, _ in failed_today(store, clock.now().date())] == [aid]
    site.clear_requests()
    clock.advance(1800)
    [retry] = sched.tick()
    assert retry.status == "ok" and _posts(site, user) == 1 and user.checkins
