"""Sub2API: ``/api/v1`` routes, ``{code,message,data}`` envelope, a short-lived
JWT and a refresh token that rotates on every use (docs/site-api.md).

Because each refresh invalidates the old refresh token, the new pair must reach
the store even when the rest of the refresh fails: ``Sub2ApiClient.rotated``
collects it and the batch layer always copies it into the result.  Refreshes
happen proactively when the JWT expires within 120 s, and once after a 401.

``Sub2ApiFamily`` is the ``SiteFamily``: its handle is the ``Sub2ApiClient``.  Sub2API
has no check-in, price list or top-up codes, so those stay unsupported. Its keys (listed in full,
limited in USD) and its relay's model list are in ``_sub2api_keys`` (docs/site-api.md 7.5, 8).
Its usage logs are ``/api/v1/usage`` (newest first, ``items``), read until the first row older
than the window.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from allhub_core.net import (
    Auth,
    BadResponseError,
    BusinessError,
    HttpStatusError,
    Reply,
    SiteError,
    SiteSession,
    UnsupportedError,
    looks_like_auth_failure,
    server_message,
)
from allhub_core.sites._announce import sub2api_notices
from allhub_core.sites._groups import UserGroup, sub2api_groups
from allhub_core.sites._reasons import reason, route_missing
from allhub_core.sites._status import site_name
from allhub_core.sites._sub2api_keys import (
    create_key,
    expires_in_days,
    list_keys,
    relay_models,
    update_key,
    usd_to_quota,
)
from allhub_core.sites._types import (
    ApiToken,
    Notice,
    RecognizeResult,
    RefreshResult,
    SiteCredentials,
    SiteStatus,
    TokenSpec,
    TypedInput,
    UsageLogRow,
    UsageLogs,
    UserInfo,
    epoch_of,
    finite,
    int_of,
    remote_text,
)
from allhub_core.sites.family import BaseFamily, StatusSource
from allhub_core.sites.newapi import login_refusal
from allhub_core.vocab import (
    DEFAULT_EXCHANGE_RATE,
    QUOTA_PER_USD,
    AnySiteType,
    AuthType,
    Availability,
    CheckInState,
    Health,
    SiteType,
)

REFRESH_BUFFER_S = 120
_LOG_PAGE = 100


def jwt_expiry(token: str | None) -> float | None:
    """``exp`` of a JWT payload (not verified: only used to refresh early)."""
    if not token or token.count(".") != 2:
        return None
    try:
        payload = token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        exp = json.loads(base64.urlsafe_b64decode(payload)).get("exp")
        return float(exp) if isinstance(exp, (int, float)) else None
    except (ValueError, TypeError, AttributeError):
        return None


def unwrap(reply: Reply) -> Any:
    body = reply.json_object()
    code = body.get("code")
    if not isinstance(code, (int, str)) or isinstance(code, bool):
        raise BadResponseError("The site's answer is not a Sub2API envelope.")
    if code not in (0, "0"):
        message = reply.clean(server_message(body))
        raise BusinessError(message, auth=looks_like_auth_failure(message), http_status=reply.status)
    return body.get("data")


class Sub2ApiClient:
    def __init__(self, session: SiteSession, *, access_token: str | None, refresh_token: str | None,
                 user_id: str | None = None) -> None:
        self.base = session
        self.access_token = access_token
        self.refresh_token = refresh_token
        self.user_id = user_id
        self.rotated: dict[str, str] = {}
        for s in (access_token, refresh_token):
            session.add_secret(s)
        self.session = session.with_auth(Auth(access_token=access_token, user_id=user_id))

    async def refresh(self) -> None:
        if not self.refresh_token:
            raise HttpStatusError(401, "login expired and no refresh token is stored; log in again")
        reply = await self.session.post("/api/v1/auth/refresh", json={"refresh_token": self.refresh_token},
                                        idempotent=False)
        data = unwrap(reply)
        token = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise BadResponseError("The token refresh answer has no access token.")
        new_refresh = data.get("refresh_token")
        self.access_token = token
        self.rotated["access_token"] = token
        if isinstance(new_refresh, str) and new_refresh:
            self.refresh_token = new_refresh
            self.rotated["refresh_token"] = new_refresh
        self.base.add_secret(token)
        self.base.add_secret(new_refresh if isinstance(new_refresh, str) else None)
        self.session = self.base.with_auth(Auth(access_token=token, user_id=self.user_id))

    async def call(self, method: str, path: str, **kw: Any) -> Any:
        exp = jwt_expiry(self.access_token)
        if self.refresh_token and (not self.access_token or (exp is not None and exp - time.time() < REFRESH_BUFFER_S)):
            await self.refresh()
        try:
            return unwrap(await self.session.request(method, path, **kw))
        except HttpStatusError as exc:
            if exc.http_status != 401 or not self.refresh_token:
                raise
        await self.refresh()
        return unwrap(await self.session.request(method, path, **kw))


def parse_me(data: Any) -> UserInfo:
    if not isinstance(data, dict) or data.get("id") in (None, ""):
        raise BadResponseError("The user data from the site is not in a known format.")
    username = remote_text(data.get("username")) or remote_text(str(data.get("email") or "").split("@")[0])
    return UserInfo(user_id=remote_text(data["id"]) or "", username=username, quota=usd_to_quota(data.get("balance")))


async def public_name(session: SiteSession) -> str | None:
    try:
        data = unwrap(await session.get("/api/v1/settings/public", public=True))
        name = data.get("site_name") if isinstance(data, dict) else None
        return remote_text(name) if isinstance(name, str) else None
    except SiteError:
        return None


async def refresh(client: Sub2ApiClient) -> RefreshResult:
    user = parse_me(await client.call("GET", "/api/v1/auth/me"))
    client.user_id = client.user_id or user.user_id
    result = RefreshResult(
        account_id="", ok=True, health_status="healthy", health_reason="", quota=user.quota,
        username=user.username, user_id=user.user_id,
        site_name=site_name(await public_name(client.base), client.base.origin),
        checkin_supported=False, checkin_status=CheckInState.UNSUPPORTED.value, site_type=SiteType.SUB2API.value,
        exchange_rate=DEFAULT_EXCHANGE_RATE,
    )
    result.availability["income"] = (Availability.UNAVAILABLE, "Sub2API does not report income")
    result.today_income = None
    try:
        stats = await client.call("GET", "/api/v1/usage/stats", params={"period": "today"})
        if not isinstance(stats, dict):
            raise BadResponseError("usage stats are not in a known format")
        result.today_consumption = usd_to_quota(stats.get("total_actual_cost", 0))
        result.today_requests = int(stats.get("total_requests") or 0)
        result.today_prompt_tokens = int(stats.get("total_input_tokens") or 0)
        result.today_completion_tokens = int(stats.get("total_output_tokens") or 0)
        for metric in ("consumption", "tokens", "requests"):
            result.availability[metric] = (Availability.COMPLETE, "")
    except (SiteError, ValueError, TypeError) as exc:
        for metric in ("consumption", "tokens", "requests"):
            result.availability[metric] = (Availability.UNAVAILABLE, f"usage stats unavailable: {exc}")
    return result


#: Sub2API's key statuses (``active``; ``inactive``/``disabled`` by the user; the server's own
#: ``expired`` and ``quota_exhausted``) as New API's numbers (docs/site-api.md 7.1).
async def login(session: SiteSession, username: str, password: str) -> tuple[str, str | None, UserInfo]:
    """``POST /api/v1/auth/login``; returns (access token, refresh token, user)."""
    session.add_secret(password)
    field = "email" if "@" in username else "username"
    data = unwrap(await session.post("/api/v1/auth/login", json={field: username, "email": username,
                                                                 "password": password},
                                     public=True, idempotent=False))
    if not isinstance(data, dict) or not isinstance(data.get("access_token"), str):
        raise BadResponseError("The login answer has no access token.")
    user = parse_me(data.get("user")) if isinstance(data.get("user"), dict) else None
    refresh_token = data.get("refresh_token") if isinstance(data.get("refresh_token"), str) else None
    session.add_secret(data["access_token"])
    session.add_secret(refresh_token)
    if user is None:
        client = Sub2ApiClient(session, access_token=data["access_token"], refresh_token=None)
        user = parse_me(await client.call("GET", "/api/v1/auth/me"))
    return data["access_token"], refresh_token, user


async def usage_logs(call: Callable[..., Any], window: tuple[int, int], *, page_limit: int,
                             row_limit: int) -> UsageLogs:
    """``call(method, path, params=...)`` is the Sub2API client's call (token refresh included)."""
    out = UsageLogs(complete=False)
    for page in range(1, max(1, page_limit) + 1):
        try:
            data = await call("GET", "/api/v1/usage", params={"page": page, "page_size": _LOG_PAGE})
            if isinstance(data, dict):
                items, total = data.get("items"), data.get("total")
            else:
                items, total = data, None
            if not isinstance(items, list):
                raise SiteError("The usage page is not in a known format.")
        except SiteError as exc:
            if out.pages == 0:
                if route_missing(exc):
                    raise UnsupportedError("This site shows no usage logs.") from exc
                raise
            out.error = str(exc)
            return out
        out.pages += 1
        older = False
        for raw in items:
            if not isinstance(raw, dict):
                continue
            ts = epoch_of(raw.get("created_at"))
            if ts is None:
                continue
            if ts < window[0]:
                older = True
                continue
            if ts > window[1]:
                continue
            cost = finite(raw.get("actual_cost", raw.get("total_cost")))
            latency = finite(raw.get("duration_ms"))
            out.rows.append(UsageLogRow(
                created_at=ts, model=remote_text(raw.get("model")) or "", uid=remote_text(raw.get("id")) or "",
                token_id=remote_text(raw.get("api_key_id")) or "",
                token_name=remote_text(raw.get("api_key_name")) or "",
                prompt_tokens=int_of(raw.get("input_tokens")), completion_tokens=int_of(raw.get("output_tokens")),
                quota=round(cost * QUOTA_PER_USD) if cost is not None else 0,
                latency_s=latency / 1000 if latency is not None else None))
        if len(out.rows) >= row_limit:
            del out.rows[row_limit:]
            return out
        done = isinstance(total, int) and page * _LOG_PAGE >= total
        if older or not items or done or len(items) < _LOG_PAGE:
            out.complete = True
            return out
    return out


class Sub2ApiFamily(BaseFamily[Sub2ApiClient]):
    site_type: AnySiteType = SiteType.SUB2API
    # Detection: ``/api/v1/auth/me`` asked anonymously answers with a string ``code``; or the title.
    detect_rank = 1
    probe_path: str | None = "/api/v1/auth/me"
    title_pattern: re.Pattern[str] | None = re.compile(r"\bsub2api\b", re.I)

    def fingerprint(self, body: Any) -> bool:
        return isinstance(body, dict) and isinstance(body.get("code"), str)

    def open(self, session: SiteSession, creds: SiteCredentials) -> Sub2ApiClient:
        return Sub2ApiClient(session, access_token=creds.access_token, refresh_token=creds.refresh_token,
                             user_id=creds.user_id)

    async def refresh(self, handle: Sub2ApiClient, *, status: StatusSource,
                      exchange_rate: float | None = None) -> RefreshResult:
        return await refresh(handle)  # no /api/status on Sub2API

    async def list_tokens(self, handle: Sub2ApiClient) -> list[ApiToken]:
        return await list_keys(handle)

    async def list_models(self, handle: Sub2ApiClient) -> list[str]:
        return await relay_models(handle)

    async def create_token(self, handle: Sub2ApiClient, spec: TokenSpec) -> ApiToken:
        if spec.model_limits_enabled and spec.model_limits:
            raise UnsupportedError("Sub2API keys cannot be limited to some models; leave the model list empty.")
        quota_usd = 0 if spec.unlimited_quota else spec.remain_quota / QUOTA_PER_USD
        return await create_key(handle, spec.name, quota_usd=quota_usd,
                                group_id=int(spec.group) if spec.group.isdigit() else None,
                                ip_whitelist=[ip for ip in spec.allow_ips.split(",") if ip],
                                expires_in_days=expires_in_days(spec.expired_time))

    async def update_token(self, handle: Sub2ApiClient, token_id: str, spec: TokenSpec) -> ApiToken:
        return await update_key(handle, str(token_id), spec)

    async def delete_token(self, handle: Sub2ApiClient, token_id: str) -> None:
        if not str(token_id).isdigit():
            raise BadResponseError("That is not an API key id of this site (a number).")
        await handle.call("DELETE", f"/api/v1/keys/{token_id}", idempotent=False)

    async def reveal_token(self, handle: Sub2ApiClient, token_id: str) -> str:
        return (await self.reveal_tokens(handle, [str(token_id)]))[str(token_id)]

    async def reveal_tokens(self, handle: Sub2ApiClient, token_ids: list[str]) -> dict[str, str]:
        by_id = {t.id: t for t in await list_keys(handle)}  # Sub2API lists full keys: one list for all
        out: dict[str, str] = {}
        for token_id in dict.fromkeys(str(t) for t in token_ids):
            token = by_id.get(token_id)
            if token is None or not token.key or token.masked:
                raise SiteError(f"No key with id {token_id} on this account.")
            out[token_id] = token.key
        return out

    async def list_groups(self, handle: Sub2ApiClient) -> dict[str, UserGroup]:
        return await sub2api_groups(handle.call)

    notices_per_account = True  # each account has its own unread list (the extension's site key)

    async def notices(self, handle: Sub2ApiClient) -> list[Notice]:
        """``GET /api/v1/announcements?unread_only=1``, as the extension asks it."""
        return sub2api_notices(await handle.call("GET", "/api/v1/announcements", params={"unread_only": "1"}))

    async def mark_notice_read(self, handle: Sub2ApiClient, upstream_id: str) -> None:
        """``POST /api/v1/announcements/{id}/read`` (the extension's ``markSub2ApiAnnouncementRead``),
        so the site stops listing it as unread."""
        await handle.call("POST", f"/api/v1/announcements/{quote(str(upstream_id), safe='')}/read")

    async def usage_logs(self, handle: Sub2ApiClient, window: tuple[int, int], *, page_limit: int,
                         row_limit: int) -> UsageLogs:
        return await usage_logs(handle.call, window, page_limit=page_limit, row_limit=row_limit)

    async def recognize(self, session: SiteSession, origin: str, status: SiteStatus | None,
                        typed: TypedInput) -> RecognizeResult:
        kind, secrets = self.site_type.value, typed.secrets
        access_token, refresh_token = typed.access_token, typed.refresh_token
        if typed.username and typed.password and not access_token:
            try:
                access_token, refresh_token, who = await login(session, typed.username, typed.password)
            except BusinessError as exc:
                return RecognizeResult(ok=False, site_url=origin, site_type=kind,
                                       message=reason(login_refusal(exc.server_message), secrets))
            except HttpStatusError as exc:
                return RecognizeResult(ok=False, site_url=origin, site_type=kind,
                                       message=f"Login failed: {reason(exc, secrets)}")
            secrets += [s for s in (access_token, refresh_token) if s]
            if typed.check_duplicate and who.user_id:
                typed.check_duplicate(origin, who.user_id)  # before anything else is asked
        client = Sub2ApiClient(session, access_token=access_token, refresh_token=refresh_token,
                               user_id=typed.user_id)
        try:
            user = parse_me(await client.call("GET", "/api/v1/auth/me"))
        except (BusinessError, HttpStatusError) as exc:
            if isinstance(exc, HttpStatusError) and exc.http_status not in (401, 403):
                raise
            return RecognizeResult(ok=False, site_url=origin, site_type=kind,
                                   message=f"The site rejected the access token ({reason(exc, secrets)}).")
        name = await public_name(session)
        return RecognizeResult(
            ok=True, message="Recognised.", site_url=origin, site_type=kind, site_name=site_name(name, origin),
            exchange_rate=DEFAULT_EXCHANGE_RATE, user_id=user.user_id, username=user.username,
            auth_type=AuthType.ACCESS_TOKEN.value, access_token=client.access_token,
            refresh_token=client.refresh_token, checkin_supported=False, quota=user.quota,
            health_status=Health.HEALTHY.value, health_reason="",
        )
