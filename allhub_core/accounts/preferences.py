"""User preferences: sorting priority, add-account settings, currency, politeness.

Stored as JSON values in the ``preferences`` table (through ``store.settings``, the one
settings API), merged over ``DEFAULTS`` on read so a new preference needs no migration.
Sorting criteria follow the extension's canonical order (its "current site" and "open tabs"
criteria need a browser and are left out).
"""

from __future__ import annotations

import math
from typing import Any

from allhub_core.errors import ValidationError
from allhub_core.store import PREFERENCES, Damaged, Store, delete_settings, read_settings, write_settings
from allhub_core.vocab import (
    DEFAULT_ACCOUNT_DEADLINE_S,
    DEFAULT_PER_SITE_CONCURRENCY,
    DEFAULT_WINDOW_REQUESTS,
    DEFAULT_WINDOW_S,
)

__all__ = [
    "CURRENCIES",
    "DEFAULTS",
    "RUN_LIMIT_NAMES",
    "SORT_CRITERIA",
    "SORT_FIELDS",
    "WHOLE_NUMBER_LIMITS",
    "check_run_limits",
    "get_preferences",
    "normalize_sorting",
    "set_preference",
    "whole_number",
]

#: criterion id -> label shown in Settings, in the default priority order.
SORT_CRITERIA: dict[str, str] = {
    "disabled_account": "Move disabled accounts to the bottom",
    "pinned": "Pinned first (newest pin first)",
    "user_sort_field": "Sort field (balance, today's consumption, income, name, created time)",
    "manual_order": "Manual order",
    "check_in_requirement": "Accounts that still need check-in first",
    "health_status": "Health (error, warning, unknown, healthy)",
    "custom_check_in_url": "Has a custom check-in URL first",
    "custom_redeem_url": "Has a custom redeem URL first",
}
SORT_FIELDS: dict[str, str] = {
    "balance": "Balance",
    "consumption": "Today's consumption",
    "income": "Today's income",
    "name": "Name",
    "created_at": "Created time",
}
CURRENCIES = ("USD", "CNY")

DEFAULTS: dict[str, Any] = {
    "sorting_priority": [{"id": c, "enabled": True} for c in SORT_CRITERIA],
    "sort_field": "balance",
    "sort_order": "desc",
    "currency": "USD",
    "warn_on_duplicate": True,
    "auto_provision_key": False,
    # politeness towards each relay site (see allhub_core.net.Politeness): at most N requests
    # in any W seconds per site (New API counts per 180 s; 0 requests = no limit)
    "per_site_concurrency": DEFAULT_PER_SITE_CONCURRENCY,
    "per_site_window_requests": DEFAULT_WINDOW_REQUESTS,
    "per_site_window_s": DEFAULT_WINDOW_S,
    # one account's whole refresh or check-in may take this long (seconds; 0 = no deadline)
    "account_deadline_s": DEFAULT_ACCOUNT_DEADLINE_S,
    # a non-forced refresh skips accounts synced more recently than this (seconds)
    "refresh_min_interval_s": 120,
    # history (allhub_core.history): days of balance snapshots and of usage rows kept; usage is
    # synced after a refresh of all accounts when the last sync is older than the interval
    # (seconds), at most this many log pages and rows per account per run
    "history_retention_days": 365,
    "usage_retention_days": 90,
    "usage_sync_interval_s": 3600,
    "usage_sync_page_limit": 20,
    "usage_sync_row_limit": 5000,
    # Overview: an account whose balance (USD) is under this needs attention (0 = never)
    "low_balance_usd": 1.0,
}


#: Whole-number settings: (lowest, highest, what the sentence calls it). The Settings page
#: offers a narrower range; these bounds stop a damaged or scripted value (NaN, 1e308, a rate
#: so small that a batch never finishes) from reaching the network layer.
WHOLE_NUMBER_LIMITS: dict[str, tuple[int, int, str]] = {
    "per_site_concurrency": (1, 64, "The number of requests in flight per site"),
    "per_site_rpm": (0, 10_000, "The number of requests per minute per site (0: no limit)"),
    "per_site_window_requests": (0, 10_000, "The number of requests per window per site (0: no limit)"),
    "per_site_window_s": (1, 3_600, "The window length, in seconds,"),
    "account_deadline_s": (0, 3_600, "The deadline for one account, in seconds (0: none),"),
    "refresh_min_interval_s": (30, 86_400, "The minimum time between refreshes of an account, in seconds,"),
    "history_retention_days": (1, 36_500, "The days of balance history kept"),
    "usage_retention_days": (1, 36_500, "The days of usage logs kept"),
    "usage_sync_interval_s": (60, 604_800, "The usage sync interval, in seconds,"),
    "usage_sync_page_limit": (1, 1_000, "The log pages read per account per usage sync"),
    "usage_sync_row_limit": (1, 1_000_000, "The log rows read per account per usage sync"),
}


#: ``per_site_rpm`` (the old token bucket's rate) is still accepted: R requests a minute is a
#: window of R per 60 s, 0 is no limit. A value saved before the window existed is read that
#: way (the old default, 18, as the new default window) and replaced by the window rows the
#: next time a politeness setting is saved. ``get_preferences`` reports the current window as
#: a rate under that name, so scripts that read it keep working.
LEGACY_RPM = "per_site_rpm"
_WINDOW_KEYS = ("per_site_window_requests", "per_site_window_s")
_OLD_DEFAULT_RPM = 18


def _window_of_saved_rpm(saved: Any) -> dict[str, int]:
    """The window rows a saved ``per_site_rpm`` stands for ({} = the default window)."""
    if isinstance(saved, Damaged):
        return {}
    try:
        rate = _whole_number(LEGACY_RPM, saved)
    except ValidationError:
        return {}
    if rate == _OLD_DEFAULT_RPM:
        return {}
    return {"per_site_window_requests": rate, "per_site_window_s": 60} if rate else {"per_site_window_requests": 0}


def rpm_of(prefs: dict[str, Any]) -> float:
    """The window as requests per minute (0: no limit)."""
    n, w = prefs["per_site_window_requests"], prefs["per_site_window_s"]
    return round(n * 60 / w, 2) if n else 0


def _whole_number(key: str, value: Any) -> int:
    low, high, what = WHOLE_NUMBER_LIMITS[key]
    return whole_number(value, low, high, what)


def whole_number(value: Any, low: int, high: int, what: str, unit: str = "") -> int:
    """``value`` as a whole number in ``[low, high]``, or one sentence naming ``what``."""
    try:
        number = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError, OverflowError):
        number = math.nan
    if not math.isfinite(number) or number != int(number) or not low <= number <= high:
        raise ValidationError(f"{what} must be a whole number from {low:,} to {high:,}{unit}.")
    return int(number)


#: What ``check_run_limits``'s sentences call each per-run override (the CLI passes its flags).
RUN_LIMIT_NAMES: dict[str, str] = {
    "per_site_concurrency": "The number of requests in flight per site",
    "per_site_rpm": "The requests per minute per site",
    "per_site_window": "The request window",
    "account_deadline_s": "The deadline per account",
}


def check_run_limits(per_site_concurrency: int | None = None, per_site_rpm: float | None = None,
                     per_site_window: tuple[int, float] | None = None, account_deadline_s: float | None = None,
                     *, names: dict[str, str] = RUN_LIMIT_NAMES) -> tuple[int, float] | None:
    """The one check of a run's politeness overrides (within the saved settings' bounds);
    returns the window asked for, if any (``(0, 60.0)``: no limit).

    NaN and infinity are numbers too; a tiny positive rate (0.0001/min) would make a batch
    wait for days, so a rate is 0 (no limit) or at least 1 request per minute. A window is
    N requests in W seconds, or N = 0 (no limit) with any positive W.
    """
    max_conc = WHOLE_NUMBER_LIMITS["per_site_concurrency"][1]
    max_rpm = float(WHOLE_NUMBER_LIMITS["per_site_rpm"][1])
    max_n = WHOLE_NUMBER_LIMITS["per_site_window_requests"][1]
    max_w = float(WHOLE_NUMBER_LIMITS["per_site_window_s"][1])
    max_deadline = float(WHOLE_NUMBER_LIMITS["account_deadline_s"][1])
    conc, rpm, deadline = per_site_concurrency, per_site_rpm, account_deadline_s
    if conc is not None and not 1 <= conc <= max_conc:
        raise ValidationError(f"{names['per_site_concurrency']} must be at least 1 and at most {max_conc}.")
    if rpm is not None and not (rpm == 0 or (math.isfinite(rpm) and 1 <= rpm <= max_rpm)):
        raise ValidationError(f"{names['per_site_rpm']} must be 0 (no limit) or a number from 1 to {max_rpm:.0f}.")
    if deadline is not None and not (math.isfinite(deadline) and 0 <= deadline <= max_deadline):
        raise ValidationError(
            f"{names['account_deadline_s']} must be 0 (none) or a number of seconds up to {max_deadline:.0f}.")
    if per_site_window is None:
        return None
    if rpm is not None:
        other = names["per_site_rpm"]
        other = other if other.startswith("-") else other[:1].lower() + other[1:]
        raise ValidationError(f"{names['per_site_window']} and {other} say the same thing: give one of them.")
    n, w = per_site_window
    if n == 0 and math.isfinite(w) and w > 0:
        return 0, 60.0
    if not (1 <= n <= max_n and math.isfinite(w) and 1 <= w <= max_w):
        raise ValidationError(f"{names['per_site_window']} must be N/W: 1 to {max_n} requests in 1 to "
                              f"{max_w:.0f} seconds, e.g. 50/180 (0: no limit).")
    return n, w


def normalize_sorting(value: Any) -> list[dict[str, Any]]:
    """Keep known criteria once each, in the given order; append missing ones.

    As upstream's migration: a missing ``disabled_account``/``pinned``/``manual_order`` comes
    back enabled, any other missing criterion comes back disabled.
    """
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for item in value if isinstance(value, list) else []:
        cid = item.get("id") if isinstance(item, dict) else None
        if cid in SORT_CRITERIA and cid not in seen:
            out.append({"id": cid, "enabled": bool(item.get("enabled", True))})
            seen.add(cid)
    for cid in SORT_CRITERIA:
        if cid not in seen:
            out.append({"id": cid, "enabled": cid in ("disabled_account", "pinned", "manual_order")})
    return out


def _validate(key: str, value: Any) -> Any:
    if key not in DEFAULTS and key != LEGACY_RPM:
        raise ValidationError(f"'{key}' is not a preference.")
    if key == "sorting_priority":
        return normalize_sorting(value)
    if key == "sort_field":
        if value is not None and value not in SORT_FIELDS:
            raise ValidationError(f"'{value}' is not a sort field; use one of {', '.join(SORT_FIELDS)}.")
        return value
    if key == "sort_order":
        if value not in ("asc", "desc"):
            raise ValidationError("The sort order must be 'asc' or 'desc'.")
        return value
    if key == "currency":
        if value not in CURRENCIES:
            raise ValidationError("The currency must be USD or CNY.")
        return value
    if key in ("warn_on_duplicate", "auto_provision_key"):
        return bool(value)
    if key in WHOLE_NUMBER_LIMITS:
        return _whole_number(key, value)
    if key == "low_balance_usd":
        try:
            number = float(value) if not isinstance(value, bool) else math.nan
        except (TypeError, ValueError, OverflowError):
            number = math.nan
        if not math.isfinite(number) or not 0 <= number <= 1_000_000:
            raise ValidationError("The low-balance threshold must be a number of US dollars from 0 to 1,000,000.")
        return number
    return value


def get_preferences(store: Store) -> dict[str, Any]:
    prefs = {k: (list(v) if isinstance(v, list) else v) for k, v in DEFAULTS.items()}
    saved = read_settings(store, PREFERENCES, keep_damaged=True)
    if LEGACY_RPM in saved and not any(k in saved for k in _WINDOW_KEYS):
        prefs.update(_window_of_saved_rpm(saved[LEGACY_RPM]))
    for key, value in saved.items():
        if key in DEFAULTS and not isinstance(value, Damaged):
            try:
                prefs[key] = _validate(key, value)
            except ValidationError:
                pass  # a damaged value falls back to the default
    prefs["sorting_priority"] = normalize_sorting(prefs["sorting_priority"])
    prefs[LEGACY_RPM] = rpm_of(prefs)
    return prefs


def set_preference(store: Store, key: str, value: Any) -> Any:
    value = _validate(key, value)
    rows = {key: value}
    if key == LEGACY_RPM:  # R a minute: a window of R per 60 s (0: no limit)
        rows = {"per_site_window_requests": value, "per_site_window_s": 60} if value else \
            {"per_site_window_requests": 0}
    with store.write() as con:
        if key in (LEGACY_RPM, *_WINDOW_KEYS):
            legacy = read_settings(con, PREFERENCES, [LEGACY_RPM], keep_damaged=True)
            if legacy:  # an old saved rate: its window first, then what is being set
                delete_settings(con, PREFERENCES, [LEGACY_RPM])
                if not read_settings(con, PREFERENCES, _WINDOW_KEYS, keep_damaged=True):
                    rows = {**_window_of_saved_rpm(legacy[LEGACY_RPM]), **rows}
        write_settings(con, rows, PREFERENCES)
    return value
