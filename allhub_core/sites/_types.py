"""Plain dataclasses in and out of the site adapters: the store hands over ``SiteCredentials``, the
adapters hand back results. No database type crosses this line, so the adapters can be tested
against the sandbox sites alone. Money is integer quota units (``vocab.QUOTA_PER_USD`` = 1 USD)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from allhub_core.net import strip_controls
from allhub_core.vocab import DEFAULT_EXCHANGE_RATE, QUOTA_PER_USD

if TYPE_CHECKING:
    from allhub_core.sites._seen import Seen

__all__ = [
    "BILLING_MODES",
    "DEFAULT_EXCHANGE_RATE",
    "QUOTA_PER_USD",
    "ApiToken",
    "CheckInOutcome",
    "ModelPrice",
    "Notice",
    "Pricing",
    "RecognizeResult",
    "RedeemResult",
    "RefreshResult",
    "SiteCredentials",
    "SiteStatus",
    "TodayUsage",
    "TokenSpec",
    "TypedInput",
    "UsageLogRow",
    "UsageLogs",
    "UserInfo",
    "epoch_of",
    "finite",
    "int_of",
    "merge_new",
    "remote_text",
]


def finite(value: Any) -> float | None:
    """A JSON number that is finite (not a bool, not NaN or infinity), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def int_of(value: Any) -> int:
    """A finite JSON number as an int; 0 for anything else."""
    number = finite(value)
    return int(number) if number is not None else 0


def merge_new(found: dict[str, ApiToken], items: list[Any], parse: Callable[[dict[str, Any]], ApiToken]) -> int:
    """Add the not-yet-seen keys of one page to ``found``; how many were new (0 ends paging:
    some sites ignore the page parameter and answer the same page forever)."""
    new = 0
    for raw in items:
        if isinstance(raw, dict):
            token = parse(raw)
            if token.id and token.id not in found:
                found[token.id] = token
                new += 1
    return new


def epoch_of(value: Any) -> int | None:
    """Epoch seconds of a site's time: a number (seconds below 1e10, else milliseconds), a numeric
    string, or an ISO date (the extension's ``parseTimestamp``; Sub2API's times, the announcements');
    None when it is none of these."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value / 1000) if value > 10_000_000_000 else int(value)
    if isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            number = float(text)
        except ValueError:
            pass
        else:
            return int(number / 1000) if number > 10_000_000_000 else int(number)
        try:
            return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())
        except ValueError:
            return None
    return None


def remote_text(value: Any) -> str | None:
    """A name or id read from a site's JSON, without control characters; None when empty.

    Every site name, user name, user id, key name and model name goes through here (and
    every server message through ``net.server_message``), so no escape sequence a site
    sends reaches the store or a terminal.
    """
    if value is None or isinstance(value, (dict, list)):
        return None
    return strip_controls(str(value)).strip() or None


@dataclass
class SiteCredentials:
    """What the store hands over for one account."""

    account_id: str
    site_url: str
    site_type: str
    auth_type: str  # "access_token" | "cookie" | "none"
    access_token: str | None = None
    cookie: str | None = None
    user_id: str | None = None
    refresh_token: str | None = None  # sub2api
    checkin_url: str | None = None  # custom check-in URL, if any (informational)
    checkin_method: str = "auto"  # "auto" (the family's built-in) | "custom" (checkin_request)
    checkin_request: str | None = None  # the custom request as JSON (sites.custom_checkin)
    exchange_rate: float | None = None  # used to read "¥" amounts in income log rows
    # What the store knows, so a refresh asks less (issue 18): today's check-in known done (not asked);
    checkin_known_today: bool = False
    # whether the account's site sells plans: True ask, False never ask, None not known (probed:
    # the first account of the site in a batch asks, the others follow its answer).
    ask_plans: bool | None = None
    seen: Seen | None = None  # what adding it has just read (``RecognizeResult.seen``), not asked again

    def secrets(self) -> list[str]:
        return [s for s in (self.access_token, self.cookie, self.refresh_token) if s]


@dataclass
class RefreshResult:
    account_id: str
    ok: bool
    health_status: str
    health_reason: str
    quota: int | None = None
    # New API plans: what is left of the active subscriptions, in quota units, beside the
    # wallet ``quota``; None when the site has no plans or the account has none active.
    subscription_quota: int | None = None
    username: str | None = None
    user_id: str | None = None
    site_name: str | None = None
    today_consumption: int | None = None
    today_income: int | None = None
    today_prompt_tokens: int | None = None
    today_completion_tokens: int | None = None
    today_requests: int | None = None
    availability: dict[str, tuple[str, str]] = field(default_factory=dict)
    checkin_supported: bool | None = None
    checkin_status: str = "unknown"  # "checked" | "not_checked" | "unsupported" | "unknown"
    rotated: dict[str, str] = field(default_factory=dict)
    requests_made: int = 0
    exchange_rate: float | None = None
    site_type: str | None = None
    # What this refresh learnt of the site's plans (``/api/subscription/self``): True it has
    # them, False it has none (404/405 or ``success:false``), None not asked or not told.
    has_plans: bool | None = None


@dataclass
class CheckInOutcome:
    """One account's check-in as the store takes it (``result`` a ``vocab.CheckInResult`` value)."""

    account_id: str
    result: str  # "success" | "already_checked" | "failed" | "unsupported" | "needs_browser"
    message: str
    health_status: str
    health_reason: str
    checkin_url: str | None = None  # for needs_browser
    reward_quota: int | None = None
    rotated: dict[str, str] = field(default_factory=dict)
    requests_made: int = 0
    # False when no request was made (e.g. unsupported type): the store should
    # leave the account's health as it was.
    health_checked: bool = True
    # Why (a ``vocab.CheckInReason`` value; ``retryable`` says whether trying again can succeed).
    reason: str = "unknown"


@dataclass
class RecognizeResult:
    ok: bool
    message: str
    site_url: str | None = None
    site_type: str | None = None
    site_name: str | None = None
    exchange_rate: float | None = None
    user_id: str | None = None
    username: str | None = None
    auth_type: str | None = None
    access_token: str | None = None
    cookie: str | None = None
    refresh_token: str | None = None
    checkin_supported: bool | None = None
    quota: int | None = None
    needs_user_id: bool = False
    health_status: str | None = None
    health_reason: str | None = None
    # The site could not answer at all (down, unreachable, busy, behind a browser check), as
    # opposed to answering "no" or sending us elsewhere: the account may be saved without data.
    unreachable: bool = False
    seen: Seen | None = None  # what the family read that the first refresh need not ask again


@dataclass
class TypedInput:
    """What the user typed to add an account, for a family's ``recognize``.

    ``secrets`` is the caller's list of values to scrub from every message; a family appends
    the tokens it obtains (by logging in) so that a later failure cannot quote them.

    ``check_duplicate(origin, user_id)``: the caller's duplicate rule, called by a family that
    logs in as soon as it knows the user id, before any request that changes the site's state
    (New API's ``/api/user/token`` kills the old access token: a second add would break the
    stored account). It raises to stop; ``recognize`` lets that error through.
    """

    username: str | None = None
    password: str | None = None
    access_token: str | None = None
    cookie: str | None = None
    user_id: str | None = None
    refresh_token: str | None = None
    secrets: list[str] = field(default_factory=list)
    check_duplicate: Callable[[str, str], None] | None = None


@dataclass
class SiteStatus:
    """Public ``/api/status`` facts (or their family equivalent)."""

    system_name: str | None = None
    exchange_rate: float = DEFAULT_EXCHANGE_RATE
    checkin_enabled: bool | None = None
    turnstile_check: bool | None = None
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class UserInfo:
    user_id: str | None
    username: str | None
    quota: int | None
    group: str | None = None
    access_token: str | None = None


@dataclass
class TodayUsage:
    consumption: int | None = None
    income: int | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    requests: int | None = None
    availability: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass
class ApiToken:
    """A relay API key (``sk-...``) as listed by the site."""

    id: str
    name: str
    key: str
    masked: bool
    status: int | None = None  # 1 enabled, 2 disabled, 3 expired, 4 exhausted
    remain_quota: int | None = None
    unlimited_quota: bool | None = None
    used_quota: int | None = None
    expired_time: int | None = None  # -1 = never
    created_time: int | None = None
    accessed_time: int | None = None
    group: str | None = None
    model_limits_enabled: bool | None = None
    model_limits: str | None = None
    allow_ips: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:  # never print a key
        return f"ApiToken(id={self.id!r}, name={self.name!r}, masked={self.masked})"


@dataclass
class TokenSpec:
    """A relay key to create.  Quota in quota units; ``expired_time`` -1 = never."""

    name: str
    remain_quota: int = 0
    unlimited_quota: bool = True
    expired_time: int = -1
    model_limits_enabled: bool = False
    model_limits: str = ""
    allow_ips: str = ""
    group: str = ""


#: How a site bills a model: per token (ratios), per call, by a tiered expression (New API's
#: ``billing_mode: "tiered_expr"``: no flat price a client can compare), or not told (a model list
#: without a price list).
BILLING_MODES = ("tokens", "call", "tiered", "unknown")


@dataclass
class ModelPrice:
    """One model as a site prices it, in the site's own numbers (docs/site-api.md 8).

    New API: ``model_ratio`` (1 = 2 USD per 1M input tokens), ``completion_ratio`` (output /
    input), ``model_price`` (USD a call before the group ratio), ``cache_ratio`` /
    ``create_cache_ratio`` (cache read / write, relative to the input price). OneHub/DoneHub:
    ``tokens`` rows read ``price.input`` as ``model_ratio`` and ``output / input`` as
    ``completion_ratio``; ``times`` rows keep their per-call ``{input, output}`` in ``call_input``
    / ``call_output`` (ratio units: times 0.002 is USD a call) and ``model_price`` is the input's
    USD a call (``input`` x 0.002, New API's unit). ``*_usd`` only where a site gives USD directly.
    """

    model_name: str
    quota_type: int = 0  # 0 per token, 1 per call
    model_ratio: float | None = None
    model_price: float | None = None
    completion_ratio: float | None = None
    enable_groups: list[str] = field(default_factory=list)
    owner_by: str | None = None
    cache_ratio: float | None = None
    create_cache_ratio: float | None = None
    billing: str = ""  # one of BILLING_MODES; "" = from quota_type
    vendor: str | None = None  # the site's vendor name for the row, else its owner
    endpoints: list[str] = field(default_factory=list)
    call_input: float | None = None  # OneHub/DoneHub per call, ratio units
    call_output: float | None = None
    input_usd_per_1m: float | None = None
    output_usd_per_1m: float | None = None
    call_usd: float | None = None

    def __post_init__(self) -> None:
        if self.billing not in BILLING_MODES:
            self.billing = "call" if self.quota_type == 1 else "tokens"
        if self.vendor is None and self.owner_by:
            self.vendor = self.owner_by


@dataclass
class Pricing:
    models: list[ModelPrice]
    group_ratio: dict[str, float] = field(default_factory=dict)
    usable_group: dict[str, str] = field(default_factory=dict)


@dataclass
class RedeemResult:
    ok: bool
    message: str
    quota_added: int | None = None
    health_status: str = "healthy"
    health_reason: str = ""
    retryable: bool = False  # the site never answered yes or no (network, 5xx, 429): may be sent again


@dataclass
class Notice:
    """One announcement a site shows its users (``notices``)."""

    title: str
    content: str
    published_at: int | None = None  # epoch seconds, when the site says
    id: str = ""
    upstream_id: str = ""  # the site's own id where it keeps a read state (Sub2API: marked read there too)


@dataclass
class UsageLogRow:
    """One consume-log row (``requests`` 1), or one hour of one model (``source`` ``hourly``)."""

    created_at: int
    model: str = ""
    token_id: str = ""
    token_name: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    quota: int = 0
    latency_s: float | None = None
    requests: int = 1
    source: str = "log"
    uid: str = ""  # an id the site gave the row, if any (Sub2API)


@dataclass
class UsageLogs:
    """What one account's run read: rows (newest first as the site sent them); ``complete`` when the
    whole window was read; ``error`` when a page failed after earlier ones were read."""

    rows: list[UsageLogRow] = field(default_factory=list)
    complete: bool = True
    error: str = ""
    pages: int = 0
