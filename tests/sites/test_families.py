"""The site-family registry: every ``SiteType`` has a family, and each family keeps its
promise against the sandbox relay sites over real loopback HTTP.

A type the sandbox serves is recognised with a token, refreshed and (when the family has
check-in) checked in twice through the ``SiteFamily`` protocol itself.  ModelFlare has no
sandbox dialect: it is a New API with its own user-id header, so the sandbox's New API
site stands in for it with the type given explicitly.  VoAPI v2 has its own protocol (raw JWT,
``{code,data,msg}``) and its own sandbox dialect; what it lacks says so in one sentence.
"""

from __future__ import annotations

import ast
import asyncio
import re
from pathlib import Path
from typing import Any

import pytest
from shared import fast_politeness

import allhub_core
from allhub_core.net import Auth, Transport, UnsupportedError
from allhub_core.sandbox import DIALECTS
from allhub_core.sites import (
    FAMILIES,
    SiteCredentials,
    checkin_accounts,
    family_for,
    recognize,
    refresh_accounts,
)
from allhub_core.sites.family import SiteFamily
from allhub_core.vocab import CheckInResult, CheckInState, Health, SiteType

FAST = fast_politeness()

# The first sandbox dialect of each site type ("new-api", not "new-api-modern").
SERVED: dict[SiteType, str] = {}
for _name, _dialect in DIALECTS.items():
    SERVED.setdefault(SiteType(_dialect.site_type), _name)

# Types without a dialect of their own, served by a dialect that speaks the same protocol.
STAND_INS: dict[SiteType, str] = {SiteType.MODELFLARE: "new-api"}
NOT_SUPPORTED: set[SiteType] = set()
# Check-in as the extension knows it (the sandbox offers it on more forks than that).
CHECKIN_TYPES = {SiteType.NEW_API, SiteType.MODELFLARE, SiteType.VELOERA, SiteType.ANYROUTER, SiteType.WONG_GONGYI,
                 SiteType.VOAPI_V2}


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


def test_sub2api_lists_its_relay_models_and_lacks_prices_and_codes(sandbox):
    site = sandbox.site("sub2api")
    user = site.users[1]
    creds = SiteCredentials("s2", site.url, SiteType.SUB2API.value, "access_token", access_token=user.access_token,
                            refresh_token=user.refresh_token)
    family = FAMILIES[SiteType.SUB2API]

    async def ask() -> tuple[list[str], list[str]]:
        async with Transport.open(FAST) as t:
            handle = family.open(t.session(site.url, Auth(access_token=user.access_token), creds.secrets()), creds)
            models = await family.list_models(handle)  # the relay's /v1/models, with one of the user's keys
            said = []
            for call in (family.get_pricing(handle), family.redeem(handle, "CODE")):
                with pytest.raises(UnsupportedError) as caught:
                    await call
                said.append(str(caught.value))
            return models, said

    site.clear_requests()
    models, said = asyncio.run(ask())
    relay = [r for r in site.requests if r.path == "/v1/models"]
    assert models and models == sorted(models) and len(relay) == 1
    assert relay[0].headers["authorization"].startswith("Bearer sk-")
    assert said == ["Sub2API sites have no price list.", "Sub2API sites have no redemption codes."]


def test_voapi_v2_sends_the_raw_jwt_and_reads_its_own_routes(sandbox):
    site = sandbox.site(SERVED[SiteType.VOAPI_V2])
    user = site.users[1]
    site.clear_requests()
    r = asyncio.run(recognize(site.url, access_token=user.access_token, politeness=FAST))  # type detected
    assert r.ok and r.site_type == SiteType.VOAPI_V2 and r.user_id == str(user.id), r.message
    creds = SiteCredentials("v2", site.url, r.site_type, "access_token", access_token=r.access_token,
                            user_id=r.user_id)
    [res] = asyncio.run(refresh_accounts([creds], FAST))
    assert res.ok and res.quota == user.quota and res.today_consumption == user.today_consumption
    assert res.availability["consumption"][0] == "complete" and res.availability["requests"][0] == "complete"
    assert res.availability["income"][0] == res.availability["tokens"][0] == "unavailable"
    [checked] = asyncio.run(checkin_accounts([creds], FAST))
    assert checked.result == CheckInResult.SUCCESS and checked.reward_quota, checked.message
    authed = [q for q in site.requests if q.header("authorization")]
    assert authed and all(q.header("authorization") == user.access_token for q in authed)  # no "Bearer "
    assert {q.path for q in authed} >= {"/api/user/info", "/api/dash/statistics", "/api/check_in/stats",
                                         "/api/check_in"}


def test_voapi_v2_rejected_token_and_what_it_lacks(sandbox):
    site = sandbox.site(SERVED[SiteType.VOAPI_V2])
    user = site.users[0]
    r = asyncio.run(recognize(site.url, access_token="not-a-jwt-0123456789", site_type="voapi-v2", politeness=FAST))
    assert not r.ok and r.site_type == SiteType.VOAPI_V2 and "rejected the access token" in r.message
    assert "not-a-jwt" not in r.message
    r = asyncio.run(recognize(site.url, access_token=user.access_token, user_id=str(user.id + 5),
                              site_type="voapi-v2", politeness=FAST))
    assert not r.ok and "user id does not match" in r.message
    bad = SiteCredentials("v2", site.url, "voapi-v2", "access_token", access_token="not-a-jwt-0123456789")
    [refreshed] = asyncio.run(refresh_accounts([bad], FAST))
    assert not refreshed.ok and refreshed.health_status == Health.WARNING
    assert "not-a-jwt" not in refreshed.health_reason

    family = FAMILIES[SiteType.VOAPI_V2]
    creds = SiteCredentials("v2", site.url, "voapi-v2", "access_token", access_token=user.access_token)

    async def lacks() -> list[str]:
        async with Transport.open(FAST) as t:
            session = t.session(site.url, Auth(access_token=user.access_token, raw_authorization=True),
                                creds.secrets())
            handle = family.open(session, creds)
            said = []
            for call in (family.get_pricing(handle), family.redeem(handle, "CODE")):
                with pytest.raises(UnsupportedError) as caught:
                    await call
                said.append(str(caught.value))
            assert session.requests_made == 0  # refused before any request
            assert await family.list_models(handle)  # its key template's models (no prices)
            return said

    assert asyncio.run(lacks()) == [  # API keys are supported (tests/sync/test_voapi_v2_keys.py)
        "The price list of VoAPI v2 sites is not supported yet.",
        "VoAPI v2 sites have no redemption codes."]


def test_voapi_v2_checkin_off_and_already(sandbox):
    site = sandbox.site(SERVED[SiteType.VOAPI_V2])
    site.reset()  # nobody has checked in today
    user = site.users[0]
    creds = SiteCredentials("v2", site.url, "voapi-v2", "access_token", access_token=user.access_token)
    site.checkin_enabled = False
    try:
        [off] = asyncio.run(checkin_accounts([creds], FAST))
        assert off.result == CheckInResult.UNSUPPORTED, off.message
    finally:
        site.checkin_enabled = True
    # The stats cannot be read: the check-in still goes out, and "code 1" is "already".
    site.inject("500", path="/api/check_in/stats", method="GET")
    [first] = asyncio.run(checkin_accounts([creds], FAST))
    [second] = asyncio.run(checkin_accounts([creds], FAST))
    site.clear_faults()
    assert first.result == CheckInResult.SUCCESS, first.message
    assert second.result == CheckInResult.ALREADY_CHECKED, second.message


# -- the shared code names no family ------------------------------------------------------------

_FAMILY_NAMES = re.compile(r"sub2api|voapi|veloera|anyrouter|wong|one-?hub|done-?hub|modelflare", re.I)
_SHARED = ["sites/_api.py", "sites/_account_ops.py", "sites/_logs.py", "sites/_detect.py", "sites/recognition.py", "sites/_status.py",
           "sites/family.py", "sites/registry.py", "transfer/extension.py", "transfer/extension_account.py",
           "transfer/extension_export.py", "transfer/extension_migrate.py", "sync/keys.py", "sync/checkins.py"]


def _code_words(path: Path) -> list[str]:
    """Every name and string of a module but its docstrings (bare strings), comments and imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)}
    imports = {id(a) for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
    words: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            words.append(node.value)
        elif isinstance(node, ast.Name):
            words.append(node.id)
        elif isinstance(node, ast.Attribute):
            words.append(node.attr)
        elif isinstance(node, ast.alias) and id(node) not in imports:
            words.append(node.name)
    return words


@pytest.mark.parametrize("module", _SHARED)
def test_shared_code_asks_the_family_instead_of_naming_it(module):
    """Detection, the registry's check-in choice, the entry points, the extension's mapping and the
    default key ask the family (or its ``SiteKind``); only the registry's own registration lines
    (``register_family(Sub2ApiFamily())``) say a family's name."""
    root = Path(allhub_core.__file__).parent
    named = [w for w in _code_words(root / module) if _FAMILY_NAMES.search(w)]
    if module == "sites/registry.py":
        named = [w for w in named if w not in ("Sub2ApiFamily", "VoApiV2Family")]
    assert named == [], named
