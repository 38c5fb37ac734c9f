"""The models cache: each account's models and prices as its site last gave them, and what changed.

``store_models`` replaces one account's rows (``model_prices``, ``account_groups``, its
``model_syncs`` row) with what one sync fetched, in one transaction, and records the models its
site added or removed since the previous sync (``model_changes``). The first sync of an account
records nothing: there is nothing to compare it with, and "40 models added" would only be noise.
The numbers are the site's own (ratios, per-call prices, cache ratios); no price is computed
here (``prices.query`` does that in SQL), so a better formula never needs a new sync.

How the families' numbers land (``sites.ModelPrice``): New API rows as the site sends them;
OneHub/DoneHub ``tokens`` rows with ``price.input`` as ``model_ratio`` and ``output / input`` as
``completion_ratio``; its per-call ``times`` rows with ``model_price`` = ``price.input`` x 0.002
(USD a call, New API's unit) and ``completion_ratio`` = ``output / input``; a tiered
(``tiered_expr``) row keeps its flat ratios but ``billing`` 'tiered'; a model the site lists
without a price, ``billing`` 'unknown' with no numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb

from allhub_core.errors import NotFound, ValidationError
from allhub_core.prices.offers import rebuild_offers
from allhub_core.store import Store

__all__ = ["BILLINGS", "CHANGE_KINDS", "GroupRecord", "PriceRecord", "check_days",
           "model_changes", "store_models", "stored_models", "usable_groups"]

#: ``model_prices.billing``: per token, per call, a tiered expression, or not told.
BILLINGS = ("tokens", "call", "tiered", "unknown")
#: ``model_changes.change``
CHANGE_KINDS = ("added", "removed")
MAX_DAYS = 3650


@dataclass
class PriceRecord:
    """One model as a site priced it (its own numbers; ``*_usd`` only where it gives USD)."""

    model: str
    billing: str = "unknown"
    vendor: str = ""
    model_ratio: float | None = None
    completion_ratio: float | None = None
    model_price: float | None = None
    cache_ratio: float | None = None
    create_cache_ratio: float | None = None
    input_usd_per_1m: float | None = None
    output_usd_per_1m: float | None = None
    call_usd: float | None = None
    enable_groups: list[str] = field(default_factory=list)
    endpoints: list[str] = field(default_factory=list)


@dataclass
class GroupRecord:
    """One group of an account: its ratio (None when the site told none) and whether the user may use it."""

    grp: str
    description: str = ""
    ratio: float | None = None
    usable: bool = False


_PRICE_COLUMNS = {"account_id": "BIGINT", "model": "VARCHAR", "vendor": "VARCHAR", "billing": "VARCHAR",
                  "model_ratio": "DOUBLE", "completion_ratio": "DOUBLE", "model_price": "DOUBLE",
                  "cache_ratio": "DOUBLE", "create_cache_ratio": "DOUBLE", "input_usd_per_1m": "DOUBLE",
                  "output_usd_per_1m": "DOUBLE", "call_usd": "DOUBLE", "enable_groups": "VARCHAR[]",
                  "endpoints": "VARCHAR[]"}
_GROUP_COLUMNS = {"account_id": "BIGINT", "grp": "VARCHAR", "description": "VARCHAR", "ratio": "DOUBLE",
                  "usable": "BOOLEAN"}


def _insert_rows(con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, str], rows: list[list[Any]],
                 when: datetime) -> None:
    """``rows`` (values in ``columns``' order, column -> DuckDB type) and ``fetched_at`` = ``when``, in
    one INSERT of unnested list parameters: DuckDB's ``executemany`` runs one statement per row
    (issue 18: half of a models sync's writing)."""
    select = ", ".join(f"unnest(?::{t}[])" for t in columns.values())
    con.execute(f"INSERT INTO {table} ({', '.join(columns)}, fetched_at) SELECT {select}, ?::TIMESTAMPTZ",
                [*(list(col) for col in zip(*rows, strict=True)), when])


def _price_row(aid: int, r: PriceRecord) -> list[Any]:
    billing = r.billing if r.billing in BILLINGS else "unknown"
    return [aid, r.model, r.vendor or "", billing, r.model_ratio, r.completion_ratio, r.model_price, r.cache_ratio,
            r.create_cache_ratio, r.input_usd_per_1m, r.output_usd_per_1m, r.call_usd, list(r.enable_groups),
            list(r.endpoints)]


def _require_account(con: duckdb.DuckDBPyConnection, account_id: int) -> None:
    if con.execute("SELECT 1 FROM accounts WHERE id = ?", [account_id]).fetchone() is None:
        raise NotFound(f"Account {account_id} does not exist.")


def _previous(con: duckdb.DuckDBPyConnection, aid: int) -> set[str] | None:
    """The models of the account's last sync; None when it was never synced."""
    if con.execute("SELECT 1 FROM model_syncs WHERE account_id = ?", [aid]).fetchone() is None:
        return None
    return {r[0] for r in con.execute("SELECT model FROM model_prices WHERE account_id = ?", [aid]).fetchall()}


def store_models(store: Store, account_id: int, origin: str, rows: Iterable[PriceRecord],
                 groups: Iterable[GroupRecord], fetched_at: datetime | None = None, priced: bool = True, *,
                 con: duckdb.DuckDBPyConnection | None = None, offers: bool = True) -> tuple[list[str], list[str]]:
    """Replace the account's models, prices and groups with what its site gave at ``fetched_at``
    (``priced``: from a price list, not a bare model list) and record the models added and
    removed since its previous sync (none on its first). Rows of deleted accounts go too.
    The models added and removed, sorted. ``offers=False``: the caller prices the offers of every
    account it stored in one ``rebuild_offers`` before its transaction ends (a sync of many
    accounts: one statement instead of one per account)."""
    if con is None:
        with store.write() as c:
            return store_models(store, account_id, origin, rows, groups, fetched_at, priced, con=c, offers=offers)
    aid = int(account_id)
    when = fetched_at or datetime.now(UTC)
    _require_account(con, aid)
    models: dict[str, PriceRecord] = {}
    for r in rows:
        if r.model and r.model.strip():
            models.setdefault(r.model, r)
    seen: dict[str, GroupRecord] = {}
    for g in groups:
        if g.grp and g.grp.strip():
            seen.setdefault(g.grp, g)
    before = _previous(con, aid)
    added = sorted(set(models) - before) if before is not None else []
    removed = sorted(before - set(models)) if before is not None else []
    gone = "account_id = ? OR account_id NOT IN (SELECT id FROM accounts)"
    for table in ("model_prices", "account_groups", "model_syncs"):
        con.execute(f"DELETE FROM {table} WHERE {gone}", [aid])
    if models:
        _insert_rows(con, "model_prices", _PRICE_COLUMNS, [_price_row(aid, r) for r in models.values()], when)
    if seen:
        _insert_rows(con, "account_groups", _GROUP_COLUMNS,
                     [[aid, g.grp, g.description or "", g.ratio, bool(g.usable)] for g in seen.values()], when)
    con.execute("INSERT INTO model_syncs (account_id, fetched_at, priced, models) VALUES (?, ?, ?, ?)",
                [aid, when, bool(priced), len(models)])
    if offers:
        rebuild_offers(con, [aid])
    changes = [[aid, origin, m, "added", when] for m in added] + [[aid, origin, m, "removed", when] for m in removed]
    if changes:
        con.executemany("INSERT INTO model_changes (account_id, origin, model, change, changed_at) "
                        "VALUES (?, ?, ?, ?, ?)", changes)
    return added, removed


def check_days(days: Any) -> int:
    """A number of days back: a whole number from 1 to 3650, else one sentence."""
    try:
        n = int(days)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"The number of days must be a whole number, not {str(days)[:20]!r}.") from exc
    if isinstance(days, float) and days != n:
        raise ValidationError("The number of days must be a whole number.")
    if not 1 <= n <= MAX_DAYS:
        raise ValidationError(f"The number of days must be between 1 and {MAX_DAYS}.")
    return n


def model_changes(store: Store, days: int = 7, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """The models added or removed on each site in the last ``days`` days, newest first:
    ``{"account_id", "site_name", "origin", "model", "change", "changed_at"}`` (ISO time)."""
    since = (now or datetime.now(UTC)) - timedelta(days=check_days(days))
    with store.read() as con:
        rows = con.execute("""
            SELECT c.account_id, coalesce(nullif(a.site_name, ''), c.origin), c.origin, c.model, c.change,
                   c.changed_at
            FROM model_changes c LEFT JOIN accounts a ON a.id = c.account_id
            WHERE c.changed_at >= ?
            ORDER BY c.changed_at DESC, c.account_id, c.change, c.model""", [since]).fetchall()
    keys = ("account_id", "site_name", "origin", "model", "change", "changed_at")
    return [dict(zip(keys, (*r[:5], r[5].isoformat() if r[5] is not None else None), strict=True)) for r in rows]


def stored_models(store: Store, account_id: int) -> list[str]:
    """The models stored for one account, sorted."""
    with store.read() as con:
        return [r[0] for r in con.execute("SELECT model FROM model_prices WHERE account_id = ? ORDER BY model",
                                          [int(account_id)]).fetchall()]


def usable_groups(store: Store, account_id: int) -> dict[str, str]:
    """The groups one account may use, as its last models sync found them: ``{group: description}``
    (the Keys page offers them when a key is created), by name."""
    with store.read() as con:
        rows = con.execute("SELECT grp, description FROM account_groups WHERE account_id = ? AND usable "
                           "ORDER BY grp", [int(account_id)]).fetchall()
    return {str(g): str(d or "") for g, d in rows}
