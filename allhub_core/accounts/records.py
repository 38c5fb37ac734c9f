"""The Account JSON (the CLI contract's record of one account), read in sort order."""

from __future__ import annotations

import math
import sys
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from allhub_core.accounts.model import parse_id
from allhub_core.accounts.preferences import get_preferences
from allhub_core.accounts.query import AccountFilter, account_view, order_by_sql, where_sql
from allhub_core.accounts.write import get_secrets
from allhub_core.errors import NotFound
from allhub_core.store import Store, one_row
from allhub_core.vocab import QUOTA_PER_USD

__all__ = ["RECORD_FIELDS", "account_records", "get_account", "record"]


def _num_sql(expr: str) -> str:
    """``_num`` in SQL: NaN becomes NULL."""
    return f"CASE WHEN isnan({expr}) THEN NULL ELSE {expr} END"


_Q = QUOTA_PER_USD
#: the record's keys in order, each with the SQL over the account view ``v`` that gives its value
#: as ``record`` would make it (issue 18: the 32 values a record holds, not the grid's 47, and
#: no Python conversion of each): the three times as microseconds since the epoch (``_iso_at``).
RECORD_FIELDS: dict[str, str] = {
    "id": "CAST(v.id AS VARCHAR)",
    "site_name": "v.site_name", "site_url": "v.site_url", "site_type": "v.site_type",
    "user_id": "CAST(v.user_id AS VARCHAR)", "username": "v.username", "auth_type": "v.auth_type",
    "tags": "coalesce(tg.tags, []::VARCHAR[])", "pinned": "coalesce(v.pinned, false)",
    "disabled": "coalesce(v.disabled, false)",
    "health_status": "v.health_status", "health_reason": "v.health_reason",
    "quota": "CAST(v.eff_quota AS BIGINT)",
    "balance_usd": _num_sql(f"round(v.eff_quota / {_Q}, 6)"),
    "balance_cny": _num_sql(f"round(v.eff_quota / {_Q} * v.exchange_rate, 6)"),
    "today_consumption_usd": _num_sql(f"round(v.cons_today / {_Q}, 6)"),
    "today_income_usd": _num_sql(f"round(v.inc_today / {_Q}, 6)"),
    "exchange_rate": "CAST(v.exchange_rate AS DOUBLE)", "checkin_status": "v.checkin_today",
    "last_sync_time": "epoch_us(v.last_sync_time)",
    "notes": "v.notes",
    "exclude_from_total_balance": "coalesce(v.exclude_from_total_balance, false)",
    "exclude_from_today_income": "coalesce(v.exclude_from_today_income, false)",
    "manual_balance_usd": _num_sql("CAST(v.manual_balance_usd AS DOUBLE)"),
    "auto_checkin": "coalesce(v.auto_checkin, false)",
    "checkin_method": "v.checkin_method", "checkin_request": "v.checkin_request",
    "subscription_quota": "CAST(v.subscription_quota AS BIGINT)",
    "subscription_usd": _num_sql(f"round(v.subscription_quota / {_Q}, 6)"),
    "checkin_url": "v.checkin_url", "redeem_url": "v.redeem_url",
    "created_at": "epoch_us(v.created_at)", "updated_at": "epoch_us(v.updated_at)",
}
_KEYS = tuple(RECORD_FIELDS)
_TIME_AT = tuple(i for i, k in enumerate(_KEYS) if k in ("last_sync_time", "created_at", "updated_at"))
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _record_rows(store: Store, f: AccountFilter, prefs: dict) -> list[dict]:
    """The filtered accounts' records in the user's order, in one statement whose columns are the
    record's values: a row becomes a record by ``dict(zip(...))`` and its times' ISO text."""
    params: list[Any] = []
    cols = ",\n           ".join(f"{sql} AS {key}" for key, sql in RECORD_FIELDS.items())
    body = f"""SELECT {cols}
    FROM v LEFT JOIN (SELECT lk.account_id, list(t.name ORDER BY t.name_key) AS tags
                      FROM account_tags lk JOIN tags t ON t.id = lk.tag_id GROUP BY lk.account_id) tg
         ON tg.account_id = v.id {where_sql(f, params)} {order_by_sql(prefs)}"""
    with store.read() as con:
        zone = ZoneInfo(one_row(con.execute("SELECT current_setting('TimeZone')"))[0])
        rows = con.execute(account_view(body) + body, params).fetchall()
    iso = _iso_at(zone)
    keys, at = _KEYS, _TIME_AT
    out = []
    for row in rows:
        values = list(row)
        for i in at:
            values[i] = iso(values[i])
        out.append(dict(zip(keys, values, strict=True)))
    return out


def _iso_at(zone: ZoneInfo):
    """Microseconds since the epoch -> the ISO text of that instant in ``zone`` (None stays None),
    exactly ``datetime.isoformat()`` of DuckDB's zoned timestamp; one instant is converted once."""
    seen: dict[int, str] = {}

    def iso(us: int | None) -> str | None:
        if us is None:
            return None
        text = seen.get(us)
        if text is None:
            text = seen[us] = (_EPOCH + timedelta(microseconds=us)).astimezone(zone).isoformat()
        return text
    return iso


def account_records(store: Store, ids: list[int] | None = None, f: AccountFilter | None = None,
                    prefs: dict | None = None, include_secrets: bool = False) -> list[dict]:
    """Account JSON records (cli.md), in sort order; secrets only when asked for."""
    prefs = prefs or get_preferences(store)
    flt = f or AccountFilter()
    if ids is not None:
        flt = AccountFilter(**{**flt.__dict__, "ids": [int(i) for i in ids]})
    records = _record_rows(store, flt, prefs)
    if include_secrets and records:
        secrets = get_secrets(store, [int(r["id"]) for r in records])
        for r in records:
            r.update(secrets.get(int(r["id"]), {}))
    return records


def _iso(value: Any) -> str | None:
    if type(value) is datetime:
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
    """One account's record from a grid row (``list_accounts``): what ``account_records`` gives,
    made in Python; the tests hold the two to each other."""
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
