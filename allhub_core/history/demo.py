"""Made-up history for the demo database, so the history and usage pages have something to show.

``seed_demo_history`` walks each account's balance back from what it holds now: every earlier
day is the next day's balance minus that day's income plus that day's consumption, and the
consumption is the sum of that day's generated usage rows. Deterministic for a given seed.
Written through the same functions as real data (``record_snapshots``, the usage table), so
the demo exercises the real queries.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from allhub_core.history.snapshots import record_snapshots
from allhub_core.history.usage import insert_usage_rows
from allhub_core.store import Store

__all__ = ["DEMO_MODELS", "seed_demo_history"]

DEMO_MODELS = ("gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet", "deepseek-chat", "gemini-1.5-pro")
_PRICE = {"gpt-4o": 6.0, "gpt-4o-mini": 0.5, "claude-3-5-sonnet": 7.0, "deepseek-chat": 1.0, "gemini-1.5-pro": 4.0}
_LATENCY = {"gpt-4o": 4.0, "gpt-4o-mini": 1.5, "claude-3-5-sonnet": 5.0, "deepseek-chat": 3.0, "gemini-1.5-pro": 3.5}
# Busier in working hours and on weekdays, like a person's usage.
_HOUR_WEIGHTS = [1, 1, 1, 1, 1, 1, 2, 4, 7, 9, 10, 10, 8, 9, 10, 10, 9, 8, 6, 5, 4, 3, 2, 1]


def seed_demo_history(store: Store, *, days: int = 60, seed: int = 1, account_ids: list[int] | None = None,
                      usage_until: date | None = None) -> dict[str, int]:
    """Write ``days`` days of balance snapshots (before today) and usage rows for the given (or all
    enabled) accounts. Usage rows stop at ``usage_until`` (default: the day before yesterday),
    leaving the most recent logs (the sandbox's today and yesterday) to a real usage sync.
    Returns how many snapshots and usage rows were written."""
    today = date.today()
    usage_until = usage_until or today - timedelta(days=2)
    with store.read() as con:
        sql = "SELECT id, quota FROM accounts WHERE NOT disabled"
        params: list[Any] = []
        if account_ids is not None:
            sql = "SELECT id, quota FROM accounts WHERE list_contains(?, id)"
            params = [[int(i) for i in account_ids]]
        accounts = con.execute(sql + " ORDER BY id", params).fetchall()
    per_day: dict[date, list[dict[str, Any]]] = {}
    usage: dict[int, list[dict[str, Any]]] = {}
    for aid, quota in accounts:
        rng = random.Random(f"{seed}:{aid}")
        activity = rng.uniform(0.3, 1.5)  # some accounts are busy, some barely used
        tokens = [f"key-{k}" for k in range(1, rng.randint(2, 4) + 1)]
        balance = int(quota or rng.randint(5, 40) * 500_000)
        rows_of: list[dict[str, Any]] = []
        for back in range(1, days + 1):
            day = today - timedelta(days=back)
            weekday_factor = 1.0 if day.weekday() < 5 else 0.5
            n = int(rng.randint(0, 30) * activity * weekday_factor)
            consumption = 0
            day_rows = []
            for _ in range(n):
                model = rng.choice(DEMO_MODELS)
                hour = rng.choices(range(24), weights=_HOUR_WEIGHTS)[0]
                at = datetime.combine(day, time(hour, rng.randint(0, 59), rng.randint(0, 59)))
                prompt, completion = rng.randint(50, 6000), rng.randint(20, 2500)
                cost = int((prompt + 3 * completion) * _PRICE[model] * rng.uniform(0.8, 1.2))
                consumption += cost
                day_rows.append({"created_at": int(at.timestamp()), "model": model,
                                 "token_name": rng.choice(tokens), "requests": 1, "prompt_tokens": prompt,
                                 "completion_tokens": completion, "quota": cost,
                                 "latency_s": round(rng.gammavariate(2.0, _LATENCY[model] / 2), 3),
                                 "source": "log"})
            income = 0
            if rng.random() < 0.6:  # a daily check-in reward on most days
                income += rng.randint(1, 5) * 50_000
            if rng.random() < 0.05:  # now and then a top-up
                income += rng.randint(5, 20) * 500_000
            # ``balance`` is this day's closing balance; the day before closed at this.
            per_day.setdefault(day, []).append({"id": aid, "quota": max(0, balance), "today_consumption": consumption,
                                                "today_income": income, "source": "demo"})
            if day <= usage_until:
                rows_of.extend(day_rows)
            balance = balance - income + consumption
        usage[aid] = rows_of
    snapshots = rows = 0
    with store.write() as con:
        for day in sorted(per_day):
            snapshots += record_snapshots(con, per_day[day], day=day, source="demo")
        for aid, rows_of in usage.items():
            if not rows_of:
                continue
            insert_usage_rows(con, aid, sorted(rows_of, key=lambda r: r["created_at"]))
            rows += len(rows_of)
    return {"snapshots": snapshots, "usage_rows": rows}
