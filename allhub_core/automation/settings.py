"""Automation settings: what runs by itself, and when.

Stored as JSON values in ``automation_settings`` (through ``store.settings``, the one settings
API) over the defaults below, so a new setting needs no migration. Two of them are the existing
preferences the manual actions use too (``refresh_min_interval_s``, ``usage_sync_interval_s``)
and are read and written there. The defaults follow the extension: auto refresh off, every 900 s
(at least 60), a per-account minimum interval of 120 s (at least 30); daily check-in in
09:00-23:00 at a random time; retries off (when on: every 1800 s, at most 3 a day). Check-in,
usage and WebDAV sync are off until the user turns them on, since they act on the user's
accounts unattended. A scheduled WebDAV sync deletes at most ``webdav_sync_max_delete_pct``
percent of the accounts (default 25) without a person's yes; more, and it changes nothing and
says so. The models sync (each account's model list and prices) runs daily once it is turned on.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass, fields
from typing import Any

from allhub_core.accounts import WHOLE_NUMBER_LIMITS, get_preferences, set_preference, whole_number
from allhub_core.errors import ValidationError
from allhub_core.store import AUTOMATION, Damaged, Store, read_settings, write_settings

__all__ = ["SETTING_KEYS", "WEBDAV_MODES", "AutomationSettings", "get_settings", "parse_hhmm", "save_settings"]

WEBDAV_MODES = ("merge", "upload", "download")
CHECKIN_MODES = ("random", "fixed")
#: settings kept as preferences (shared with the manual refresh and usage sync)
_PREFERENCE_KEYS = ("refresh_min_interval_s", "usage_sync_interval_s")


@dataclass(frozen=True)
class AutomationSettings:
    refresh_enabled: bool = False
    refresh_interval_s: int = 900
    refresh_min_interval_s: int = 120
    refresh_on_open: bool = False
    checkin_enabled: bool = False
    checkin_window_start: str = "09:00"
    checkin_window_end: str = "23:00"
    checkin_mode: str = "random"
    checkin_time: str = "09:00"
    retry_enabled: bool = False
    retry_interval_s: int = 1800
    retry_max: int = 3
    usage_sync_enabled: bool = False
    usage_sync_interval_s: int = 3600
    webdav_sync_enabled: bool = False
    webdav_sync_interval_s: int = 3600
    webdav_sync_mode: str = "merge"
    webdav_sync_max_delete_pct: int = 25
    models_sync_enabled: bool = False
    models_sync_interval_s: int = 86_400

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @property
    def window(self) -> str:
        return f"{self.checkin_window_start}–{self.checkin_window_end}"

    @property
    def window_crosses_midnight(self) -> bool:
        return self.checkin_window_end < self.checkin_window_start


SETTING_KEYS = tuple(f.name for f in fields(AutomationSettings))
_DEFAULTS = AutomationSettings()

#: whole-number settings: (lowest, highest, what the sentence calls it); the two that are
#: preferences (``_PREFERENCE_KEYS``) use the preferences' own bounds, so both pages agree.
_LIMITS: dict[str, tuple[int, int, str]] = {
    "refresh_interval_s": (60, 604_800, "The auto-refresh interval"),
    "retry_interval_s": (60, 86_400, "The time between check-in retries"),
    "retry_max": (1, 24, "The number of check-in retries a day"),
    "webdav_sync_interval_s": (300, 604_800, "The WebDAV sync interval"),
    "webdav_sync_max_delete_pct": (0, 100, "The share of accounts a scheduled WebDAV sync may delete"),
    "models_sync_interval_s": (3600, 604_800, "The models sync interval"),
    **{k: WHOLE_NUMBER_LIMITS[k] for k in _PREFERENCE_KEYS},
}
# the preferences' sentences say "seconds"
_UNITS = {"retry_max": "", "webdav_sync_max_delete_pct": " percent", **{k: "" for k in _PREFERENCE_KEYS}}
_HHMM = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


def parse_hhmm(value: Any, what: str = "A time") -> str:
    """``"9:05"`` -> ``"09:05"``; anything that is not a time of day is one sentence."""
    m = _HHMM.match(value) if isinstance(value, str) else None
    if not m or not (0 <= int(m.group(1)) <= 23 and 0 <= int(m.group(2)) <= 59):
        raise ValidationError(f"{what} must be a time of day as HH:MM (00:00 to 23:59), not {value!r}.")
    return f"{int(m.group(1)):02d}:{int(m.group(2)):02d}"


def _bool(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("on", "true", "yes", "1", "off", "false", "no", "0"):
        return value.strip().lower() in ("on", "true", "yes", "1")
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise ValidationError(f"{key.replace('_', ' ').capitalize()} must be on or off.")


def _whole(key: str, value: Any) -> int:
    low, high, what = _LIMITS[key]
    return whole_number(value, low, high, what, _UNITS.get(key, " seconds"))


def _validate(key: str, value: Any) -> Any:
    if key not in SETTING_KEYS:
        raise ValidationError(f"'{key}' is not an automation setting; use one of {', '.join(SETTING_KEYS)}.")
    default = getattr(_DEFAULTS, key)
    if isinstance(default, bool):
        return _bool(key, value)
    if key in _LIMITS:
        return _whole(key, value)
    if key == "checkin_window_start":
        return parse_hhmm(value, "The start of the check-in window")
    if key == "checkin_window_end":
        return parse_hhmm(value, "The end of the check-in window")
    if key == "checkin_time":
        return parse_hhmm(value, "The check-in time")
    if key == "checkin_mode":
        if value not in CHECKIN_MODES:
            raise ValidationError("The check-in schedule is 'random' (a time in the window) or 'fixed'.")
        return value
    if key == "webdav_sync_mode":
        if value not in WEBDAV_MODES:
            raise ValidationError(f"The WebDAV sync mode is one of: {', '.join(WEBDAV_MODES)}.")
        return value
    return value  # pragma: no cover - every key is handled above


def get_settings(store: Store, *, strict: bool = False) -> AutomationSettings:
    """The saved settings over the defaults. A damaged saved value falls back to its default,
    or, with ``strict`` (the daemon's start), is one sentence (``ValidationError``)."""
    values: dict[str, Any] = {}
    for key, saved in read_settings(store, AUTOMATION, keep_damaged=True).items():
        if key not in SETTING_KEYS or key in _PREFERENCE_KEYS:
            continue
        try:
            # a value that is not JSON: json's own error, as before
            values[key] = _validate(key, json.loads(saved) if isinstance(saved, Damaged) else saved)
        except (ValueError, ValidationError) as exc:
            if strict:
                raise ValidationError(f"The saved automation setting '{key}' is not valid: {exc}") from exc
    prefs = get_preferences(store)
    for key in _PREFERENCE_KEYS:  # read through the preferences, which check them on read
        values[key] = int(prefs[key])
    settings = AutomationSettings(**values)
    if strict and settings.checkin_window_start == settings.checkin_window_end:
        raise ValidationError("The saved check-in window is empty (its start and end are the same time).")
    return settings


def save_settings(store: Store, **changes: Any) -> AutomationSettings:
    """Validate every change first (one sentence on the first bad value), then save them together."""
    clean = {key: _validate(key, value) for key, value in changes.items()}
    current = get_settings(store)
    merged = dataclasses.replace(current, **clean)
    if merged.checkin_window_start == merged.checkin_window_end:
        raise ValidationError("The check-in window must not be empty: its start and end must differ.")
    for key in _PREFERENCE_KEYS:
        if key in clean:
            set_preference(store, key, clean[key])
    write_settings(store, {k: v for k, v in clean.items() if k not in _PREFERENCE_KEYS}, AUTOMATION)
    return get_settings(store)
