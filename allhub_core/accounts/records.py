"""The Account JSON (the CLI contract's record of one account), read in sort order."""

from __future__ import annotations

import math
import sys
from datetime import datetime
from typing import Any

from allhub_core.accounts.model import parse_id
from allhub_core.accounts.preferences import get_preferences
from allhub_core.accounts.query import AccountFilter, account_rows
from allhub_core.accounts.write import get_secrets
from allhub_core.errors import NotFound
from allhub_core.store import Store

__all__ = ["account_records", "get_account", "record"]


def account_records(store: Store, ids: list[int] | None = None, f: AccountFilter | None = None,
                    prefs: dict | None = None, include_secrets: bool = False) -> list[dict]:
    """Account JSON records (cli.md), in sort order; secrets only when asked for."""
    prefs = prefs or get_preferences(store)
    flt = f or AccountFilter()
    if ids is not None:
        flt = AccountFilter(**{**flt.__dict__, "ids": [int(i) for i in ids]})
    records = [record(row) for row in account_rows(store, flt, prefs)]
    if include_secrets and records:
        secrets = get_secrets(store, [int(r["id"]) for r in records])
        for r in records:
            r.update(secrets.get(int(r["id"]), {}))
    return records


def _iso(value: Any) -> str | None:
    if type(value) is datetime:  # what DuckDB hands over: no further question (10,000 accounts x 3)
        return value.isoformat()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    pd = sys.modules.get("pandas")  # a frame's NaT, only where pandas is already in use
    if pd is not None and value is pd.NaT:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _num(value: Any) -> float | None:
    if value is None:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def record(row: dict) -> dict:
    return {
        "id": str(row["id"]),
        "site_name": row["site_name"], "site_url": row["site_url"], "site_type": row["site_type"],
        "user_id": str(row["user_id"]), "username": row["username"], "auth_type": row["auth_type"],
        "tags": list(row["tags"]), "pinned": bool(row["pinned"]), "disabled": bool(row["disabled"]),
        "health_status": row["health_status"], "health_reason": row["health_reason"],
        "quota": int(row["quota"]),
        "balance_usd": _num(row["balance_usd"]), "balance_cny": _num(row["balance_cny"]),
        "today_consumption_usd": _num(row["today_consumption_usd"]),
        "today_income_usd": _num(row["today_income_usd"]),
        "exchange_rate": float(row["exchange_rate"]), "checkin_status": row["checkin_status"],
        "last_sync_time": _iso(row["last_sync_time"]),
        "notes": row["notes"],
        "exclude_from_total_balance": bool(row["exclude_from_total_balance"]),
        "exclude_from_today_income": bool(row["exclude_from_today_income"]),
        "manual_balance_usd": _num(row["manual_balance_usd"]),
        "auto_checkin": bool(row["auto_checkin"]),
        "checkin_method": row["checkin_method"], "checkin_request": row["checkin_request"],
        "subscription_quota": None if _num(row["subscription_quota"]) is None else int(row["subscription_quota"]),
        "subscription_usd": _num(row["subscription_usd"]),
        "checkin_url": row["checkin_url"], "redeem_url": row["redeem_url"],
        "created_at": _iso(row["created_at"]), "updated_at": _iso(row["updated_at"]),
    }


def get_account(store: Store, account_id: Any) -> dict:
    aid = parse_id(account_id)
    recs = account_records(store, ids=[aid])
    if not recs:
        raise NotFound(f"Account {aid} does not exist.")
    return recs[0]
