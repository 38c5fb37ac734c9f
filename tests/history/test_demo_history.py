"""The demo's made-up history (``seed_demo_history``, written set-based in SQL for speed) is what
the real writers would store for the same figures: the snapshots as ``record_snapshots`` writes
them day after day (each linked to the one before, today's refresh linked to yesterday's), the
usage rows as ``insert_usage_rows`` writes them (the same fingerprints and local times); and it
reads like a person's history: the balance walks back from today's, each day's consumption is
the sum of its usage rows, every model and key is used, working hours and weekdays are busier,
the same seed gives the same history and a second run stores nothing twice."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

from allhub_core import history
from allhub_core.accounts import AccountInput, add_account, set_disabled
from allhub_core.history import DEMO_MODELS, seed_demo_history
from allhub_core.store import Store

_SNAP = ("SELECT account_id, day, quota, subscription_quota, consumption, income, income_estimated, source, "
         "prev_quota, linked FROM balance_snapshots ORDER BY account_id, day")
_USAGE = ("SELECT account_id, created_at, ts, model, token_id, token_name, requests, prompt_tokens, completion_tokens, "
          "quota, latency_s, source, fingerprint FROM usage_logs ORDER BY account_id, created_at, fingerprint")


def _accounts(store: Store) -> list[int]:
    """Three enabled accounts (one without a balance yet) and a disabled one; today's snapshot of
    each as the demo's refresh writes it, and an old snapshot of the first, before the seeded days."""
    ids = [add_account(store, AccountInput(site_url=f"https://demo-{n}.example", site_name=f"Demo {n}",
                                           site_type="new-api", user_id=str(n), access_token=f"token-{n:08d}",
                                           quota=quota))
           for n, quota in enumerate([12_000_000, 0, 3_000_000, 5_000_000])]
    set_disabled(store, [ids[3]], True)
    with store.write() as con:
        history.record_snapshots(con, [{"id": i, "quota": None, "today_consumption": 0, "today_income": 0}
                                       for i in ids[:3]])
        history.record_snapshots(con, [{"id": ids[0], "quota": 9_000_000, "today_consumption": 0,
                                        "today_income": 0}], day=date.today() - timedelta(days=40))
    return ids


def _rows(store: Store, sql: str) -> list[tuple]:
    with store.read() as con:
        return con.execute(sql).fetchall()


def test_the_demo_history_is_what_the_real_writers_store(store, tmp_path: Path):
    ids = _accounts(store)
    today = date.today()
    seeded = seed_demo_history(store, days=20, seed=7)
    snaps, usage = _rows(store, _SNAP), _rows(store, _USAGE)
    assert seeded == {"snapshots": 60, "usage_rows": len(usage)} and len(usage) > 300
    # the same figures through the real writers, on a second store with the same accounts
    other = Store(tmp_path / "reference.duckdb")
    assert _accounts(other) == ids
    demo = [r for r in snaps if r[7] == "demo"]
    with other.write() as con:
        for day in sorted({r[1] for r in demo}):
            history.record_snapshots(con, [{"id": r[0], "quota": r[2], "today_consumption": r[4], "today_income": r[5]}
                                           for r in demo if r[1] == day], day=day, source="demo")
        for aid in ids[:3]:
            history.insert_usage_rows(con, aid, [
                {"created_at": r[1], "model": r[3], "token_name": r[5], "requests": r[6], "prompt_tokens": r[7],
                 "completion_tokens": r[8], "quota": r[9], "latency_s": r[10], "source": r[11]}
                for r in usage if r[0] == aid])
    assert _rows(other, _SNAP) == snaps
    assert _rows(other, _USAGE) == usage
    # what the pages show: 20 days before today of the enabled accounts, none of the disabled one
    assert {r[0] for r in demo} == set(ids[:3]) and {r[1] for r in demo} == {today - timedelta(days=b)
                                                                             for b in range(1, 21)}
    assert all(r[2] >= 0 and r[4] >= 0 and r[5] >= 0 and not r[6] for r in demo)
    by_day = {(r[0], r[1]): r for r in snaps}
    spent = Counter()
    for r in usage:
        spent[(r[0], datetime.fromtimestamp(r[1]).date())] += r[9]
    until = today - timedelta(days=2)
    assert max(d for _, d in spent) == until  # the last two days are left to the sites' own logs
    for aid in ids[:3]:
        if by_day[(aid, today)][2]:  # yesterday closed at today's balance (a random one where there is none)
            assert by_day[(aid, today - timedelta(days=1))][2] == by_day[(aid, today)][2]
        assert by_day[(aid, today)][8] == by_day[(aid, today - timedelta(days=1))][2]  # today's follows yesterday's
        for back in range(1, 20):
            day, before = today - timedelta(days=back), today - timedelta(days=back + 1)
            if day <= until:
                assert by_day[(aid, day)][4] == spent[(aid, day)]
            walked = by_day[(aid, day)][2] - by_day[(aid, day)][5] + by_day[(aid, day)][4]
            if walked >= 0 and by_day[(aid, day)][2] > 0:
                assert by_day[(aid, before)][2] == walked
    assert {r[3] for r in usage} == set(DEMO_MODELS)
    assert {r[5] for r in usage} <= {"key-1", "key-2", "key-3", "key-4"} and len({r[5] for r in usage}) >= 2
    hours = Counter(datetime.fromtimestamp(r[1]).hour for r in usage)
    assert sum(hours[h] for h in range(10, 16)) > 3 * sum(hours[h] for h in range(0, 6))
    assert all(0 <= r[10] < 60 for r in usage)


def test_the_same_seed_gives_the_same_history_and_a_second_run_stores_nothing_twice(store, tmp_path: Path):
    _accounts(store)
    seed_demo_history(store, days=10, seed=3)
    first = (_rows(store, _SNAP), _rows(store, _USAGE))
    again = seed_demo_history(store, days=10, seed=3)
    assert again == {"snapshots": 30, "usage_rows": 0}
    assert (_rows(store, _SNAP), _rows(store, _USAGE)) == first
    other = Store(tmp_path / "other.duckdb")
    ids = _accounts(other)
    seed_demo_history(other, days=10, seed=4)
    assert _rows(other, _USAGE) != first[1]
    only = seed_demo_history(other, days=5, seed=4, account_ids=ids[:1])
    assert only["snapshots"] == 5
