"""Newer New API servers: subscription plans beside the wallet, and login session limits.

Against the sandbox over real HTTP: ``new-api-modern`` lists plans at ``/api/subscription/self``
(users 1, 3, 5... hold an active 100 USD plan and an expired one); plain ``new-api`` has no
such route and answers 404, which is "no subscription", never a failed refresh.
"""

from __future__ import annotations

import asyncio

import pytest
from shared import fast_politeness

from allhub_core.sites import SiteCredentials, refresh_accounts
from allhub_core.sites.recognition import recognize
from allhub_core.vocab import QUOTA_PER_USD

FAST = fast_politeness()


@pytest.fixture
def sb(sandbox_factory):
    return sandbox_factory(dialects=["new-api-modern", "new-api"], users_per_site=3, seed=31)


def _creds(site, user) -> SiteCredentials:
    return SiteCredentials(f"{user.id}", site.url, site.site_type, "access_token",
                           access_token=user.access_token, user_id=str(user.id))


def test_active_plan_quota_is_read_beside_the_wallet(sb):
    site = sb.site("new-api-modern")
    with_plan, without = site.users[1], site.users[0]
    active = with_plan.subscriptions[0]
    left = active["amount_total"] - active["amount_used"]
    res = asyncio.run(refresh_accounts([_creds(site, with_plan), _creds(site, without)], FAST))
    by_id = {r.account_id: r for r in res}
    assert by_id[str(with_plan.id)].ok and by_id[str(with_plan.id)].subscription_quota == left
    assert left == (100 - 7) * QUOTA_PER_USD  # the expired plan adds nothing
    assert by_id[str(with_plan.id)].quota == with_plan.quota  # the wallet stays the wallet
    assert by_id[str(without.id)].ok and by_id[str(without.id)].subscription_quota is None


def test_a_site_without_plans_refreshes_as_before(sb):
    site = sb.site("new-api")
    user = site.users[1]
    site.clear_requests()
    [res] = asyncio.run(refresh_accounts([_creds(site, user)], FAST))
    assert res.ok, res.health_reason
    assert res.subscription_quota is None and res.quota == user.quota
    asked = [r for r in site.requests if r.path == "/api/subscription/self"]
    assert len(asked) == 1 and asked[0].status == 404


@pytest.mark.parametrize("status, words", [(409, "active login sessions"), (429, "too many logins")])
def test_session_limit_at_login_is_one_clear_message_and_not_retried(sb, status, words):
    site = sb.site("new-api-modern")
    user = site.users[2]
    site.inject("session_limit", status=status, path="/api/user/login")
    site.clear_requests()
    res = asyncio.run(recognize(site.url, username=user.username, password=user.password,
                                politeness=fast_politeness(retries_429=3)))
    assert not res.ok
    assert words in res.message and "access token" in res.message
    assert user.password not in res.message
    logins = [r for r in site.requests if r.path == "/api/user/login"]
    assert len(logins) == 1, "a session limit is not lifted by trying again"
