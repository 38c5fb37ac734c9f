"""Made-up history for the demo database, so the history and usage pages have something to show.

``seed_demo_history`` walks each account's balance back from what it holds now: every earlier
day is the next day's balance minus that day's income plus that day's consumption, and the
consumption is the sum of that day's generated usage rows. Deterministic for a given seed.

Why set-based: ``allhub demo`` must answer in seconds (issue 18), and drawing ~35,000 usage rows
with Python's ``random`` and writing them and 60 days of snapshots a day at a time was its
largest part. Here DuckDB draws every number (a hash of the seed, the account, the day, the row
and the draw, so the same seed gives the same history) and writes each table in one statement.
The rows are what the real writers would store: every snapshot linked to the one before it
(``prev_quota``, as ``record_snapshots`` keeps it) and every usage row with the fingerprint
``fingerprint_rows`` gives it; ``tests/history/test_demo_history.py`` holds both to those writers.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import duckdb

from allhub_core.store import Store, rows_table

__all__ = ["DEMO_MODELS", "seed_demo_history"]

DEMO_MODELS = ("gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet", "deepseek-chat", "gemini-1.5-pro")
_PRICE = {"gpt-4o": 6.0, "gpt-4o-mini": 0.5, "claude-3-5-sonnet": 7.0, "deepseek-chat": 1.0, "gemini-1.5-pro": 4.0}
_LATENCY = {"gpt-4o": 4.0, "gpt-4o-mini": 1.5, "claude-3-5-sonnet": 5.0, "deepseek-chat": 3.0, "gemini-1.5-pro": 3.5}
# Busier in working hours and on weekdays, like a person's usage.
_HOUR_WEIGHTS = [1, 1, 1, 1, 1, 1, 2, 4, 7, 9, 10, 10, 8, 9, 10, 10, 9, 8, 6, 5, 4, 3, 2, 1]

# u(k): a uniform draw in [0, 1) that depends only on the seed, the row's keys and the draw's name k.
_U = "(hash($seed, {keys}, '{k}') / 18446744073709551616.0)"


def _u(keys: str, k: str) -> str:
    return _U.format(keys=keys, k=k)


# Each account: how busy it is, how many keys it uses, the balance it ends with.
_ACCOUNTS_SQL = f"""
CREATE OR REPLACE TEMP TABLE demo_acc AS
SELECT id AS aid, 0.3 + 1.2 * {_u('id', 'activity')} AS activity,
       2 + floor(3 * {_u('id', 'keys')})::INTEGER AS n_keys,
       coalesce(nullif(quota, 0), (5 + floor(36 * {_u('id', 'start')}))::BIGINT * 500000)::BIGINT AS closing
FROM accounts WHERE list_contains($ids, id)"""

# Each account's day (``back`` days before today): its number of requests and its income.
_DAYS_SQL = f"""
CREATE OR REPLACE TEMP TABLE demo_day AS
SELECT a.aid, b.back, $today - b.back::INTEGER AS day, a.n_keys,
       floor(floor(31 * {_u('a.aid, b.back', 'n')}) * a.activity
             * CASE WHEN isodow($today - b.back::INTEGER) <= 5 THEN 1.0 ELSE 0.5 END)::INTEGER AS n,
       CASE WHEN {_u('a.aid, b.back', 'checkin')} < 0.6
            THEN (1 + floor(5 * {_u('a.aid, b.back', 'reward')}))::BIGINT * 50000 ELSE 0 END
       + CASE WHEN {_u('a.aid, b.back', 'topup')} < 0.05
              THEN (5 + floor(16 * {_u('a.aid, b.back', 'amount')}))::BIGINT * 500000 ELSE 0 END AS income
FROM demo_acc a, range(1, $days + 1) b(back)"""

# Each request of those days: model, time (an hour by its weight), tokens, cost, key and latency.
_USE_SQL = f"""
CREATE OR REPLACE TEMP TABLE demo_use AS
WITH r AS (
    SELECT d.aid, d.back, d.day, r.i, d.n_keys,
           1 + floor(5 * {_u('d.aid, d.back, r.i', 'model')})::INTEGER AS m,
           {_u('d.aid, d.back, r.i', 'hour')} * $weight_total AS hour_at,
           floor(60 * {_u('d.aid, d.back, r.i', 'minute')})::INTEGER * 60
               + floor(60 * {_u('d.aid, d.back, r.i', 'second')})::INTEGER AS sec,
           50 + floor(5951 * {_u('d.aid, d.back, r.i', 'prompt')})::BIGINT AS prompt_tokens,
           20 + floor(2481 * {_u('d.aid, d.back, r.i', 'completion')})::BIGINT AS completion_tokens,
           0.8 + 0.4 * {_u('d.aid, d.back, r.i', 'price')} AS price_factor,
           1 + floor(d.n_keys * {_u('d.aid, d.back, r.i', 'key')})::INTEGER AS k,
           ln(1 - {_u('d.aid, d.back, r.i', 'wait1')}) + ln(1 - {_u('d.aid, d.back, r.i', 'wait2')}) AS wait
    FROM demo_day d, range(d.n) r(i))
SELECT r.aid AS account_id, r.day, h.epoch + r.sec AS created_at, h.ts0 + to_seconds(r.sec) AS ts,
       $models[r.m] AS model, 'key-' || r.k AS token_name, r.prompt_tokens, r.completion_tokens,
       floor((r.prompt_tokens + 3 * r.completion_tokens) * $prices[r.m] * r.price_factor)::BIGINT AS quota,
       -- a gamma(2, mean/2) draw: the sum of two exponential ones
       round(-($latencies[r.m] / 2) * r.wait, 3) AS latency_s
FROM r JOIN demo_hours h ON h.day = r.day AND r.hour_at >= h.lo AND r.hour_at < h.hi"""

# Each day's closing balance: the next day's minus its income plus its consumption.
_SNAP_SQL = """
CREATE OR REPLACE TEMP TABLE demo_snap AS
WITH c AS (SELECT account_id, day, sum(quota)::BIGINT AS consumption FROM demo_use GROUP BY ALL),
d AS (SELECT d.aid, d.day, d.back, a.closing, d.income, coalesce(c.consumption, 0) AS consumption
      FROM demo_day d JOIN demo_acc a USING (aid) LEFT JOIN c ON c.account_id = d.aid AND c.day = d.day)
SELECT aid AS account_id, day, income, consumption,
       greatest(0, closing - coalesce(sum(income - consumption) OVER (
           PARTITION BY aid ORDER BY back ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0))::BIGINT AS quota
FROM d"""

_DELETE_SNAPSHOTS = ("DELETE FROM balance_snapshots WHERE list_contains($ids, account_id) "
                     "AND day BETWEEN $first AND $last")
_INSERT_SNAPSHOTS = """
INSERT INTO balance_snapshots (account_id, day, quota, subscription_quota, consumption, income, income_estimated,
                               captured_at, source, linked)
SELECT account_id, day, quota, NULL, consumption, income, false, now(), 'demo', true FROM demo_snap"""
# Every snapshot from the first seeded day on keeps the quota of the account's one before it, as
# record_snapshots keeps it (today's, from the demo's refresh, then follows yesterday's).
_LINK_SNAPSHOTS = """
UPDATE balance_snapshots SET prev_quota = l.prev, linked = true
FROM (SELECT account_id, day, lag(quota) OVER (PARTITION BY account_id ORDER BY day) AS prev
      FROM balance_snapshots WHERE list_contains($ids, account_id)) l
WHERE balance_snapshots.account_id = l.account_id AND balance_snapshots.day = l.day AND l.day >= $first"""

# The stored row as ``history.usage.insert_usage_rows`` writes it, with the fingerprint
# ``fingerprint_rows`` gives it: the fields joined by a unit separator, hashed, and the row's
# occurrence among identical ones; a row already stored is not stored again.
_WRITE_USAGE = """
INSERT INTO usage_logs (account_id, created_at, ts, model, token_id, token_name, requests, prompt_tokens,
                        completion_tokens, quota, latency_s, source, fingerprint)
SELECT account_id, created_at, ts, model, '', token_name, 1, prompt_tokens, completion_tokens, quota, latency_s,
       'log', fingerprint
FROM (SELECT *, base || '#' || (row_number() OVER (PARTITION BY account_id, base ORDER BY created_at) - 1)
                AS fingerprint
      FROM (SELECT *, sha1(concat_ws(chr(31), created_at::VARCHAR, model, '', token_name, '1',
                                     prompt_tokens::VARCHAR, completion_tokens::VARCHAR, quota::VARCHAR,
                                     latency_s::VARCHAR, 'log', '')) AS base
            FROM demo_use WHERE day <= $until)) i
WHERE NOT EXISTS (SELECT 1 FROM usage_logs u WHERE u.account_id = i.account_id AND u.created_at = i.created_at
                  AND u.fingerprint = i.fingerprint)"""


def _hours(today: date, days: int) -> list[dict[str, Any]]:
    """Every hour of the seeded days: its start in epoch seconds and as the local wall time (what a
    usage row's ``ts`` is), and its share of a day's requests as a range of the weights' total."""
    out = []
    for back in range(1, days + 1):
        day = today - timedelta(days=back)
        lo = 0
        for hour, weight in enumerate(_HOUR_WEIGHTS):
            epoch = int(datetime.combine(day, time(hour)).timestamp())
            out.append({"day": day, "epoch": epoch, "ts0": datetime.fromtimestamp(epoch), "lo": lo, "hi": lo + weight})
            lo += weight
    return out


def _count(con: duckdb.DuckDBPyConnection) -> int:
    """The rows an INSERT just wrote (DuckDB answers it as a row)."""
    rows = con.fetchall()
    return int(rows[0][0]) if rows and rows[0][0] is not None else 0


def seed_demo_history(store: Store, *, days: int = 60, seed: int = 1, account_ids: list[int] | None = None,
                      usage_until: date | None = None) -> dict[str, int]:
    """Write ``days`` days of balance snapshots (before today) and usage rows for the given (or all
    enabled) accounts. Usage rows stop at ``usage_until`` (default: the day before yesterday),
    leaving the most recent logs (the sandbox's today and yesterday) to a real usage sync.
    A day already stored for an account is replaced. Returns how many snapshots and usage rows were written."""
    today = date.today()
    usage_until = usage_until or today - timedelta(days=2)
    with store.write() as con:
        if account_ids is None:
            ids = [int(r[0]) for r in con.execute("SELECT id FROM accounts WHERE NOT disabled").fetchall()]
        else:
            ids = [int(i) for i in account_ids]
        if not ids or days < 1:
            return {"snapshots": 0, "usage_rows": 0}
        rows_table(con, "demo_hours", {"day": "DATE", "epoch": "BIGINT", "ts0": "TIMESTAMP", "lo": "INTEGER",
                                       "hi": "INTEGER"}, _hours(today, days))
        seeded = {"first": today - timedelta(days=days), "last": today - timedelta(days=1)}
        try:
            con.execute(_ACCOUNTS_SQL, {"seed": str(seed), "ids": ids})
            con.execute(_DAYS_SQL, {"seed": str(seed), "today": today, "days": days})
            con.execute(_USE_SQL, {"seed": str(seed), "weight_total": sum(_HOUR_WEIGHTS), "models": list(DEMO_MODELS),
                                   "prices": [_PRICE[m] for m in DEMO_MODELS],
                                   "latencies": [_LATENCY[m] for m in DEMO_MODELS]})
            con.execute(_SNAP_SQL)
            con.execute(_DELETE_SNAPSHOTS, {"ids": ids, **seeded})
            snapshots = _count(con.execute(_INSERT_SNAPSHOTS))
            con.execute(_LINK_SNAPSHOTS, {"ids": ids, "first": seeded["first"]})
            rows = _count(con.execute(_WRITE_USAGE, {"until": usage_until}))
        finally:
            for table in ("demo_hours", "demo_acc", "demo_day", "demo_use", "demo_snap"):
                con.execute(f"DROP TABLE IF EXISTS {table}")
    return {"snapshots": snapshots, "usage_rows": rows}
