"""An All API Hub 4.0 backup of this store (full, or the accounts-only file), as the extension reads it.

A full backup with secrets also carries the API credential library as the extension's
``apiCredentialProfiles`` (version 5: ``profiles``, ``links``, ``linkTombstones``, ``lastUpdated``),
each profile's tags as ids of the tag store; a file without secrets holds no credential, and an
empty library writes no section (so a sync gives the extension's own back as it came)."""

from __future__ import annotations

import datetime as dt
import json
import math
import uuid
from typing import Any

from allhub_core.credentials import credential_records
from allhub_core.site_kinds import refresh_auth_fields
from allhub_core.store import Store
from allhub_core.transfer.bundle import iso_to_ms, now_ms
from allhub_core.transfer.extension_account import AVAIL, expiry_key
from allhub_core.transfer.extension_migrate import CURRENT_CONFIG_VERSION, normalize_checkin, record, refresh_auth_field
from allhub_core.transfer.snapshot import read_snapshot
from allhub_core.vocab import DEFAULT_EXCHANGE_RATE

__all__ = ["BACKUP_VERSION", "PROFILES_VERSION", "build_extension_backup", "extension_file_name"]

BACKUP_VERSION = "4.0"
#: the extension's ``API_CREDENTIAL_PROFILES_CONFIG_VERSION``: what it writes, the newest it reads
PROFILES_VERSION = 5



def _rate(value: Any) -> float:
    """The extension reads a number here: a rate that is missing or not a finite positive number
    (a NaN or an infinity an old import left) goes out as the default rate, as its own reader does."""
    try:
        rate = float(value)
    except (TypeError, ValueError):
        return DEFAULT_EXCHANGE_RATE
    return rate if math.isfinite(rate) and rate > 0 else DEFAULT_EXCHANGE_RATE

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
    info.update(record(extra.get("account_info")))
    if "todayStatsAvailability" not in info:
        info["todayStatsAvailability"] = {
            k: ({"status": v[col]} if v[col] == "complete" else {"status": v[col], "reason": v["stats_reason"]})
            for k, col in AVAIL.items()}
    checkin = normalize_checkin(extra.get("checkIn"))
    checkin["automaticExecutionEnabled"] = bool(v["auto_checkin"])
    method = v.get("checkin_method") or "auto"
    # a built-in the user chose: the extension's manual selection (it has no re-login check-in)
    if method not in ("auto", "custom", "relogin"):
        checkin["selection"] = {"mode": "manual", "methodId": method}
    elif record(checkin.get("selection")).get("mode") == "manual":
        checkin["selection"] = {"mode": "automatic"}
    custom = dict(record(checkin.get("customCheckIn")))
    if v["checkin_url"] or v["redeem_url"] or custom:
        custom.update({"url": v["checkin_url"], "redeemUrl": v["redeem_url"]})
        custom.setdefault("openRedeemWithCheckIn", True)
        if v.get("custom_checkin_date"):
            custom.update(isCheckedInToday=True, lastCheckInDate=v["custom_checkin_date"])
        checkin["customCheckIn"] = custom
    out: dict[str, Any] = {
        "id": acc["ext_id"], "site_name": v["site_name"], "site_url": v["site_url"], "site_type": site_type,
        "health": health, "exchange_rate": _rate(v["exchange_rate"]), "account_info": info,
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
    auth_field = refresh_auth_field(site_type) or next(
        (f for f in refresh_auth_fields() if expiry_key(f) in extra), None) or next(iter(refresh_auth_fields()), None)
    if secrets.get("refresh_token") and auth_field:
        out[auth_field] = {"refreshToken": secrets["refresh_token"]}
        if isinstance(extra.get(expiry_key(auth_field)), int):
            out[auth_field]["tokenExpiresAt"] = extra[expiry_key(auth_field)]
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
    profiles = credential_records(store, include_secrets=True) if include_secrets and not accounts_only else []
    for p in profiles:  # the library keeps tag names; the extension, ids of its tag store
        names, p["tagIds"] = p["tagIds"], [_tag_id(n) for n in p["tagIds"]]
        for name in names:
            tags_by_id.setdefault(_tag_id(name), {"id": _tag_id(name), "name": name, "createdAt": now,
                                                  "updatedAt": now})
    backup: dict[str, Any] = {"version": BACKUP_VERSION, "timestamp": now}
    if accounts_only:
        backup["type"] = "accounts"
    backup["accounts"] = accounts
    backup["tagStore"] = {"version": 1, "tagsById": tags_by_id}
    if profiles:
        backup["apiCredentialProfiles"] = {"version": PROFILES_VERSION, "profiles": profiles, "links": [],
                                           "linkTombstones": [], "lastUpdated": now}
    return backup


def extension_file_name(accounts_only: bool = False, when: dt.date | None = None) -> str:
    day = (when or dt.date.today()).isoformat()
    return f"accounts-backup-{day}.json" if accounts_only else f"all-api-hub-backup-{day}.json"
