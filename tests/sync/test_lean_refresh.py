"""A refresh through the store asks the sites less (issue 18), against the sandbox over HTTP.

Whether a site sells plans is probed once (one account of the site asks), stored in the
``sites`` table and believed for a day: a site without plans is then not asked at all, a site
with plans is asked for each account. An account whose check-in today is known done is not
asked its check-in state again, and its stored state stays as it was.
"""

from __future__ import annotations

import pytest
from shared import fast_politeness

from allhub_core.accounts import AccountInput, add_account, get_account, plans_known, record_site_plans
from allhub_core.origin import origin_key
from allhub_core.sync import checkin, onboard, refresh, todays_checkins
from allhub_core.vocab import CheckInState

FAST = fast_politeness()


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=["new-api", "new-api-modern"], users_per_site=3, seed=18)


pytestmark = pytest.mark.usefixtures("fresh_sites")


def _add_all(store, site) -> list[int]:
    return [add_account(store, AccountInput(
        site_url=site.url, site_name=f"{site.name} {u.username}", site_type=site.site_type, user_id=str(u.id),
        username=u.username, auth_type="access_token", access_token=u.access_token)) for u in site.users]


def _refresh(store, site) -> list[tuple[str, str]]:
    site.clear_requests()
    report = refresh(store, force=True, politeness=FAST, sync_usage_when_due=False)
    assert not report.failed, [r.health_reason for r in report.failed]
    return [(r.method, r.path) for r in site.requests]


def test_a_site_without_plans_is_probed_once_and_then_not_asked(store, sandbox):
    site = sandbox.site("new-api")
    _add_all(store, site)
    calls = _refresh(store, site)
    assert calls.count(("GET", "/api/subscription/self")) == 1
    assert plans_known(store) == {origin_key(site.url): False}
    calls = _refresh(store, site)
    assert ("GET", "/api/subscription/self") not in calls
    assert len(calls) == 1 + 3 * len(site.users)  # the status, then user, log page, check-in state


def test_a_site_with_plans_is_recorded_and_asked_for_each_account(store, sandbox):
    site = sandbox.site("new-api-modern")
    ids = _add_all(store, site)
    _refresh(store, site)
    assert plans_known(store) == {origin_key(site.url): True}
    calls = _refresh(store, site)
    assert calls.count(("GET", "/api/subscription/self")) == len(ids)


def test_a_site_that_dropped_its_plans_is_recorded_without(store, sandbox):
    site = sandbox.site("new-api")
    _add_all(store, site)
    record_site_plans(store, {origin_key(site.url): True})  # believed yesterday; the route is gone now
    calls = _refresh(store, site)
    assert calls.count(("GET", "/api/subscription/self")) == len(site.users)
    assert plans_known(store) == {origin_key(site.url): False}


def test_a_known_check_in_is_not_asked_again_and_stays_stored(store, sandbox):
    site = sandbox.site("new-api")
    ids = _add_all(store, site)
    record_site_plans(store, {origin_key(site.url): False})
    checkin(store, politeness=FAST)
    states = {r["id"]: r["state"] for r in todays_checkins(store)}
    assert all(states[i] == CheckInState.CHECKED for i in ids), states
    calls = _refresh(store, site)
    assert ("GET", "/api/user/checkin") not in calls
    assert len(calls) == 1 + 2 * len(ids)
    states = {r["id"]: r["state"] for r in todays_checkins(store)}
    assert all(states[i] == CheckInState.CHECKED for i in ids), states


def test_a_state_not_known_done_is_asked_for(store, sandbox):
    site = sandbox.site("new-api")
    ids = _add_all(store, site)
    _refresh(store, site)  # reads "not checked in" (the user may check in on the website)
    states = {r["id"]: r["state"] for r in todays_checkins(store)}
    assert all(states[i] == CheckInState.NOT_CHECKED for i in ids), states
    calls = _refresh(store, site)
    assert calls.count(("GET", "/api/user/checkin")) == len(ids)


_FIGURES = ("quota", "subscription_quota", "today_consumption", "today_income", "today_prompt_tokens",
            "today_completion_tokens", "today_requests", "checkin_supported", "checkin_today", "username", "user_id",
            "health_status", "health_reason", "stats_reason")


def _figures(store, account_id: int) -> dict:
    record = get_account(store, account_id)
    return {k: record.get(k) for k in _FIGURES}


@pytest.mark.parametrize("dialect", ["new-api", "new-api-modern"])
def test_an_added_account_is_refreshed_without_asking_again_what_recognising_read(store, sandbox, dialect):
    """``onboard``'s first refresh takes the site's status, the user record and today's check-in
    state that recognition read a moment before (``sites.Seen``): each is asked once, and what is
    stored equals what a full refresh of the same account stores right after."""
    site = sandbox.site(dialect)
    user = site.users[0]
    site.clear_requests()
    report = onboard(store, AccountInput(site_url=site.url, user_id=str(user.id), auth_type="access_token",
                                         access_token=user.access_token), politeness=FAST)
    assert report.refreshed is not None and report.refreshed.ok, report.refreshed
    paths = [r.path for r in site.requests if r.method == "GET"]
    assert paths.count("/api/status") == paths.count("/api/user/self") == paths.count("/api/user/checkin") == 1
    assert paths.count("/api/log/self") == 1
    added = _figures(store, report.account_id)
    assert added["quota"] is not None and added["username"] == user.username
    site.clear_requests()
    again = refresh(store, [report.account_id], force=True, politeness=FAST)
    assert not again.failed
    assert "/api/user/self" in [r.path for r in site.requests]  # the full way this time
    assert _figures(store, report.account_id) == added
