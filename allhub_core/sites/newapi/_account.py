"""One New API family account: who it is, its refresh, and logging in with a password.

Every function takes a ``SiteSession`` already bound to one account's origin and
credentials and returns plain dataclasses; what differs between forks lives in
``_variants.VARIANTS``.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from allhub_core.net import (
    Auth,
    BadResponseError,
    BusinessError,
    HttpStatusError,
    SiteError,
    SiteSession,
    server_message,
    session_limit_code,
)
from allhub_core.sites._attempt import CHECKED, NOT_CHECKED, UNKNOWN, UNSUPPORTED
from allhub_core.sites._concurrent import together
from allhub_core.sites._plans import PlansGate
from allhub_core.sites._seen import Seen
from allhub_core.sites._status import site_name
from allhub_core.sites._types import RefreshResult, SiteStatus, UserInfo, remote_text
from allhub_core.sites.family import StatusSource
from allhub_core.sites.newapi._checkin import checkin_status
from allhub_core.sites.newapi._usage import today_usage
from allhub_core.sites.newapi._variants import Variant
from allhub_core.vocab import DEFAULT_EXCHANGE_RATE

T = TypeVar("T")


def int_or_none(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value)
    return None


def parse_user(data: Any) -> UserInfo:
    if not isinstance(data, dict):
        raise BadResponseError("The user data from the site is not in a known format.")
    uid = data.get("id")
    username = data.get("username") or data.get("display_name")
    token = data.get("access_token")
    return UserInfo(
        user_id=remote_text(uid) if uid not in (None, "") else None,
        username=remote_text(username) if username else None,
        quota=int_or_none(data.get("quota")) or 0,
        group=remote_text(data.get("group")) if isinstance(data.get("group"), str) else None,
        access_token=token.strip() if isinstance(token, str) and token.strip() else None,
    )


async def fetch_self(session: SiteSession) -> UserInfo:
    return parse_user((await session.get("/api/user/self")).envelope())


def subscription_remaining(data: Any) -> int | None:
    """What is left of the active plans in ``/api/subscription/self`` data, in quota units.

    ``data.subscriptions`` lists the active ones as ``{"subscription": {amount_total,
    amount_used, status, ...}}``; a plan with ``amount_total`` 0 has no quota limit and adds
    nothing. None when there is no active plan with a quota.
    """
    subs = data.get("subscriptions") if isinstance(data, dict) else None
    if not isinstance(subs, list):
        return None
    left, seen = 0, False
    for item in subs:
        sub = item.get("subscription", item) if isinstance(item, dict) else None
        if not isinstance(sub, dict) or str(sub.get("status") or "active").lower() != "active":
            continue
        total, used = int_or_none(sub.get("amount_total")), int_or_none(sub.get("amount_used")) or 0
        if total is None or total <= 0:
            continue
        left += max(total - used, 0)
        seen = True
    return left if seen else None


async def probe_plans(session: SiteSession) -> tuple[bool | None, int | None]:
    """``(site has plans, quota left)`` from ``/api/subscription/self``: a 404/405 or a
    ``success:false`` says the site has none (False); another failure cannot tell (None)."""
    try:
        data = (await session.get("/api/subscription/self")).envelope(require_data=False)
    except (HttpStatusError, BusinessError) as exc:
        # No plans route, or a refusal of it alone: the user call already proved the account,
        # so the plans are simply unknown (None), never a failed refresh.
        none = isinstance(exc, BusinessError) or exc.http_status in (404, 405)
        return (False if none else None), None
    return True, subscription_remaining(data)


def checkin_supported(variant: Variant, status: SiteStatus | None, state: str) -> bool | None:
    """Whether the account can check in: the variant, then /api/status, then what the status call saw."""
    if variant.checkin is None:
        return False
    if status is not None and status.checkin_enabled is not None:
        return status.checkin_enabled
    if variant.checkin == "anyrouter":
        return True  # no read-only status on AnyRouter; sign_in is always there
    return True if state in (CHECKED, NOT_CHECKED) else (False if state == UNSUPPORTED else None)


async def _not_asked() -> str:
    return UNKNOWN


async def _known(value: T) -> T:
    return value


async def refresh(session: SiteSession, variant: Variant, status: SiteStatus | StatusSource | None, *,
                  exchange_rate: float | None = None, checkin_known: bool = False,
                  plans: PlansGate | None = None, usage_method: str = "lean",
                  seen: Seen | None = None) -> RefreshResult:
    """Balance, today's figures and check-in state; ``SiteError`` if the user call fails.

    What is asked (issue 18: three requests or fewer per account, the site's status shared):
    the user record; today's figures (``_usage.today_usage``: one log page for a day of up to
    100 rows); the check-in state only while today's is not known done (``checkin_known``: the
    state stays as stored); the plans only where the site has them (``plans``: the batch's
    ``PlansGate``; None asks, as a lone refresh does). They are asked together; the per-site
    limits decide how many go at once; the first failure (the user call refused) cancels the
    rest. ``status`` is the parsed status or the batch's shared source of it. ``seen``: what adding
    the account has just read (``sites._seen``): its status, user record and check-in state are
    taken from there instead of being asked again.
    """
    async def site_status() -> SiteStatus | None:
        if seen is not None:
            return seen.status
        return await status() if callable(status) else status

    async def rate() -> float:
        st = await status_task
        return exchange_rate or (st.exchange_rate if st else None) or DEFAULT_EXCHANGE_RATE

    async def asked_plans() -> tuple[bool | None, int | None]:
        if not variant.subscriptions:
            return None, None
        if plans is None:
            return await probe_plans(session)
        return await plans.run(lambda: probe_plans(session))

    usage_task = asyncio.ensure_future(
        today_usage(session, variant, exchange_rate=rate, page_limit=session.politeness.log_page_limit,
                    method=usage_method))
    status_task = asyncio.ensure_future(site_status())
    if checkin_known:
        state_call = _not_asked()
    else:
        state_call = _known(seen.checkin_state) if seen is not None else checkin_status(session, variant)
    st, usage, user, state, (has_plans, subscription) = await together(
        status_task, usage_task, _known(seen.user) if seen is not None else fetch_self(session), state_call,
        asked_plans())
    supported = checkin_supported(variant, st, state)
    if supported is False:
        state = UNSUPPORTED
    return RefreshResult(
        account_id="", ok=True, health_status="healthy", health_reason="",
        quota=user.quota, subscription_quota=subscription, username=user.username, user_id=user.user_id,
        site_name=site_name(st.system_name if st else None, session.origin),
        today_consumption=usage.consumption, today_income=usage.income,
        today_prompt_tokens=usage.prompt_tokens, today_completion_tokens=usage.completion_tokens,
        today_requests=usage.requests, availability=usage.availability,
        checkin_supported=supported, checkin_status=state,
        exchange_rate=st.exchange_rate if st else None, site_type=variant.site_type, has_plans=has_plans,
    )


# -- login -------------------------------------------------------------------

class LoginError(SiteError):
    """Login refused or impossible headless; ``str()`` says what to do."""

    health_status = "warning"
    kind = "login"


_TWO_FA = re.compile(r"2fa|two[- ]?factor|两步验证|二次验证|双因素|totp|验证码", re.I)
_PASSKEY = re.compile(r"passkey|webauthn|通行密钥", re.I)
_TURNSTILE = re.compile(r"turnstile|captcha|人机", re.I)
USE_TOKEN = "add the account with an access token instead (token mode)."


@dataclass
class LoginOutcome:
    user_id: str
    username: str | None
    access_token: str
    cookie: str | None


def session_limit_error(code: str) -> LoginError:
    """New API's session limits: not retried (another login would only hit them again)."""
    if code == "AUTH_SESSION_ISSUANCE_LIMIT":
        return LoginError("This site has had too many logins for this user in a short time; wait a few "
                          f"minutes before logging in again, or {USE_TOKEN}")
    return LoginError("This user already has as many active login sessions as the site allows; log out of "
                      f"one on the site (its sessions list) and try again, or {USE_TOKEN}")


def login_refusal(message: str) -> LoginError:
    if _TURNSTILE.search(message):
        return LoginError(f"This site wants a Turnstile/captcha check to log in; {USE_TOKEN}")
    if _PASSKEY.search(message):
        return LoginError(f"This site wants a passkey to log in; {USE_TOKEN}")
    if _TWO_FA.search(message):
        return LoginError(f"This site wants a two-factor code to log in; {USE_TOKEN}")
    return LoginError(f"Login failed: {message or 'wrong username or password'}.")



async def post_login(session: SiteSession, username: str, password: str) -> tuple[dict[str, Any], str, Any]:
    """``POST /api/user/login``, sent once (never retried): the answer's body, its message in the
    site's words (scrubbed) and the reply (its cookies); a site's session limit raises its error."""
    try:
        reply = await session.post("/api/user/login", json={"username": username, "password": password},
                                   public=True, idempotent=False)
    except HttpStatusError as exc:
        limit = session_limit_code(exc.body)
        if limit is None:
            raise
        raise session_limit_error(limit) from exc
    body = reply.json_object()
    return body, reply.clean(server_message(body)), reply

async def login(session: SiteSession, username: str, password: str, *,
                check_user: Callable[[str], None] | None = None) -> LoginOutcome:
    """``POST /api/user/login`` then read (rotate) the access token with that session.

    ``check_user(user_id)`` is called once the site has said who logged in, before the token
    request: that request rotates the account's access token, so whatever ``check_user`` raises
    (a duplicate of a stored account) stops the login with the stored token still working.
    """
    session.add_secret(password)
    body, message, reply = await post_login(session, username, password)
    if body.get("success") is not True:
        raise login_refusal(message)
    data = raw_data if isinstance(raw_data := body.get("data"), dict) else {}
    if data.get("require_2fa") or data.get("require2fa") or _TWO_FA.search(message or ""):
        raise login_refusal("2fa")
    if data.get("require_passkey"):
        raise login_refusal("passkey")
    jwt = data.get("access_token") if isinstance(data.get("access_token"), str) else None
    user = raw_user if isinstance(raw_user := data.get("user"), dict) else data
    uid = user.get("id")
    if uid in (None, ""):
        raise BadResponseError("The login answer has no user id.")
    user_id = remote_text(uid) or ""
    cookie = "; ".join(f"{k}={v}" for k, v in reply.set_cookies.items()) or None
    session.add_secret(jwt)
    session.add_secret(cookie)
    if jwt and data.get("token_type", "Bearer") == "Bearer":
        # Modern New API: a 15-minute dashboard JWT, used once, without user-id headers.
        auth = Auth(access_token=jwt, send_user_id=False)
    elif cookie:
        auth = Auth(cookie=cookie, user_id=user_id)
    else:
        raise LoginError(f"The site logged in but gave no session to continue with; {USE_TOKEN}")
    who = session.with_auth(auth)
    me = parse_user((await who.get("/api/user/self")).envelope())
    if check_user is not None:
        check_user(me.user_id or user_id)
    token = me.access_token
    if not token:
        data = (await who.get("/api/user/token", idempotent=False)).envelope()
        token = data.strip() if isinstance(data, str) else None
        if not token:
            raise BadResponseError("The site did not hand out an access token.")
    session.add_secret(token)
    return LoginOutcome(user_id=me.user_id or user_id, username=me.username or remote_text(user.get("username")),
                        access_token=token, cookie=cookie)
