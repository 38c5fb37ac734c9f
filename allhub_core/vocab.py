"""The domain words, defined once: site types, auth types, health, check-in, availability.

Each is a ``StrEnum`` so a value *is* its stored string (DuckDB columns, the Account JSON,
the extension's backups) and compares equal to it; ``.label`` is what a person reads.
Spellings follow the extension exactly (``Veloera``, ``neo-Api``): users bring real data.
Standard library only (layer L0, see docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

__all__ = [
    "AUTH_TYPES",
    "DEFAULT_ACCOUNT_DEADLINE_S",
    "DEFAULT_EXCHANGE_RATE",
    "DEFAULT_PER_SITE_CONCURRENCY",
    "DEFAULT_WINDOW_REQUESTS",
    "DEFAULT_WINDOW_S",
    "HEALTH_VALUES",
    "QUOTA_PER_USD",
    "SITE_TYPES",
    "UNCLASSIFIED",
    "UNCLASSIFIED_LABEL",
    "AnySiteType",
    "Attention",
    "AttentionCategory",
    "AttentionSeverity",
    "AuthType",
    "Availability",
    "CheckInMethod",
    "CheckInReason",
    "CheckInResult",
    "CheckInState",
    "ExtraSiteType",
    "Health",
    "Job",
    "SiteType",
    "canonical_site_type",
    "register_site_type",
    "unregister_site_type",
]

#: Relay sites count money in quota units: 500,000 units are one US dollar.
QUOTA_PER_USD = 500_000
#: CNY per USD when a site does not say (the extension's default).
DEFAULT_EXCHANGE_RATE = 7.2
#: Politeness towards each relay site unless the user says otherwise, stated once for
#: ``net.Politeness`` and the saved preferences: requests in flight per site, at most N request
#: starts in any W seconds (New API counts per 180 s), one account's whole run in seconds.
DEFAULT_PER_SITE_CONCURRENCY = 2
DEFAULT_WINDOW_REQUESTS = 50
DEFAULT_WINDOW_S = 180
DEFAULT_ACCOUNT_DEADLINE_S = 45


class _Labelled(StrEnum):
    """A StrEnum whose members carry a human label and, where a table shows them, an icon:
    ``Member = "value", "Label"`` or ``Member = "value", "Label", "✅"``. ``badge`` is the two
    together (every page, filter and message reads these, never its own copy)."""

    label: str
    icon: str

    def __new__(cls, value: str, label: str = "", icon: str = "") -> _Labelled:
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.label = label or value
        obj.icon = icon
        return obj

    @property
    def badge(self) -> str:
        """``"✅ Checked in"``: the icon and the label (the label alone without an icon)."""
        return f"{self.icon} {self.label}" if self.icon else self.label

    @classmethod
    def values(cls) -> tuple[str, ...]:
        return tuple(m.value for m in cls)


class SiteType(_Labelled):
    """The ``site_type`` of an account, spelled as the extension spells it."""

    NEW_API = "new-api", "New API"
    ONE_API = "one-api", "One API"
    VELOERA = "Veloera", "Veloera"
    ONE_HUB = "one-hub", "OneHub"
    DONE_HUB = "done-hub", "DoneHub"
    ANYROUTER = "anyrouter", "AnyRouter"
    WONG_GONGYI = "wong-gongyi", "WONG公益站"
    V_API = "v-api", "V-API"
    VOAPI = "VoAPI", "VoAPI"
    VOAPI_V2 = "voapi-v2", "VoAPI v2"
    SUPER_API = "Super-API", "Super-API"
    RIX_API = "Rix-Api", "Rix-Api"
    NEO_API = "neo-Api", "neo-Api"
    MODELFLARE = "ModelFlare", "ModelFlare"
    SUB2API = "sub2api", "Sub2API"
    UNKNOWN = "unknown", "Unknown"


class AuthType(_Labelled):
    ACCESS_TOKEN = "access_token", "Access token"
    COOKIE = "cookie", "Cookie"
    NONE = "none", "None"


class Health(_Labelled):
    HEALTHY = "healthy", "Healthy", "🟢"
    WARNING = "warning", "Warning", "🟡"
    ERROR = "error", "Error", "🔴"
    UNKNOWN = "unknown", "Unknown", "⚪"


class CheckInState(_Labelled):
    """An account's check-in state for today."""

    CHECKED = "checked", "Checked in", "✅"
    NOT_CHECKED = "not_checked", "Not checked in", "⏳"
    UNSUPPORTED = "unsupported", "No check-in", "—"
    UNKNOWN = "unknown", "Not seen today", "?"


class CheckInResult(_Labelled):
    """What one check-in attempt came to."""

    # The five categories a user can act on (issue 8): done now, done before, nothing to do
    # here, the user must act (browser check, Turnstile, a custom page), or failed with a reason.
    SUCCESS = "success", "Checked in now", "✅"
    ALREADY_CHECKED = "already_checked", "Already checked in", "☑️"
    UNSUPPORTED = "unsupported", "Not supported", "—"
    NEEDS_BROWSER = "needs_browser", "Needs you", "🖐"
    FAILED = "failed", "Failed", "❌"

    @property
    def done(self) -> bool:
        """The account is checked in today after this attempt."""
        return self in (CheckInResult.SUCCESS, CheckInResult.ALREADY_CHECKED)

    @property
    def ok(self) -> bool:
        """Nothing for the user to do (the exit status of ``allhub checkin`` follows this)."""
        return self.done or self is CheckInResult.UNSUPPORTED


class CheckInReason(_Labelled):
    """Why a check-in result came to be (issue 21), beside its ``CheckInResult`` category.

    ``retryable``: trying again later can succeed (a busy or unreachable site, a status that could
    not be read); a rejected token, a Turnstile wall, check-in switched off or already done cannot,
    so the automatic retries and the Check-in page's "retry failed" leave those. ``unknown`` (a
    refusal in the site's own words) stays retryable, as every failure was before reasons; a row
    written before reasons has none and reads ``UNCLASSIFIED_LABEL`` (retried, as before).
    """

    CHECKED_IN = "checked_in", "Checked in"
    ALREADY_CHECKED = "already_checked", "Already checked in"
    NOT_ENABLED = "not_enabled", "Check-in off on the site"
    NO_CHECKIN = "no_checkin", "No check-in for this site"
    TOKEN_REJECTED = "token_rejected", "Token or login rejected"
    TURNSTILE_REQUIRED = "turnstile_required", "Turnstile check needed"
    BROWSER_REQUIRED = "browser_required", "Browser needed"
    STATUS_UNAVAILABLE = "status_unavailable", "Check-in status unreadable"
    NETWORK_TIMEOUT = "network_timeout", "Timeout or no connection"
    SITE_ERROR_5XX = "site_error_5xx", "Site error (5xx)"
    RATE_LIMITED = "rate_limited", "Rate limited (429)"
    UNKNOWN = "unknown", "Other refusal"

    @property
    def retryable(self) -> bool:
        return self in _RETRYABLE_REASONS

    @classmethod
    def label_of(cls, value: str | None) -> str:
        """The label of a stored reason; ``UNCLASSIFIED_LABEL`` for none (rows older than reasons)."""
        return cls(value).label if value in cls.values() else UNCLASSIFIED_LABEL

    @classmethod
    def retryable_value(cls, value: str | None) -> bool:
        """Whether a stored reason may be retried; a row without one (older) is, as before."""
        return cls(value).retryable if value in cls.values() else True


#: what a check-in row written before reason codes shows as its reason, and its filter value
UNCLASSIFIED_LABEL = "Unclassified"
UNCLASSIFIED = "unclassified"
_RETRYABLE_REASONS = frozenset({CheckInReason.STATUS_UNAVAILABLE, CheckInReason.NETWORK_TIMEOUT,
                                CheckInReason.SITE_ERROR_5XX, CheckInReason.RATE_LIMITED, CheckInReason.UNKNOWN})


class CheckInMethod(_Labelled):
    """How an account checks in: picked from its site type, one built-in chosen by the user (the
    extension's method ids, ``src/constants/checkIn.ts``, so imported choices keep their meaning),
    or the user's own request."""

    AUTO = "auto", "Automatic (the site type's own check-in)"
    NEW_API = "new-api:daily-checkin", "New API daily check-in"
    VELOERA = "veloera:daily-checkin", "Veloera daily check-in"
    WONG_GONGYI = "wong-gongyi:daily-checkin", "WONG公益站 daily check-in"
    ANYROUTER = "anyrouter:daily-checkin", "AnyRouter sign-in"
    VOAPI_V2 = "voapi-v2:daily-checkin", "VoAPI v2 daily check-in"
    RELOGIN = "relogin", "Log in again (sites that credit the daily reward on login)"
    CUSTOM = "custom", "A custom request (for forks with their own check-in)"


class Attention(_Labelled):
    """Why an account needs the user (the one rule: ``accounts.attention``), most pressing first."""

    ERROR = "error", "Error"
    WARNING = "warning", "Warning"
    CHECKIN_FAILED = "checkin_failed", "Check-in failed"
    CHECKIN_NEEDS_YOU = "checkin_needs_you", "Check-in needs you"
    LOW_BALANCE = "low_balance", "Low balance"


class AttentionSeverity(_Labelled):
    """How soon an entry of the attention queue needs the user (issue 21), most pressing first."""

    CRITICAL = "critical", "Critical", "🔴"
    WARNING = "warning", "Warning", "🟠"
    INFO = "info", "Info", "🔵"


class AttentionCategory(_Labelled):
    """One kind of entry in the attention queue (``automation.attention``), in the queue's order
    within a severity; ``severity`` is the severity every entry of the kind has."""

    CREDENTIAL_REJECTED = "credential_rejected", "Credential rejected"
    SITE_DOWN = "site_down", "Site unreachable"
    CHECKIN_FAILED = "checkin_failed", "Check-in failed"
    CHECKIN_NEEDS_YOU = "checkin_needs_you", "Check-in needs you"
    SITE_WARNING = "site_warning", "Site warning"
    LOW_BALANCE = "low_balance", "Low balance"
    KEY_UNUSABLE = "key_unusable", "Key expired or exhausted"
    KEY_EXPIRING = "key_expiring", "Key expiring soon"
    USAGE_OVERDUE = "usage_overdue", "Usage sync overdue"
    UNREAD_NOTICES = "unread_notices", "Unread announcements"
    LEFT_OUT = "left_out", "Left out of auto check-in"

    @property
    def severity(self) -> AttentionSeverity:
        return _CATEGORY_SEVERITY[self]


_CATEGORY_SEVERITY = {
    AttentionCategory.CREDENTIAL_REJECTED: AttentionSeverity.CRITICAL,
    AttentionCategory.SITE_DOWN: AttentionSeverity.CRITICAL,
    AttentionCategory.CHECKIN_FAILED: AttentionSeverity.WARNING,
    AttentionCategory.CHECKIN_NEEDS_YOU: AttentionSeverity.WARNING,
    AttentionCategory.SITE_WARNING: AttentionSeverity.WARNING,
    AttentionCategory.LOW_BALANCE: AttentionSeverity.WARNING,
    AttentionCategory.KEY_UNUSABLE: AttentionSeverity.WARNING,
    AttentionCategory.KEY_EXPIRING: AttentionSeverity.INFO,
    AttentionCategory.USAGE_OVERDUE: AttentionSeverity.INFO,
    AttentionCategory.UNREAD_NOTICES: AttentionSeverity.INFO,
    AttentionCategory.LEFT_OUT: AttentionSeverity.INFO,
}


class Job(_Labelled):
    """What the automation runs (``automation.JOBS``), the check-in retry the schedule lists, and
    the daily summary the notifications send: one label each for the pages, the CLI and the
    messages."""

    REFRESH = "refresh", "Refresh"
    CHECKIN = "checkin", "Check-in"
    CHECKIN_RETRY = "checkin_retry", "Check-in retry"
    USAGE_SYNC = "usage_sync", "Usage sync"
    WEBDAV_SYNC = "webdav_sync", "WebDAV sync"
    MODELS_SYNC = "models_sync", "Models sync"
    DAILY_SUMMARY = "daily_summary", "Daily summary"

    @property
    def phrase(self) -> str:
        """The label inside a sentence: "check-in", "usage sync", but "WebDAV sync"."""
        first = self.label.split()[0]
        return self.label if sum(c.isupper() for c in first) > 1 else self.label[:1].lower() + self.label[1:]

    @classmethod
    def label_of(cls, job: str) -> str:
        """The label of a job's stored name (one this version does not know: the name, readable)."""
        try:
            return cls(job).label
        except ValueError:
            return str(job).replace("_", " ").capitalize()

    @classmethod
    def phrase_of(cls, job: str) -> str:
        """``phrase`` of a job's stored name (one this version does not know: the name, readable)."""
        try:
            return cls(job).phrase
        except ValueError:
            return str(job).replace("_", " ")


class Availability(_Labelled):
    """How much of today's figure a site let us collect."""

    COMPLETE = "complete", "Complete"
    PARTIAL = "partial", "Partial"
    UNAVAILABLE = "unavailable", "Unavailable"


class ExtraSiteType(str):
    """A site type a family registered at run time (``site_kinds.register_kind``): a string with
    the ``value`` and ``label`` a ``SiteType`` member has, so callers treat both alike."""

    label: str

    def __new__(cls, value: str, label: str = "") -> ExtraSiteType:
        obj = str.__new__(cls, value)
        obj.label = label or value
        return obj

    @property
    def value(self) -> str:
        return str.__str__(self)


AnySiteType = SiteType | ExtraSiteType
_EXTRA_SITE_TYPES: dict[str, ExtraSiteType] = {}
_SITE_TYPE_LIST: list[str] = list(SiteType.values())


def register_site_type(value: str, label: str = "") -> AnySiteType:
    """Make ``value`` a known site type (a family added outside the enum); the member when it is one."""
    known = canonical_site_type(value)
    if known is not None:
        return known
    extra = _EXTRA_SITE_TYPES[value.strip().lower()] = ExtraSiteType(value.strip(), label)
    _SITE_TYPE_LIST.append(extra.value)
    return extra


def unregister_site_type(value: str) -> None:
    """Forget a registered site type (an enum member stays)."""
    extra = _EXTRA_SITE_TYPES.pop(value.strip().lower(), None)
    if extra is not None:
        _SITE_TYPE_LIST.remove(extra.value)


#: Every known site type: the enum's values, then each registered one. One list shared by every
#: room that checks a site type against it, so a family registered later is known to all of them
#: (typed as a read-only ``Sequence``: only ``register_site_type`` adds to it).
SITE_TYPES: Sequence[str] = _SITE_TYPE_LIST
AUTH_TYPES: tuple[str, ...] = AuthType.values()
HEALTH_VALUES: tuple[str, ...] = Health.values()


def canonical_site_type(site_type: str | None) -> AnySiteType | None:
    """Any casing of a known site type (an enum member or a registered one) to its exact spelling,
    else None."""
    if not site_type:
        return None
    low = site_type.strip().lower()
    for member in SiteType:
        if member.value.lower() == low:
            return member
    return _EXTRA_SITE_TYPES.get(low)
