"""Usage logs in the store: incremental, de-duplicated rows per account, and their aggregates.

The sites hide their log ids, so a row is known by its fingerprint: a hash of everything the
site said about it (time, model, key, tokens, quota, latency), plus its occurrence number among
identical rows of the same batch, so two identical requests in one second stay two rows. Each
account has a cursor (``usage_sync_state``): ``last_ts``, the time up to which its rows are
stored, and ``backlog_end``, the oldest time read by a run that was cut short (a page or row
limit, or a failing page). The next run reads ``[last_ts, backlog_end]`` (the backlog) or
``[last_ts, now]``, both ends included, and a row already stored is never stored twice.

``record_usage_run`` writes one account's run in the caller's transaction; the network side is
``sync.usage``. The aggregates (``usage_totals``, ``usage_by``, ``usage_facets``) are SQL with
every filter applied in the query; money in USD.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import duckdb

from allhub_core.errors import ValidationError
from allhub_core.store import Store, rows_table
from allhub_core.vocab import QUOTA_PER_USD

if TYPE_CHECKING:  # pandas is imported where a frame is built: refresh and the CLI need not pay for it
    import pandas as pd


def _first(con: Any) -> tuple[Any, ...]:
    """The one row of a statement that always yields one, fetched to the end (DuckDB 2 wants that
    before the connection runs the next statement)."""
    rows = con.fetchall()
    assert rows, "this statement always yields a row"
    return tuple(rows[0])

__all__ = [
    "USAGE_BY",
    "USAGE_STATUSES",
    "fingerprint_rows",
    "insert_usage_rows",
    "next_window",
    "record_usage_run",
    "usage_by",
    "usage_due",
    "usage_facets",
    "usage_overdue",
    "usage_row_count",
    "usage_states",
    "usage_totals",
]

Q = float(QUOTA_PER_USD)
#: What ``usage_by`` groups by.
USAGE_BY = ("day", "model", "account", "weekday_hour", "latency", "token")
#: How an account's last usage sync ended.
USAGE_STATUSES = ("ok", "partial", "unsupported", "failed")
_FIELDS = ("created_at", "model", "token_id", "token_name", "requests", "prompt_tokens", "completion_tokens",
           "quota", "latency_s", "source", "uid")


def _base_fingerprint(row: dict[str, Any]) -> str:
    text = "\x1f".join(str(row.get(k) if row.get(k) is not None else "") for k in _FIELDS)
    return hashlib.sha1(text.encode("utf-8", "replace")).hexdigest()


def fingerprint_rows(rows: list[dict[str, Any]]) -> list[str]:
    """One fingerprint per row: the hash of its content and its occurrence among identical rows."""
    seen: Counter[str] = Counter()
    out = []
    for row in rows:
        base = _base_fingerprint(row)
        out.append(f"{base}#{seen[base]}")
        seen[base] += 1
    return out


def next_window(state: dict[str, Any] | None, *, now: float | None = None, retention_days: int = 90) -> tuple[int, int]:
    """The time window (epoch seconds, both ends included) an account's next run reads."""
    now_s = int(now if now is not None else time.time())
    floor = now_s - int(retention_days) * 86400
    state = state or {}
    start = state.get("last_ts")
    start = max(int(start), floor) if start is not None else floor
    end = state.get("backlog_end")
    end = int(end) if end is not None else now_s
    return start, max(start, end)


def usage_states(store: Store, ids: list[int] | None = None) -> dict[int, dict[str, Any]]:
    """Each account's cursor and last outcome: last_ts, backlog_end, status, message, rows_added,
    synced_at (None before the first run)."""
    sql = "SELECT account_id, last_ts, backlog_end, status, message, rows_added, synced_at FROM usage_sync_state"
    params: list[Any] = []
    if ids is not None:
        sql += " WHERE list_contains(?, account_id)"
        params.append([int(i) for i in ids])
    with store.read() as con:
        cur = con.execute(sql, params)
        names = [d[0] for d in cur.description]
        return {int(r[0]): dict(zip(names, r, strict=True)) for r in cur.fetchall()}


def usage_due(store: Store, ids: list[int], interval_s: float) -> list[int]:
    """The accounts among ``ids`` whose last usage sync is older than ``interval_s`` (or never ran);
    none when ``interval_s`` is 0 (usage is then synced only on demand)."""
    if not interval_s or not ids:
        return []
    with store.read() as con:
        recent = {int(r[0]) for r in con.execute(
            "SELECT account_id FROM usage_sync_state WHERE synced_at > now() - to_seconds(?) "
            "AND status <> 'unsupported' OR status = 'unsupported' AND synced_at > now() - INTERVAL 7 DAY",
            [float(interval_s)]).fetchall()}
    return [int(i) for i in ids if int(i) not in recent]


_USAGE_IN = {"account_id": "BIGINT", "created_at": "BIGINT", "ts": "TIMESTAMP", "model": "VARCHAR",
             "token_id": "VARCHAR", "token_name": "VARCHAR", "requests": "BIGINT", "prompt_tokens": "BIGINT",
             "completion_tokens": "BIGINT", "quota": "BIGINT", "latency_s": "DOUBLE", "source": "VARCHAR",
             "fingerprint": "VARCHAR"}


def _latency(value: Any) -> float | None:
    """A row's latency as a number; none (not NaN) when the site told none."""
    if value is None:
        return None
    number = float(value)
    return None if number != number else number


def _usage_in(account_id: int, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows in the table's columns, for ``rows_table``: no pandas, whose import alone cost a
    usage sync half a second (issue 18: ``allhub demo``)."""
    return [{"account_id": account_id, "created_at": int(r["created_at"]),
             "ts": datetime.fromtimestamp(int(r["created_at"])), "model": str(r.get("model") or ""),
             "token_id": str(r.get("token_id") or ""), "token_name": str(r.get("token_name") or ""),
             "requests": int(r.get("requests") or 1), "prompt_tokens": int(r.get("prompt_tokens") or 0),
             "completion_tokens": int(r.get("completion_tokens") or 0), "quota": int(r.get("quota") or 0),
             "latency_s": _latency(r.get("latency_s")), "source": str(r.get("source") or "log"), "fingerprint": fp}
            for r, fp in zip(rows, fingerprint_rows(rows), strict=True)]


def insert_usage_rows(con: duckdb.DuckDBPyConnection, account_id: int, rows: list[dict[str, Any]]) -> int:
    """Add one account's rows that are not stored yet (by fingerprint), in the caller's transaction.

    Hourly rows (``source`` ``hourly``) replace the stored row of the same hour and model: an
    hour still running grows between runs. Returns the rows written.
    """
    if not rows:
        return 0
    rows_table(con, "usage_in", _USAGE_IN, _usage_in(int(account_id), rows))
    try:
        if any(r.get("source") == "hourly" for r in rows):
            con.execute("""DELETE FROM usage_logs u USING usage_in i
                           WHERE i.source = 'hourly' AND u.source = 'hourly' AND u.account_id = i.account_id
                             AND u.created_at = i.created_at AND u.model = i.model""")
        row = con.execute("""
            INSERT INTO usage_logs (account_id, created_at, ts, model, token_id, token_name, requests,
                                    prompt_tokens, completion_tokens, quota, latency_s, source, fingerprint)
            SELECT i.account_id, i.created_at, i.ts, i.model, i.token_id, i.token_name, i.requests,
                   i.prompt_tokens, i.completion_tokens, i.quota, i.latency_s, i.source, i.fingerprint
            FROM usage_in i
            WHERE NOT EXISTS (SELECT 1 FROM usage_logs u WHERE u.account_id = i.account_id
                              AND u.created_at = i.created_at AND u.fingerprint = i.fingerprint)""").fetchall()
        return int(row[0][0]) if row else 0
    finally:
        con.execute("DROP TABLE IF EXISTS usage_in")


def record_usage_run(con: duckdb.DuckDBPyConnection, account_id: int, rows: list[dict[str, Any]], *,
                     window: tuple[int, int], complete: bool, status: str, message: str = "",
                     retention_days: int | None = None) -> int:
    """Store one account's run in the caller's transaction and move its cursor; returns the rows added.

    ``rows``: dicts with created_at (epoch s), model, token_id, token_name, requests (1 for a log
    row), prompt_tokens, completion_tokens, quota, latency_s, source (``log``/``hourly``) and
    optionally uid (an id the site gave). ``complete``: the whole ``window`` was read. A run that
    was cut short keeps what it read and leaves a backlog: the older part is read next time.
    An ``unsupported`` status stores nothing and leaves the cursor alone.
    """
    if status not in USAGE_STATUSES:
        raise ValidationError(f"'{status}' is not a usage sync status.")
    aid = int(account_id)
    if not _first(con.execute("SELECT count(*) FROM accounts WHERE id = ?", [aid]))[0]:
        return 0  # deleted while the run was on the network
    old = con.execute("SELECT last_ts, backlog_end FROM usage_sync_state WHERE account_id = ?", [aid]).fetchall()
    last_ts, backlog_end = (old[0] if old else (None, None))
    hour_start = window[0] - window[0] % 3600  # an hourly row is stamped with the start of its hour
    rows = [r for r in rows if r.get("created_at") is not None
            and (hour_start if r.get("source") == "hourly" else window[0]) <= int(r["created_at"]) <= window[1]]
    added = insert_usage_rows(con, aid, rows)
    if status != "unsupported":
        newest = _first(con.execute("SELECT max(created_at) FROM usage_logs WHERE account_id = ?", [aid]))[0]
        if complete:
            # Everything up to the end of the window is stored; the next run starts at the newest
            # row (included again: rows of that second may still have been arriving).
            candidates = [v for v in (last_ts, newest) if v is not None]
            last_ts = max(candidates) if candidates else None
            if last_ts is None or (backlog_end is None and window[1] - 300 > last_ts):
                last_ts = max(last_ts or 0, window[1] - 300)
            backlog_end = None
        else:
            oldest = min((int(r["created_at"]) for r in rows), default=None)
            if oldest is not None and oldest != backlog_end:
                backlog_end = oldest
            elif oldest is not None:
                # No progress: more rows in one second than a run may read. Skip past them.
                last_ts, backlog_end = newest, None
    con.execute("DELETE FROM usage_sync_state WHERE account_id = ?", [aid])
    con.execute("INSERT INTO usage_sync_state (account_id, last_ts, backlog_end, status, message, rows_added, "
                "synced_at) VALUES (?, ?, ?, ?, ?, ?, now())", [aid, last_ts, backlog_end, status, message, added])
    if retention_days is not None:
        cutoff = datetime.fromtimestamp(time.time() - int(retention_days) * 86400)
        con.execute("DELETE FROM usage_logs WHERE account_id = ? AND ts < ?", [aid, cutoff])
    return added


# -- aggregates ------------------------------------------------------------------------

#: the usage rows of the accounts that still exist (an inner join on the accounts' key: the same
#: rows as ``IN (SELECT id FROM accounts)``, which DuckDB ran as a semi join three times slower)
_ROWS = "usage_logs u JOIN accounts a ON a.id = u.account_id"


def _where(start: date, end: date, account_ids: list[int] | None, models: list[str] | None,
           token_names: list[str] | None, params: list[Any]) -> str:
    if not isinstance(start, date) or not isinstance(end, date):
        raise ValidationError("A date range needs a start and an end date.")
    if end < start:
        raise ValidationError("The end of the date range is before its start.")
    clauses = ["u.ts >= ?", "u.ts < ? + INTERVAL 1 DAY"]
    params += [start, end]
    if account_ids is not None:
        try:
            params.append([int(i) for i in account_ids])
        except (TypeError, ValueError) as exc:
            raise ValidationError("Account ids are whole numbers.") from exc
        clauses.append("list_contains(?, u.account_id)")
    if models is not None:
        clauses.append("list_contains(?, u.model)")
        params.append([str(m) for m in models])
    if token_names is not None:
        clauses.append("list_contains(?, u.token_name)")
        params.append([str(t) for t in token_names])
    return " AND ".join(clauses)


def usage_totals(store: Store, *, start: date, end: date, account_ids: list[int] | None = None,
                 models: list[str] | None = None, token_names: list[str] | None = None) -> dict[str, Any]:
    """requests, prompt_tokens, completion_tokens, tokens and cost_usd of the filtered rows."""
    params: list[Any] = []
    where = _where(start, end, account_ids, models, token_names, params)
    with store.read() as con:
        r = _first(con.execute(f"""
            SELECT coalesce(sum(u.requests), 0), coalesce(sum(u.prompt_tokens), 0),
                   coalesce(sum(u.completion_tokens), 0), coalesce(sum(u.quota), 0) / {Q}
            FROM {_ROWS} WHERE {where}""", params))
    return {"requests": int(r[0]), "prompt_tokens": int(r[1]), "completion_tokens": int(r[2]),
            "tokens": int(r[1]) + int(r[2]), "cost_usd": float(r[3])}


_SUMS = (f"sum(u.requests)::BIGINT AS requests, sum(u.prompt_tokens + u.completion_tokens)::BIGINT AS tokens, "
         f"sum(u.quota) / {Q} AS cost_usd")


def usage_by(store: Store, by: str, *, start: date, end: date, account_ids: list[int] | None = None,
             models: list[str] | None = None, token_names: list[str] | None = None) -> pd.DataFrame:
    """The filtered rows grouped ``by``:

    - ``day``: day, requests, tokens, cost_usd (every day of the range, 0 where nothing ran);
    - ``model``: model, requests, tokens, cost_usd (costliest first);
    - ``account``: account_id, site_name, requests, tokens, cost_usd (costliest first);
    - ``weekday_hour``: weekday (0 Monday .. 6 Sunday), hour (0-23), requests (all 168 cells);
    - ``latency``: model, requests, avg_latency_s, p95_latency_s (rows that carry a latency);
    - ``token``: token_name, requests, tokens, cost_usd (costliest first).
    """
    if by not in USAGE_BY:
        raise ValidationError(f"Usage can be grouped by {', '.join(USAGE_BY)}; not by '{by}'.")
    params: list[Any] = []
    where = _where(start, end, account_ids, models, token_names, params)
    if by == "day":
        params = [start, end, *params]
        sql = f"""
        WITH days AS (SELECT CAST(d AS DATE) AS day
                      FROM generate_series(CAST(? AS DATE), CAST(? AS DATE), INTERVAL 1 DAY) g(d)),
        agg AS (SELECT CAST(u.ts AS DATE) AS day, {_SUMS} FROM {_ROWS} WHERE {where} GROUP BY 1)
        SELECT days.day, coalesce(agg.requests, 0) AS requests, coalesce(agg.tokens, 0) AS tokens,
               coalesce(agg.cost_usd, 0.0) AS cost_usd
        FROM days LEFT JOIN agg USING (day) ORDER BY days.day"""
    elif by == "model":
        sql = f"SELECT u.model, {_SUMS} FROM {_ROWS} WHERE {where} GROUP BY 1 ORDER BY cost_usd DESC, model"
    elif by == "token":
        sql = (f"SELECT u.token_name, {_SUMS} FROM {_ROWS} WHERE {where} GROUP BY 1 "
               "ORDER BY cost_usd DESC, token_name")
    elif by == "account":
        sql = f"""SELECT u.account_id, a.site_name, {_SUMS}
                  FROM {_ROWS} WHERE {where}
                  GROUP BY 1, 2 ORDER BY cost_usd DESC, account_id"""
    elif by == "weekday_hour":
        sql = f"""
        WITH cells AS (SELECT w.weekday, h.hour FROM range(7) w(weekday), range(24) h(hour)),
        agg AS (SELECT isodow(u.ts) - 1 AS weekday, hour(u.ts) AS hour, sum(u.requests)::BIGINT AS requests
                FROM {_ROWS} WHERE {where} GROUP BY 1, 2)
        SELECT CAST(c.weekday AS INTEGER) AS weekday, CAST(c.hour AS INTEGER) AS hour,
               coalesce(agg.requests, 0) AS requests
        FROM cells c LEFT JOIN agg ON agg.weekday = c.weekday AND agg.hour = c.hour ORDER BY 1, 2"""
    else:  # latency
        sql = f"""SELECT u.model, sum(u.requests)::BIGINT AS requests, avg(u.latency_s) AS avg_latency_s,
                         quantile_cont(u.latency_s, 0.95) AS p95_latency_s
                  FROM {_ROWS} WHERE {where} AND u.latency_s IS NOT NULL
                  GROUP BY 1 ORDER BY requests DESC, model"""
    with store.read() as con:
        frame = con.execute(sql, params).df()
    if by == "day":
        import pandas as pd  # noqa: PLC0415 - loaded by .df() already; refresh and the CLI need not pay for it

        frame["day"] = pd.to_datetime(frame["day"]).dt.date
    for col in ("requests", "tokens"):
        if col in frame:
            frame[col] = frame[col].astype("int64")
    return frame


def usage_facets(store: Store) -> dict[str, Any]:
    """What the usage filters can offer: accounts (id, site_name) with usage rows, models, token names."""
    with store.read() as con:
        accounts = [{"id": int(i), "site_name": n} for i, n in con.execute(
            "SELECT a.id, a.site_name FROM accounts a JOIN (SELECT DISTINCT account_id FROM usage_logs) u "
            "ON u.account_id = a.id ORDER BY a.site_name, a.id").fetchall()]
        models = [r[0] for r in con.execute(f"SELECT DISTINCT u.model FROM {_ROWS} ORDER BY 1").fetchall()]
        tokens = [r[0] for r in con.execute(f"SELECT DISTINCT u.token_name FROM {_ROWS} ORDER BY 1").fetchall()]
    return {"accounts": accounts, "models": models, "token_names": tokens}


def usage_row_count(store: Store, account_id: int | None = None) -> int:
    with store.read() as con:
        if account_id is None:
            return int(_first(con.execute("SELECT count(*) FROM usage_logs"))[0])
        return int(_first(con.execute("SELECT count(*) FROM usage_logs WHERE account_id = ?",
                                       [int(account_id)]))[0])


def usage_overdue(store: Store, interval_s: float, limit: int | None = None) -> tuple[list[dict[str, Any]], int]:
    """The enabled accounts whose usage sync is overdue (the attention queue, issue 21): the
    automatic sync every ``interval_s`` has not synced them for twice that long (or ever), or its
    last run failed; the site not known to lack usage logs; the stalest first: ``account_id``,
    ``site_name``, ``synced_at`` (None: never), ``status``, ``message`` (the last run's words); at
    most ``limit`` (all when None), and how many in all. None at all when ``interval_s`` is 0."""
    if not interval_s:
        return [], 0
    cut = f"LIMIT {int(limit)}" if limit is not None else ""
    sql = f"""
        SELECT a.id, a.site_name, u.synced_at, u.message, u.status, count(*) OVER () AS n_all
        FROM accounts a LEFT JOIN usage_sync_state u ON u.account_id = a.id
        WHERE NOT a.disabled AND coalesce(u.status, '') <> 'unsupported'
          AND (u.synced_at IS NULL OR u.synced_at < now() - to_seconds(?) OR u.status = 'failed')
        ORDER BY u.synced_at NULLS FIRST, a.id {cut}"""
    with store.read() as con:
        rows = con.execute(sql, [2.0 * float(interval_s)]).fetchall()
    out = [{"account_id": int(r[0]), "site_name": r[1] or "", "synced_at": r[2], "message": r[3] or "",
            "status": r[4]} for r in rows]
    return out, int(rows[0][5]) if rows else 0
