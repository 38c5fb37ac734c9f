"""The ``redemptions`` table (migration 16): one row per account and code, what became of it.

The rule this room keeps: a code the site settled for an account (credited, used, invalid) is
never sent for that account again (``settled``); a code whose request never got an answer
(``network``: the network failed, or the site answered 5xx or 429) stays retryable with the code
kept sealed (``code_enc``) until it is settled, then the sealed copy is cleared. An ``error``
(the account could not log in, the site has no redemption) is not settled: the same code may be
pasted again once the account is fixed. Nothing here holds a code in plain text but the sealed
column; rows are found by ``code_hash``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import duckdb

from allhub_core.redeem.codes import code_hash, mask_code
from allhub_core.store import Store, open_one, seal_one
from allhub_core.vocab import QUOTA_PER_USD

__all__ = ["SETTLED", "Outcome", "Pending", "Redemption", "list_redemptions", "record_redemption",
           "retryable_redemptions", "settled"]


class Outcome(StrEnum):
    """What became of one code on one account."""

    CREDITED = "credited"
    USED = "used"
    INVALID = "invalid"
    NETWORK = "network"
    ERROR = "error"

    @property
    def label(self) -> str:
        return {"credited": "Credited", "used": "Already used", "invalid": "Not a valid code",
                "network": "No answer (retryable)", "error": "Failed"}[self.value]


#: Outcomes after which a code is never sent again for that account.
SETTLED = frozenset({Outcome.CREDITED, Outcome.USED, Outcome.INVALID})


@dataclass
class Redemption:
    """One code's outcome on one account, as a run writes it (the code itself only to seal it)."""

    account_id: int
    code: str
    outcome: Outcome
    message: str = ""
    credited_quota: int | None = None

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.CREDITED

    @property
    def retryable(self) -> bool:
        return self.outcome is Outcome.NETWORK

    @property
    def credited_usd(self) -> float | None:
        return None if self.credited_quota is None else self.credited_quota / QUOTA_PER_USD


@dataclass
class Pending:
    """A retryable redemption with its code opened (for ``sync.retry_redemptions`` only)."""

    redemption_id: int
    account_id: int
    code: str


def settled(store: Store, account_id: int, codes: Iterable[str]) -> dict[str, dict[str, Any]]:
    """``{code: its settled row}`` for the codes already credited, used or invalid on the account
    (the row: outcome, message, redeemed_at)."""
    by_hash = {code_hash(c): c for c in codes}
    if not by_hash:
        return {}
    with store.read() as con:
        rows = con.execute(
            "SELECT code_hash, outcome, message, redeemed_at FROM redemptions "
            "WHERE account_id = ? AND list_contains(?, code_hash) AND list_contains(?, outcome)",
            [int(account_id), list(by_hash), sorted(SETTLED)]).fetchall()
    return {by_hash[h]: {"outcome": Outcome(o), "message": m, "redeemed_at": at} for h, o, m, at in rows}


def record_redemption(store: Store, con: duckdb.DuckDBPyConnection, r: Redemption, at: datetime) -> None:
    """Write one outcome in the run's transaction: the account's row for this code replaced (one
    row per account and code), the code sealed only while it is retryable."""
    h = code_hash(r.code)
    sealed_code = seal_one(store.box, r.code) if r.retryable else None
    values = [mask_code(r.code), sealed_code, r.outcome.value, r.ok, r.retryable, r.credited_quota,
              r.credited_usd, r.message, at]
    found = con.execute("SELECT id FROM redemptions WHERE account_id = ? AND code_hash = ? ORDER BY id LIMIT 1",
                        [int(r.account_id), h]).fetchone()
    if found:
        con.execute("UPDATE redemptions SET code_masked = ?, code_enc = ?, outcome = ?, ok = ?, retryable = ?, "
                    "credited_quota = ?, credited_usd = ?, message = ?, redeemed_at = ? WHERE id = ?",
                    [*values, found[0]])
    else:
        con.execute("INSERT INTO redemptions (code_masked, code_enc, outcome, ok, retryable, credited_quota, "
                    "credited_usd, message, redeemed_at, account_id, code_hash) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [*values, int(r.account_id), h])


def retryable_redemptions(store: Store, ids: Iterable[int] | None = None) -> list[Pending]:
    """The redemptions that may be sent again (``ids``: only these), their codes opened."""
    sql = "SELECT id, account_id, code_enc FROM redemptions WHERE retryable AND code_enc IS NOT NULL"
    params: list[Any] = []
    if ids is not None:
        sql, params = sql + " AND list_contains(?, id)", [[int(i) for i in ids]]
    with store.read() as con:
        rows = con.execute(sql + " ORDER BY id", params).fetchall()
    return [Pending(int(i), int(a), code) for i, a, blob in rows if (code := open_one(store.box, blob))]


def list_redemptions(store: Store, account_id: int | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """The newest redemptions first, masked: id, account_id, site_name, code (masked), outcome,
    ok, retryable, credited_usd, message, redeemed_at."""
    sql = ("SELECT r.id, r.account_id, coalesce(a.site_name, ''), r.code_masked, r.outcome, r.ok, r.retryable, "
           "r.credited_usd, r.message, r.redeemed_at FROM redemptions r LEFT JOIN accounts a ON a.id = r.account_id")
    params: list[Any] = []
    if account_id is not None:
        sql, params = sql + " WHERE r.account_id = ?", [int(account_id)]
    with store.read() as con:
        rows = con.execute(sql + " ORDER BY r.redeemed_at DESC, r.id DESC LIMIT ?", [*params, int(limit)]).fetchall()
    keys = ("id", "account_id", "site_name", "code", "outcome", "ok", "retryable", "credited_usd", "message",
            "redeemed_at")
    return [dict(zip(keys, row, strict=True)) for row in rows]
