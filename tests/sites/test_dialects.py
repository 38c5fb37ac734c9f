"""Every sandbox dialect end to end: recognise, refresh, check in twice, list and
create keys, models and prices — over real loopback HTTP."""

from __future__ import annotations

import asyncio

import pytest
from shared import fast_politeness

from allhub_core.sandbox import DIALECTS, today_window
from allhub_core.sites import (
    SiteCredentials,
    checkin_accounts,
    create_token,
    get_pricing,
    list_models,
    list_tokens,
    recognize,
    refresh_accounts,
    reveal_token,
)

FAST = fast_politeness()
CHECKIN_DIALECTS = {"new-api", "new-api-modern", "veloera", "anyrouter", "wong-gongyi", "voapi-v2"}
NO_PRICES = {"voapi-v2"}  # a model list (its key template), no price list


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(users_per_site=3, seed=1)


def _recognise(site, user):
    if site.site_type == "sub2api":
        return asyncio.run(recognize(site.url, access_token=user.access_token, refresh_token=user.refresh_token,
                                     politeness=FAST))
    if site.spec.default_auth == "cookie":
        return asyncio.run(recognize(site.url, cookie=user.cookie, user_id=str(user.id), politeness=FAST))
    first = asyncio.run(recognize(site.url, access_token=user.access_token, politeness=FAST))
    if first.needs_user_id:
        assert site.spec.user_id_header, "only sites that check a user-id header may ask for one"
        return asyncio.run(recognize(site.url, access_token=user.access_token, user_id=str(user.id),
                                     politeness=FAST))
    return first


def _creds(site, r) -> SiteCredentials:
    return SiteCredentials(account_id=f"{site.dialect}-1", site_url=r.site_url, site_type=r.site_type,
                           auth_type=r.auth_type, access_token=r.access_token, cookie=r.cookie,
                           user_id=r.user_id, refresh_token=r.refresh_token)


def _today_consumption(user) -> int:
    start, end = today_window()
    return sum(r.quota for r in user.logs if r.type == 2 and start <= r.created_at <= end)


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_dialect_end_to_end(sandbox, dialect):
    site = sandbox.site(dialect)
    user = site.users[0]

    r = _recognise(site, user)
    assert r.ok, r.message
    assert r.site_type == site.site_type
    assert r.user_id == str(user.id) and r.username == user.username
    assert r.quota == user.quota
    assert r.checkin_supported == (dialect in CHECKIN_DIALECTS)
    creds = _creds(site, r)

    [res] = asyncio.run(refresh_accounts([creds], FAST))
    assert res.ok and res.health_status == "healthy", res.health_reason
    assert res.quota == user.quota
    assert res.today_consumption == _today_consumption(user)
    assert res.availability["consumption"][0] == "complete"
    assert res.requests_made > 0
    if dialect in CHECKIN_DIALECTS:
        assert res.checkin_status in ("not_checked", "unknown")
    else:
        assert res.checkin_status == "unsupported"
    if res.rotated:
        creds.access_token = res.rotated.get("access_token", creds.access_token)
        creds.refresh_token = res.rotated.get("refresh_token", creds.refresh_token)

    first = asyncio.run(checkin_accounts([creds], FAST))[0]
    second = asyncio.run(checkin_accounts([creds], FAST))[0]
    if dialect in CHECKIN_DIALECTS:
        assert first.result == "success", first.message
        assert second.result == "already_checked", second.message
        assert first.health_status == "healthy"
    else:
        assert first.result == second.result == "unsupported"
        assert not first.health_checked

    before = asyncio.run(list_tokens(creds, FAST))
    assert {t.id for t in before} == {str(t.id) for t in user.tokens}
    made = asyncio.run(create_token(creds, name="made-by-test", politeness=FAST))
    assert made.name == "made-by-test" and made.id not in {t.id for t in before}
    assert not made.masked and made.key
    after = asyncio.run(list_tokens(creds, FAST))
    assert len(after) == len(before) + 1
    key = asyncio.run(reveal_token(creds, before[0].id, FAST))
    assert key.removeprefix("sk-") == next(t for t in user.tokens if str(t.id) == before[0].id).key.removeprefix("sk-")

    if site.site_type != "sub2api":
        assert len(asyncio.run(list_models(creds, FAST))) > 0
        if site.spec.pricing and dialect not in NO_PRICES:
            pricing = asyncio.run(get_pricing(creds, FAST))
            assert pricing.models and pricing.group_ratio


def test_refresh_sends_right_headers_and_no_secret_to_public_routes(sandbox):
    site = sandbox.site("new-api")
    user = site.users[1]
    site.clear_requests()
    creds = SiteCredentials("h", site.url, "new-api", "access_token", access_token=user.access_token,
                            user_id=str(user.id))
    [res] = asyncio.run(refresh_accounts([creds], FAST))
    assert res.ok
    for req in site.requests:
        if req.path == "/api/status":
            assert req.header("authorization") is None and req.header("new-api-user") is None
        else:
            assert req.header("authorization") == f"Bearer {user.access_token}"
            assert req.header("new-api-user") == str(user.id)
            assert req.header("veloera-user") == str(user.id)
            assert req.header("pragma") == "no-cache"
            assert req.header("cookie") is None  # access-token mode sends no cookie


def test_batch_mixes_dialects_and_reports_progress(sandbox):
    creds = []
    for dialect in ("new-api", "one-api", "sub2api", "veloera"):
        site = sandbox.site(dialect)
        u = site.users[2]
        creds.append(SiteCredentials(dialect, site.url, site.site_type, "access_token",
                                     access_token=u.access_token, user_id=str(u.id),
                                     refresh_token=u.refresh_token or None))
    seen = []
    results = asyncio.run(refresh_accounts(creds, FAST, on_result=seen.append))
    assert [r.account_id for r in results] == ["new-api", "one-api", "sub2api", "veloera"]
    assert sorted(r.account_id for r in seen) == sorted(r.account_id for r in results)
    assert all(r.ok for r in results), [r.health_reason for r in results]
