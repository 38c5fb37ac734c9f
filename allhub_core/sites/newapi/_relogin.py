"""Re-login check-in (issue 21): sites that credit the daily reward on a fresh login (AgentRouter
and the like), where no check-in route exists.

One attempt is: the balance read with the stored credentials, ``POST /api/user/login`` with the
stored username and password (sent once: a login is never retried), the balance read with the
new session, and the old or the spare session ended. The credited amount is the difference.

The order is chosen so a refused login changes nothing: the new session is made first and the
old one is ended only once the new one has answered, so a wrong password never leaves a cookie
account logged out. A cookie account keeps the new session (``handle.rotated["cookie"]``, saved
by the store like every rotated secret); an access-token account ends the session it just made
(New API limits a user's sessions). A two-factor, passkey or Turnstile login needs the user:
said once, never looped.
"""

from __future__ import annotations

from typing import Any

from allhub_core.net import (
    Auth,
    BusinessError,
    HttpStatusError,
    SiteError,
    SiteSession,
)
from allhub_core.sites._attempt import CheckInAttempt
from allhub_core.sites.newapi._account import _PASSKEY, _TURNSTILE, _TWO_FA, fetch_self, post_login
from allhub_core.vocab import QUOTA_PER_USD
from allhub_core.vocab import CheckInReason as Why
from allhub_core.vocab import CheckInResult as R

__all__ = ["relogin_check_in"]

_YOURSELF = "log in on the site yourself today."


def credited_message(credited: int) -> str:
    """The check-in log's words for a credited login: ``+$0.50 on login``."""
    return f"+${credited / QUOTA_PER_USD:.2f} on login"


def _refusal(message: str) -> CheckInAttempt:
    """A refused login in the site's words, with what it means for the user."""
    if _TURNSTILE.search(message):
        return CheckInAttempt(R.NEEDS_BROWSER, f"The site wants a Turnstile/captcha check to log in; {_YOURSELF}",
                              reason=Why.TURNSTILE_REQUIRED)
    if _TWO_FA.search(message) or _PASSKEY.search(message):
        return CheckInAttempt(R.NEEDS_BROWSER, f"The site wants a two-factor code or passkey to log in; {_YOURSELF}",
                              reason=Why.BROWSER_REQUIRED)
    return CheckInAttempt(R.FAILED, f"Login failed: {message or 'wrong username or password'}. "
                          "Check the stored username and password.", reason=Why.TOKEN_REJECTED)


async def _balance_before(session: SiteSession) -> int | None:
    """The balance with the stored credentials; None when they no longer work (an expired
    session is why some users log in again): the amount is then unknown, the login still goes."""
    try:
        return (await fetch_self(session)).quota or 0
    except BusinessError as exc:
        if exc.auth:
            return None
        raise
    except HttpStatusError as exc:
        if exc.http_status in (401, 403):
            return None
        raise


async def _login(session: SiteSession, username: str, password: str) -> tuple[dict[str, Any] | None, str]:
    """The login answer's data, or None with the site's refusal in its words."""
    body, message, reply = await post_login(session, username, password)
    if body.get("success") is not True:
        return None, message or "wrong username or password"
    data = raw if isinstance(raw := body.get("data"), dict) else {}
    if data.get("require_2fa") or data.get("require2fa") or data.get("require_passkey"):
        return None, "2fa"
    cookie = "; ".join(f"{k}={v}" for k, v in reply.set_cookies.items())
    return {**data, "_cookie": cookie}, message


async def _end(session: SiteSession) -> None:
    """``GET /api/user/logout`` with this session; a failure only leaves a session to expire."""
    try:
        await session.get("/api/user/logout", idempotent=False)
    except SiteError:
        pass


async def relogin_check_in(session: SiteSession, username: str, password: str, *, keep_cookie: bool,
                           rotated: dict[str, str]) -> CheckInAttempt:
    """Log in again and report what the login credited (quota units, ``reward_quota``).

    ``keep_cookie``: the account authenticates with its session cookie, so the new session
    replaces it (put in ``rotated``) and the old one is ended; otherwise the new one is ended."""
    session.add_secret(password)
    before = await _balance_before(session)
    data, message = await _login(session, username, password)
    if data is None:
        return _refusal(message)
    cookie = data.pop("_cookie") or None
    jwt = data.get("access_token") if isinstance(data.get("access_token"), str) else None
    session.add_secret(cookie)
    session.add_secret(jwt)
    user = raw if isinstance(raw := data.get("user"), dict) else data
    uid = str(user.get("id") or "") or session.auth.user_id
    if jwt and data.get("token_type", "Bearer") == "Bearer":
        auth = Auth(access_token=jwt, send_user_id=False)  # modern New API: a short dashboard JWT
    elif cookie:
        auth = Auth(cookie=cookie, user_id=uid)
    else:
        return CheckInAttempt(R.FAILED, "The site logged in but gave no session to read the balance with.",
                              reason=Why.UNKNOWN)
    fresh = session.with_auth(auth)
    after = (await fetch_self(fresh)).quota or 0
    if cookie and not jwt:
        if keep_cookie:
            rotated["cookie"] = cookie
            await _end(session)  # the old session; the account goes on with the new one
        else:
            await _end(fresh)
    if before is None:
        return CheckInAttempt(R.SUCCESS, "Logged in again; the balance before was unreadable (the stored login "
                              "had expired), so the amount credited is not known.", reason=Why.CHECKED_IN)
    credited = after - before
    if credited > 0:
        return CheckInAttempt(R.SUCCESS, credited_message(credited), reward_quota=credited, reason=Why.CHECKED_IN)
    return CheckInAttempt(R.ALREADY_CHECKED, "Logged in again; nothing credited (today's login reward was "
                          "already given).", reward_quota=0, reason=Why.ALREADY_CHECKED)
