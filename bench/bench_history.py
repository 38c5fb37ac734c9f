"""History benchmark: the Overview and usage queries over a large made-up history (figures only).

    .venv/bin/python bench/bench_history.py [--accounts 1000] [--days 365] [--usage-rows 1000000]
                                            [--runs 7] [--keep PATH] [--computed]

Builds a temporary store in the real schema with bulk SQL: ``--accounts`` accounts with
today's figures, one balance snapshot per account per day for ``--days`` days, and
``--usage-rows`` usage-log rows spread over 90 days. Then times (median and p90 of ``--runs``
after one warm-up, each call opening the file itself as a CLI command would, and inside one
session as a page run does): ``overview``, ``balance_history`` (30 and 365 days, summed and one
account), ``balance_table``, ``sparklines``, ``usage_totals``, ``usage_by`` (day, model, account,
weekday_hour, latency) over 30 days, and one ``record_snapshots`` of every account (what a
refresh of all accounts adds to its transaction). Prints the figures; no targets, no asserts.

The table, the summed trend and a day's spread are remembered in the process until the
snapshots or the accounts change (``history.memo``): timed again and again they show what a
remembered call costs (its key, a copy); ``--computed`` forgets them before every call, so
each is computed as after a write (or as the code before the memo did).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from allhub_core import history
from allhub_core.accounts import set_preference
from allhub_core.history import memo
from allhub_core.store import Store


def build(path: str, accounts: int, days: int, usage_rows: int) -> Store:
    store = Store(path)
    today = date.today()
    with store.write() as con:
        con.execute(f"""
            INSERT INTO accounts (site_name, site_url, site_type, user_id, quota, today_consumption, today_income,
                                  consumption_availability, income_availability, stats_date, health_status,
                                  checkin_supported, checkin_status, checkin_date, last_sync_time)
            SELECT 'site ' || i, 'https://s' || (i % 50) || '.example', 'new-api', CAST(i AS VARCHAR),
                   (hash(i) % 50000000)::BIGINT, (hash(i * 7) % 2000000)::BIGINT, (hash(i * 11) % 1000000)::BIGINT,
                   'complete', CASE WHEN i % 10 = 0 THEN 'partial' ELSE 'complete' END, current_date,
                   CASE WHEN i % 37 = 0 THEN 'error' ELSE 'healthy' END, i % 3 = 0,
                   CASE WHEN i % 2 = 0 THEN 'checked' ELSE 'not_checked' END, current_date, now()
            FROM range({accounts}) r(i)""")
        con.execute("""
            INSERT INTO balance_snapshots (account_id, day, quota, consumption, income, income_estimated, source,
                                           prev_quota, linked)
            SELECT *, lag(q) OVER (PARTITION BY id ORDER BY day), true FROM (  -- linked as record_snapshots keeps them
            SELECT a.id, ?::DATE - CAST(d AS INTEGER) AS day, (hash(a.id * 1000 + d) % 50000000)::BIGINT AS q,
                   (hash(a.id * 3 + d) % 2000000)::BIGINT, (hash(a.id * 5 + d) % 1000000)::BIGINT, false, 'demo'
            FROM accounts a, range(?) r(d)) ORDER BY day, id""", [today, days])
        con.execute("""
            INSERT INTO usage_logs (account_id, created_at, ts, model, token_id, token_name, requests, prompt_tokens,
                                    completion_tokens, quota, latency_s, source, fingerprint)
            SELECT 1 + (i % ?), e, make_timestamp(e * 1000000), 'model-' || (i % 12), '', 'key-' || (i % 5), 1,
                   (i % 4000)::BIGINT, (i % 1500)::BIGINT, (i % 60000)::BIGINT, (i % 300) / 10.0, 'log', md5(i::VARCHAR)
            FROM (SELECT i, (epoch(now())::BIGINT - (hash(i) % (90 * 86400))::BIGINT) AS e FROM range(?) r(i))""",
                    [accounts, usage_rows])
    return store


def timed(fn, runs: int) -> tuple[float, float]:
    fn()
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.9))]


def _forgetting(fn: Callable[[], Any]) -> Callable[[], Any]:
    """``fn`` with the remembered results forgotten first (``--computed``)."""
    def call() -> Any:
        memo.forget()
        return fn()
    return call


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=1000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--usage-rows", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--keep", help="build the store at this path and keep it")
    ap.add_argument("--computed", action="store_true",
                    help="forget the remembered results before every call (each computed, as after a write)")
    args = ap.parse_args()
    folder = tempfile.mkdtemp(prefix="bench_history_")
    path = args.keep or os.path.join(folder, "bench.duckdb")
    t0 = time.perf_counter()
    store = build(path, args.accounts, args.days, args.usage_rows)
    built = time.perf_counter() - t0
    today = date.today()
    m30, y1 = today - timedelta(days=29), today - timedelta(days=args.days - 1)
    print(f"bench_history: {args.accounts:,} accounts x {args.days} days = {args.accounts * args.days:,} snapshots, "
          f"{args.usage_rows:,} usage rows; built in {built:.1f} s; load average {os.getloadavg()[0]:.2f}")
    set_preference(store, "low_balance_usd", 5)  # overview() reads the saved line (issue 17)
    calls: dict[str, Callable[[], Any]] = {
        "overview (low-balance line 5 USD)": lambda: history.overview(store),
        "balance_history 30 days, summed": lambda: history.balance_history(store, start=m30, end=today),
        f"balance_history {args.days} days, summed": lambda: history.balance_history(store, start=y1, end=today),
        f"balance_history {args.days} days, one account": lambda: history.balance_history(
            store, start=y1, end=today, account_ids=[1], per_account=True),
        "balance_history 30 days, per account": lambda: history.balance_history(
            store, start=m30, end=today, per_account=True),
        "balance_history 30 days, summed in CNY": lambda: history.balance_history(
            store, start=m30, end=today, currency="CNY"),
        "balance_table 30 days": lambda: history.balance_table(store, start=m30, end=today),
        "balance_table 30 days in CNY": lambda: history.balance_table(store, start=m30, end=today, currency="CNY"),
        "day_distribution": lambda: history.day_distribution(store, today - timedelta(days=7)),
        "sparklines(30)": lambda: history.sparklines(store, days=30),
        "usage_totals 30 days": lambda: history.usage_totals(store, start=m30, end=today),
        "usage_facets": lambda: history.usage_facets(store),
        **{f"usage_by {by} 30 days": partial(history.usage_by, store, by, start=m30, end=today)
           for by in ("day", "model", "account", "weekday_hour", "latency", "token")},
        "usage_by model 30 days, 3 accounts": lambda: history.usage_by(
            store, "model", start=m30, end=today, account_ids=[1, 2, 3]),
    }
    print(f"{'call':<44} {'own open ms (median/p90)':>26} {'in a session ms (median/p90)':>30}")
    if args.computed:
        calls = {name: _forgetting(fn) for name, fn in calls.items()}
    for name, fn in calls.items():
        own = timed(fn, args.runs)
        with store.session():
            ses = timed(fn, args.runs)
        print(f"{name:<44} {own[0]:>12.1f} / {own[1]:>8.1f}    {ses[0]:>14.1f} / {ses[1]:>8.1f}")
    rows = [{"id": i, "quota": 1000 * i, "today_consumption": 10, "today_income": None}
            for i in range(1, args.accounts + 1)]

    def snapshot_all() -> None:
        with store.write() as con:
            history.record_snapshots(con, rows, retention_days=365)

    snap = timed(snapshot_all, args.runs)
    print(f"{'record_snapshots of every account':<44} {snap[0]:>12.1f} / {snap[1]:>8.1f}")
    size = os.path.getsize(path) / 1e6
    print(f"database file: {size:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
