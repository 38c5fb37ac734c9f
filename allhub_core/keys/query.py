"""Reading the keys cache: the rows ``allhub keys list`` and the Keys page show (never a secret).

A key's status is the site's (1 enabled, 2 disabled, 3 expired, 4 exhausted: docs/site-api.md
7.1) corrected by what the cache knows now, as the extension shows it: an enabled key whose
expiry has passed is ``expired``, a limited one with nothing left is ``exhausted`` (New API
flips the stored status only when the key is next used). Money is USD (``QUOTA_PER_USD``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from allhub_core.store import Store
from allhub_core.vocab import QUOTA_PER_USD

__all__ = [
    "KEY_COLUMNS", "KEY_STATUSES", "STATUS_SQL", "key_attention", "key_counts", "key_groups", "key_rows",
    "synced_accounts",
]

KEY_STATUSES = ("enabled", "disabled", "expired", "exhausted")

#: The status of a row of ``api_keys k`` (see the module).
STATUS_SQL = """CASE
    WHEN k.site_status = 2 THEN 'disabled'
    WHEN k.site_status = 3 OR (k.expires_at IS NOT NULL AND k.expires_at <= now()) THEN 'expired'
    WHEN k.site_status = 4 OR (k.unlimited IS NOT TRUE AND k.remain_quota IS NOT NULL AND k.remain_quota <= 0)
        THEN 'exhausted'
    ELSE 'enabled' END"""

#: The keys of each row, in order: cli.md's contract first, then what more the cache knows.
KEY_COLUMNS = ["account_id", "key_id", "name", "masked_key", "group", "status", "unlimited", "remaining_usd",
               "used_usd", "expires_at", "fetched_at", "site_name", "created_at", "accessed_at", "model_limits",
               "allow_ips", "secret_kept"]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _usd(quota: int | None) -> float | None:
    return None if quota is None else round(quota / QUOTA_PER_USD, 6)


def key_rows(store: Store, account_ids: Iterable[Any] | None = None, search: str | None = None,
             tags: Iterable[str] | None = None, *, limit: int | None = None, offset: int = 0,
             accounts_page: tuple[int, int] | None = None) -> list[dict[str, Any]]:
    """The cached keys (of these accounts; whose name, masked key, group or site name contains
    ``search``; of accounts with any of ``tags``), by account and key id. No secret, ever:
    ``masked_key`` and whether a secret is kept (``secret_kept``).

    A page of them: ``limit`` keys from ``offset``, or with ``accounts_page`` (``(n, start)``) every
    key of ``n`` accounts from the ``start``-th (the Keys page: 178,000 keys as dicts took 3 s)."""
    where, params = _key_filter(account_ids, search, tags)
    if accounts_page is not None:
        n, start = accounts_page
        where.append(f"k.account_id IN (SELECT DISTINCT k.account_id FROM api_keys k JOIN accounts a "
                     f"ON a.id = k.account_id WHERE {' AND '.join(where)} ORDER BY k.account_id "
                     f"LIMIT {int(n)} OFFSET {int(start)})")
        params = [*params, *params]
    page = f" LIMIT {int(limit)} OFFSET {int(offset)}" if limit is not None else ""
    return _rows(store, " AND ".join(where), params, page)


def key_counts(store: Store, account_ids: Iterable[Any] | None = None, search: str | None = None,
               tags: Iterable[str] | None = None) -> tuple[int, int]:
    """How many cached keys ``key_rows`` would list with these filters, and on how many accounts."""
    where, params = _key_filter(account_ids, search, tags)
    with store.read() as con:
        row = con.execute(f"SELECT count(*), count(DISTINCT k.account_id) FROM api_keys k JOIN accounts a "
                          f"ON a.id = k.account_id WHERE {' AND '.join(where)}", params).fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


def _key_filter(account_ids: Iterable[Any] | None, search: str | None,
                tags: Iterable[str] | None) -> tuple[list[str], list[Any]]:
    where: list[str] = ["true"]
    params: list[Any] = []
    if account_ids is not None:
        where.append("list_contains(?, k.account_id)")
        params.append([int(i) for i in account_ids])
    if search and search.strip():
        where.append("(contains(lower(k.name), ?) OR contains(lower(k.masked_key), ?)"
                     " OR contains(lower(k.key_group), ?) OR contains(lower(a.site_name), ?))")
        params += [search.strip().lower()] * 4
    tag_keys = [t.strip().casefold() for t in tags or () if t and t.strip()]
    if tag_keys:
        where.append("EXISTS (SELECT 1 FROM account_tags lk JOIN tags t ON t.id = lk.tag_id "
                     "WHERE lk.account_id = k.account_id AND list_contains(?, t.name_key))")
        params.append(tag_keys)
    return where, params


def _rows(store: Store, where: str, params: list[Any], page: str) -> list[dict[str, Any]]:
    sql = f"""
        SELECT k.account_id, k.key_id, k.name, k.masked_key, k.key_group, {STATUS_SQL}, k.unlimited,
               k.remain_quota, k.used_quota, k.expires_at, k.fetched_at, a.site_name, k.created_at, k.accessed_at,
               CASE WHEN k.model_limits_enabled THEN k.model_limits END, k.allow_ips, k.secret_enc IS NOT NULL
        FROM api_keys k JOIN accounts a ON a.id = k.account_id
        WHERE {where}
        ORDER BY k.account_id, TRY_CAST(k.key_id AS BIGINT) NULLS LAST, k.key_id{page}"""
    with store.read() as con:
        rows = con.execute(sql, params).fetchall()
    out = []
    for r in rows:
        unlimited = bool(r[6])
        out.append({
            "account_id": r[0], "key_id": r[1], "name": r[2], "masked_key": r[3], "group": r[4], "status": r[5],
            "unlimited": unlimited, "remaining_usd": None if unlimited else _usd(r[7]), "used_usd": _usd(r[8]) or 0.0,
            "expires_at": _iso(r[9]), "fetched_at": _iso(r[10]), "site_name": r[11], "created_at": _iso(r[12]),
            "accessed_at": _iso(r[13]), "model_limits": r[14] or None, "allow_ips": r[15] or None,
            "secret_kept": bool(r[16]),
        })
    return out


def key_groups(store: Store, account_id: Any) -> dict[str, int]:
    """``{group: keys}`` of the account's cached keys (``""``: the account's own group)."""
    with store.read() as con:
        return dict(con.execute("SELECT key_group, count(*) FROM api_keys WHERE account_id = ? GROUP BY 1 ORDER BY 1",
                                [int(account_id)]).fetchall())


def synced_accounts(store: Store, account_ids: Iterable[Any] | None = None) -> dict[int, str]:
    """``{account id: when its keys were last fetched (ISO)}``."""
    sql, params = "SELECT account_id, max(fetched_at) FROM key_syncs", []
    if account_ids is not None:
        sql += " WHERE list_contains(?, account_id)"
        params.append([int(i) for i in account_ids])
    with store.read() as con:
        return {r[0]: r[1].isoformat() for r in con.execute(sql + " GROUP BY 1", params).fetchall()}


def key_attention(store: Store, limit: int | None = None,
                  soon_days: int = 7) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The enabled accounts whose keys need the user (the attention queue, issue 21): ``unusable``
    (it has keys, none of them enabled, some expired or exhausted) and ``expiring`` (its enabled keys
    all stop within ``soon_days``). At most ``limit`` a kind (all when None), the soonest first,
    and how many each kind has in all. A row: ``kind``, ``account_id``, ``site_name``, ``expired``,
    ``exhausted``, ``expires_at`` (the last enabled key's end, for ``expiring``). A new key fixes both."""
    cut = f"QUALIFY rn <= {int(limit)}" if limit is not None else ""
    sql = f"""
    WITH s AS (SELECT k.account_id, {STATUS_SQL} AS status, k.expires_at FROM api_keys k),
    per AS (
        SELECT s.account_id, count(*) FILTER (WHERE status = 'enabled') AS enabled,
               count(*) FILTER (WHERE status = 'expired') AS expired,
               count(*) FILTER (WHERE status = 'exhausted') AS exhausted,
               bool_or(status = 'enabled' AND (expires_at IS NULL OR expires_at > now() + to_days({int(soon_days)})))
                   AS lasting,
               max(expires_at) FILTER (WHERE status = 'enabled') AS ends
        FROM s GROUP BY s.account_id),
    c AS (
        SELECT CASE WHEN per.enabled = 0 THEN 'unusable' ELSE 'expiring' END AS kind, per.*, a.site_name
        FROM per JOIN accounts a ON a.id = per.account_id
        WHERE NOT a.disabled AND ((per.enabled = 0 AND per.expired + per.exhausted > 0)
                                  OR (per.enabled > 0 AND NOT per.lasting)))
    SELECT kind, account_id, site_name, expired, exhausted, ends,
           row_number() OVER (PARTITION BY kind ORDER BY ends NULLS FIRST, account_id) AS rn,
           count(*) OVER (PARTITION BY kind) AS n_all
    FROM c {cut} ORDER BY kind DESC, rn"""
    with store.read() as con:
        rows = con.execute(sql).fetchall()
    totals: dict[str, int] = {}
    out = []
    for kind, aid, name, expired, exhausted, ends, _rn, n_all in rows:
        totals[kind] = int(n_all)
        out.append({"kind": kind, "account_id": int(aid), "site_name": name or "", "expired": int(expired),
                    "exhausted": int(exhausted), "expires_at": _iso(ends)})
    return out, totals
