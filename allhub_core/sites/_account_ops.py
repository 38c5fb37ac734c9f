"""The single-account entry points: keys, groups, models, prices, announcements and redemption.

Each opens the account with its family (``registry.family_for``) over a transport of its own
and runs one operation; rotated credentials reach ``on_rotated`` even when it fails. What a
family lacks raises ``UnsupportedError``; a site's refusal raises ``SiteError``, except a
redemption's, which comes back as ``RedeemResult(ok=False)`` with the site's reason, scrubbed
of the account's secrets and the code. (The batch refresh and check-in are in ``_api``.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from allhub_core.net import HttpStatusError, NetworkError, Politeness, SiteError, Transport
from allhub_core.origin import origin_key
from allhub_core.sites._api import _auth_for
from allhub_core.sites._groups import UserGroup
from allhub_core.sites._reasons import reason as _reason
from allhub_core.sites._types import ApiToken, Notice, Pricing, RedeemResult, SiteCredentials, TokenSpec
from allhub_core.sites.family import SiteFamily
from allhub_core.sites.registry import family_for

T = TypeVar("T")
OnRotated = Callable[[str, dict[str, str]], None]


# -- single-account operations -------------------------------------------------------

async def _with_account(creds: SiteCredentials, politeness: Politeness | None, on_rotated: OnRotated | None,
                        op: Callable[[SiteFamily[Any], Any], Awaitable[T]]) -> T:
    """Open the account with its family and run ``op(family, handle)``; rotated credentials
    reach ``on_rotated`` even when ``op`` fails."""
    family = family_for(creds.site_type)
    async with Transport.open(politeness) as t:
        session = t.session(creds.site_url, _auth_for(creds, family), creds.secrets())
        handle = family.open(session, creds)
        try:
            return await op(family, handle)
        finally:
            if handle.rotated and on_rotated is not None:
                on_rotated(creds.account_id, dict(handle.rotated))


async def list_tokens(creds: SiteCredentials, politeness: Politeness | None = None,
                      on_rotated: OnRotated | None = None) -> list[ApiToken]:
    """All relay keys of the account (keys may be masked; see ``reveal_token``)."""
    return await _with_account(creds, politeness, on_rotated, lambda f, h: f.list_tokens(h))


async def create_token(creds: SiteCredentials, name: str = "user group (auto)", *, remain_quota: int = 0,
                       unlimited_quota: bool = True, expired_time: int = -1, model_limits_enabled: bool = False,
                       model_limits: str = "", allow_ips: str = "", group: str = "",
                       politeness: Politeness | None = None, on_rotated: OnRotated | None = None) -> ApiToken:
    """Create a key and return it (found by re-listing; the full key when the site reveals it)."""
    spec = TokenSpec(name, remain_quota=remain_quota, unlimited_quota=unlimited_quota, expired_time=expired_time,
                     model_limits_enabled=model_limits_enabled, model_limits=model_limits, allow_ips=allow_ips,
                     group=group)
    return await _with_account(creds, politeness, on_rotated, lambda f, h: f.create_token(h, spec))


async def reveal_token(creds: SiteCredentials, token_id: str, politeness: Politeness | None = None,
                       on_rotated: OnRotated | None = None) -> str:
    """The full key of one token."""
    return await _with_account(creds, politeness, on_rotated, lambda f, h: f.reveal_token(h, str(token_id)))


async def reveal_tokens(creds: SiteCredentials, token_ids: list[str], politeness: Politeness | None = None,
                        on_rotated: OnRotated | None = None) -> dict[str, str]:
    """The full keys of several tokens, ``{id: key}``, over one transport: New API's batch reveal
    (100 a request) where the site has it, one reveal per key where not."""
    ids = [str(t) for t in dict.fromkeys(token_ids)]
    return await _with_account(creds, politeness, on_rotated, lambda f, h: f.reveal_tokens(h, ids))


async def list_groups(creds: SiteCredentials, politeness: Politeness | None = None,
                      on_rotated: OnRotated | None = None) -> dict[str, UserGroup]:
    """The groups the account may give a key: ``{name: UserGroup(description, ratio)}`` (Sub2API: by id)."""
    return await _with_account(creds, politeness, on_rotated, lambda f, h: f.list_groups(h))


async def update_token(creds: SiteCredentials, token_id: str, spec: TokenSpec, politeness: Politeness | None = None,
                       on_rotated: OnRotated | None = None) -> ApiToken:
    """Change one key (name, quota, expiry, limits) to ``spec``."""
    return await _with_account(creds, politeness, on_rotated, lambda f, h: f.update_token(h, str(token_id), spec))


async def delete_token(creds: SiteCredentials, token_id: str, politeness: Politeness | None = None,
                       on_rotated: OnRotated | None = None) -> None:
    """Delete one key."""
    return await _with_account(creds, politeness, on_rotated, lambda f, h: f.delete_token(h, str(token_id)))


async def notices(creds: SiteCredentials, politeness: Politeness | None = None,
                  on_rotated: OnRotated | None = None) -> list[Notice]:
    """The site's announcements, as the site lists them (Sub2API may rotate its tokens on the way)."""
    return await _with_account(creds, politeness, on_rotated, lambda f, h: f.notices(h))


async def mark_notices_read(creds: SiteCredentials, upstream_ids: list[str], politeness: Politeness | None = None,
                            on_rotated: OnRotated | None = None) -> None:
    """Mark these announcements read on the site itself (Sub2API), one request each, in one session."""
    async def each(f: Any, h: Any) -> None:
        for upstream_id in upstream_ids:
            await f.mark_notice_read(h, upstream_id)
    await _with_account(creds, politeness, on_rotated, each)


async def list_models(creds: SiteCredentials, politeness: Politeness | None = None,
                      on_rotated: OnRotated | None = None) -> list[str]:
    return await _with_account(creds, politeness, on_rotated, lambda f, h: f.list_models(h))


async def get_pricing(creds: SiteCredentials, politeness: Politeness | None = None,
                      on_rotated: OnRotated | None = None) -> Pricing:
    return await _with_account(creds, politeness, on_rotated, lambda f, h: f.get_pricing(h))


async def redeem(creds: SiteCredentials, code: str, politeness: Politeness | None = None) -> RedeemResult:
    """Redeem a top-up code; ``ok=False`` with the site's message when it is refused."""
    try:
        return await _with_account(creds, politeness, None, lambda f, h: f.redeem(h, code))
    except SiteError as exc:
        reason = _reason(exc, [*creds.secrets(), code])
        return RedeemResult(ok=False, message=reason, health_status=exc.health_status, health_reason=reason)


def _worth_retrying(exc: SiteError) -> bool:
    """The site never said yes or no: the network failed, or it answered 5xx or 429."""
    status = getattr(exc, "http_status", None) or 0
    return isinstance(exc, NetworkError) or (isinstance(exc, HttpStatusError) and (status >= 500 or status == 429))


async def _redeem_one(t: Transport, creds: SiteCredentials, code: str) -> RedeemResult:
    family = family_for(creds.site_type)
    session = t.session(creds.site_url, _auth_for(creds, family), creds.secrets())
    try:
        return await family.redeem(family.open(session, creds), code)
    except SiteError as exc:
        reason = _reason(exc, [*creds.secrets(), code])
        return RedeemResult(ok=False, message=reason, health_status=exc.health_status, health_reason=reason,
                            retryable=_worth_retrying(exc))


async def redeem_many(pairs: list[tuple[SiteCredentials, str]], politeness: Politeness | None = None,
                      on_result: Callable[[int, RedeemResult], None] | None = None) -> list[RedeemResult]:
    """Redeem ``(account, code)`` pairs over one transport, each sent once: a site's codes one
    after another, so its critical window holds across them and across its accounts; the sites
    side by side. A refusal carries the site's message; ``retryable`` when it never answered."""
    lanes: dict[str, list[int]] = {}
    for i, (creds, _code) in enumerate(pairs):
        lanes.setdefault(origin_key(creds.site_url) or creds.site_url, []).append(i)
    out: dict[int, RedeemResult] = {}
    async with Transport.open(politeness) as t:
        async def lane(indexes: list[int]) -> None:
            for i in indexes:
                out[i] = await _redeem_one(t, *pairs[i])
                if on_result is not None:
                    on_result(i, out[i])
        await asyncio.gather(*(lane(ix) for ix in lanes.values()))
    return [out[i] for i in range(len(pairs))]
