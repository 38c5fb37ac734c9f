"""The site-family registry: every ``SiteType`` has a family, and each family keeps its
promise against the sandbox relay sites over real loopback HTTP.

A type the sandbox serves is recognised with a token, refreshed and (when the family has
check-in) checked in twice through the ``SiteFamily`` protocol itself.  ModelFlare has no
sandbox dialect: it is a New API with its own user-id header, so the sandbox's New API
site stands in for it with the type given explicitly.  VoAPI v2 is not supported: every
operation says so in one sentence.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from shared import fast_politeness

from allhub_core.net import Auth, Transport, UnsupportedError
from allhub_core.sandbox import DIALECTS
from allhub_core.sites import (
    FAMILIES,
    SiteCredentials,
    TokenSpec,
    checkin_accounts,
    family_for,
    recognize,
    refresh_accounts,
)
from allhub_core.sites.family import BaseFamily, SiteFamily
from allhub_core.vocab import CheckInResult, CheckInState, Health, SiteType

FAST = fast_politeness()

# The first sandbox dialect of each site type ("new-api", not "new-api-modern").
SERVED: dict[SiteType, str] = {}
for _name, _dialect in DIALECTS.items():
    SERVED.setdefault(SiteType(_dialect.site_type), _name)

# Types without a dialect of their own, served by a dialect that speaks the same protocol.
STAND_INS: dict[SiteType, str] = {SiteType.MODELFLARE: "new-api"}
NOT_SUPPORTED = {SiteType.VOAPI_V2}
# Check-in as the extension knows it (the sandbox offers it on more forks than that).
CHECKIN_TYPES = {SiteType.NEW_API, SiteType.MODELFLARE, SiteType.VELOERA, SiteType.ANYROUTER, SiteType.WONG_GONGYI}
NOT_SUPPORTED_SENTENCE = "VoAPI v2 sites are not supported yet."


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(users_per_site=2, seed=11)


def test_every_site_type_has_its_family():
    assert set(FAMILIES) == set(SiteType), f"missing from FAMILIES: {set(SiteType) - set(FAMILIES)}"
    for site_type, family in FAMILIES.items():
        assert family.site_type is site_type, (site_type, family)
    # A new type must say here how it is tested: served, stood in for, or not supported.
    assert set(SERVED) | set(STAND_INS) | NOT_SUPPORTED == set(SiteType)
    assert {t for t, f in FAMILIES.items() if f.has_checkin} == CHECKIN_TYPES


@pytest.mark.parametrize("site_type", list(SiteType), ids=str)
def test_family_for_ignores_case(site_type):
    family = FAMILIES[site_type]
    for spelling in (site_type.value, site_type.value.upper(), site_type.value.lower(), f" {site_type.value} "):
        assert family_for(spelling) is family, spelling


def test_unknown_types_act_as_unknown():
    unknown = FAMILIES[SiteType.UNKNOWN]
    for spelling in (None, "", "no-such-relay", "new api"):
        assert family_for(spelling) is unknown, spelling


async def _no_status() -> None:
    return None  # the shared /api/status of a batch is refresh_accounts' business


def _typed(site, user, site_type: SiteType) -> dict[str, Any]:
    if site.site_type == SiteType.SUB2API:
        return {"access_token": user.access_token, "refresh_token": user.refresh_token}
    if site.spec.default_auth == "cookie":
        return {"cookie": user.cookie, "user_id": str(user.id)}
    return {"access_token": user.access_token, "user_id": str(user.id)}


async def _walk(family: SiteFamily[Any], creds: SiteCredentials) -> dict[str, Any]:
    """Refresh, then check in twice (or learn that check-in is unsupported), through the protocol."""
    seen: dict[str, Any] = {}
    async with Transport.open(FAST) as t:
        auth = Auth(access_token=creds.access_token, cookie=creds.cookie, user_id=creds.user_id,
                    raw_authorization=family.raw_authorization)
        session = t.session(creds.site_url, auth, creds.secrets())
        handle = family.open(session, creds)
        seen["refresh"] = await family.refresh(handle, status=_no_status)
        if family.has_checkin:
            seen["first"] = await family.check_in(handle)
            seen["second"] = await family.check_in(handle)
            seen["state"] = await family.checkin_status(handle)
        else:
            with pytest.raises(UnsupportedError) as caught:
                await family.check_in(handle)
            seen["no_checkin"] = str(caught.value)
        seen["rotated"] = dict(handle.rotated)
        seen["requests"] = session.requests_made
    return seen


@pytest.mark.parametrize("site_type", sorted([*SERVED, *STAND_INS], key=str), ids=str)
def test_family_recognises_refreshes_and_checks_in(sandbox, site_type):
    family = FAMILIES[site_type]
    stand_in = site_type in STAND_INS
    site = sandbox.site(STAND_INS[site_type] if stand_in else SERVED[site_type])
    user = site.users[1 if stand_in else 0]  # the stand-in checks in as another user of the shared site
    r = asyncio.run(recognize(site.url, site_type=site_type.value.upper(), politeness=FAST,
                              **_typed(site, user, site_type)))
    assert r.ok, r.message
    assert r.site_type == site_type and type(r.site_type) is str
    assert r.user_id == str(user.id) and r.quota == user.quota
    assert r.checkin_supported == family.has_checkin

    creds = SiteCredentials(account_id=f"{site_type}-1", site_url=r.site_url, site_type=r.site_type,
                            auth_type=r.auth_type, access_token=r.access_token, cookie=r.cookie,
                            user_id=r.user_id, refresh_token=r.refresh_token)
    quota = user.quota  # before the check-in's reward
    seen = asyncio.run(_walk(family, creds))
    res = seen["refresh"]
    assert res.ok and res.health_status == Health.HEALTHY, res.health_reason
    assert res.quota == quota and res.site_type == site_type
    assert seen["requests"] > 0
    if family.has_checkin:
        assert res.checkin_status in (CheckInState.NOT_CHECKED, CheckInState.UNKNOWN)
        assert seen["first"].result == CheckInResult.SUCCESS, seen["first"].message
        assert seen["second"].result == CheckInResult.ALREADY_CHECKED, seen["second"].message
        if site_type != SiteType.ANYROUTER:  # AnyRouter has no read-only status
            assert seen["state"] == CheckInState.CHECKED
    else:
        assert res.checkin_status == CheckInState.UNSUPPORTED
        assert seen["no_checkin"].endswith("have no check-in.")


def test_sub2api_lacks_models_prices_and_codes(sandbox):
    site = sandbox.site("sub2api")
    user = site.users[1]
    creds = SiteCredentials("s2", site.url, SiteType.SUB2API.value, "access_token", access_token=user.access_token,
                            refresh_token=user.refresh_token)
    family = FAMILIES[SiteType.SUB2API]

    async def lacks() -> list[str]:
        async with Transport.open(FAST) as t:
            handle = family.open(t.session(site.url, Auth(access_token=user.access_token), creds.secrets()), creds)
            said = []
            for call in (family.list_models(handle), family.get_pricing(handle), family.redeem(handle, "CODE")):
                with pytest.raises(UnsupportedError) as caught:
                    await call
                said.append(str(caught.value))
            return said

    assert asyncio.run(lacks()) == ["Sub2API sites have no model list.", "Sub2API sites have no price list.",
                                    "Sub2API sites have no redemption codes."]


def test_voapi_v2_is_not_supported_in_every_operation(sandbox):
    family = FAMILIES[SiteType.VOAPI_V2]
    assert isinstance(family, BaseFamily) and not family.has_checkin and family.raw_authorization
    site = sandbox.site("new-api")  # any reachable site: the family must not even try
    creds = SiteCredentials("v2", site.url, SiteType.VOAPI_V2.value, "access_token", access_token="v2-token")

    async def every_operation() -> None:
        async with Transport.open(FAST) as t:
            session = t.session(site.url, Auth(access_token="v2-token", raw_authorization=True), ["v2-token"])
            with pytest.raises(UnsupportedError, match=NOT_SUPPORTED_SENTENCE):
                family.open(session, creds)
            handle: Any = object()
            calls = [family.refresh(handle, status=_no_status), family.checkin_status(handle),
                     family.check_in(handle), family.list_tokens(handle), family.create_token(handle, TokenSpec("k")),
                     family.reveal_token(handle, "1"), family.list_models(handle), family.get_pricing(handle),
                     family.redeem(handle, "CODE")]
            for call in calls:
                with pytest.raises(UnsupportedError) as caught:
                    await call
                assert str(caught.value) == NOT_SUPPORTED_SENTENCE
            assert session.requests_made == 0

    asyncio.run(every_operation())

    r = asyncio.run(recognize(site.url, access_token="v2-token", site_type="VoAPI-v2", politeness=FAST))
    assert not r.ok and r.message == NOT_SUPPORTED_SENTENCE and r.site_type == SiteType.VOAPI_V2

    [refreshed] = asyncio.run(refresh_accounts([creds], FAST))
    assert not refreshed.ok and refreshed.health_reason == NOT_SUPPORTED_SENTENCE
    assert refreshed.health_status == Health.UNKNOWN
    [checked] = asyncio.run(checkin_accounts([creds], FAST))
    assert checked.result == CheckInResult.UNSUPPORTED and not checked.health_checked
    assert checked.requests_made == 0
