"""What one check-in attempt came to, and the readings of a site's answer every family shares.

``CheckInAttempt`` is a family's answer before the batch layer (``_api``) turns it into a
``CheckInOutcome`` for the store. Its ``reason`` (a ``vocab.CheckInReason``) is set where a family
knows better than the category and message say (a status it could not re-read); otherwise
``reason_of`` reads it from the category, the site's words and the transport error, the same way
for every family (so VoAPI v2 and the user's own request get reasons without code of their own).

The sentence tests (already checked in, switched off, a Turnstile wall) and ``post_failure`` are
the same on every family that has a check-in (New API's dialects, VoAPI v2, the user's own
request), so they live here rather than in one family.
"""

from __future__ import annotations

from dataclasses import dataclass

from allhub_core.net import (
    BusinessError,
    ChallengeError,
    HttpStatusError,
    NetworkError,
    SiteError,
    looks_like_auth_failure,
)
from allhub_core.vocab import CheckInReason as Why
from allhub_core.vocab import CheckInResult as R
from allhub_core.vocab import CheckInState

__all__ = ["CHECKED", "NOT_CHECKED", "UNKNOWN", "UNSUPPORTED", "CheckInAttempt", "error_reason", "is_already",
           "is_disabled", "needs_turnstile", "post_failure", "reason_of"]

CHECKED, NOT_CHECKED = CheckInState.CHECKED.value, CheckInState.NOT_CHECKED.value
UNSUPPORTED, UNKNOWN = CheckInState.UNSUPPORTED.value, CheckInState.UNKNOWN.value
_ALREADY = ("今天已经签到", "已经签到", "已签到", "already")
_DISABLED = ("未启用", "未开启", "已关闭", "已禁用", "not enabled", "disabled", "turned off")
_TURNSTILE_WORDS = ("token", "verify", "invalid", "failed", "校验", "为空", "失败")


def is_already(message: str) -> bool:
    low = (message or "").lower()
    return any(m in low for m in _ALREADY)


def is_disabled(message: str) -> bool:
    """The site says check-in is switched off ("签到功能未启用")."""
    low = (message or "").lower()
    return any(m in low for m in _DISABLED)


def needs_turnstile(message: str) -> bool:
    low = (message or "").lower()
    return "turnstile" in low and any(w in low for w in _TURNSTILE_WORDS)


@dataclass
class CheckInAttempt:
    result: str  # a CheckInResult value
    message: str
    reward_quota: int | None = None
    error: SiteError | None = None  # set when the failure was a transport/site error
    reason: str = ""  # a CheckInReason value; "" = read it with ``reason_of``


def error_reason(exc: BaseException) -> Why:
    """The reason a transport or site error stands for: 401/403 or a login refusal is a rejected
    token, 429 a rate limit, 5xx a site error, a timeout or broken connection the network, an HTML
    challenge a browser check; anything else is ``unknown``."""
    if isinstance(exc, ChallengeError):
        return Why.BROWSER_REQUIRED
    if isinstance(exc, NetworkError):
        return Why.NETWORK_TIMEOUT
    if isinstance(exc, BusinessError):
        return Why.TOKEN_REJECTED if exc.auth else Why.UNKNOWN
    status = exc.http_status if isinstance(exc, SiteError) else None
    if status in (401, 403):
        return Why.TOKEN_REJECTED
    if status == 429:
        return Why.RATE_LIMITED
    if status is not None and status >= 500:
        return Why.SITE_ERROR_5XX
    return Why.UNKNOWN


def reason_of(attempt: CheckInAttempt) -> Why:
    """The attempt's reason: its own when the family set one, else read from its category, the
    site's words and its error (check-in switched off, a Turnstile wall, a rejected token)."""
    if attempt.reason:
        return Why(attempt.reason)
    result, message = R(attempt.result), attempt.message or ""
    if result is R.SUCCESS:
        return Why.CHECKED_IN
    if result is R.ALREADY_CHECKED:
        return Why.ALREADY_CHECKED
    if result is R.UNSUPPORTED:
        return Why.NOT_ENABLED if is_disabled(message) else Why.NO_CHECKIN
    if attempt.error is not None:
        return error_reason(attempt.error)
    if result is R.NEEDS_BROWSER:
        return Why.TURNSTILE_REQUIRED if "turnstile" in message.lower() else Why.BROWSER_REQUIRED
    if needs_turnstile(message):
        return Why.TURNSTILE_REQUIRED
    if is_disabled(message):
        return Why.NOT_ENABLED
    return Why.TOKEN_REJECTED if looks_like_auth_failure(message) else Why.UNKNOWN


def post_failure(exc: SiteError) -> CheckInAttempt | None:
    """What a failed check-in POST means, or None when it is ambiguous.

    A missing route is "unsupported"; a failure that certainly did not check in is "failed";
    an ambiguous one (timeout after sending, 5xx) returns None: the caller re-reads the state
    and never resends.
    """
    if isinstance(exc, HttpStatusError) and exc.http_status in (404, 405):
        return CheckInAttempt(R.UNSUPPORTED, "This site has no check-in endpoint.")
    if not exc.ambiguous:
        return CheckInAttempt(R.FAILED, str(exc), error=exc)
    return None
