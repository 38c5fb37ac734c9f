"""The linked snapshots (Migration 20, ``history.trend``): the summed balance history read as a
running sum of each snapshot's change gives exactly the figures of the full computation, which
walks each account's snapshots, after every kind of write: refreshes day after day, a second
refresh of a day, a day written out of order, gaps, a missing balance, retention and prune
deleting old rows, an account disabled, left out of the total or of the income, deleted; and a
store holding a row written without its link goes back to the full computation."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pandas as pd

from allhub_core import history
from allhub_core.accounts import AccountInput, add_account, add_tag, delete_accounts, set_disabled, update_accounts
from allhub_core.history import analytics
from allhub_core.store.migrations import migrate

U = 500_000


def _today() -> date:
    return date.today()


def _account(store, n):
    return add_account(store, AccountInput(site_url=f"https://t{n}.example", site_name=f"Trend {n}",
                                           site_type="new-api", user_id=str(n), access_token=f"token-{n:08d}"))


def _write(store, day, rows, retention_days=None):
    with store.write() as con:
        history.record_snapshots(con, [{"id": aid, "quota": q, "today_consumption": c, "today_income": i}
                                       for aid, q, c, i in rows], day=day, retention_days=retention_days)


def _links(store):
    """Each row's stored link against the quota of the account's row before it."""
    with store.read() as con:
        return con.execute("""SELECT account_id, day, prev_quota IS NOT DISTINCT FROM
                                     lag(quota) OVER (PARTITION BY account_id ORDER BY day), linked
                              FROM balance_snapshots ORDER BY 1, 2""").fetchall()


def _same(store, ids=None, tag=None):
    """The linked and the full way agree to the last bit on several ranges (and the links hold)."""
    assert all(ok and linked for _, _, ok, linked in _links(store))
    today = _today()
    for start, end in [(today - timedelta(days=29), today), (today - timedelta(days=3), today - timedelta(days=1)),
                       (today - timedelta(days=60), today - timedelta(days=20)), (today, today)]:
        fast = analytics._daily_sum(store, start, end, ids, tag, linked=True)
        full = analytics._daily_sum(store, start, end, ids, tag, linked=False)
        pd.testing.assert_frame_equal(fast, full, check_exact=True)
    return analytics._daily_sum(store, today - timedelta(days=29), today, ids, tag)


def test_linked_trend_equals_the_full_one_after_writes_edits_and_deletions(store):
    today = _today()
    a, b, c, d, e = (_account(store, n) for n in range(1, 6))
    add_tag(store, [a, c], "team")
    for back in range(40, 0, -1):  # 40 days of refreshes, with gaps and a missing balance
        rows = [(a, (100 + back) * U, U, 2 * U), (b, back * U // 3, None, None)]
        if back % 3:
            rows.append((c, 7 * U + back, U // 2, None))
        if back == 25:
            rows.append((d, None, None, None))  # a refresh that read no balance
        if back < 10:
            rows.append((e, 50 * U, 0, 0))
        _write(store, today - timedelta(days=back), rows)
    _same(store)
    _same(store, tag="team")
    _same(store, ids=[b, c, 999])

    _write(store, today, [(a, 5 * U, U, None), (c, 6 * U, None, U)])
    _write(store, today, [(a, 4 * U, 2 * U, None)])  # a second refresh of the day replaces it
    _write(store, today - timedelta(days=2), [(c, 123, 1, 2), (e, 9 * U, None, None)])  # a day once missed
    _write(store, today - timedelta(days=30), [(b, 77 * U, None, None)])  # far back, rows after it
    f = _account(store, 6)  # a balance, then a refresh that read none, then a gap: the link is the missing one
    _write(store, today - timedelta(days=9), [(f, 5 * U, None, None)])
    _write(store, today - timedelta(days=8), [(f, None, None, None)])
    _write(store, today - timedelta(days=5), [(f, 6 * U, None, None)])
    before = _same(store)
    assert before["balance_usd"].notna().all()

    update_accounts(store, {b: {"exclude_from_total_balance": True}, c: {"exclude_from_today_income": True}})
    set_disabled(store, [e], True)
    after = _same(store)
    assert not after["balance_usd"].equals(before["balance_usd"])
    _same(store, ids=[a, b, e])

    delete_accounts(store, [a])
    _same(store)
    _write(store, today, [(b, 3 * U, None, None)], retention_days=20)  # retention cuts into every account
    with store.read() as con:
        assert con.execute("SELECT min(day) FROM balance_snapshots").fetchone()[0] == today - timedelta(days=20)
    _same(store)
    assert history.prune_history(store, history_days=7, usage_days=90)["snapshots"] > 0
    _same(store)
    _same(store, ids=[b, c, d, e])


def test_a_row_written_without_its_link_sends_the_trend_back_to_the_full_computation(store):
    today = _today()
    a, b = _account(store, 1), _account(store, 2)
    for back in (5, 4, 2):
        _write(store, today - timedelta(days=back), [(a, back * U, None, None), (b, U, None, None)])
    with store.write() as con:  # a bulk insert that knows nothing of the links
        con.execute("INSERT INTO balance_snapshots (account_id, day, quota) VALUES (?, ?, ?)",
                    [a, today - timedelta(days=3), 40 * U])
        assert not history.trend.linked_ok(con)
    got = history.balance_history(store, start=today - timedelta(days=6), end=today)
    full = analytics._daily_sum(store, today - timedelta(days=6), today, None, None, linked=False)
    pd.testing.assert_frame_equal(got, full, check_exact=True)
    assert got["balance_usd"].tolist()[3] == 41.0  # the bulk row counts: 40 + 1


def test_migration_20_links_the_snapshots_stored_before_it(tmp_path):
    con = duckdb.connect(str(tmp_path / "m.duckdb"))
    migrate(con, stop_before=20)
    con.execute("""INSERT INTO balance_snapshots (account_id, day, quota) VALUES
                   (1, DATE '2026-01-03', 30), (1, DATE '2026-01-01', 10), (2, DATE '2026-01-02', NULL),
                   (2, DATE '2026-01-05', 50), (1, DATE '2026-01-02', 20)""")
    assert migrate(con) == [20]
    rows = con.execute("SELECT account_id, day, quota, prev_quota, linked FROM balance_snapshots "
                       "ORDER BY account_id, day").fetchall()
    assert [(r[0], r[2], r[3], r[4]) for r in rows] == [
        (1, 10, None, True), (1, 20, 10, True), (1, 30, 20, True), (2, None, None, True), (2, 50, None, True)]
    con.execute("INSERT INTO balance_snapshots (account_id, day, quota) VALUES (3, DATE '2026-01-01', 1)")
    assert con.execute("SELECT linked FROM balance_snapshots WHERE account_id = 3").fetchone() == (False,)
