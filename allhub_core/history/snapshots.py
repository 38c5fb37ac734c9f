"""Balance snapshots: one row per account per local day, written by every successful refresh.

``record_snapshots`` runs inside the refresh's own transaction (``sync.refreshes`` opens it), so
an account's figures and its snapshot of the day are saved together or not at all. A second
refresh on the same day replaces that day's row (delete then insert: the table has no key, see
``store.migrations``). Where a site reports no income, it is estimated from the balance:
today's balance minus yesterday's plus today's consumption (never below 0), and marked
``income_estimated``. Money is in quota units (``vocab.QUOTA_PER_USD`` = 1 USD).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import duckdb

from allhub_core.accounts import get_preferences
from allhub_core.errors import ValidationError
from allhub_core.store import Store, rows_table


def _first(con: Any) -> tuple[Any, ...]:
    """The one row of a statement that always yields one, fetched to the end (DuckDB 2 wants that
    before the connection runs the next statement)."""
    rows = con.fetchall()
    assert rows, "this statement always yields a row"
    return tuple(rows[0])

__all__ = ["SNAPSHOT_SOURCES", "prune_history", "record_snapshots", "snapshot_count"]

#: Where a snapshot came from: a refresh, the demo, or an import.
SNAPSHOT_SOURCES = ("refresh", "demo", "import")



def _changed(con: duckdb.DuckDBPyConnection) -> int:
    """The number of rows an INSERT, UPDATE or DELETE just changed (DuckDB answers it as a row)."""
    rows = con.fetchall()
    return int(rows[0][0]) if rows and rows[0][0] is not None else 0


_SNAP_COLUMNS = {"account_id": "BIGINT", "quota": "BIGINT", "subscription_quota": "BIGINT",
                 "consumption": "BIGINT", "income": "BIGINT", "source": "VARCHAR"}


def _snap_rows(rows: list[dict[str, Any]], source: str) -> list[dict[str, Any]]:
    """One row per account (the last one given wins), in the snapshot's own column names."""
    out: dict[int, dict[str, Any]] = {}
    for r in rows:
        aid = int(r["id"] if "id" in r else r["account_id"])
        out[aid] = {"account_id": aid, "quota": r.get("quota"), "subscription_quota": r.get("subscription_quota"),
                    "consumption": r.get("today_consumption", r.get("consumption")),
                    "income": r.get("today_income", r.get("income")), "source": r.get("source") or source}
    return list(out.values())


def _links_before(con: duckdb.DuckDBPyConnection, day: date) -> None:
    """``snap_prev``: for each account in ``snap_in``, its quota of the day before (``y_quota``,
    what the income estimate reads) and the quota of its latest snapshot before ``day``
    (``prev_quota``, the new row's link): the day before's when there is one (the usual case),
    else the link of the row being replaced, both read in one pass over those two days; else
    looked up among its older snapshots."""
    con.execute("""
        CREATE OR REPLACE TEMP TABLE snap_prev AS
        SELECT account_id, y_quota, has_y, o_linked,
               CASE WHEN has_y THEN y_quota WHEN o_linked THEN o_prev END AS prev_quota
        FROM (SELECT s.account_id, any_value(b.quota) FILTER (WHERE b.day = $y) AS y_quota,
                     coalesce(bool_or(b.day = $y), false) AS has_y,
                     any_value(b.prev_quota) FILTER (WHERE b.day = $d AND b.linked) AS o_prev,
                     coalesce(bool_or(b.day = $d AND b.linked), false) AS o_linked
              FROM snap_in s LEFT JOIN balance_snapshots b ON b.account_id = s.account_id AND b.day BETWEEN $y AND $d
              GROUP BY s.account_id)""", {"y": day - timedelta(days=1), "d": day})
    need = _first(con.execute("SELECT count(*) FROM snap_prev WHERE NOT has_y AND NOT o_linked"))[0]
    if need:
        con.execute("""
            UPDATE snap_prev SET prev_quota = l.q
            FROM (SELECT b.account_id, arg_max_null(b.quota, b.day) AS q
                  FROM balance_snapshots b JOIN snap_prev n ON n.account_id = b.account_id AND NOT n.has_y
                       AND NOT n.o_linked
                  WHERE b.day < ? GROUP BY b.account_id) l
            WHERE snap_prev.account_id = l.account_id""", [day - timedelta(days=1)])


def _links_after(con: duckdb.DuckDBPyConnection, day: date) -> None:
    """The next snapshot after ``day`` of each account in ``snap_in`` (none on a refresh of
    today) now follows that day's: its link becomes the account's latest quota up to ``day``."""
    later = _first(con.execute("SELECT count(*) FROM balance_snapshots b JOIN snap_in s USING (account_id) "
                               "WHERE b.day > ?", [day]))[0]
    if not later:
        return
    con.execute("""
        UPDATE balance_snapshots SET prev_quota = nx.q
        FROM (SELECT b.account_id, min(b.day) FILTER (WHERE b.day > ?) AS next_day,
                     arg_max_null(b.quota, b.day) FILTER (WHERE b.day <= ?) AS q
              FROM balance_snapshots b JOIN snap_in s USING (account_id) GROUP BY b.account_id) nx
        WHERE balance_snapshots.account_id = nx.account_id AND balance_snapshots.day = nx.next_day""", [day, day])


def _unlink_firsts(con: duckdb.DuckDBPyConnection) -> None:
    """After older snapshots were deleted: each account's first remaining one has none before it."""
    con.execute("""
        UPDATE balance_snapshots SET prev_quota = NULL
        FROM (SELECT account_id, min(day) AS day FROM balance_snapshots GROUP BY account_id) f
        WHERE balance_snapshots.account_id = f.account_id AND balance_snapshots.day = f.day
          AND balance_snapshots.prev_quota IS NOT NULL""")


def record_snapshots(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]], *, day: date | None = None,
                     source: str = "refresh", retention_days: int | None = None) -> int:
    """Write today's (or ``day``'s) snapshot of each account in ``rows``, in the caller's transaction.

    Each row: ``id`` (or ``account_id``), ``quota`` (None: the stored balance of the account),
    ``subscription_quota``, ``today_consumption`` and ``today_income`` (None when unavailable).
    Rows of accounts that no longer exist are ignored. With ``retention_days``, snapshots older
    than that many days are deleted in the same transaction. Returns the rows written. Each
    snapshot keeps the quota of the account's one before it (``prev_quota``, ``linked``: see
    ``history.trend``), and the one after it, if any, is linked to it.
    """
    if source not in SNAPSHOT_SOURCES:
        raise ValidationError(f"'{source}' is not a snapshot source.")
    day = day or date.today()
    written = 0
    if rows:
        rows_table(con, "snap_in", _SNAP_COLUMNS, _snap_rows(rows, source))
        try:
            _links_before(con, day)
            con.execute("DELETE FROM balance_snapshots WHERE day = ? "
                        "AND account_id IN (SELECT account_id FROM snap_in)", [day])
            written = _changed(con.execute("""
                INSERT INTO balance_snapshots (account_id, day, quota, subscription_quota, consumption, income,
                                               income_estimated, captured_at, source, prev_quota, linked)
                SELECT s.account_id, ?, coalesce(s.quota, a.quota), s.subscription_quota, s.consumption,
                       coalesce(s.income, CASE WHEN y.y_quota IS NOT NULL AND s.consumption IS NOT NULL
                            THEN greatest(0, coalesce(s.quota, a.quota) - y.y_quota + s.consumption) END),
                       s.income IS NULL AND y.y_quota IS NOT NULL AND s.consumption IS NOT NULL,
                       now(), s.source, y.prev_quota, true
                FROM snap_in s
                JOIN accounts a ON a.id = s.account_id
                LEFT JOIN snap_prev y ON y.account_id = s.account_id""", [day]))
            _links_after(con, day)
        finally:
            con.execute("DROP TABLE IF EXISTS snap_in")
            con.execute("DROP TABLE IF EXISTS snap_prev")
    if retention_days is not None:
        gone = _changed(con.execute("DELETE FROM balance_snapshots WHERE day < ?",
                                    [day - timedelta(days=int(retention_days))]))
        if gone:
            _unlink_firsts(con)
    return written


def prune_history(store: Store, *, history_days: int | None = None, usage_days: int | None = None) -> dict[str, int]:
    """Delete snapshots and usage rows older than their retention (the saved settings when not
    given), and the rows of deleted accounts. Returns how many rows of each went."""
    prefs = get_preferences(store)
    history_days = int(history_days if history_days is not None else prefs["history_retention_days"])
    usage_days = int(usage_days if usage_days is not None else prefs["usage_retention_days"])
    today = date.today()
    out = {}
    with store.write() as con:
        out["snapshots"] = _changed(con.execute(
            "DELETE FROM balance_snapshots WHERE day < ? OR account_id NOT IN (SELECT id FROM accounts)",
            [today - timedelta(days=history_days)]))
        if out["snapshots"]:
            _unlink_firsts(con)
        out["usage_rows"] = _changed(con.execute(
            "DELETE FROM usage_logs WHERE ts < ? OR account_id NOT IN (SELECT id FROM accounts)",
            [today - timedelta(days=usage_days)]))
        con.execute("DELETE FROM usage_sync_state WHERE account_id NOT IN (SELECT id FROM accounts)")
    return out


def snapshot_count(store: Store) -> int:
    with store.read() as con:
        return int(_first(con.execute("SELECT count(*) FROM balance_snapshots"))[0])
