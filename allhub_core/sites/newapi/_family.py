"""The New API family as a ``SiteFamily``: one instance per row of ``_variants.VARIANTS``.

Its detection fingerprint (hosts, title, user-id header, Veloera's status flag), the four
check-in dialects a user may choose, and every operation come from the row.

The instance holds its ``Variant``, so every operation is the shared adapter code
called with that row; nothing here branches on a type name.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any

from allhub_core.net import Auth, BusinessError, HttpStatusError, SiteError, SiteSession
from allhub_core.sites._groups import UserGroup, newapi_groups
from allhub_core.sites._plans import PlansGate
from allhub_core.sites._reasons import reason
from allhub_core.sites._seen import Seen
from allhub_core.sites._status import site_name
from allhub_core.sites._types import (
    ApiToken,
    Notice,
    Pricing,
    RecognizeResult,
    RedeemResult,
    RefreshResult,
    SiteCredentials,
    SiteStatus,
    TokenSpec,
    TypedInput,
    UsageLogs,
)
from allhub_core.sites.family import BaseFamily, CheckInAttempt, SiteFamily, StatusSource, method_label
from allhub_core.sites.newapi import _account, _catalog, _checkin, _relogin, _tokens
from allhub_core.sites.newapi._notices import newapi_notices
from allhub_core.sites.newapi._usage_logs import newapi_usage_logs
from allhub_core.sites.newapi._variants import DIALECT_OF_METHOD, TITLE_ORDER, USER_ID_HEADERS_LOWER, Variant
from allhub_core.vocab import DEFAULT_EXCHANGE_RATE, AuthType, Health, SiteType


@dataclass
class NewApiHandle:
    """One New API family account: its session (credentials included) and its variant."""

    session: SiteSession
    variant: Variant
    rotated: dict[str, str] = field(default_factory=dict)  # New API never rotates credentials
    checkin_known: bool = False  # today's check-in is known done: its state is not asked again
    seen: Seen | None = None  # what adding the account has just read: not asked again


def _needs_user_id(exc: SiteError) -> bool:
    text = (getattr(exc, "server_message", "") or str(exc)).lower()
    return any(h in text for h in USER_ID_HEADERS_LOWER) or ("user" in text and ("未提供" in text or "missing" in text))


def _user_id_mismatch(message: str) -> bool:
    low = message.lower()
    return "格式" in low or "不匹配" in low or "mismatch" in low or "format" in low or "match" in low


class NewApiFamily(BaseFamily[NewApiHandle]):
    """New API, One API, Veloera, OneHub, DoneHub, AnyRouter, WONG, V-API, VoAPI, Super-API,
    Rix-Api, neo-Api, ModelFlare and unknown forks, told apart by their ``Variant``."""

    checkin_methods: tuple[str, ...] = tuple(DIALECT_OF_METHOD)  # any of the four dialects may be chosen on any fork

    def __init__(self, variant: Variant) -> None:
        self.variant = variant
        self.site_type = SiteType(variant.site_type)
        self.has_checkin = variant.checkin is not None
        self.always_send_cookie = variant.always_send_cookie
        self.asks_plans = variant.subscriptions
        self.hosts = variant.hosts
        self.user_id_header = variant.user_id_header
        self.title_pattern = re.compile(variant.title, re.I) if variant.title else None
        # Titles are tried most specific first ("Done Hub" never reads as "One Hub"), after the
        # families with a fingerprint of their own.
        self.detect_rank = 10 + TITLE_ORDER.index(variant.site_type) if variant.site_type in TITLE_ORDER else 100

    def status_hint(self, status: SiteStatus) -> bool:
        flag = self.variant.status_flag
        return flag is not None and isinstance(status.raw.get(flag), bool)

    def with_checkin_method(self, method: str) -> SiteFamily[Any] | None:
        dialect = DIALECT_OF_METHOD.get(method)
        if dialect is None:
            return None
        if self.variant.checkin == dialect:
            return self
        return NewApiFamily(dataclasses.replace(self.variant, checkin=dialect,
                                                always_send_cookie=self.variant.always_send_cookie
                                                or dialect == "anyrouter"))

    def refuse_checkin_method(self, method: str, other: SiteFamily[Any]) -> str:
        return (f"The {method_label(method)} works only on New API family sites, not on "
                f"{other.site_type.label} sites.")

    def open(self, session: SiteSession, creds: SiteCredentials) -> NewApiHandle:
        return NewApiHandle(session, self.variant, checkin_known=creds.checkin_known_today, seen=creds.seen)

    async def refresh(self, handle: NewApiHandle, *, status: StatusSource, exchange_rate: float | None = None,
                      plans: PlansGate | None = None) -> RefreshResult:
        return await _account.refresh(handle.session, self.variant, status, exchange_rate=exchange_rate,
                                      checkin_known=handle.checkin_known, plans=plans, seen=handle.seen)

    async def checkin_status(self, handle: NewApiHandle) -> str:
        return await _checkin.checkin_status(handle.session, self.variant)

    async def check_in(self, handle: NewApiHandle) -> CheckInAttempt:
        if not self.has_checkin:
            raise self._unsupported("have no check-in")
        return await _checkin.check_in(handle.session, self.variant)

    async def relogin_check_in(self, handle: NewApiHandle, username: str, password: str, *,
                               keep_cookie: bool) -> CheckInAttempt:
        """Re-login check-in (``_relogin``, issue 21): log in again, report what the login credited."""
        return await _relogin.relogin_check_in(handle.session, username, password, keep_cookie=keep_cookie,
                                               rotated=handle.rotated)

    async def list_tokens(self, handle: NewApiHandle) -> list[ApiToken]:
        return await _tokens.list_tokens(handle.session, self.variant)

    async def create_token(self, handle: NewApiHandle, spec: TokenSpec) -> ApiToken:
        body = _tokens.create_body(spec.name, remain_quota=spec.remain_quota, unlimited_quota=spec.unlimited_quota,
                                   expired_time=spec.expired_time, model_limits_enabled=spec.model_limits_enabled,
                                   model_limits=spec.model_limits, allow_ips=spec.allow_ips, group=spec.group)
        return await _tokens.create_token(handle.session, self.variant, body)

    async def delete_token(self, handle: NewApiHandle, token_id: str) -> None:
        await _tokens.delete_token(handle.session, str(token_id))

    async def reveal_token(self, handle: NewApiHandle, token_id: str) -> str:
        return await _tokens.reveal_key(handle.session, self.variant, str(token_id))

    async def reveal_tokens(self, handle: NewApiHandle, token_ids: list[str]) -> dict[str, str]:
        return await _tokens.reveal_keys(handle.session, self.variant, [str(t) for t in token_ids])

    async def update_token(self, handle: NewApiHandle, token_id: str, spec: TokenSpec) -> ApiToken:
        body = _tokens.create_body(spec.name, remain_quota=spec.remain_quota, unlimited_quota=spec.unlimited_quota,
                                   expired_time=spec.expired_time, model_limits_enabled=spec.model_limits_enabled,
                                   model_limits=spec.model_limits, allow_ips=spec.allow_ips, group=spec.group)
        return await _tokens.update_token(handle.session, self.variant, str(token_id), body)

    async def list_groups(self, handle: NewApiHandle) -> dict[str, UserGroup]:
        return await newapi_groups(handle.session, onehub=self.variant.pricing == "onehub")

    async def list_models(self, handle: NewApiHandle) -> list[str]:
        return await _catalog.list_models(handle.session, self.variant)

    async def get_pricing(self, handle: NewApiHandle) -> Pricing:
        return await _catalog.get_pricing(handle.session, self.variant)

    async def redeem(self, handle: NewApiHandle, code: str) -> RedeemResult:
        if not self.variant.redeem:
            raise self._unsupported("have no redemption codes")
        return await _catalog.redeem(handle.session, code)

    async def notices(self, handle: NewApiHandle) -> list[Notice]:
        return await newapi_notices(handle.session)  # site-wide: every account sees the same

    async def usage_logs(self, handle: NewApiHandle, window: tuple[int, int], *, page_limit: int,
                         row_limit: int) -> UsageLogs:
        return await newapi_usage_logs(handle.session, self.variant, window, page_limit=page_limit,
                                       row_limit=row_limit)

    # -- recognise ---------------------------------------------------------------

    async def recognize(self, session: SiteSession, origin: str, status: SiteStatus | None,
                        typed: TypedInput) -> RecognizeResult:
        kind = self.site_type.value
        secrets = typed.secrets
        access_token, cookie, user_id = typed.access_token, typed.cookie, typed.user_id
        if status is None and not (access_token or cookie or typed.username):
            raise HttpStatusError(404, "no /api/status")

        def refused(message: str, *, needs_user_id: bool = False) -> RecognizeResult:
            return RecognizeResult(ok=False, site_url=origin, site_type=kind, message=message,
                                   needs_user_id=needs_user_id)

        cookie_only = cookie and not access_token and not typed.password
        auth_type = AuthType.COOKIE.value if cookie_only else AuthType.ACCESS_TOKEN.value
        if typed.username and typed.password and not access_token and not cookie:
            try:
                check = typed.check_duplicate
                outcome = await _account.login(session, typed.username, typed.password,
                                               check_user=(lambda uid: check(origin, uid)) if check else None)
            except HttpStatusError as exc:
                if exc.http_status in (404, 405):
                    raise
                return refused(f"Login failed: {reason(exc, secrets)}")
            except _account.LoginError as exc:
                return refused(reason(exc, secrets))
            access_token, user_id = outcome.access_token, outcome.user_id
            secrets.append(access_token)
            auth_type = AuthType.ACCESS_TOKEN.value
        by_token = auth_type == AuthType.ACCESS_TOKEN
        what = "access token" if by_token else "session cookie"
        who = session.with_auth(Auth(access_token=access_token if by_token else None,
                                     cookie=None if by_token else cookie, user_id=user_id))
        who.add_secret(access_token)
        # The check-in state is asked beside the user call (it is dropped if the user call fails).
        state_task = asyncio.ensure_future(_checkin.checkin_status(who, self.variant))
        try:
            try:
                user = await _account.fetch_self(who)
            except HttpStatusError as exc:
                if exc.http_status == 401 and _needs_user_id(exc):
                    if user_id and _user_id_mismatch(exc.server_message):
                        return refused("The user id does not match this account; check the number on your "
                                       "profile page.")
                    return refused("This site also needs your user id (the number shown on your profile page).",
                                   needs_user_id=True)
                if exc.http_status == 401:
                    return refused(f"The site rejected the {what} ({reason(exc, secrets)}).")
                raise
            except BusinessError as exc:
                return refused(f"The site rejected the {what}: {reason(exc, secrets)[len('Site refused: '):]}")
            state = await state_task
        finally:
            if not state_task.done():
                state_task.cancel()
                await asyncio.gather(state_task, return_exceptions=True)
        if by_token and not access_token and user.access_token:
            access_token = user.access_token
        return RecognizeResult(
            ok=True, message="Recognised.", site_url=origin, site_type=kind,
            site_name=site_name(status.system_name if status else None, origin),
            exchange_rate=status.exchange_rate if status else DEFAULT_EXCHANGE_RATE,
            user_id=user.user_id or user_id, username=user.username, auth_type=auth_type,
            access_token=access_token if by_token else None, cookie=None if by_token else cookie,
            checkin_supported=_account.checkin_supported(self.variant, status, state), quota=user.quota,
            health_status=Health.HEALTHY.value, health_reason="", seen=Seen(status, user, state),
        )
