"""The fault matrix: each injected fault gives the health of product.md "Health"
to the account it hits, and leaves the other accounts in the same batch healthy.
Also: Sub2API token rotation, check-in ambiguity, redirects and secret hygiene."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
from shared import fast_politeness

from allhub_core.sites import SiteCredentials, checkin_accounts, refresh_accounts

FAST = fast_politeness(read_timeout=1.0, retries=1, retries_429=1)


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=["new-api", "sub2api", "veloera"], users_per_site=3, seed=2)


@pytest.fixture(autouse=True)
def clean(sandbox):
    for site in sandbox.sites:
        site.clear_faults()
    yield
    for site in sandbox.sites:
        site.clear_faults()


def _creds(site, user) -> SiteCredentials:
    return SiteCredentials(account_id=str(user.id), site_url=site.url, site_type=site.site_type,
                           auth_type="access_token", access_token=user.access_token, user_id=str(user.id),
                           refresh_token=user.refresh_token or None)


# (fault kind, inject kwargs, expected health, text expected in the reason)
MATRIX = [
    ("429", {"retry_after": 0}, "warning", "HTTP 429: "),
    ("403_html", {}, "warning", "browser check"),
    ("403_json", {}, "warning", "HTTP 403: 无权进行此操作"),
    ("401", {}, "warning", "HTTP 401: "),
    ("500", {}, "warning", "HTTP 500: 服务器内部错误"),
    ("html_200", {}, "unknown", "web page"),
    ("malformed_json", {}, "unknown", "not valid JSON"),
    ("business_error", {}, "unknown", "Site refused: 操作失败"),
    ("business_error", {"message": "无权进行此操作，access token 无效"}, "warning", "access token 无效"),
    ("slow", {"ms": 2500}, "error", "Timed out"),
    ("redirect", {}, "error", "another origin"),
]


@pytest.mark.parametrize("kind,kwargs,health,text", MATRIX, ids=[f"{m[0]}-{i}" for i, m in enumerate(MATRIX)])
def test_fault_hits_only_its_account(sandbox, kind, kwargs, health, text):
    site = sandbox.site("new-api")
    victim, *others = site.users
    site.inject(kind, user_id=victim.id, **kwargs)
    results = asyncio.run(refresh_accounts([_creds(site, u) for u in site.users], FAST))
    by_id = {r.account_id: r for r in results}
    hit = by_id[str(victim.id)]
    assert not hit.ok
    assert hit.health_status == health, hit.health_reason
    assert text in hit.health_reason
    for u in others:
        assert by_id[str(u.id)].ok and by_id[str(u.id)].health_status == "healthy"


def test_one_429_with_retry_after_is_absorbed(sandbox):
    site = sandbox.site("new-api")
    victim = site.users[0]
    site.inject("429", user_id=victim.id, retry_after=0, times=1)
    [res] = asyncio.run(refresh_accounts([_creds(site, victim)], FAST))
    assert res.ok and res.health_status == "healthy"


def test_redirect_never_carries_the_token(sandbox):
    site = sandbox.site("new-api")
    victim = site.users[0]
    sandbox.redirect_sink.clear_requests()
    site.inject("redirect", user_id=victim.id, status=307)
    asyncio.run(refresh_accounts([_creds(site, victim)], FAST))
    asyncio.run(checkin_accounts([_creds(site, victim)], FAST))
    for req in sandbox.redirect_sink.requests:
        assert req.header("authorization") is None and req.header("cookie") is None
        assert req.header("new-api-user") is None


def test_unreachable_site_is_error_and_others_unaffected(sandbox):
    site = sandbox.site("new-api")
    good = _creds(site, site.users[1])
    dead = SiteCredentials("dead", "http://127.0.0.1:9", "new-api", "access_token", access_token="x" * 20,
                           user_id="1")
    bad_url = SiteCredentials("bad", "ftp://nope", "new-api", "access_token", access_token="y" * 20)
    results = asyncio.run(refresh_accounts([dead, good, bad_url], FAST))
    assert results[0].health_status == "error"
    assert results[1].ok
    assert results[2].health_status == "warning" and not results[2].ok


def test_sub2api_rotates_refresh_token_after_401(sandbox):
    site = sandbox.site("sub2api")
    user = site.users[0]
    creds = _creds(site, user)
    old_refresh = creds.refresh_token
    site.expire_access_tokens(user.id)
    [res] = asyncio.run(refresh_accounts([creds], FAST))
    assert res.ok, res.health_reason
    assert res.rotated["refresh_token"] != old_refresh
    assert res.rotated["access_token"] == user.access_token
    assert res.rotated["refresh_token"] == user.refresh_token


def test_sub2api_rotation_survives_a_later_failure(sandbox):
    site = sandbox.site("sub2api")
    user = site.users[1]
    creds = _creds(site, user)
    site.inject("401", path="/api/v1/auth/me", times=1)  # forces a refresh ...
    site.inject("500", path="/api/v1/auth/me")  # ... then the retried call fails
    [res] = asyncio.run(refresh_accounts([creds], FAST))
    assert not res.ok and res.health_status == "warning"
    assert res.rotated["refresh_token"] == user.refresh_token  # the new pair still reaches the store


def test_sub2api_dead_refresh_token_is_warning(sandbox):
    site = sandbox.site("sub2api")
    user = site.users[2]
    creds = _creds(site, user)
    creds.refresh_token = "not-a-valid-refresh-token"
    site.expire_access_tokens(user.id)
    [res] = asyncio.run(refresh_accounts([creds], FAST))
    assert not res.ok and res.health_status == "warning"
    assert "HTTP 401" in res.health_reason


def test_checkin_post_timeout_rereads_status_instead_of_resending(sandbox):
    site = sandbox.site("veloera")
    user = site.users[0]
    site.inject("slow", user_id=user.id, path="/api/user/check_in", method="POST", ms=1500, times=1)
    [res] = asyncio.run(checkin_accounts([_creds(site, user)], FAST))
    posts = [r for r in site.requests if r.path == "/api/user/check_in" and r.user_id == user.id]
    assert len(posts) == 1  # never resent blindly
    assert res.result in ("success", "failed"), res.message
    if res.result == "failed":
        assert "not resent" in res.message and res.health_status == "error"
    # Once the slow request has landed, the next run sees the truth and posts nothing.
    for _ in range(200):
        if site.requests and any(r.path == "/api/user/check_in" and r.status for r in site.requests):
            break
        time.sleep(0.02)
    [again] = asyncio.run(checkin_accounts([_creds(site, user)], FAST))
    assert again.result == "already_checked"
    assert len([r for r in site.requests if r.path == "/api/user/check_in" and r.user_id == user.id]) == 1


def test_checkin_fault_in_batch_leaves_others_alone(sandbox):
    site = sandbox.site("veloera")
    victim, other = site.users[1], site.users[2]
    site.inject("403_html", user_id=victim.id)
    results = asyncio.run(checkin_accounts([_creds(site, victim), _creds(site, other)], FAST))
    assert results[0].result == "needs_browser" and results[0].health_status == "warning"
    assert results[1].result == "success"


def test_turnstile_checkin_needs_browser(sandbox):
    site = sandbox.site("new-api")
    user = site.users[2]
    site.turnstile = True
    try:
        [res] = asyncio.run(checkin_accounts([_creds(site, user)], FAST))
    finally:
        site.turnstile = False
    assert res.result == "needs_browser"
    assert res.checkin_url == site.url


def test_no_secret_in_any_reason_or_log(sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    site = sandbox.site("new-api")
    s2 = sandbox.site("sub2api")
    creds = [_creds(site, u) for u in site.users] + [_creds(s2, s2.users[0])]
    secrets = [c.access_token for c in creds] + [c.refresh_token for c in creds if c.refresh_token]
    site.inject("business_error", user_id=site.users[0].id,
                message=f"token {site.users[0].access_token} 无效")
    site.inject("401", user_id=site.users[1].id, message=f"bad {site.users[1].access_token}")
    s2.inject("401", message=f"expired {s2.users[0].access_token}")
    refreshed = asyncio.run(refresh_accounts(creds, FAST))
    checked = asyncio.run(checkin_accounts(creds, FAST))
    texts = [caplog.text]
    for r in refreshed:
        texts += [r.health_reason, repr(r.availability)]
    for c in checked:
        texts += [c.message, c.health_reason]
    blob = "\n".join(texts)
    assert "无效" in blob
    for secret in secrets:
        assert secret not in blob
    s2.clear_faults()
