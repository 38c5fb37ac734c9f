"""One account of an All API Hub backup onto our columns (after ``extension_migrate``).

Fields we have no column for (check-in method knowledge, health code, usage summaries, a site
type we do not know, a refresh token's expiry) are kept in ``ext_extra`` and written back by
``extension_export``.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from allhub_core.accounts import MAX_EXCHANGE_RATE, check_credentials, normalize_tag_name
from allhub_core.errors import AllhubError, ValidationError
from allhub_core.origin import normalize_site_url
from allhub_core.site_kinds import refresh_auth_fields
from allhub_core.transfer.bundle import IncomingAccount, ms_to_iso
from allhub_core.transfer.extension_migrate import (
    chosen_method,
    int_of,
    num,
    record,
    refresh_auth_field,
    text,
    upgrade_account,
)
from allhub_core.transfer.times import FileClock, ImpossibleTime
from allhub_core.vocab import DEFAULT_EXCHANGE_RATE, HEALTH_VALUES, canonical_site_type

__all__ = ["AVAIL", "account", "expiry_key", "tags_of"]

_AUTH_TYPES = ("access_token", "cookie", "none")
AVAIL = {"consumption": "consumption_availability", "income": "income_availability",
         "tokens": "tokens_availability", "requests": "requests_availability"}


def expiry_key(field: str) -> str:
    """Where ``ext_extra`` keeps a refresh token's expiry: ``sub2apiAuth`` -> ``sub2apiTokenExpiresAt``."""
    return field.removesuffix("Auth") + "TokenExpiresAt"


def tags_of(raw: dict, tag_names: dict[str, str]) -> list[str]:
    out: list[str] = []
    ids: list = raw["tagIds"] if isinstance(raw.get("tagIds"), list) else []
    legacy: list = raw["tags"] if isinstance(raw.get("tags"), list) else []  # names, before the tag store
    for name in [tag_names.get(str(i).strip(), "") for i in ids] + [text(t) for t in legacy]:
        try:
            name = normalize_tag_name(name)
        except ValidationError:
            continue
        if name.casefold() not in {t.casefold() for t in out}:
            out.append(name)
    return out


def _times(a: dict, clock: FileClock) -> tuple[int, int, int, int, str]:
    """created_at, updated_at, user_updated_at, last_sync_time (ms, 0 when missing, the future
    read as now) and why the entry is rejected ('' when its times are possible)."""
    try:
        return (clock.ms(a.get("created_at"), "created_at"), clock.ms(a.get("updated_at"), "updated_at"),
                clock.ms(a.get("user_updated_at"), "user_updated_at"),
                clock.ms(a.get("last_sync_time"), "last_sync_time"), "")
    except ImpossibleTime as exc:
        return 0, 0, 0, 0, str(exc)


def account(raw: Any, tag_names: dict[str, str], clock: FileClock) -> IncomingAccount:
    if not isinstance(raw, dict):
        return IncomingAccount(ext_id=f"account-{uuid.uuid4()}", values={}, problem="The entry is not an account.")
    a, upgraded_from = upgrade_account(raw)
    info = record(a.get("account_info"))
    ext_id = text(a.get("id")).strip() or f"account-{uuid.uuid4()}"
    original_type = text(a.get("site_type"))
    site_type = canonical_site_type(original_type)
    auth = a.get("authType") if a.get("authType") in _AUTH_TYPES else "access_token"
    user_id = info.get("id")
    user_id = str(int(user_id)) if isinstance(user_id, float) and user_id.is_integer() else (
        "" if user_id is None or isinstance(user_id, bool) else str(user_id).strip())
    rate = num(a.get("exchange_rate"), None)
    if rate is None or rate <= 0 or rate > MAX_EXCHANGE_RATE:
        rate = DEFAULT_EXCHANGE_RATE
    health = record(a.get("health"))
    checkin = record(a.get("checkIn"))
    custom = record(checkin.get("customCheckIn"))
    manual = num(a.get("manualBalanceUsd"), None)
    stats = record(info.get("todayStatsAvailability"))
    now = clock.now
    created, updated, user_updated, last_sync, bad_time = _times(a, clock)
    checked_day = _day(custom.get("lastCheckInDate")) if custom.get("isCheckedInToday") else None
    checked_day = clock.day(checked_day, "check-in day") if checked_day else None
    values: dict[str, Any] = {
        "site_name": " ".join(text(a.get("site_name")).split()),
        "site_url": text(a.get("site_url")).strip(),
        "site_type": site_type.value if site_type else "unknown",
        "user_id": user_id, "username": text(info.get("username")).strip(), "auth_type": auth,
        "notes": text(a.get("notes")), "exchange_rate": rate, "disabled": a.get("disabled") is True,
        "exclude_from_total_balance": a.get("excludeFromTotalBalance") is True,
        "exclude_from_today_income": a.get("excludeFromTodayIncome") is True,
        "manual_balance_usd": manual if manual is not None and manual >= 0 else None,
        "auto_checkin": checkin.get("automaticExecutionEnabled") is not False,
        "checkin_method": chosen_method(checkin),
        "checkin_url": text(custom.get("url")).strip(), "redeem_url": text(custom.get("redeemUrl")).strip(),
        "checkin_supported": _supported(checkin),
        "custom_checkin_date": checked_day,
        "health_status": health.get("status") if health.get("status") in HEALTH_VALUES else "unknown",
        "health_reason": text(health.get("reason")),
        "quota": int_of(info.get("quota")) or 0,
        "today_consumption": int_of(info.get("today_quota_consumption")) or 0,
        "today_income": int_of(info.get("today_income")) or 0,
        "today_prompt_tokens": int_of(info.get("today_prompt_tokens")) or 0,
        "today_completion_tokens": int_of(info.get("today_completion_tokens")) or 0,
        "today_requests": int_of(info.get("today_requests_count")) or 0,
        **{col: (record(stats.get(k)).get("status") if record(stats.get(k)).get("status") in
                 ("complete", "partial", "unavailable") else "unavailable") for k, col in AVAIL.items()},
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
    auth_field = refresh_auth_field(values["site_type"]) or next(
        (f for f in refresh_auth_fields() if isinstance(a.get(f), dict)), None)
    refresh = record(a.get(auth_field)) if auth_field else {}
    if "tokenExpiresAt" in refresh and auth_field:
        extra[expiry_key(auth_field)] = refresh["tokenExpiresAt"]
    values["ext_extra"] = json.dumps(extra, ensure_ascii=False, sort_keys=True)
    secrets = {k: v.strip() for k, v in (("access_token", text(info.get("access_token"))),
                                         ("cookie", text(record(a.get("cookieAuth")).get("sessionCookie"))),
                                         ("refresh_token", text(refresh.get("refreshToken")))) if v.strip()}
    acc = IncomingAccount(ext_id=ext_id, values=values, tags=tags_of(a, tag_names), secrets=secrets,
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
    outcomes = [(record(record(m).get("detection")).get("outcome"))
                for m in record(record(checkin.get("methodKnowledge")).get("methods")).values()]
    if "matched" in outcomes:
        return True
    if outcomes and all(o == "unsupported" for o in outcomes):
        return False
    return None


def _day(value: Any) -> str | None:
    try:
        return dt.date.fromisoformat(text(value)[:10]).isoformat()
    except ValueError:
        return None


def _stats_reason(stats: dict) -> str:
    if not stats:
        return "legacy_unclassified"
    for key in AVAIL:
        reason = record(stats.get(key)).get("reason")
        if isinstance(reason, str) and reason:
            return reason
    return "not_collected"


