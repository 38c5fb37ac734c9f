"""The read-only check-in status decides only when the site is clear about it.

New API answers its check-in status with ``success:false`` and no data when check-in is
turned off: that is "not supported", and no check-in POST is sent.  A status that cannot be
read (a server error, broken JSON, a login refusal) never stops a check-in the user asked
for: the POST goes out and its answer decides.
"""

from __future__ import annotations

import asyncio

import pytest
from shared import fast_politeness

from allhub_core.sites import SiteCredentials, checkin_accounts, refresh_accounts
from allhub_core.vocab import CheckInResult, CheckInState

FAST = fast_politeness()


@pytest.fixture
def site(sandbox_factory):
    sb = sandbox_factory(dialects=["new-api", "veloera"], users_per_site=3, seed=21)
    return sb.site("new-api")


def _creds(site, user) -> SiteCredentials:
    return SiteCredentials(f"acct-{user.id}", site.url, site.site_type, "access_token",
                           access_token=user.access_token, user_id=str(user.id))


def _posts(site) -> list:
    return [r for r in site.requests if r.method == "POST" and r.path == "/api/user/checkin"]


def test_status_off_answer_is_not_supported_and_sends_no_post(site):
    site.checkin_enabled = False
    user = site.users[0]
    site.clear_requests()
    [res] = asyncio.run(checkin_accounts([_creds(site, user)], FAST))
    assert res.result == CheckInResult.UNSUPPORTED, res.message
    assert not _posts(site), "the site said check-in is off: nothing to post"
    assert user.checkins == {}

    [refreshed] = asyncio.run(refresh_accounts([_creds(site, user)], FAST))
    assert refreshed.ok and refreshed.checkin_status == CheckInState.UNSUPPORTED
    assert refreshed.checkin_supported is False


@pytest.mark.parametrize("kind", ["500", "malformed_json", "html_200", "business_error"])
def test_unreadable_status_never_blocks_a_check_in(site, kind):
    user = site.users[1]
    site.inject(kind, path="/api/user/checkin", method="GET", message="数据库繁忙")
    site.clear_requests()
    [res] = asyncio.run(checkin_accounts([_creds(site, user)], FAST))
    assert res.result == CheckInResult.SUCCESS, res.message
    assert len(_posts(site)) == 1
    assert user.checkins


def test_login_refusal_on_status_is_unreadable_not_off(site):
    user = site.users[2]
    site.inject("business_error", path="/api/user/checkin", method="GET",
                message="无权进行此操作，未登录且未提供 access token")
    site.clear_requests()
    [res] = asyncio.run(checkin_accounts([_creds(site, user)], FAST))
    assert res.result == CheckInResult.SUCCESS, res.message
    assert len(_posts(site)) == 1


def test_off_answer_to_the_post_is_not_supported(site):
    """Status unreadable and check-in off: the POST's "未启用" is "not supported", not a failure."""
    site.checkin_enabled = False
    user = site.users[0]
    site.inject("500", path="/api/user/checkin", method="GET")
    [res] = asyncio.run(checkin_accounts([_creds(site, user)], FAST))
    assert res.result == CheckInResult.UNSUPPORTED, res.message
    assert "未启用" in res.message


def test_veloera_off_answer_to_the_post_is_not_supported(sandbox_factory):
    sb = sandbox_factory(dialects=["new-api", "veloera"], users_per_site=3, seed=21)
    velo = sb.site("veloera")
    velo.checkin_enabled = False
    velo.inject("500", path="/api/user/check_in_status", method="GET")
    user = velo.users[0]
    creds = SiteCredentials("v", velo.url, velo.site_type, "access_token", access_token=user.access_token,
                            user_id=str(user.id))
    [res] = asyncio.run(checkin_accounts([creds], FAST))
    assert res.result == CheckInResult.UNSUPPORTED, res.message
