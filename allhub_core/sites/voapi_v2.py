"""VoAPI v2: a rewrite with its own ``/api/user/info`` routes and a raw JWT (docs/site-api.md).

The dashboard JWT is sent as ``Authorization: <jwt>`` (no ``Bearer ``; ``raw_authorization``).
Every answer is ``{code, data, msg}``: 0 success, 1 already signed in (check-in), 2 auth expired.

* recognise: ``GET /api/user/info`` with the JWT (no login: the user pastes the dashboard token);
* refresh: balance = ``basicBalance`` + ``bindBalance`` (USD) from ``/api/user/info``; today's
  consumption and requests from ``GET /api/dash/statistics?t=h&s=<ms>&e=<ms>``; tokens and
  income are not reported (``unavailable``); the check-in state from ``/api/check_in/stats``;
* check-in: read ``/api/check_in/stats`` (``todaySigned``), then ``POST /api/check_in`` once;
  ``code:1`` is "already", success is confirmed by the stats.  The POST is never resent.
* API keys (docs/site-api.md 7.5): ``_voapi_v2_keys``; the envelope and amounts: ``_voapi_v2_wire``.

The model list is the key template's models (no prices); prices and redemption codes are not
supported for these sites yet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from allhub_core.net import (
    Auth,
    BadResponseError,
    BusinessError,
    HttpStatusError,
    SiteError,
    SiteSession,
    UnsupportedError,
    server_message,
)
from allhub_core.sites._attempt import (
    CHECKED,
    NOT_CHECKED,
    UNKNOWN,
    UNSUPPORTED,
    is_already,
    is_disabled,
    needs_turnstile,
    post_failure,
)
from allhub_core.sites._groups import UserGroup
from allhub_core.sites._reasons import reason
from allhub_core.sites._status import site_name
from allhub_core.sites._types import (
    ApiToken,
    RecognizeResult,
    RefreshResult,
    SiteCredentials,
    SiteStatus,
    TokenSpec,
    TypedInput,
    remote_text,
)
from allhub_core.sites._voapi_v2_keys import (
    create_key,
    delete_key,
    key_groups,
    list_keys,
    reveal_key,
    template_models,
    update_key,
)
from allhub_core.sites._voapi_v2_wire import ALREADY_SIGNED, amount_to_quota, as_number, unwrap
from allhub_core.sites.family import BaseFamily, CheckInAttempt, SiteFamily, StatusSource
from allhub_core.vocab import (
    DEFAULT_EXCHANGE_RATE,
    AnySiteType,
    AuthType,
    Availability,
    CheckInMethod,
    Health,
    SiteType,
)
from allhub_core.vocab import CheckInResult as R

__all__ = ["VoApiV2Family", "VoApiV2Handle"]

_SIGNED_MSG = re.compile(r"signed|check", re.I)
_PROBE_MSG = re.compile(r"unauthorized|auth expire|token|jwt", re.I)
_UNSUPPORTED = {
    "have no price list": "The price list of VoAPI v2 sites is not supported yet.",
}


@dataclass
class VoApiV2Handle:
    """One VoAPI v2 account: its session (the raw JWT included)."""

    session: SiteSession
    user_id: str | None = None
    rotated: dict[str, str] = field(default_factory=dict)  # the JWT is not refreshed headless


def _today_ms() -> tuple[int, int]:
    """Local midnight and 23:59:59.999 of today, epoch milliseconds."""
    start = datetime.now().replace(hour=0, minute=0, second=0, microsecond=0)
    first = int(start.timestamp() * 1000)
    return first, first + 86_400_000 - 1


async def user_info(session: SiteSession) -> dict[str, Any]:
    data = unwrap(await session.get("/api/user/info"))
    if not isinstance(data, dict) or data.get("id") in (None, ""):
        raise BadResponseError("The user data from the site is not in a known format.")
    return data


def _who(data: dict[str, Any]) -> tuple[str, str | None, int]:
    uid = remote_text(data.get("id")) or ""
    name = next((remote_text(data[k]) for k in ("username", "nickname")
                 if isinstance(data.get(k), str) and data[k].strip()), None)
    quota = (amount_to_quota(data.get("basicBalance")) or 0) + (amount_to_quota(data.get("bindBalance")) or 0)
    return uid, name, quota


async def checkin_state(session: SiteSession) -> str:
    """``todaySigned`` of ``/api/check_in/stats``; a missing route is unsupported, anything else unknown."""
    try:
        data = unwrap(await session.get("/api/check_in/stats"))
    except HttpStatusError as exc:
        return UNSUPPORTED if exc.http_status in (404, 405) else UNKNOWN
    except SiteError:
        return UNKNOWN
    flag = data.get("todaySigned") if isinstance(data, dict) else None
    return UNKNOWN if not isinstance(flag, bool) else (CHECKED if flag else NOT_CHECKED)


async def refresh(handle: VoApiV2Handle) -> RefreshResult:
    session = handle.session
    uid, name, quota = _who(await user_info(session))
    result = RefreshResult(
        account_id="", ok=True, health_status=Health.HEALTHY.value, health_reason="", quota=quota,
        username=name, user_id=uid, site_name=site_name(None, session.origin),
        exchange_rate=DEFAULT_EXCHANGE_RATE, site_type=SiteType.VOAPI_V2.value,
    )
    result.availability["tokens"] = (Availability.UNAVAILABLE, "VoAPI v2 does not report token counts")
    result.availability["income"] = (Availability.UNAVAILABLE, "VoAPI v2 does not report income")
    start, end = _today_ms()
    try:
        data = unwrap(await session.get("/api/dash/statistics", params={"t": "h", "s": start, "e": end}))
        d = data.get("d") if isinstance(data, dict) else None
        if not isinstance(d, dict):
            raise BadResponseError("The statistics are not in a known format.")
        used = [amount_to_quota(d.get(k)) for k in ("usedBasicBalance", "usedBindBalance")]
        known = [u for u in used if u is not None]
        if known:
            result.today_consumption = sum(known)
            result.availability["consumption"] = (Availability.COMPLETE, "") if len(known) == 2 else \
                (Availability.PARTIAL, "only one of the two balances was reported")
        else:
            result.availability["consumption"] = (Availability.UNAVAILABLE, "the statistics carry no usage amounts")
        requests = as_number(d.get("requests"))
        if requests is not None:
            result.today_requests = max(0, int(requests))
            result.availability["requests"] = (Availability.COMPLETE, "")
        else:
            result.availability["requests"] = (Availability.UNAVAILABLE, "the statistics carry no request count")
    except SiteError as exc:
        why = f"today's statistics unavailable: {exc}"
        result.availability["consumption"] = (Availability.UNAVAILABLE, why)
        result.availability["requests"] = (Availability.UNAVAILABLE, why)
    result.checkin_status = await checkin_state(session)
    result.checkin_supported = result.checkin_status != UNSUPPORTED
    return result


def _refused(message: str, exc: SiteError) -> CheckInAttempt:
    if is_disabled(message):
        return CheckInAttempt(R.UNSUPPORTED, message)
    if needs_turnstile(message):
        return CheckInAttempt(R.NEEDS_BROWSER, "The site wants a Turnstile check for check-in; open it in a browser.")
    auth = isinstance(exc, BusinessError) and exc.health_status == Health.WARNING
    return CheckInAttempt(R.FAILED, message or "The site refused the check-in.", error=exc if auth else None)


async def check_in(handle: VoApiV2Handle) -> CheckInAttempt:
    session = handle.session
    # The user asked for it: only a stats read that says "done" skips the POST.
    if await checkin_state(session) == CHECKED:
        return CheckInAttempt(R.ALREADY_CHECKED, "Already checked in today.")
    try:
        reply = await session.post("/api/check_in", idempotent=False)
        body = reply.json_object()
        message = reply.clean(server_message(body))
        if body.get("code") == ALREADY_SIGNED and (_SIGNED_MSG.search(message) or is_already(message)):
            return CheckInAttempt(R.ALREADY_CHECKED, message or "Already checked in today.")
        data = unwrap(reply)
    except BusinessError as exc:
        return _refused(exc.server_message, exc)
    except SiteError as exc:
        settled = post_failure(exc)
        if settled is not None:
            return settled
        err = exc
    else:
        reward = amount_to_quota(data.get("amount")) if isinstance(data, dict) else None
        bonus = amount_to_quota(data.get("bonusAmount")) if isinstance(data, dict) else None
        if reward is not None and bonus:
            reward += bonus
        if await checkin_state(session) == NOT_CHECKED:
            return CheckInAttempt(R.FAILED, "The site accepted the check-in but does not show it as done today.")
        return CheckInAttempt(R.SUCCESS, message if message and message.lower() != "success" else "Checked in.", reward)
    # Ambiguous: look, never resend.
    if await checkin_state(session) == CHECKED:
        return CheckInAttempt(R.SUCCESS, "Checked in (confirmed by re-reading the check-in status).")
    return CheckInAttempt(R.FAILED, f"{err} The check-in may or may not have happened; not resent.", error=err)


class VoApiV2Family(BaseFamily[VoApiV2Handle]):
    site_type: AnySiteType = SiteType.VOAPI_V2
    has_checkin = True
    raw_authorization = True  # VoAPI v2 sends the JWT without "Bearer "
    checkin_methods: tuple[str, ...] = (CheckInMethod.VOAPI_V2.value,)
    # Detection: first of all, ``/api/user/info`` asked anonymously; or the title "… - VoAPI公益站".
    detect_rank = 0
    probe_path: str | None = "/api/user/info"
    title_pattern: re.Pattern[str] | None = re.compile(r"^(?:.* - )?VoAPI公益站$")

    def fingerprint(self, body: Any) -> bool:
        if not isinstance(body, dict) or isinstance(body.get("code"), bool):
            return False
        code, data = body.get("code"), body.get("data", "missing")
        msg = str(body.get("msg") or body.get("message") or "")
        if isinstance(code, (int, float)) and data is None and _PROBE_MSG.search(msg):
            return True
        return code == 0 and isinstance(data, dict) and ("basicBalance" in data or "bindBalance" in data)

    def refuse_checkin_method(self, method: str, other: SiteFamily[Any]) -> str:
        return "The VoAPI v2 check-in works only on VoAPI v2 sites (their own login)."

    def _unsupported(self, lacks: str) -> UnsupportedError:
        return UnsupportedError(_UNSUPPORTED.get(lacks, f"{self.site_type.label} sites {lacks}."))

    def open(self, session: SiteSession, creds: SiteCredentials) -> VoApiV2Handle:
        return VoApiV2Handle(session, creds.user_id)

    async def refresh(self, handle: VoApiV2Handle, *, status: StatusSource,
                      exchange_rate: float | None = None) -> RefreshResult:
        return await refresh(handle)  # no /api/status on VoAPI v2

    async def checkin_status(self, handle: VoApiV2Handle) -> str:
        return await checkin_state(handle.session)

    async def check_in(self, handle: VoApiV2Handle) -> CheckInAttempt:
        return await check_in(handle)

    async def list_tokens(self, handle: VoApiV2Handle) -> list[ApiToken]:
        return await list_keys(handle.session)

    async def create_token(self, handle: VoApiV2Handle, spec: TokenSpec) -> ApiToken:
        return await create_key(handle.session, spec)

    async def update_token(self, handle: VoApiV2Handle, token_id: str, spec: TokenSpec) -> ApiToken:
        return await update_key(handle.session, str(token_id), spec)

    async def delete_token(self, handle: VoApiV2Handle, token_id: str) -> None:
        await delete_key(handle.session, str(token_id))

    async def reveal_token(self, handle: VoApiV2Handle, token_id: str) -> str:
        return await reveal_key(handle.session, str(token_id))

    async def list_models(self, handle: VoApiV2Handle) -> list[str]:
        return await template_models(handle.session)

    async def list_groups(self, handle: VoApiV2Handle) -> dict[str, UserGroup]:
        return await key_groups(handle.session)

    async def recognize(self, session: SiteSession, origin: str, status: SiteStatus | None,
                        typed: TypedInput) -> RecognizeResult:
        kind, secrets = self.site_type.value, typed.secrets

        def refused(message: str) -> RecognizeResult:
            return RecognizeResult(ok=False, site_url=origin, site_type=kind, message=message)

        token = typed.access_token
        if not token:
            return refused("VoAPI v2 sites are added with the dashboard token (the JWT the site keeps after "
                           "you log in), as the access token.")
        who = session.with_auth(Auth(access_token=token, user_id=typed.user_id, raw_authorization=True))
        who.add_secret(token)
        try:
            data = await user_info(who)
        except BusinessError as exc:
            return refused(f"The site rejected the access token: {reason(exc, secrets)[len('Site refused: '):]}")
        except HttpStatusError as exc:
            if exc.http_status not in (401, 403):
                raise
            return refused(f"The site rejected the access token ({reason(exc, secrets)}).")
        uid, name, quota = _who(data)
        if typed.user_id and uid and typed.user_id.strip() != uid:
            return refused("The user id does not match this account; check the number on your profile page.")
        state = await checkin_state(who)
        return RecognizeResult(
            ok=True, message="Recognised.", site_url=origin, site_type=kind, site_name=site_name(None, origin),
            exchange_rate=DEFAULT_EXCHANGE_RATE, user_id=uid, username=name or uid,
            auth_type=AuthType.ACCESS_TOKEN.value, access_token=token, checkin_supported=state != UNSUPPORTED,
            quota=quota, health_status=Health.HEALTHY.value, health_reason="",
        )
