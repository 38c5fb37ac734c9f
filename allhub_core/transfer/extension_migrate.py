"""The extension's account migrations (``accountDataMigration.ts``), on plain dicts.

Each account of an All API Hub backup is upgraded to config version 7 step by step as the
extension does it (v1 check-in object, v2 site/custom check-in split, v3 ``disabled``, v4
``excludeFromTotalBalance``, v5 a family's rotating refresh token, v6 ``excludeFromTodayIncome``,
v7 method-aware check-in), then normalised (``normalizeSiteAccount``). What a site family means
here (which check-in a legacy "detection on" is, which field holds a refresh token) is read from
its ``site_kinds.SiteKind``: ``transfer`` (L3) may not import ``sites``.
"""

from __future__ import annotations

import copy
import math
from typing import Any

from allhub_core.site_kinds import kind_of, refresh_auth_fields
from allhub_core.vocab import CheckInMethod

__all__ = ["CURRENT_CONFIG_VERSION", "chosen_method", "normalize_checkin", "num", "record", "text", "upgrade_account"]

CURRENT_CONFIG_VERSION = 7


def num(value: Any, default: float | None = 0) -> float | None:
    if isinstance(value, bool):
        return default
    if isinstance(value, (int, float)) and math.isfinite(value):
        return float(value)
    if isinstance(value, str) and value.strip():
        try:
            f = float(value)
        except ValueError:
            return default
        return f if math.isfinite(f) else default
    return default


def int_of(value: Any, default: int | None = 0) -> int | None:
    f = num(value, None)
    return default if f is None else round(f)


def text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def record(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def legacy_method(site_type: Any) -> str | None:
    """The extension's one legacy check-in method of a site type (``providers/registry.ts``), read
    from the family's kind; the site type must be spelled exactly as the extension spells it."""
    kind = kind_of(site_type) if isinstance(site_type, str) else None
    return kind.checkin_method if kind is not None and kind.site_type == site_type else None


def refresh_auth_field(site_type: Any) -> str | None:
    """The account's family's field for a rotating refresh token (``sub2apiAuth``), if it has one."""
    kind = kind_of(site_type) if isinstance(site_type, str) else None
    return kind.refresh_auth if kind is not None and kind.site_type == site_type else None


def _m1_checkin(a: dict) -> None:
    if not a.get("checkIn") and (a.get("supports_check_in") is True or "can_check_in" in a):
        if a.get("supports_check_in") is True:
            can = a.get("can_check_in")
            a["checkIn"] = {"enableDetection": True, "siteStatus": {"isCheckedInToday": not (True if can is None
                                                                                              else bool(can))}}
        a.pop("supports_check_in", None)
        a.pop("can_check_in", None)
    elif a.get("supports_check_in") is False and not a.get("checkIn"):
        a.pop("supports_check_in", None)
        a.pop("can_check_in", None)


def _m2_dual_status(a: dict) -> None:
    legacy = a.get("checkIn")
    if not legacy or not isinstance(legacy, dict):
        return
    done = isinstance(legacy.get("siteStatus"), dict) or isinstance(legacy.get("customCheckIn"), dict)
    nxt = dict(legacy)
    if not done:
        url = legacy.get("customCheckInUrl")
        if isinstance(url, str) and url.strip():
            nxt["customCheckIn"] = {"url": url, "redeemUrl": legacy.get("customRedeemUrl"),
                                    "openRedeemWithCheckIn": legacy.get("openRedeemWithCheckIn", True),
                                    "isCheckedInToday": legacy.get("isCheckedInToday", False),
                                    "lastCheckInDate": legacy.get("lastCheckInDate")}
        else:
            nxt["siteStatus"] = {"isCheckedInToday": legacy.get("isCheckedInToday"),
                                 "lastCheckInDate": legacy.get("lastCheckInDate")}
    for k in ("isCheckedInToday", "lastCheckInDate", "customCheckInUrl", "customRedeemUrl", "openRedeemWithCheckIn"):
        nxt.pop(k, None)
    a["checkIn"] = nxt


def _flag(name: str):
    def step(a: dict) -> None:
        a[name] = a.get(name) is True
    return step


def _m5_refresh_auth(a: dict) -> None:
    """A refresh token is kept only under the account's own family's field (Sub2API's ``sub2apiAuth``)."""
    own = refresh_auth_field(a.get("site_type"))
    for field in refresh_auth_fields():
        if field != own:
            a.pop(field, None)
    if own is None:
        return
    raw = record(a.get(own))
    token = text(raw.get("refreshToken")).strip()
    if not token:
        a.pop(own, None)
        return
    expires = int_of(raw.get("tokenExpiresAt"), None)
    a[own] = {"refreshToken": token, **({"tokenExpiresAt": expires} if expires and expires > 0 else {})}


def _m7_checkin(a: dict) -> None:
    a.pop("can_check_in", None)
    a.pop("supports_check_in", None)
    if a.get("configVersion") == CURRENT_CONFIG_VERSION:
        a["checkIn"] = normalize_checkin(a.get("checkIn"))
        return
    legacy = record(a.get("checkIn"))
    methods: dict[str, Any] = {}
    selected = legacy_method(a.get("site_type")) if legacy.get("enableDetection") is True else None
    if selected:
        method: dict[str, Any] = {"detection": {"outcome": "matched", "evidence": {"source": "legacy_migration"}}}
        status = record(legacy.get("siteStatus"))
        if isinstance(status.get("isCheckedInToday"), bool):
            evidence = {"source": "legacy_migration", "legacyObservedAt": status.get("lastDetectedAt"),
                        "legacyDayKey": status.get("lastCheckInDate")}
            method["status"] = {"outcome": "known", "today": "checked" if status["isCheckedInToday"] else "not_checked",
                                "evidence": {k: v for k, v in evidence.items() if v is not None}}
        methods[selected] = method
    checkin: dict[str, Any] = {"automaticExecutionEnabled": legacy.get("autoCheckInEnabled") is not False,
                               "methodKnowledge": {"methods": methods},
                               "selection": {"mode": "automatic", **({"methodId": selected} if selected else {})}}
    if isinstance(legacy.get("customCheckIn"), dict):
        checkin["customCheckIn"] = dict(legacy["customCheckIn"])
    a["checkIn"] = normalize_checkin(checkin)
    a["configVersion"] = CURRENT_CONFIG_VERSION


def chosen_method(checkin: dict) -> str:
    """Our ``checkin_method`` for the extension's ``checkIn.selection``: its manual choice of a
    built-in (``{"mode": "manual", "methodId": "veloera:daily-checkin"}``), else automatic."""
    selection = record(checkin.get("selection"))
    method = selection.get("methodId")
    ours = ("auto", "custom", "relogin")  # not the extension's built-ins (relogin needs a login stored here)
    if selection.get("mode") == "manual" and method in CheckInMethod.values() and method not in ours:
        return str(method)
    return "auto"


def normalize_checkin(raw: Any) -> dict:
    raw = record(raw)
    out: dict[str, Any] = {"automaticExecutionEnabled": raw.get("automaticExecutionEnabled") is not False,
                           "methodKnowledge": record(raw.get("methodKnowledge")) or {"methods": {}},
                           "selection": record(raw.get("selection")) or {"mode": "automatic"}}
    if not isinstance(out["methodKnowledge"].get("methods"), dict):
        out["methodKnowledge"] = {**out["methodKnowledge"], "methods": {}}
    custom = raw.get("customCheckIn")
    if isinstance(custom, dict):
        out["customCheckIn"] = {**custom, "openRedeemWithCheckIn": custom.get("openRedeemWithCheckIn") is not False}
    return out


_STEPS = {1: _m1_checkin, 2: _m2_dual_status, 3: _flag("disabled"), 4: _flag("excludeFromTotalBalance"),
          5: _m5_refresh_auth, 6: _flag("excludeFromTodayIncome"), 7: _m7_checkin}


def upgrade_account(raw: dict) -> tuple[dict, int | None]:
    """The account at config version 7 and the version it started from (None if it was current)."""
    a = copy.deepcopy(raw)
    version = a.get("configVersion")
    version = int(version) if isinstance(version, (int, float)) and not isinstance(version, bool) else 0
    start = version
    if version >= CURRENT_CONFIG_VERSION:  # current: only normalised (normalizeSiteAccount)
        a.pop("can_check_in", None)
        a.pop("supports_check_in", None)
        a["checkIn"] = normalize_checkin(a.get("checkIn"))
        return a, None
    while version < CURRENT_CONFIG_VERSION:
        version += 1
        _STEPS[version](a)
        a["configVersion"] = version
    return a, start


