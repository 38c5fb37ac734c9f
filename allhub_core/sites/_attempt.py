"""What one check-in attempt came to, and the readings of a site's answer every family shares.

``CheckInAttempt`` is a family's answer before the batch layer (``_api``) turns it into a
``CheckInOutcome`` for the store. The sentence tests (already checked in, switched off, a
Turnstile wall) and ``post_failure`` are the same on every family that has a check-in (New API's
dialects, VoAPI v2, the user's own request), so they live here rather than in one family.
"""

from __future__ import annotations

from dataclasses import dataclass

from allhub_core.net import HttpStatusError, SiteError
from allhub_core.vocab import CheckInResult as R
from allhub_core.vocab import CheckInState

__all__ = ["CHECKED", "NOT_CHECKED", "UNKNOWN", "UNSUPPORTED", "CheckInAttempt", "is_already", "is_disabled",
           "needs_turnstile", "post_failure"]

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
