"""The public entry points: recognise, refresh, check in, keys, models, prices.

Batch functions open one transport (one httpx client) inside the running loop,
run every account concurrently under the per-origin limiter, and never raise
for one account's failure: each account gets its own result with a health
status and a short reason.  Single-account helpers raise ``SiteError`` (whose
``str()`` is the reason).  Every reason passes through ``scrub`` with the
account's secrets, so no token, cookie or password can leak into the store.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, TypeVar

from ..net import (
    Auth, BusinessError, ChallengeError, HttpStatusError, InvalidSiteUrl, NetworkError, Politeness,
    SiteError, SiteSession, Transport, UnsupportedError, normalize_site_url, scrub, short,
)
from . import _checkin, _tokens, newapi, sub2api
from ._detect import detect_site_type
from ._status import site_name, try_status
from ._types import (
    ApiToken, CheckInResult, Pricing, RecognizeResult, RedeemResult, RefreshResult, SiteCredentials, SiteStatus,
)
from ._variants import SUB2API, VOAPI_V2, USER_ID_HEADERS_LOWER, canonical_site_type, variant_for

log = logging.getLogger("allhub_core.sites")
T = TypeVar("T")
OnRotated = Callable[[str, dict[str, str]], None]


# -- helpers -------------------------------------------------------------------

def _auth_for(creds: SiteCredentials) -> Auth:
    token = creds.access_token if creds.auth_type != "none" else None
    kind = canonical_site_type(creds.site_type)
    # AnyRouter's sign-in is cookie-only, so a stored cookie always goes along there.
    send_cookie = creds.auth_type == "cookie" or not token or kind == "anyrouter"
    cookie = creds.cookie if send_cookie and creds.auth_type != "none" else None
    raw = kind == VOAPI_V2
    return Auth(access_token=token, cookie=cookie, user_id=creds.user_id, raw_authorization=raw)


def _reason(exc: BaseException, secrets: list[str]) -> str:
    if isinstance(exc, SiteError):
        return short(scrub(str(exc), secrets))
    # Never str() an unexpected exception into a reason: it might quote a request.
    return f"Unexpected error ({type(exc).__name__}); see the log."


def _health(exc: BaseException) -> str:
    return exc.health_status if isinstance(exc, SiteError) else "unknown"


def _notify(callback: Callable[[Any], None] | None, result: Any) -> None:
    if callback is None:
        return
    try:
        callback(result)
    except Exception:  # a progress bar must not break the batch
        log.exception("on_result callback failed")


class _StatusCache:
    """One ``/api/status`` per origin per batch, shared by that origin's accounts."""

    def __init__(self) -> None:
        self._tasks: dict[str, asyncio.Future] = {}

    async def get(self, session: SiteSession) -> SiteStatus | None:
        task = self._tasks.get(session.origin)
        if task is None:
            task = self._tasks[session.origin] = asyncio.ensure_future(try_status(session))
        return await asyncio.shield(task)


# -- refresh -----------------------------------------------------------------------

async def _refresh_one(t: Transport, creds: SiteCredentials, statuses: _StatusCache) -> RefreshResult:
    secrets = creds.secrets()
    base = RefreshResult(account_id=creds.account_id, ok=False, health_status="unknown", health_reason="")
    client: sub2api.Sub2ApiClient | None = None
    session: SiteSession | None = None
    try:
        try:
            session = t.session(creds.site_url, _auth_for(creds), secrets)
        except InvalidSiteUrl as exc:
            base.health_status, base.health_reason = "warning", str(exc)
            return base
        site_type = canonical_site_type(creds.site_type) or "unknown"
        if creds.auth_type == "none" or not (creds.access_token or creds.cookie or creds.refresh_token):
            base.health_status = "warning"
            base.health_reason = "No access token or cookie is stored for this account."
            return base
        if site_type == SUB2API:
            client = sub2api.Sub2ApiClient(session, access_token=creds.access_token,
                                           refresh_token=creds.refresh_token, user_id=creds.user_id)
            result = await sub2api.refresh(client)
        elif site_type == VOAPI_V2:
            raise UnsupportedError("VoAPI v2 sites are not supported yet.")
        else:
            status = await statuses.get(session)
            result = await newapi.refresh(session, variant_for(site_type), status, exchange_rate=creds.exchange_rate)
        result.account_id = creds.account_id
        base = result
        return result
    except Exception as exc:  # noqa: BLE001 - one account's failure is its own result
        if not isinstance(exc, SiteError):
            log.error("refresh of account %s failed with %s", creds.account_id, type(exc).__name__)
        base.health_status, base.health_reason = _health(exc), _reason(exc, secrets)
        return base
    finally:
        if client is not None:
            base.rotated = dict(client.rotated)
        if session is not None:
            base.requests_made = session.requests_made


async def refresh_accounts(creds: list[SiteCredentials], politeness: Politeness | None = None,
                           on_result: Callable[[RefreshResult], None] | None = None) -> list[RefreshResult]:
    """Refresh every account concurrently; one result per account, in input order."""
    async with Transport.open(politeness) as t:
        statuses = _StatusCache()

        async def one(c: SiteCredentials) -> RefreshResult:
            result = await _refresh_one(t, c, statuses)
            result.health_reason = short(scrub(result.health_reason, c.secrets()))
            # Availability reasons quote errors (stored as stats_reason): same rules as a reason.
            result.availability = {k: (state, short(scrub(why, c.secrets())))
                                   for k, (state, why) in result.availability.items()}
            _notify(on_result, result)
            return result

        return list(await asyncio.gather(*(one(c) for c in creds)))


# -- check-in ---------------------------------------------------------------------

async def _checkin_one(t: Transport, creds: SiteCredentials) -> CheckInResult:
    secrets = creds.secrets()
    out = CheckInResult(account_id=creds.account_id, result="failed", message="", health_status="unknown",
                        health_reason="")
    session: SiteSession | None = None
    try:
        site_type = canonical_site_type(creds.site_type) or "unknown"
        variant = variant_for(site_type)
        if site_type in (SUB2API, VOAPI_V2) or variant.checkin is None:
            out.result, out.message = "unsupported", "This site type has no check-in."
            out.health_checked = False
            return out
        session = t.session(creds.site_url, _auth_for(creds), secrets)
        outcome = await _checkin.check_in(session, variant)
        out.result, out.message, out.reward_quota = outcome.result, short(scrub(outcome.message, secrets)), outcome.reward_quota
        if outcome.error is not None:
            out.health_status, out.health_reason = outcome.error.health_status, _reason(outcome.error, secrets)
        elif outcome.result in ("success", "already_checked"):
            out.health_status, out.health_reason = "healthy", ""
        else:
            # A refusal in the site's own words (e.g. an invalid token) says nothing certain
            # about the account's health: leave it to the next refresh.
            out.health_checked = False
        if isinstance(outcome.error, ChallengeError):
            out.result = "needs_browser"
        if out.result == "needs_browser":
            out.checkin_url = creds.checkin_url or session.origin
        return out
    except InvalidSiteUrl as exc:
        out.message = out.health_reason = str(exc)
        out.health_status = "warning"
        return out
    except Exception as exc:  # noqa: BLE001
        if not isinstance(exc, SiteError):
            log.error("check-in of account %s failed with %s", creds.account_id, type(exc).__name__)
        out.health_status, out.health_reason = _health(exc), _reason(exc, secrets)
        out.message = out.health_reason
        if isinstance(exc, ChallengeError):
            out.result, out.checkin_url = "needs_browser", creds.checkin_url or creds.site_url
        return out
    finally:
        if session is not None:
            out.requests_made = session.requests_made


async def checkin_accounts(creds: list[SiteCredentials], politeness: Politeness | None = None,
                           on_result: Callable[[CheckInResult], None] | None = None) -> list[CheckInResult]:
    """Check every account in; one result per account, in input order."""
    async with Transport.open(politeness) as t:
        async def one(c: SiteCredentials) -> CheckInResult:
            result = await _checkin_one(t, c)
            _notify(on_result, result)
            return result

        return list(await asyncio.gather(*(one(c) for c in creds)))


# -- single-account operations -------------------------------------------------------

async def _with_account(creds: SiteCredentials, politeness: Politeness | None, on_rotated: OnRotated | None,
                        newapi_op: Callable[[SiteSession, Any], Awaitable[T]],
                        sub2api_op: Callable[[sub2api.Sub2ApiClient], Awaitable[T]] | None = None) -> T:
    secrets = creds.secrets()
    async with Transport.open(politeness) as t:
        session = t.session(creds.site_url, _auth_for(creds), secrets)
        site_type = canonical_site_type(creds.site_type) or "unknown"
        if site_type == SUB2API:
            if sub2api_op is None:
                raise UnsupportedError("Sub2API sites do not offer this.")
            client = sub2api.Sub2ApiClient(session, access_token=creds.access_token,
                                           refresh_token=creds.refresh_token, user_id=creds.user_id)
            try:
                return await sub2api_op(client)
            finally:
                if client.rotated and on_rotated is not None:
                    on_rotated(creds.account_id, dict(client.rotated))
        if site_type == VOAPI_V2:
            raise UnsupportedError("VoAPI v2 sites are not supported yet.")
        return await newapi_op(session, variant_for(site_type))


async def list_tokens(creds: SiteCredentials, politeness: Politeness | None = None,
                      on_rotated: OnRotated | None = None) -> list[ApiToken]:
    """All relay keys of the account (keys may be masked; see ``reveal_token``)."""
    return await _with_account(creds, politeness, on_rotated, _tokens.list_tokens, sub2api.list_keys)


async def create_token(creds: SiteCredentials, name: str = "user group (auto)", *, remain_quota: int = 0,
                       unlimited_quota: bool = True, expired_time: int = -1, model_limits_enabled: bool = False,
                       model_limits: str = "", allow_ips: str = "", group: str = "",
                       politeness: Politeness | None = None, on_rotated: OnRotated | None = None) -> ApiToken:
    """Create a key and return it (found by re-listing; the full key when the site reveals it)."""
    body = _tokens.create_body(name, remain_quota=remain_quota, unlimited_quota=unlimited_quota,
                               expired_time=expired_time, model_limits_enabled=model_limits_enabled,
                               model_limits=model_limits, allow_ips=allow_ips, group=group)

    async def on_sub2api(client: sub2api.Sub2ApiClient) -> ApiToken:
        quota_usd = 0 if unlimited_quota else remain_quota / 500_000
        return await sub2api.create_key(client, name, quota_usd=quota_usd,
                                        group_id=int(group) if group.isdigit() else None)

    return await _with_account(creds, politeness, on_rotated,
                               lambda s, v: _tokens.create_token(s, v, body), on_sub2api)


async def reveal_token(creds: SiteCredentials, token_id: str, politeness: Politeness | None = None,
                       on_rotated: OnRotated | None = None) -> str:
    """The full key of one token."""

    async def on_sub2api(client: sub2api.Sub2ApiClient) -> str:
        for token in await sub2api.list_keys(client):
            if token.id == str(token_id):
                return token.key
        raise SiteError(f"No key with id {token_id} on this account.")

    return await _with_account(creds, politeness, on_rotated,
                               lambda s, v: _tokens.reveal_key(s, v, str(token_id)), on_sub2api)


async def list_models(creds: SiteCredentials, politeness: Politeness | None = None) -> list[str]:
    return await _with_account(creds, politeness, None, newapi.list_models)


async def get_pricing(creds: SiteCredentials, politeness: Politeness | None = None) -> Pricing:
    return await _with_account(creds, politeness, None, newapi.get_pricing)


async def redeem(creds: SiteCredentials, code: str, politeness: Politeness | None = None) -> RedeemResult:
    """Redeem a top-up code; ``ok=False`` with the site's message when it is refused."""

    async def op(session: SiteSession, variant: Any) -> RedeemResult:
        if not variant.redeem:
            raise UnsupportedError("This site type has no redemption codes.")
        return await newapi.redeem(session, code)

    try:
        return await _with_account(creds, politeness, None, op)
    except SiteError as exc:
        reason = _reason(exc, [*creds.secrets(), code])
        return RedeemResult(ok=False, message=reason, health_status=exc.health_status, health_reason=reason)


# -- recognise ----------------------------------------------------------------------

def _recognize_failure(exc: BaseException, secrets: list[str]) -> RecognizeResult:
    if isinstance(exc, NetworkError):
        msg = {
            "dns": "The host name does not resolve (DNS lookup failed); check the address.",
            "tls": "The site's TLS certificate or handshake failed; check the address (http vs https).",
            "timeout": "The site did not answer in time; check the address or try again later.",
        }.get(exc.kind, "The site could not be reached; check the address and your connection.")
    elif isinstance(exc, ChallengeError):
        msg = "The site is behind a browser check (Cloudflare or similar); it cannot be added headless right now."
    elif isinstance(exc, HttpStatusError) and exc.http_status in (404, 405):
        msg = "This address does not look like a relay site (its API routes are missing)."
    elif isinstance(exc, SiteError) and exc.kind == "parse":
        msg = "The site answered with something other than relay-site API data; check the address."
    else:
        msg = _reason(exc, secrets)
    return RecognizeResult(ok=False, message=short(scrub(msg, secrets)),
                           health_status=_health(exc), health_reason=_reason(exc, secrets))


def _needs_user_id(exc: SiteError) -> bool:
    text = (getattr(exc, "server_message", "") or str(exc)).lower()
    return any(h in text for h in USER_ID_HEADERS_LOWER) or ("user" in text and ("未提供" in text or "missing" in text))


async def recognize(site_url: str, *, username: str | None = None, password: str | None = None,
                    access_token: str | None = None, cookie: str | None = None, user_id: str | None = None,
                    site_type: str | None = None, refresh_token: str | None = None,
                    politeness: Politeness | None = None) -> RecognizeResult:
    """Identify a site and an account from what the user typed; never raises for bad input."""
    secrets = [s for s in (password, access_token, cookie, refresh_token) if s]
    try:
        origin = normalize_site_url(site_url)
    except InvalidSiteUrl as exc:
        return RecognizeResult(ok=False, message=str(exc))
    if not (access_token or cookie or (username and password) or refresh_token):
        return RecognizeResult(ok=False, site_url=origin,
                               message="Give a username and password, an access token or a session cookie.")
    try:
        async with Transport.open(politeness) as t:
            session = t.session(origin, Auth(), secrets)
            try:
                status_reply = await session.get("/api/status", public=True)
                status_ok = True
            except (NetworkError, ChallengeError):
                raise
            except SiteError:
                status_reply, status_ok = None, False
            status = None
            if status_ok and status_reply is not None:
                try:
                    from ._status import parse_status

                    status = parse_status(status_reply.envelope())
                except SiteError:
                    status = None
            kind = canonical_site_type(site_type) if site_type else None
            if kind is None:
                kind = await detect_site_type(session, status, auth=Auth(cookie=cookie) if cookie else None)
            if kind == VOAPI_V2:
                return RecognizeResult(ok=False, site_url=origin, site_type=kind,
                                       message="VoAPI v2 sites are not supported yet.")
            if kind == SUB2API:
                return await _recognize_sub2api(session, origin, username, password, access_token,
                                                refresh_token, user_id, secrets)
            if status is None and not (access_token or cookie or username):
                raise HttpStatusError(404, "no /api/status")
            return await _recognize_newapi(session, origin, kind, status, username, password, access_token,
                                           cookie, user_id, secrets)
    except Exception as exc:  # noqa: BLE001 - bad input gets a sentence, not a traceback
        if not isinstance(exc, SiteError):
            log.error("recognise failed with %s", type(exc).__name__)
        failure = _recognize_failure(exc, secrets)
        failure.site_url = origin
        return failure


async def _recognize_newapi(session: SiteSession, origin: str, kind: str, status: SiteStatus | None,
                            username: str | None, password: str | None, access_token: str | None,
                            cookie: str | None, user_id: str | None, secrets: list[str]) -> RecognizeResult:
    variant = variant_for(kind)
    auth_type = "cookie" if cookie and not access_token and not password else "access_token"
    if username and password and not access_token and not cookie:
        try:
            outcome = await newapi.login(session, username, password)
        except HttpStatusError as exc:
            if exc.http_status in (404, 405):
                raise
            return RecognizeResult(ok=False, site_url=origin, site_type=kind,
                                   message=f"Login failed: {_reason(exc, secrets)}")
        except newapi.LoginError as exc:
            return RecognizeResult(ok=False, site_url=origin, site_type=kind, message=_reason(exc, secrets))
        access_token, user_id = outcome.access_token, outcome.user_id
        secrets.append(access_token)
        auth_type = "access_token"
    auth = Auth(access_token=access_token if auth_type == "access_token" else None,
                cookie=cookie if auth_type == "cookie" else None, user_id=user_id)
    who = session.with_auth(auth)
    who.add_secret(access_token)
    try:
        user = await newapi.fetch_self(who)
    except HttpStatusError as exc:
        if exc.http_status == 401 and _needs_user_id(exc):
            low = exc.server_message.lower()
            if user_id and ("格式" in low or "不匹配" in low or "mismatch" in low or "format" in low or "match" in low):
                return RecognizeResult(ok=False, site_url=origin, site_type=kind,
                                       message="The user id does not match this account; check the number on your profile page.")
            return RecognizeResult(
                ok=False, site_url=origin, site_type=kind, needs_user_id=True,
                message="This site also needs your user id (the number shown on your profile page).")
        if exc.http_status == 401:
            what = "session cookie" if auth_type == "cookie" else "access token"
            return RecognizeResult(ok=False, site_url=origin, site_type=kind,
                                   message=f"The site rejected the {what} ({_reason(exc, secrets)}).")
        raise
    except BusinessError as exc:
        what = "session cookie" if auth_type == "cookie" else "access token"
        return RecognizeResult(ok=False, site_url=origin, site_type=kind,
                               message=f"The site rejected the {what}: {_reason(exc, secrets)[len('Site refused: '):]}")
    if auth_type == "access_token" and not access_token and user.access_token:
        access_token = user.access_token
    state = await _checkin.checkin_status(who, variant)
    supported = newapi.checkin_supported(variant, status, state)
    return RecognizeResult(
        ok=True, message="Recognised.", site_url=origin, site_type=kind,
        site_name=site_name(status.system_name if status else None, origin),
        exchange_rate=status.exchange_rate if status else 7.2, user_id=user.user_id or user_id,
        username=user.username, auth_type=auth_type, access_token=access_token if auth_type == "access_token" else None,
        cookie=cookie if auth_type == "cookie" else None, checkin_supported=supported, quota=user.quota,
        health_status="healthy", health_reason="",
    )


async def _recognize_sub2api(session: SiteSession, origin: str, username: str | None, password: str | None,
                             access_token: str | None, refresh_token: str | None, user_id: str | None,
                             secrets: list[str]) -> RecognizeResult:
    if username and password and not access_token:
        try:
            access_token, refresh_token, _ = await sub2api.login(session, username, password)
        except BusinessError as exc:
            return RecognizeResult(ok=False, site_url=origin, site_type=SUB2API,
                                   message=_reason(newapi.login_refusal(exc.server_message), secrets))
        except HttpStatusError as exc:
            return RecognizeResult(ok=False, site_url=origin, site_type=SUB2API,
                                   message=f"Login failed: {_reason(exc, secrets)}")
        secrets += [s for s in (access_token, refresh_token) if s]
    client = sub2api.Sub2ApiClient(session, access_token=access_token, refresh_token=refresh_token, user_id=user_id)
    try:
        user = sub2api.parse_me(await client.call("GET", "/api/v1/auth/me"))
    except (BusinessError, HttpStatusError) as exc:
        if isinstance(exc, HttpStatusError) and exc.http_status not in (401, 403):
            raise
        return RecognizeResult(ok=False, site_url=origin, site_type=SUB2API,
                               message=f"The site rejected the access token ({_reason(exc, secrets)}).")
    name = await sub2api.public_name(session)
    return RecognizeResult(
        ok=True, message="Recognised.", site_url=origin, site_type=SUB2API, site_name=site_name(name, origin),
        exchange_rate=7.2, user_id=user.user_id, username=user.username, auth_type="access_token",
        access_token=client.access_token, refresh_token=client.refresh_token, checkin_supported=False,
        quota=user.quota, health_status="healthy", health_reason="",
    )
