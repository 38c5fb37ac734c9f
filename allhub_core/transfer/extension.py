"""The All API Hub extension's backup files, read (envelopes 1.0-4.0) and written (4.0).

Reading follows the extension's ``importExportService``: a missing ``version`` means 1.0, only
"1.0" to "4.0" are accepted (a newer file is refused rather than misread), 1.0 files may nest
accounts under ``accounts.accounts`` or ``data.accounts``. Each account is upgraded to config
version 7 step by step as ``accountDataMigration`` does (v1 check-in object, v2 site/custom
check-in split, v3 ``disabled``, v4 ``excludeFromTotalBalance``, v5 Sub2API refresh token, v6
``excludeFromTodayIncome``, v7 method-aware check-in), then normalised (``normalizeSiteAccount``)
and mapped onto our columns. Fields we have no column for (check-in method knowledge, health
code, usage summaries, a site type we do not know) are kept in ``ext_extra`` and written back.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import uuid
from typing import Any

from allhub_core.accounts import MAX_EXCHANGE_RATE, check_credentials, normalize_tag_name
from allhub_core.errors import AllhubError, ValidationError
from allhub_core.origin import normalize_site_url
from allhub_core.store import Store
from allhub_core.transfer.bundle import (
    Bundle,
    IncomingAccount,
    IncomingBookmark,
    Tombstone,
    iso_to_ms,
    ms_to_iso,
    now_ms,
)
from allhub_core.transfer.snapshot import read_snapshot
from allhub_core.transfer.times import FileClock, ImpossibleTime
from allhub_core.vocab import DEFAULT_EXCHANGE_RATE, HEALTH_VALUES, CheckInMethod, canonical_site_type

__all__ = [
    "BACKUP_VERSION",
    "CURRENT_CONFIG_VERSION",
    "SUPPORTED_VERSIONS",
    "build_extension_backup",
    "extension_file_name",
    "parse_extension",
    "upgrade_account",
]

BACKUP_VERSION = "4.0"
SUPPORTED_VERSIONS = ("1.0", "2.0", "3.0", "4.0")
CURRENT_CONFIG_VERSION = 7
#: the extension's one legacy check-in method per site type (``providers/registry.ts``)
_LEGACY_METHOD = {"anyrouter": "anyrouter:daily-checkin", "Veloera": "veloera:daily-checkin",
                  "wong-gongyi": "wong-gongyi:daily-checkin", "new-api": "new-api:daily-checkin",
                  "ModelFlare": "new-api:daily-checkin", "voapi-v2": "voapi-v2:daily-checkin"}
_AUTH_TYPES = ("access_token", "cookie", "none")
_AVAIL = {"consumption": "consumption_availability", "income": "income_availability",
          "tokens": "tokens_availability", "requests": "requests_availability"}


# -- reading ------------------------------------------------------------------------------

def _version_of(obj: dict) -> str:
    version = obj.get("version", "1.0")
    if version in SUPPORTED_VERSIONS:
        return str(version)
    try:
        newer = float(str(version)) >= 5
    except ValueError:
        newer = False
    if newer:
        raise ValidationError(f"This backup was made by a newer version of All API Hub (format {version}); "
                              "allhub reads formats 1.0 to 4.0.")
    raise ValidationError(f"This backup has an unknown format version ({str(version)[:20]}); "
                          "allhub reads formats 1.0 to 4.0.")


def _num(value: Any, default: float | None = 0) -> float | None:
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


def _int(value: Any, default: int | None = 0) -> int | None:
    f = _num(value, None)
    return default if f is None else round(f)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _record(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def parse_extension(obj: dict, *, encrypted: bool = False) -> Bundle:
    """A Bundle from the extension's backup object (already JSON-decoded and decrypted)."""
    version = _version_of(obj)
    if obj.get("type") == "preferences":
        raise ValidationError("This is an All API Hub settings-only backup; it holds no accounts to import.")
    data = _record(obj.get("data")) if version == "1.0" else {}
    field = obj.get("accounts")
    config: dict = {"accounts": field} if isinstance(field, list) else _record(field)
    accounts = config.get("accounts")
    bookmarks = config.get("bookmarks")
    if version == "1.0":
        if not isinstance(accounts, list):
            accounts = data.get("accounts")
        if not isinstance(bookmarks, list):
            bookmarks = data.get("bookmarks")
    if not isinstance(accounts, list) and not isinstance(bookmarks, list):
        raise ValidationError("No importable data found: this backup holds no account data.")
    clock = FileClock()
    deletions = FileClock(now=clock.now)
    tombstones = _tombstones(config.get("deletedEntryRecords"), deletions)
    timestamp = clock.lenient_ms(obj.get("timestamp")) or clock.lenient_ms(config.get("last_updated")) or None
    tag_store = _record(obj.get("tagStore") or data.get("tagStore"))
    tag_names = _tag_names(tag_store)
    tag_times = {tag_names[tid]: (clock.lenient_ms(_record(t).get("createdAt")),
                                  clock.lenient_ms(_record(t).get("updatedAt")))
                 for tid, t in _record(tag_store.get("tagsById")).items() if tid in tag_names}
    incoming = [_account(raw, tag_names, clock) for raw in (accounts if isinstance(accounts, list) else [])]
    kind = "accounts only" if obj.get("type") == "accounts" else "full"
    bundle = Bundle(
        kind="extension", version=version, description=f"All API Hub {version} backup ({kind})",
        timestamp_ms=timestamp, accounts=incoming,
        bookmarks=[b for b in (_bookmark(raw, tag_names, clock) for raw in
                               (bookmarks if isinstance(bookmarks, list) else [])) if b],
        pinned=_ids(config.get("pinnedAccountIds")), ordered=_ids(config.get("orderedAccountIds")),
        tombstones=tombstones,
        tags=sorted(set(tag_names.values()) | {t for a in incoming for t in a.tags}, key=str.casefold),
        tag_times=tag_times, encrypted=encrypted, accounts_only=obj.get("type") == "accounts",
        future_deletions=deletions.clamped, future_times=clock.clamped,
    )
    return bundle


def _ids(value: Any) -> list[str]:
    return list(dict.fromkeys(v for v in value if isinstance(v, str) and v)) if isinstance(value, list) else []


def _tag_names(tag_store: dict) -> dict[str, str]:
    names: dict[str, str] = {}
    for tid, tag in _record(tag_store.get("tagsById")).items():
        try:
            names[str(tid)] = normalize_tag_name(_text(_record(tag).get("name")))
        except ValidationError:
            continue
    return names


def _tags(raw: dict, tag_names: dict[str, str]) -> list[str]:
    out: list[str] = []
    ids: list = raw["tagIds"] if isinstance(raw.get("tagIds"), list) else []
    legacy: list = raw["tags"] if isinstance(raw.get("tags"), list) else []  # names, before the tag store
    for name in [tag_names.get(str(i).strip(), "") for i in ids] + [_text(t) for t in legacy]:
        try:
            name = normalize_tag_name(name)
        except ValidationError:
            continue
        if name.casefold() not in {t.casefold() for t in out}:
            out.append(name)
    return out


def _tombstones(value: Any, clock: FileClock | None = None) -> dict[str, Tombstone]:
    """The deletion records (``deletedEntryRecords``; our own backup's ``tombstones``).

    A date in the future is read as now (counted in ``clock.clamped``, which the preview tells):
    it would otherwise delete entries edited today and refuse them until that date. A date that
    is no possible time makes the whole file unreadable with one sentence, since dropping the
    record would bring a deleted entry back and keeping it would be a guess. A record without a
    date (or dated 0) is skipped, as before.
    """
    clock = clock or FileClock()
    out: dict[str, Tombstone] = {}
    for tid, rec in _record(value).items():
        rec = _record(rec)
        if not tid or tid in ("__proto__", "constructor", "prototype"):
            continue
        if rec.get("kind") not in ("account", "bookmark"):
            continue
        before = clock.clamped
        try:
            deleted = clock.ms(rec.get("deletedAt"), "deletion date")
            entry_updated = clock.ms(rec.get("entryUpdatedAt"), "date of the last edit")
        except ImpossibleTime as exc:
            raise ValidationError(f"This backup cannot be imported: the {exc.what} of its deletion record "
                                  f"{str(tid)[:60]!r} ({exc.shown}) is not a possible time.") from None
        clock.clamped = min(clock.clamped, before + 1)  # counted once per record
        if deleted > 0:
            out[str(tid)] = Tombstone(rec["kind"], deleted, entry_updated, from_future=clock.clamped > before)
    return out


def _bookmark(raw: Any, tag_names: dict[str, str], clock: FileClock) -> IncomingBookmark | None:
    """A bookmark; one whose time is no possible time is rejected (with why), one from the future
    is read as made now."""
    raw = _record(raw)
    bid, name, url = _text(raw.get("id")).strip(), _text(raw.get("name")).strip(), _text(raw.get("url")).strip()
    if not (bid and name and url):  # the extension drops these too (sanitizeBookmarks)
        return None
    mark = IncomingBookmark(id=bid, name=name, url=url, notes=_text(raw.get("notes")), tags=_tags(raw, tag_names))
    try:
        mark.created_ms = clock.ms(raw.get("created_at"), "created_at")
        mark.updated_ms = clock.ms(raw.get("updated_at"), "updated_at")
    except ImpossibleTime as exc:
        mark.problem = str(exc)
    return mark


# -- the account migrations (accountDataMigration.ts), on plain dicts --------------------------

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


def _m5_sub2api(a: dict) -> None:
    if a.get("site_type") != "sub2api":
        a.pop("sub2apiAuth", None)
        return
    raw = _record(a.get("sub2apiAuth"))
    token = _text(raw.get("refreshToken")).strip()
    if not token:
        a.pop("sub2apiAuth", None)
        return
    expires = _int(raw.get("tokenExpiresAt"), None)
    a["sub2apiAuth"] = {"refreshToken": token, **({"tokenExpiresAt": expires} if expires and expires > 0 else {})}


def _m7_checkin(a: dict) -> None:
    a.pop("can_check_in", None)
    a.pop("supports_check_in", None)
    if a.get("configVersion") == CURRENT_CONFIG_VERSION:
        a["checkIn"] = _normalize_checkin(a.get("checkIn"))
        return
    legacy = _record(a.get("checkIn"))
    methods: dict[str, Any] = {}
    selected = None
    if legacy.get("enableDetection") is True and a.get("site_type") in _LEGACY_METHOD:
        selected = _LEGACY_METHOD[a["site_type"]]
        method: dict[str, Any] = {"detection": {"outcome": "matched", "evidence": {"source": "legacy_migration"}}}
        status = _record(legacy.get("siteStatus"))
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
    a["checkIn"] = _normalize_checkin(checkin)
    a["configVersion"] = CURRENT_CONFIG_VERSION


def _chosen_method(checkin: dict) -> str:
    """Our ``checkin_method`` for the extension's ``checkIn.selection``: its manual choice of a
    built-in (``{"mode": "manual", "methodId": "veloera:daily-checkin"}``), else automatic."""
    selection = _record(checkin.get("selection"))
    method = selection.get("methodId")
    if selection.get("mode") == "manual" and method in CheckInMethod.values() and method not in ("auto", "custom"):
        return str(method)
    return "auto"


def _normalize_checkin(raw: Any) -> dict:
    raw = _record(raw)
    out: dict[str, Any] = {"automaticExecutionEnabled": raw.get("automaticExecutionEnabled") is not False,
                           "methodKnowledge": _record(raw.get("methodKnowledge")) or {"methods": {}},
                           "selection": _record(raw.get("selection")) or {"mode": "automatic"}}
    if not isinstance(out["methodKnowledge"].get("methods"), dict):
        out["methodKnowledge"] = {**out["methodKnowledge"], "methods": {}}
    custom = raw.get("customCheckIn")
    if isinstance(custom, dict):
        out["customCheckIn"] = {**custom, "openRedeemWithCheckIn": custom.get("openRedeemWithCheckIn") is not False}
    return out


_STEPS = {1: _m1_checkin, 2: _m2_dual_status, 3: _flag("disabled"), 4: _flag("excludeFromTotalBalance"),
          5: _m5_sub2api, 6: _flag("excludeFromTodayIncome"), 7: _m7_checkin}


def upgrade_account(raw: dict) -> tuple[dict, int | None]:
    """The account at config version 7 and the version it started from (None if it was current)."""
    a = copy.deepcopy(raw)
    version = a.get("configVersion")
    version = int(version) if isinstance(version, (int, float)) and not isinstance(version, bool) else 0
    start = version
    if version >= CURRENT_CONFIG_VERSION:  # current: only normalised (normalizeSiteAccount)
        a.pop("can_check_in", None)
        a.pop("supports_check_in", None)
        a["checkIn"] = _normalize_checkin(a.get("checkIn"))
        return a, None
    while version < CURRENT_CONFIG_VERSION:
        version += 1
        _STEPS[version](a)
        a["configVersion"] = version
    return a, start


# -- one account onto our columns -----------------------------------------------------------

def _times(a: dict, clock: FileClock) -> tuple[int, int, int, int, str]:
    """created_at, updated_at, user_updated_at, last_sync_time (ms, 0 when missing, the future
    read as now) and why the entry is rejected ('' when its times are possible)."""
    try:
        return (clock.ms(a.get("created_at"), "created_at"), clock.ms(a.get("updated_at"), "updated_at"),
                clock.ms(a.get("user_updated_at"), "user_updated_at"),
                clock.ms(a.get("last_sync_time"), "last_sync_time"), "")
    except ImpossibleTime as exc:
        return 0, 0, 0, 0, str(exc)


def _account(raw: Any, tag_names: dict[str, str], clock: FileClock) -> IncomingAccount:
    if not isinstance(raw, dict):
        return IncomingAccount(ext_id=f"account-{uuid.uuid4()}", values={}, problem="The entry is not an account.")
    a, upgraded_from = upgrade_account(raw)
    info = _record(a.get("account_info"))
    ext_id = _text(a.get("id")).strip() or f"account-{uuid.uuid4()}"
    original_type = _text(a.get("site_type"))
    site_type = canonical_site_type(original_type)
    auth = a.get("authType") if a.get("authType") in _AUTH_TYPES else "access_token"
    user_id = info.get("id")
    user_id = str(int(user_id)) if isinstance(user_id, float) and user_id.is_integer() else (
        "" if user_id is None or isinstance(user_id, bool) else str(user_id).strip())
    rate = _num(a.get("exchange_rate"), None)
    if rate is None or rate <= 0 or rate > MAX_EXCHANGE_RATE:
        rate = DEFAULT_EXCHANGE_RATE
    health = _record(a.get("health"))
    checkin = _record(a.get("checkIn"))
    custom = _record(checkin.get("customCheckIn"))
    manual = _num(a.get("manualBalanceUsd"), None)
    stats = _record(info.get("todayStatsAvailability"))
    now = clock.now
    created, updated, user_updated, last_sync, bad_time = _times(a, clock)
    checked_day = _day(custom.get("lastCheckInDate")) if custom.get("isCheckedInToday") else None
    checked_day = clock.day(checked_day, "check-in day") if checked_day else None
    values: dict[str, Any] = {
        "site_name": " ".join(_text(a.get("site_name")).split()),
        "site_url": _text(a.get("site_url")).strip(),
        "site_type": site_type.value if site_type else "unknown",
        "user_id": user_id, "username": _text(info.get("username")).strip(), "auth_type": auth,
        "notes": _text(a.get("notes")), "exchange_rate": rate, "disabled": a.get("disabled") is True,
        "exclude_from_total_balance": a.get("excludeFromTotalBalance") is True,
        "exclude_from_today_income": a.get("excludeFromTodayIncome") is True,
        "manual_balance_usd": manual if manual is not None and manual >= 0 else None,
        "auto_checkin": checkin.get("automaticExecutionEnabled") is not False,
        "checkin_method": _chosen_method(checkin),
        "checkin_url": _text(custom.get("url")).strip(), "redeem_url": _text(custom.get("redeemUrl")).strip(),
        "checkin_supported": _supported(checkin),
        "custom_checkin_date": checked_day,
        "health_status": health.get("status") if health.get("status") in HEALTH_VALUES else "unknown",
        "health_reason": _text(health.get("reason")),
        "quota": _int(info.get("quota")) or 0,
        "today_consumption": _int(info.get("today_quota_consumption")) or 0,
        "today_income": _int(info.get("today_income")) or 0,
        "today_prompt_tokens": _int(info.get("today_prompt_tokens")) or 0,
        "today_completion_tokens": _int(info.get("today_completion_tokens")) or 0,
        "today_requests": _int(info.get("today_requests_count")) or 0,
        **{col: (_record(stats.get(k)).get("status") if _record(stats.get(k)).get("status") in
                 ("complete", "partial", "unavailable") else "unavailable") for k, col in _AVAIL.items()},
        "stats_reason": _stats_reason(stats),
        "stats_date": (dt.datetime.fromtimestamp(last_sync / 1000).date().isoformat() if last_sync else None),
        "created_at": ms_to_iso(created or now), "updated_at": ms_to_iso(updated or now),
        "user_updated_at": ms_to_iso(user_updated or updated or now),
        "last_sync_time": ms_to_iso(last_sync) if last_sync else None,
    }
    extra: dict[str, Any] = {"checkIn": checkin}
    if not site_type or site_type.value != original_type:
        extra["site_type"] = original_type
    if "code" in health:
        extra["health_code"] = health["code"]
    for key in ("todayStatsAvailability", "usage", "subscription", "recentUsageRecords"):
        if key in info:
            extra.setdefault("account_info", {})[key] = info[key]
    sub2 = _record(a.get("sub2apiAuth"))
    if "tokenExpiresAt" in sub2:
        extra["sub2apiTokenExpiresAt"] = sub2["tokenExpiresAt"]
    values["ext_extra"] = json.dumps(extra, ensure_ascii=False, sort_keys=True)
    secrets = {k: v.strip() for k, v in (("access_token", _text(info.get("access_token"))),
                                         ("cookie", _text(_record(a.get("cookieAuth")).get("sessionCookie"))),
                                         ("refresh_token", _text(sub2.get("refreshToken")))) if v.strip()}
    acc = IncomingAccount(ext_id=ext_id, values=values, tags=_tags(a, tag_names), secrets=secrets,
                          upgraded_from=upgraded_from)
    acc.problem = bad_time or _problem(acc)
    if not values["site_name"]:
        values["site_name"] = values["username"] or values["site_url"]
    return acc


def _problem(acc: IncomingAccount) -> str:
    try:
        acc.values["site_url"] = normalize_site_url(acc.values["site_url"])
        check_credentials(user_id=acc.values["user_id"], **acc.secrets)
    except AllhubError as exc:
        return str(exc)
    return ""


def _supported(checkin: dict) -> bool | None:
    outcomes = [(_record(_record(m).get("detection")).get("outcome"))
                for m in _record(_record(checkin.get("methodKnowledge")).get("methods")).values()]
    if "matched" in outcomes:
        return True
    if outcomes and all(o == "unsupported" for o in outcomes):
        return False
    return None


def _day(value: Any) -> str | None:
    try:
        return dt.date.fromisoformat(_text(value)[:10]).isoformat()
    except ValueError:
        return None


def _stats_reason(stats: dict) -> str:
    if not stats:
        return "legacy_unclassified"
    for key in _AVAIL:
        reason = _record(stats.get(key)).get("reason")
        if isinstance(reason, str) and reason:
            return reason
    return "not_collected"


# -- writing a 4.0 backup ---------------------------------------------------------------------

def _tag_id(name: str) -> str:
    return f"tag-{uuid.uuid5(uuid.NAMESPACE_URL, 'allhub-tag:' + name.casefold())}"


def _export_account(acc: dict, include_secrets: bool) -> dict:
    v, secrets = acc["values"], acc["secrets"] if include_secrets else {}
    try:
        extra = json.loads(v.get("ext_extra") or "{}")
    except ValueError:
        extra = {}
    extra = extra if isinstance(extra, dict) else {}
    site_type = v["site_type"]
    if site_type == "unknown" and extra.get("site_type"):
        site_type = extra["site_type"]
    health: dict[str, Any] = {"status": v["health_status"]}
    if v.get("health_reason"):
        health["reason"] = v["health_reason"]
    if "health_code" in extra:
        health["code"] = extra["health_code"]
    info: dict[str, Any] = {
        "id": v["user_id"], "access_token": secrets.get("access_token", ""), "username": v["username"],
        "quota": int(v.get("quota") or 0), "today_prompt_tokens": int(v.get("today_prompt_tokens") or 0),
        "today_completion_tokens": int(v.get("today_completion_tokens") or 0),
        "today_quota_consumption": int(v.get("today_consumption") or 0),
        "today_requests_count": int(v.get("today_requests") or 0), "today_income": int(v.get("today_income") or 0),
    }
    info.update(_record(extra.get("account_info")))
    if "todayStatsAvailability" not in info:
        info["todayStatsAvailability"] = {
            k: ({"status": v[col]} if v[col] == "complete" else {"status": v[col], "reason": v["stats_reason"]})
            for k, col in _AVAIL.items()}
    checkin = _normalize_checkin(extra.get("checkIn"))
    checkin["automaticExecutionEnabled"] = bool(v["auto_checkin"])
    method = v.get("checkin_method") or "auto"
    if method not in ("auto", "custom"):  # a built-in the user chose: the extension's manual selection
        checkin["selection"] = {"mode": "manual", "methodId": method}
    elif _record(checkin.get("selection")).get("mode") == "manual":
        checkin["selection"] = {"mode": "automatic"}
    custom = dict(_record(checkin.get("customCheckIn")))
    if v["checkin_url"] or v["redeem_url"] or custom:
        custom.update({"url": v["checkin_url"], "redeemUrl": v["redeem_url"]})
        custom.setdefault("openRedeemWithCheckIn", True)
        if v.get("custom_checkin_date"):
            custom.update(isCheckedInToday=True, lastCheckInDate=v["custom_checkin_date"])
        checkin["customCheckIn"] = custom
    out: dict[str, Any] = {
        "id": acc["ext_id"], "site_name": v["site_name"], "site_url": v["site_url"], "site_type": site_type,
        "health": health, "exchange_rate": float(v["exchange_rate"]), "account_info": info,
        "last_sync_time": iso_to_ms(v.get("last_sync_time")), "updated_at": iso_to_ms(v["updated_at"]),
        "user_updated_at": iso_to_ms(v["user_updated_at"]), "created_at": iso_to_ms(v["created_at"]),
        "notes": v["notes"], "tagIds": [_tag_id(t) for t in acc["tags"]], "disabled": bool(v["disabled"]),
        "excludeFromTotalBalance": bool(v["exclude_from_total_balance"]),
        "excludeFromTodayIncome": bool(v["exclude_from_today_income"]), "authType": v["auth_type"],
        "checkIn": checkin,
        "manualBalanceUsd": "" if v.get("manual_balance_usd") is None else f"{float(v['manual_balance_usd']):g}",
        "configVersion": CURRENT_CONFIG_VERSION,
    }
    if secrets.get("cookie"):
        out["cookieAuth"] = {"sessionCookie": secrets["cookie"]}
    if secrets.get("refresh_token"):
        out["sub2apiAuth"] = {"refreshToken": secrets["refresh_token"]}
        if isinstance(extra.get("sub2apiTokenExpiresAt"), int):
            out["sub2apiAuth"]["tokenExpiresAt"] = extra["sub2apiTokenExpiresAt"]
    return out


def build_extension_backup(store: Store, *, include_secrets: bool = True, accounts_only: bool = False) -> dict:
    """An All API Hub 4.0 backup object (full, or the accounts-only file) of this store."""
    snap = read_snapshot(store, include_secrets=include_secrets)
    now = now_ms()
    tags_by_id = {}
    for t in snap.tags:
        created, updated = iso_to_ms(t["created_at"]), iso_to_ms(t["updated_at"])
        tags_by_id[_tag_id(t["name"])] = {"id": _tag_id(t["name"]), "name": t["name"], "createdAt": created,
                                          "updatedAt": updated}
    for b in snap.bookmarks:  # bookmark tags are names; make sure each has its entry
        for name in b["tags"]:
            tags_by_id.setdefault(_tag_id(name), {"id": _tag_id(name), "name": name, "createdAt": now,
                                                  "updatedAt": now})
    accounts = {
        "accounts": [_export_account(a, include_secrets) for a in snap.accounts],
        "bookmarks": [{"id": b["id"], "name": b["name"], "url": b["url"], "tagIds": [_tag_id(t) for t in b["tags"]],
                       "notes": b["notes"], "created_at": iso_to_ms(b["created_at"]),
                       "updated_at": iso_to_ms(b["updated_at"])} for b in snap.bookmarks],
        "pinnedAccountIds": snap.pinned, "orderedAccountIds": snap.ordered,
        "deletedEntryRecords": snap.tombstones, "last_updated": now,
    }
    backup: dict[str, Any] = {"version": BACKUP_VERSION, "timestamp": now}
    if accounts_only:
        backup["type"] = "accounts"
    backup["accounts"] = accounts
    backup["tagStore"] = {"version": 1, "tagsById": tags_by_id}
    return backup


def extension_file_name(accounts_only: bool = False, when: dt.date | None = None) -> str:
    day = (when or dt.date.today()).isoformat()
    return f"accounts-backup-{day}.json" if accounts_only else f"all-api-hub-backup-{day}.json"
