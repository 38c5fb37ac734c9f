"""Daily check-in on New API family sites, one dialect per fork (docs/site-api.md).

A check-in POST is not idempotent, so it is never resent blindly: when the
outcome is ambiguous (timeout after sending, 5xx) the read-only status is
re-read first and the POST is never repeated in the same run (a later run sees
the true state).  Sites that ask for Turnstile get ``needs_browser``: a headless
client cannot solve it, the user opens the page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from allhub_core.net import HttpStatusError, Reply, SiteError, SiteSession, looks_like_auth_failure, server_message
from allhub_core.sites._attempt import (
    CHECKED,
    NOT_CHECKED,
    UNKNOWN,
    UNSUPPORTED,
    CheckInAttempt,
    is_already,
    is_disabled,
    needs_turnstile,
    post_failure,
)
from allhub_core.sites.newapi._variants import Variant
from allhub_core.vocab import CheckInReason as Why
from allhub_core.vocab import CheckInResult as R


def _body(reply: Reply) -> dict[str, Any]:
    return reply.json_object()


def _obj(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def _num(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


# -- read-only status --------------------------------------------------------

async def checkin_status(session: SiteSession, variant: Variant, *, missing_is_unsupported: bool = True) -> str:
    """checked / not_checked / unsupported / unknown, without checking in.

    ``unsupported`` comes from the site saying check-in is off, or (``missing_is_unsupported``)
    from a status route that answers 404/405.  Anything unreadable is ``unknown``.
    """
    dialect = variant.checkin
    if dialect is None:
        return UNSUPPORTED
    if dialect == "anyrouter":
        return UNKNOWN  # no read-only status: signing in is the only probe
    try:
        if dialect == "new-api":
            month = datetime.now(UTC).strftime("%Y-%m")
            body = _body(await session.get("/api/user/checkin", params={"month": month}))
            if body.get("success") is False:
                # Check-in turned off: New API answers success:false, no data, "签到功能未启用".
                # Any other refusal (not logged in, a database error, ...) leaves the status unread.
                message = server_message(body)
                off = body.get("data") is None and is_disabled(message) and not looks_like_auth_failure(message)
                return UNSUPPORTED if off else UNKNOWN
            data = body.get("data")
            if not isinstance(data, dict):
                return UNKNOWN
            if data.get("enabled") is False:
                return UNSUPPORTED
            stats = _obj(data.get("stats"))
            flag = stats.get("checked_in_today")
            return UNKNOWN if not isinstance(flag, bool) else (CHECKED if flag else NOT_CHECKED)
        if dialect == "veloera":
            data = (await session.get("/api/user/check_in_status")).envelope()
            flag = data.get("can_check_in") if isinstance(data, dict) else None
            return UNKNOWN if not isinstance(flag, bool) else (NOT_CHECKED if flag else CHECKED)
        if dialect == "wong":
            body = _body(await session.get("/api/user/checkin"))
            data = _obj(body.get("data"))
            message = server_message(body)
            if is_already(message):
                return CHECKED
            if data.get("enabled") is False:
                return UNSUPPORTED
            flag = data.get("checked_in")
            if body.get("success") is False and flag is not True:
                return UNKNOWN
            return UNKNOWN if not isinstance(flag, bool) else (CHECKED if flag else NOT_CHECKED)
    except HttpStatusError as exc:
        if exc.http_status in (404, 405) and missing_is_unsupported:
            return UNSUPPORTED
        return UNKNOWN
    except SiteError:
        return UNKNOWN
    return UNKNOWN


# -- doing it ------------------------------------------------------------------

def _map_newapi(body: dict[str, Any], clean) -> CheckInAttempt:
    message = clean(server_message(body))
    data = _obj(body.get("data"))
    if body.get("success") is True:
        return CheckInAttempt(R.SUCCESS, message or "Checked in.", _num(data.get("quota_awarded", data.get("quota"))))
    if is_already(message):
        return CheckInAttempt(R.ALREADY_CHECKED, message or "Already checked in today.")
    if is_disabled(message):
        return CheckInAttempt(R.UNSUPPORTED, message)
    if needs_turnstile(message):
        return CheckInAttempt(R.NEEDS_BROWSER, "The site wants a Turnstile check for check-in; open it in a browser.")
    return CheckInAttempt(R.FAILED, message or "The site refused the check-in.")


def _map_veloera(body: dict[str, Any], clean) -> CheckInAttempt:
    message = clean(server_message(body))
    data = _obj(body.get("data"))
    if is_already(message):
        return CheckInAttempt(R.ALREADY_CHECKED, message)
    if body.get("success") is True:
        return CheckInAttempt(R.SUCCESS, message or "Checked in.", _num(data.get("quota")))
    if is_disabled(message):
        return CheckInAttempt(R.UNSUPPORTED, message)
    return CheckInAttempt(R.FAILED, message or "The site refused the check-in.")


def _map_anyrouter(body: dict[str, Any], clean) -> CheckInAttempt:
    message = clean(server_message(body))
    if body.get("success") is False:
        if is_already(message):
            return CheckInAttempt(R.ALREADY_CHECKED, message)
        return CheckInAttempt(R.FAILED, message or "The site refused the check-in.")
    low = message.lower()
    if "success" in low or "签到成功" in message:
        data = _obj(body.get("data"))
        return CheckInAttempt(R.SUCCESS, message, _num(data.get("quota", data.get("quota_awarded"))))
    if not message or is_already(message):
        return CheckInAttempt(R.ALREADY_CHECKED, message or "Already checked in today.")
    return CheckInAttempt(R.SUCCESS, message)


def _map_wong(body: dict[str, Any], clean) -> CheckInAttempt:
    message = clean(server_message(body))
    data = _obj(body.get("data"))
    if data.get("enabled") is False:
        return CheckInAttempt(R.FAILED, message or "Check-in is disabled on this site.")
    if is_already(message) or (body.get("success") is not True and data.get("checked_in") is True):
        return CheckInAttempt(R.ALREADY_CHECKED, message or "Already checked in today.")
    if body.get("success") is True:
        return CheckInAttempt(R.SUCCESS, message or "Checked in.", _num(data.get("quota")))
    return CheckInAttempt(R.FAILED, message or "The site refused the check-in.")


_Mapper = Callable[[dict[str, Any], Callable[[str], str]], CheckInAttempt]
_ROUTES: dict[str, tuple[str, dict[str, Any] | None, _Mapper]] = {
    "new-api": ("/api/user/checkin", {}, _map_newapi),
    "veloera": ("/api/user/check_in", None, _map_veloera),
    "anyrouter": ("/api/user/sign_in", {}, _map_anyrouter),
    "wong": ("/api/user/checkin", {}, _map_wong),
}


async def _post(session: SiteSession, dialect: str) -> CheckInAttempt:
    path, body, mapper = _ROUTES[dialect]
    headers = {"X-Requested-With": "XMLHttpRequest"} if dialect == "anyrouter" else None
    reply = await session.post(path, json=body, headers=headers, idempotent=False)
    outcome = mapper(_body(reply), reply.clean)
    # Every dialect's Turnstile refusal means the same thing: a browser has to do it.
    if outcome.result == R.FAILED and needs_turnstile(outcome.message):
        return CheckInAttempt(R.NEEDS_BROWSER, "The site wants a Turnstile check for check-in; open it in a browser.")
    return outcome


async def check_in(session: SiteSession, variant: Variant) -> CheckInAttempt:
    dialect = variant.checkin
    if dialect is None:
        return CheckInAttempt(R.UNSUPPORTED, "This site type has no check-in.")
    # The user asked for a check-in: only the site saying it is off stops the POST; a status
    # that cannot be read (error, odd shape, missing route) never does.
    before = await checkin_status(session, variant, missing_is_unsupported=False)
    if before == CHECKED:
        return CheckInAttempt(R.ALREADY_CHECKED, "Already checked in today.")
    if before == UNSUPPORTED and dialect != "anyrouter":
        return CheckInAttempt(R.UNSUPPORTED, "Check-in is not enabled on this site.")
    try:
        return await _post(session, dialect)
    except SiteError as exc:
        settled = post_failure(exc)
        if settled is not None:
            return settled
        err = exc
    # Ambiguous: the POST may have gone through (or may still be running on the
    # server).  Look, and never resend: a later run will see the true state.
    after = await checkin_status(session, variant)
    if after == CHECKED:
        return CheckInAttempt(R.SUCCESS, "Checked in (confirmed by re-reading the check-in status).")
    # Still not seen checked in: the error's own reason when the status said "not yet", else
    # the status could not be read either (a retry reads it first, so it never double-posts).
    return CheckInAttempt(R.FAILED, f"{err} The check-in may or may not have happened; not resent.", error=err,
                          reason="" if after == NOT_CHECKED else Why.STATUS_UNAVAILABLE.value)
