"""The keys cache: each account's API keys as its site last listed them, never their secrets.

``store_keys`` replaces one account's cached rows with what a sync fetched (a key the user chose
to keep keeps its sealed secret while the site still lists it); ``upsert_key`` adds or replaces
one row (a key just created); ``remove_keys`` drops rows (keys deleted on the site). A key's
text is masked here, on its way in (``mask_key``: New API's ``MaskTokenKey``), so a full key a
site lists (One API, OneHub, Sub2API) or a create returns never reaches the table. A revealed
secret is written only by ``keep_secret``, sealed with the store's key (``store.sealed``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb

from allhub_core.errors import NotFound
from allhub_core.store import Store, open_one, seal_one

__all__ = ["KeyRecord", "forget_secret", "is_masked", "keep_secret", "kept_secret", "mask_key", "remove_keys",
           "store_keys", "upsert_key"]

#: New API's mask: the first 4 and the last 4 characters around ten asterisks.
MASK = "**********"


@dataclass
class KeyRecord:
    """One key as a site lists it (``key`` as listed: masked, or full on sites that show it;
    masked before it is stored). Times are epoch seconds; ``expired_time`` -1 (or 0) is never."""

    key_id: str
    name: str = ""
    key: str = ""
    group: str | None = None
    site_status: int | None = None  # 1 enabled, 2 disabled, 3 expired, 4 exhausted
    unlimited: bool | None = None
    remain_quota: int | None = None
    used_quota: int | None = None
    expired_time: int | None = None
    created_time: int | None = None
    accessed_time: int | None = None
    model_limits_enabled: bool | None = None
    model_limits: str | None = None
    allow_ips: str | None = None

    def __repr__(self) -> str:  # never print a key
        return f"KeyRecord(key_id={self.key_id!r}, name={self.name!r}, key={mask_key(self.key)!r})"


def is_masked(key: str) -> bool:
    """A key as New API lists it (``*``) or as the extension shows one (``•``)."""
    return "*" in key or "•" in key


def mask_key(key: str | None) -> str:
    """The key as the cache keeps it: a masked one unchanged; a full one as New API masks it
    (first 4 + ``**********`` + last 4; only asterisks when it is 8 characters or fewer)."""
    text = (key or "").strip()
    if not text or is_masked(text):
        return text
    return MASK if len(text) <= 8 else f"{text[:4]}{MASK}{text[-4:]}"


def _when(epoch: int | None) -> datetime | None:
    if epoch is None or epoch <= 0:
        return None
    try:
        return datetime.fromtimestamp(epoch, UTC)
    except (OverflowError, OSError, ValueError):
        return None


_COLUMNS = {"account_id": "BIGINT", "key_id": "VARCHAR", "name": "VARCHAR", "masked_key": "VARCHAR",
            "key_group": "VARCHAR", "site_status": "INTEGER", "unlimited": "BOOLEAN", "remain_quota": "BIGINT",
            "used_quota": "BIGINT", "expires_at": "TIMESTAMPTZ", "created_at": "TIMESTAMPTZ",
            "accessed_at": "TIMESTAMPTZ", "model_limits_enabled": "BOOLEAN", "model_limits": "VARCHAR",
            "allow_ips": "VARCHAR", "fetched_at": "TIMESTAMPTZ", "secret_enc": "BLOB"}
_INSERT = f"INSERT INTO api_keys ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' for _ in _COLUMNS)})"
# every row of an account in one statement of unnested lists: DuckDB's executemany runs one
# statement per row (issue 18: a keys sync of allhub demo's 300 keys)
_INSERT_MANY = (f"INSERT INTO api_keys ({', '.join(_COLUMNS)}) "
                f"SELECT {', '.join(f'unnest(?::{t}[])' for t in _COLUMNS.values())}")


def _row(account_id: int, k: KeyRecord, fetched_at: datetime, secret: bytes | None) -> list[Any]:
    return [account_id, str(k.key_id), k.name or "", mask_key(k.key), (k.group or "").strip(), k.site_status,
            k.unlimited, k.remain_quota, k.used_quota, _when(k.expired_time), _when(k.created_time),
            _when(k.accessed_time), k.model_limits_enabled, k.model_limits, k.allow_ips, fetched_at, secret]


def _require_account(con: duckdb.DuckDBPyConnection, account_id: int) -> None:
    if con.execute("SELECT 1 FROM accounts WHERE id = ?", [account_id]).fetchone() is None:
        raise NotFound(f"Account {account_id} does not exist.")


def _kept(con: duckdb.DuckDBPyConnection, account_id: int) -> dict[str, bytes]:
    return {r[0]: r[1] for r in con.execute(
        "SELECT key_id, secret_enc FROM api_keys WHERE account_id = ? AND secret_enc IS NOT NULL",
        [account_id]).fetchall()}


def store_keys(store: Store, account_id: int, keys: Iterable[KeyRecord], fetched_at: datetime | None = None, *,
               con: duckdb.DuckDBPyConnection | None = None) -> int:
    """Replace the account's cached keys with ``keys`` (what its site listed at ``fetched_at``);
    a kept secret stays with its key while the site still lists it. Rows of deleted accounts go
    too. How many keys are cached now."""
    if con is None:
        with store.write() as c:
            return store_keys(store, account_id, keys, fetched_at, con=c)
    aid = int(account_id)
    when = fetched_at or datetime.now(UTC)
    _require_account(con, aid)
    kept = _kept(con, aid)
    con.execute("DELETE FROM api_keys WHERE account_id = ? OR account_id NOT IN (SELECT id FROM accounts)", [aid])
    con.execute("DELETE FROM key_syncs WHERE account_id = ? OR account_id NOT IN (SELECT id FROM accounts)", [aid])
    seen: dict[str, KeyRecord] = {}
    for k in keys:
        if str(k.key_id):
            seen.setdefault(str(k.key_id), k)
    if seen:
        rows = [_row(aid, k, when, kept.get(kid)) for kid, k in seen.items()]
        con.execute(_INSERT_MANY, [list(col) for col in zip(*rows, strict=True)])
    con.execute("INSERT INTO key_syncs (account_id, fetched_at) VALUES (?, ?)", [aid, when])
    return len(seen)


def upsert_key(store: Store, account_id: int, key: KeyRecord, fetched_at: datetime | None = None, *,
               con: duckdb.DuckDBPyConnection | None = None) -> None:
    """Add one key to the account's cache, or replace its row (keeping a kept secret)."""
    if con is None:
        with store.write() as c:
            upsert_key(store, account_id, key, fetched_at, con=c)
            return
    aid = int(account_id)
    _require_account(con, aid)
    secret = _kept(con, aid).get(str(key.key_id))
    con.execute("DELETE FROM api_keys WHERE account_id = ? AND key_id = ?", [aid, str(key.key_id)])
    con.execute(_INSERT, _row(aid, key, fetched_at or datetime.now(UTC), secret))


def remove_keys(store: Store, account_id: int, key_ids: Iterable[str], *,
                con: duckdb.DuckDBPyConnection | None = None) -> int:
    """Drop these keys (and a kept secret of theirs) from the account's cache; how many went."""
    ids = [str(k) for k in key_ids]
    if con is None:
        with store.write() as c:
            return remove_keys(store, account_id, ids, con=c)
    row = con.execute("SELECT count(*) FROM api_keys WHERE account_id = ? AND list_contains(?, key_id)",
                      [int(account_id), ids]).fetchone()
    con.execute("DELETE FROM api_keys WHERE account_id = ? AND list_contains(?, key_id)", [int(account_id), ids])
    return int(row[0]) if row else 0


def keep_secret(store: Store, account_id: int, key_id: str, secret: str, *,
                con: duckdb.DuckDBPyConnection | None = None) -> None:
    """Keep a revealed key, sealed (the user asked); the key must be in the cache."""
    if con is None:
        with store.write() as c:
            keep_secret(store, account_id, key_id, secret, con=c)
            return
    found = con.execute("SELECT 1 FROM api_keys WHERE account_id = ? AND key_id = ?",
                        [int(account_id), str(key_id)]).fetchone()
    if found is None:
        raise NotFound(f"Key {key_id} of account {account_id} is not in the store.")
    con.execute("UPDATE api_keys SET secret_enc = ? WHERE account_id = ? AND key_id = ?",
                [seal_one(store.box, secret), int(account_id), str(key_id)])


def forget_secret(store: Store, account_id: int, key_id: str | None = None) -> int:
    """Forget the kept secret of one key (all of the account's keys without ``key_id``)."""
    sql = "UPDATE api_keys SET secret_enc = NULL WHERE account_id = ? AND secret_enc IS NOT NULL"
    params: list[Any] = [int(account_id)]
    if key_id is not None:
        sql, params = sql + " AND key_id = ?", [*params, str(key_id)]
    with store.write() as con:
        row = con.execute(sql.replace("UPDATE api_keys SET secret_enc = NULL", "SELECT count(*) FROM api_keys"),
                          params).fetchone()
        con.execute(sql, params)
    return int(row[0]) if row else 0


def kept_secret(store: Store, account_id: int, key_id: str) -> str | None:
    """The key the user kept, in plain text; None when none is kept."""
    with store.read() as con:
        row = con.execute("SELECT secret_enc FROM api_keys WHERE account_id = ? AND key_id = ?",
                          [int(account_id), str(key_id)]).fetchone()
    return open_one(store.box, row[0]) if row and row[0] is not None else None
