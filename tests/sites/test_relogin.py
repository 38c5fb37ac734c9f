"""``sites.relogin`` (issue 21): the family operation that logs an account in again and reports what
the login credited, against the sandbox over HTTP, without a store.

A classic cookie account gets the new session back as a rotated cookie (the old one ended); an
access-token account ends the session it made and rotates nothing; modern New API (a JWT login)
reads the balance with the JWT; a Turnstile wall needs the user; a missing login is said in one
sentence without a request; a site whose family cannot log in is refused.
"""

from __future__ import annotations

import asyncio

import pytest
from shared import fast_politeness, shared_sandbox

from allhub_core.errors import ValidationError
from allhub_core.sites import SiteCredentials
from allhub_core.sites.relogin import relogin_accounts, relogin_family

REWARD = 100_000
LOGIN = "/api/user/login"


@pytest.fixture(scope="module")
def sandbox():
    return shared_sandbox(dialects=["anyrouter", "new-api", "new-api-modern"], users_per_site=2, seed=122)


pytestmark = pytest.mark.usefixtures("fresh_sites")


def _creds(site, user, auth: str) -> SiteCredentials:
    return SiteCredentials(account_id="1", site_url=site.url, site_type=site.site_type, auth_type=auth,
                           access_token=user.access_token if auth == "access_token" else None,
                           cookie=user.cookie if auth == "cookie" else None, user_id=str(user.id),
                           checkin_method="relogin")


def _run(creds, username, password):
    [out] = asyncio.run(relogin_accounts([(creds, username, password)], fast_politeness()))
    return out


def test_cookie_account_gets_the_new_session(sandbox):
    site = sandbox.site("anyrouter")
    site.login_reward = REWARD
    user = site.users[0]
    old = user.session
    out = _run(_creds(site, user, "cookie"), user.username, user.password)
    assert (out.result, out.reason, out.reward_quota) == ("success", "checked_in", REWARD)
    assert out.message == "+$0.20 on login"
    new = out.rotated["cookie"]
    assert new.startswith("session=") and site.user_by_session(new.split("=", 1)[1]) is user
    assert site.user_by_session(old) is None  # the old session ended once the new one answered
    assert user.password not in repr(out)


def test_token_account_ends_the_session_it_made(sandbox):
    site = sandbox.site("new-api")
    site.login_reward = REWARD
    user = site.users[0]
    sessions = dict(site.sessions)
    out = _run(_creds(site, user, "access_token"), user.username, user.password)
    assert (out.result, out.reward_quota) == ("success", REWARD)
    assert out.rotated == {}
    assert site.sessions == sessions  # logged out again: no session left behind
    again = _run(_creds(site, user, "access_token"), user.username, user.password)
    assert (again.result, again.reason, again.reward_quota) == ("already_checked", "already_checked", 0)


def test_modern_new_api_reads_the_balance_with_the_login_jwt(sandbox):
    site = sandbox.site("new-api-modern")
    site.login_reward = REWARD
    user = site.users[0]
    out = _run(_creds(site, user, "access_token"), user.username, user.password)
    assert (out.result, out.reward_quota) == ("success", REWARD)
    assert out.rotated == {}  # the stored access token stays


def test_turnstile_needs_the_user(sandbox):
    site = sandbox.site("anyrouter")
    site.turnstile = True
    user = site.users[0]
    site.clear_requests()
    out = _run(_creds(site, user, "cookie"), user.username, user.password)
    assert (out.result, out.reason) == ("needs_browser", "turnstile_required")
    assert out.checkin_url == site.url
    assert sum(r.path == LOGIN for r in site.requests) == 1


def test_no_stored_login_asks_nothing(sandbox):
    site = sandbox.site("anyrouter")
    site.clear_requests()
    out = _run(_creds(site, site.users[0], "cookie"), None, None)
    assert (out.result, out.reason) == ("failed", "token_rejected")
    assert "No login is stored" in out.message and site.requests == []


def test_a_family_without_password_login_is_refused():
    with pytest.raises(ValidationError, match="only on New API family sites"):
        relogin_family("sub2api")
    assert relogin_family("anyrouter") is not None

