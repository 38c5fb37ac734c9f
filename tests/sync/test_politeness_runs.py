"""Politeness through the store: the per-account deadline, a hung site beside healthy ones,
the window over a whole refresh, and the old per-minute setting carried over.

Against sandbox sites over real HTTP; assertions count requests and order results, with
wide margins where a duration is compared at all.
"""

from __future__ import annotations

import json
import time

import pytest
from shared import fast_politeness, load_demo

from allhub_core import accounts as acc
from allhub_core.accounts import AccountInput, add_account, get_preferences, set_preference
from allhub_core.cli.main import main
from allhub_core.store import Store
from allhub_core.sync import checkin, politeness_for, refresh

# Read timeouts far longer than the deadline: only the deadline can end a hung account early.
DEADLINE = 1.5
SLOW = fast_politeness(read_timeout=20.0, retries=2, account_deadline_s=DEADLINE)


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=["new-api", "veloera"], users_per_site=3, seed=13)


pytestmark = pytest.mark.usefixtures("fresh_sites")  # each test starts from the seeded sites


def test_a_hung_site_fails_at_its_deadline_and_never_delays_another_site(store, sandbox):
    ids = load_demo(store, sandbox)
    hung, healthy = sandbox.site("new-api"), sandbox.site("veloera")
    hung.inject("slow", ms=6_000)  # answers nothing for 6 s: longer than the deadline, shorter than a read timeout
    order: list[str] = []
    started = time.monotonic()
    report = refresh(store, force=True, politeness=SLOW, on_result=lambda r: order.append(r.account_id))
    elapsed = time.monotonic() - started

    by_id = {int(r.account_id): r for r in report.results}
    for aid in ids["veloera"]:
        assert by_id[aid].ok and by_id[aid].health_status == "healthy", by_id[aid].health_reason
    timed_out = 0
    for aid in ids["new-api"]:
        r = by_id[aid]
        assert not r.ok and r.health_status == "error"
        if r.health_reason.startswith(f"The site did not finish answering within {DEADLINE:g} s;"):
            timed_out += 1
        else:  # once one account of the site hit the deadline, the others are not sent again
            assert r.health_reason.startswith(f"The site did not answer another account within {DEADLINE:g} s")
    assert timed_out >= 1  # all of them when the shared /api/status is what hangs
    # Every healthy account was reported before the first hung one gave up ...
    healthy_ids = {str(a) for a in ids["veloera"]}
    assert set(order[:len(healthy_ids)]) == healthy_ids
    # ... and the batch ended at the deadline, not when the site answered (6 s) or a read timed out.
    assert elapsed < 5
    stored = {r["id"]: r for r in acc.account_records(store)}
    assert stored[str(ids["new-api"][0])]["health_reason"].startswith("The site did not finish answering")
    assert healthy.requests and all(r.status == 200 for r in healthy.requests)


def test_a_hung_site_costs_one_deadline_not_one_per_account(store, sandbox):
    """Six accounts on a site whose user route answers nothing, two in flight at a time: the
    first two wait out the deadline, the other four fail at once instead of queueing for
    3 x 1.5 s (the site's public status still answers, so each account gets that far)."""
    site = sandbox.site("new-api")
    aids = [add_account(store, AccountInput(site_url=site.url, site_name=f"hung {i}", site_type=site.site_type,
                                            user_id=str(site.users[i % 3].id),
                                            access_token=site.users[i % 3].access_token)) for i in range(6)]
    site.inject("slow", ms=6_000, path="/api/user/self")
    site.clear_requests()
    report = refresh(store, aids, force=True, politeness=SLOW)
    reasons = sorted(r.health_reason.split(";")[0] for r in report.results)
    deadline = [x for x in reasons if x.startswith("The site did not finish answering")]
    skipped = [x for x in reasons if x.startswith("The site did not answer another account")]
    assert len(deadline) + len(skipped) == 6 and 1 <= len(deadline) <= SLOW.per_site_concurrency
    # Nothing was sent for the skipped accounts: the site saw only the first wave's user calls.
    assert 1 <= len([r for r in site.requests if r.path == "/api/user/self"]) <= SLOW.per_site_concurrency


def test_check_in_has_the_same_deadline(store, sandbox):
    ids = load_demo(store, sandbox)
    sandbox.site("veloera").inject("slow", ms=6_000)
    started = time.monotonic()
    report = checkin(store, ids["veloera"][:1] + ids["new-api"][:1], politeness=SLOW)
    assert time.monotonic() - started < 5
    by_id = {int(r.account_id): r for r in report.results}
    slow = by_id[ids["veloera"][0]]
    assert slow.result == "failed" and slow.health_status == "error"
    assert slow.message.startswith(f"The site did not finish answering within {DEADLINE:g} s;")
    assert by_id[ids["new-api"][0]].result in ("success", "already_checked")


def test_a_refresh_of_many_accounts_keeps_to_the_window(store, sandbox):
    """Six accounts on one site, at most 8 requests in any 1.5 s: every account still finishes
    (queueing is not counted against a 1 s deadline) and the site never sees more."""
    ids = load_demo(store, sandbox)
    site = sandbox.site("new-api")
    for _ in range(3):
        u = site.add_user()
        ids["new-api"].append(add_account(store, AccountInput(
            site_url=site.url, site_name="extra", site_type=site.site_type, user_id=str(u.id),
            username=u.username, auth_type="access_token", access_token=u.access_token)))
    p = fast_politeness(window_requests=8, window_s=1.5, account_deadline_s=1.0, read_timeout=5.0)
    report = refresh(store, ids["new-api"], force=True, politeness=p)
    assert not report.failed, [(r.account_id, r.health_reason) for r in report.failed]
    times = sorted(r.time for r in site.requests)
    assert len(times) > 16  # enough traffic that the window had to hold it back
    j = 0
    for i, t in enumerate(times):
        while times[j] <= t - 1.4:
            j += 1
        assert i - j + 1 <= 8


def test_old_rate_setting_maps_to_a_window(store):
    assert politeness_for(store).window_requests == 50 and politeness_for(store).window_s == 180
    assert set_preference(store, "per_site_rpm", 30) == 30
    prefs = get_preferences(store)
    assert (prefs["per_site_window_requests"], prefs["per_site_window_s"], prefs["per_site_rpm"]) == (30, 60, 30)
    set_preference(store, "per_site_rpm", 0)
    p = politeness_for(store)
    assert (p.window_requests, p.critical_requests) == (0, 0)
    p = politeness_for(store, per_site_rpm=12)
    assert (p.window_requests, p.window_s) == (12, 60.0)
    p = politeness_for(store, per_site_window=(20, 90.0), account_deadline_s=7)
    assert (p.window_requests, p.window_s, p.account_deadline_s, p.critical_requests) == (20, 90.0, 7.0, 5)


@pytest.mark.parametrize("saved,expected", [(None, (50, 180)), ("18", (50, 180)), ("0", (0, 180)),
                                            ("40", (40, 60)), ("\"x\"", (50, 180))])
def test_a_rate_saved_before_the_window_is_read_as_one(store, saved, expected):
    if saved is not None:
        with store.write() as con:
            con.execute("INSERT INTO preferences VALUES ('per_site_rpm', ?)", [saved])
    prefs = get_preferences(store)
    assert (prefs["per_site_window_requests"], prefs["per_site_window_s"]) == expected
    p = politeness_for(store)
    assert (p.window_requests, p.window_s) == expected
    # Saving one politeness setting replaces the old row by the window it stood for.
    set_preference(store, "account_deadline_s", 30)
    set_preference(store, "per_site_window_s", expected[1])
    with store.read() as con:
        keys = {k for (k,) in con.execute("SELECT key FROM preferences").fetchall()}
    assert "per_site_rpm" not in keys
    prefs = get_preferences(store)
    assert (prefs["per_site_window_requests"], prefs["per_site_window_s"]) == expected


def test_cli_window_and_deadline_flags(store, sandbox, capsys):
    ids = load_demo(store, sandbox)
    code = main(["refresh", "--json", "--force", "--per-site-window", "0", "--account-deadline", "30",
                 str(ids["veloera"][0])])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert json.loads(out.out)[0]["health_status"] == "healthy"
    for bad in (["--per-site-window", "50"], ["--per-site-window", "5/0"], ["--per-site-window", "x/y"],
                ["--per-site-window", "5/60", "--per-site-rpm", "5"], ["--account-deadline", "-1"],
                ["--account-deadline", "nan"]):
        code = main(["refresh", *bad])
        err = capsys.readouterr().err
        assert code == 2 and len(err.strip().splitlines()) == 1 and bad[0] in err, (bad, err)
    Store()  # the database is still fine
