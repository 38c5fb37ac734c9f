"""The balance aggregates kept in the process (``history.memo``) are never stale: after every kind
of change a user can make (refreshes, a second refresh of the day, a day written out of order,
retention and prune, an account renamed, tagged, disabled, left out of the total or of the
income, deleted, accounts imported, a backup restored over the store) the kept table, trend and
day's spread are exactly what a fresh computation gives."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from allhub_core import history
from allhub_core.accounts import AccountInput, add_account, add_tag, delete_accounts, set_disabled, update_accounts
from allhub_core.history import analytics, memo
from allhub_core.store import Store
from allhub_core.transfer import export_file, import_file

U = 500_000


def _account(store, n):
    return add_account(store, AccountInput(site_url=f"https://m{n}.example", site_name=f"Memo {n}",
                                           site_type="new-api", user_id=str(n), access_token=f"token-{n:08d}"))


def _write(store, day, rows, retention_days=None):
    with store.write() as con:
        history.record_snapshots(con, [{"id": aid, "quota": q, "today_consumption": c, "today_income": i}
                                       for aid, q, c, i in rows], day=day, retention_days=retention_days)


def _results(store, scopes):
    """Every remembered result the pages ask for, on a few ranges and scopes."""
    today = date.today()
    out = []
    for ids, tag in scopes:
        for start, end in [(today - timedelta(days=29), today), (today - timedelta(days=6), today - timedelta(days=2))]:
            out.append(history.balance_table(store, start=start, end=end, account_ids=ids, tag=tag))
            out.append(history.balance_history(store, start=start, end=end, account_ids=ids, tag=tag))
        if ids is None:
            out.append(history.day_distribution(store, today - timedelta(days=3), tag=tag))
    return out


def _same(store, scopes=((None, None), (None, "team"))):
    """What is kept from before the last change equals a fresh computation (then kept again)."""
    kept = _results(store, scopes)
    memo.forget()
    fresh = _results(store, scopes)
    for got, want in zip(kept, fresh, strict=True):
        pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert [len(f) for f in _results(store, scopes)] == [len(f) for f in fresh]  # kept again, the same
    return fresh[0]


def _changed(before, after):
    assert not before.equals(after)
    return after


def test_the_kept_results_follow_every_change_to_snapshots_and_accounts(store, tmp_path):
    today = date.today()
    a, b, c, d = (_account(store, n) for n in range(1, 5))
    add_tag(store, [a, c], "team")
    for back in range(35, 0, -1):
        rows = [(a, (100 + back) * U, U, 2 * U), (b, back * U // 3, None, None)]
        if back % 3:
            rows.append((c, 7 * U + back, U // 2, None))
        _write(store, today - timedelta(days=back), rows)
    t = _same(store)
    _same(store, scopes=((None, None), ([b, c, 999], None)))

    _write(store, today, [(a, 5 * U, U, None), (c, 6 * U, None, U)])  # today's refresh
    t = _changed(t, _same(store))
    _write(store, today, [(a, 4 * U, 2 * U, None)])  # a second refresh of the day: as many rows as before
    t = _changed(t, _same(store))
    _write(store, today - timedelta(days=4), [(d, 9 * U, None, None)])  # a day written out of order
    t = _changed(t, _same(store))
    _write(store, today, [(b, 3 * U, None, None)], retention_days=20)  # retention deletes the old rows
    t = _changed(t, _same(store))
    assert history.prune_history(store, history_days=10, usage_days=90)["snapshots"] > 0
    t = _changed(t, _same(store))

    update_accounts(store, {b: {"site_name": "Renamed"}})
    t = _changed(t, _same(store))
    add_tag(store, [b], "team")
    _same(store)
    update_accounts(store, {c: {"exclude_from_total_balance": True}, a: {"exclude_from_today_income": True}})
    _same(store)
    set_disabled(store, [d], True)
    t = _changed(t, _same(store))
    delete_accounts(store, [a])
    t = _changed(t, _same(store))

    backup = export_file(store, "own", include_secrets=True).data
    other = Store(tmp_path / "other.duckdb")
    _account(other, 7)
    import_file(store, export_file(other, "own", include_secrets=True).data)  # an import adds an account
    t = _changed(t, _same(store))
    import_file(store, backup, mode="replace", allowed_deletes=None)  # a backup restored over the store
    _changed(t, _same(store))


def test_a_result_is_kept_per_store_and_the_kept_copy_cannot_be_changed(store, tmp_path):
    today = date.today()
    a = _account(store, 1)
    _write(store, today, [(a, 2 * U, None, None)])
    other = Store(tmp_path / "other.duckdb")
    o = _account(other, 1)
    _write(other, today, [(o, 3 * U, None, None)])
    mine = history.balance_table(store, start=today, end=today)
    assert mine["end_usd"].tolist() == [2.0]
    assert history.balance_table(other, start=today, end=today)["end_usd"].tolist() == [3.0]
    mine.loc[0, "end_usd"] = 99.0  # a page changing its frame leaves the kept one alone
    assert history.balance_table(store, start=today, end=today)["end_usd"].tolist() == [2.0]


def test_the_trend_forced_one_way_is_never_kept(store):
    today = date.today()
    a = _account(store, 1)
    _write(store, today - timedelta(days=1), [(a, 2 * U, None, None)])
    memo.forget()
    analytics._daily_sum(store, today - timedelta(days=1), today, None, None, linked=False)
    assert not memo._MEMO
