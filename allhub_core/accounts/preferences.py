"""User preferences: sorting priority, add-account settings, currency.

Stored as JSON values in the ``preferences`` table, merged over ``DEFAULTS`` on read so a new
preference needs no migration. Sorting criteria follow the extension's canonical order (its
"current site" and "open tabs" criteria need a browser and are left out).
"""

from __future__ import annotations

import json
import math
from typing import Any

from allhub_core.errors import ValidationError
from allhub_core.store import Store

__all__ = ["SORT_CRITERIA", "SORT_FIELDS", "DEFAULTS", "get_preferences", "set_preference",
           "normalize_sorting", "CURRENCIES"]

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
    # politeness towards each relay site (see allhub_core.net.Politeness)
    "per_site_concurrency": 2,
    "per_site_rpm": 18,
    # a non-forced refresh skips accounts synced more recently than this (seconds)
    "refresh_min_interval_s": 120,
}


#: Whole-number settings: (lowest, highest, what the sentence calls it). The Settings page
#: offers a narrower range; these bounds stop a damaged or scripted value (NaN, 1e308, a rate
#: so small that a batch never finishes) from reaching the network layer.
WHOLE_NUMBER_LIMITS: dict[str, tuple[int, int, str]] = {
    "per_site_concurrency": (1, 64, "The number of requests in flight per site"),
    "per_site_rpm": (0, 10_000, "The number of requests per minute per site (0: no limit)"),
    "refresh_min_interval_s": (0, 86_400, "The minimum time between refreshes, in seconds,"),
}


def _whole_number(key: str, value: Any) -> int:
    low, high, what = WHOLE_NUMBER_LIMITS[key]
    try:
        number = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError, OverflowError):
        number = math.nan
    if not math.isfinite(number) or number != int(number) or not low <= number <= high:
        raise ValidationError(f"{what} must be a whole number from {low} to {high:,}.")
    return int(number)


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
    if key not in DEFAULTS:
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
    return value


def get_preferences(store: Store) -> dict[str, Any]:
    prefs = {k: (list(v) if isinstance(v, list) else v) for k, v in DEFAULTS.items()}
    with store.read() as con:
        rows = con.execute("SELECT key, value FROM preferences").fetchall()
    for key, raw in rows:
        if key in DEFAULTS:
            try:
                prefs[key] = _validate(key, json.loads(raw))
            except (ValueError, ValidationError):
                pass  # a damaged value falls back to the default
    prefs["sorting_priority"] = normalize_sorting(prefs["sorting_priority"])
    return prefs


def set_preference(store: Store, key: str, value: Any) -> Any:
    value = _validate(key, value)
    with store.write() as con:
        con.execute(
            "INSERT INTO preferences (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, json.dumps(value)],
        )
    return value
