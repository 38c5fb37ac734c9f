"""The table and a day's spread in CNY are the USD ones with each row at its account's rate, as
the page converted them. The summed trend in CNY (``balance_history(currency="CNY")``: each
account at its own rate, summed in SQL) gives what the page computed before from the per-account rows:
each row converted at its account's rate (a chosen account without one at their average), the
balances of those in the total and the income of those in the income summed per day; both the
linked and the full way, for every account, a tag, and chosen accounts (one of them disabled)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from allhub_core import history
from allhub_core.accounts import (
    AccountFilter,
    AccountInput,
    account_choices,
    add_account,
    add_tag,
    set_disabled,
    update_accounts,
)
from allhub_core.errors import ValidationError
from allhub_core.history import analytics

U = 500_000


def _account(store, n, rate):
    return add_account(store, AccountInput(site_url=f"https://c{n}.example", site_name=f"Cny {n}", site_type="new-api",
                                           user_id=str(n), access_token=f"token-{n:08d}", exchange_rate=rate))


def _write(store, day, rows):
    with store.write() as con:
        history.record_snapshots(con, [{"id": aid, "quota": q, "today_consumption": c, "today_income": i}
                                       for aid, q, c, i in rows], day=day)


def _per_account_then_summed(store, start, end, ids, tag):
    """The page's former CNY trend: the per-account rows, each at its account's rate, summed per day."""
    scope = account_choices(store, AccountFilter(status="enabled", tags=[tag] if tag else [], ids=ids), {})
    rates = dict(zip(scope["id"].astype(int), scope["exchange_rate"].astype(float), strict=True))
    fallback = sum(rates.values()) / len(rates) if rates else 1.0
    rows = history.balance_history(store, start=start, end=end, account_ids=ids, tag=tag, per_account=True)
    factor = rows["account_id"].map(lambda a: rates.get(int(a), fallback)).astype("float64")
    for c in ("balance_usd", "income_usd", "expense_usd"):
        rows[c] = rows[c].astype("float64") * factor
    counted_b = set(rates) if ids else set(scope["id"][~scope["exclude_from_total_balance"]].astype(int))
    counted_i = set(rates) if ids else set(scope["id"][~scope["exclude_from_today_income"]].astype(int))
    rows.loc[~rows["account_id"].isin(counted_b), "balance_usd"] = np.nan
    rows.loc[~rows["account_id"].isin(counted_i), "income_usd"] = np.nan
    return rows.groupby("day", as_index=False)[["balance_usd", "income_usd", "expense_usd"]].sum(min_count=1)


def _converted(store, frame, ids, tag):
    """A frame with an account per row at its account's rate, as the page converted it."""
    scope = account_choices(store, AccountFilter(status="enabled", tags=[tag] if tag else [], ids=ids), {})
    rates = dict(zip(scope["id"].astype(int), scope["exchange_rate"].astype(float), strict=True))
    fallback = sum(rates.values()) / len(rates) if rates else 1.0
    out = frame.copy()
    factor = out["account_id"].map(lambda a: rates.get(int(a), fallback)).astype("float64")
    for c in [c for c in out.columns if c.endswith("_usd")]:
        out[c] = out[c].astype("float64") * factor
    return out


def _same(store, ids=None, tag=None):
    today = date.today()
    for start, end in [(today - timedelta(days=29), today), (today - timedelta(days=4), today - timedelta(days=1))]:
        usd = history.balance_table(store, start=start, end=end, account_ids=ids, tag=tag)
        cny = history.balance_table(store, start=start, end=end, account_ids=ids, tag=tag, currency="CNY")
        pd.testing.assert_frame_equal(cny, _converted(store, usd, ids, tag), check_exact=True)
    if ids is None:
        usd = history.day_distribution(store, today - timedelta(days=2), tag=tag)
        cny = history.day_distribution(store, today - timedelta(days=2), tag=tag, currency="CNY")
        pd.testing.assert_frame_equal(cny, _converted(store, usd, ids, tag), check_exact=True)
    for start, end in [(today - timedelta(days=29), today), (today - timedelta(days=4), today - timedelta(days=1))]:
        want = _per_account_then_summed(store, start, end, ids, tag)
        for linked in (True, False):
            got = analytics._daily_sum(store, start, end, ids, tag, linked=linked, rated=True)
            assert got["day"].tolist() == want["day"].tolist()
            for c in ("balance_usd", "income_usd", "expense_usd"):
                assert got[c].isna().tolist() == want[c].isna().tolist(), c
                assert got[c].fillna(0).to_numpy() == pytest.approx(want[c].fillna(0).to_numpy(), rel=1e-12), c
        kept = history.balance_history(store, start=start, end=end, account_ids=ids, tag=tag, currency="CNY")
        pd.testing.assert_frame_equal(kept, got, check_exact=True)


def test_the_cny_trend_in_sql_equals_the_per_account_rows_converted_and_summed(store):
    today = date.today()
    a, b, c, d = _account(store, 1, 7.2), _account(store, 2, 1.0), _account(store, 3, 6.5), _account(store, 4, 7.1)
    add_tag(store, [a, c], "team")
    for back in range(35, -1, -1):
        rows = [(a, (100 + back) * U, U, 2 * U), (b, back * U // 3, None, None)]
        if back % 3:
            rows.append((c, 7 * U + back, U // 2, None))
        if back < 6:
            rows.append((d, 2 * U, U, U))
        _write(store, today - timedelta(days=back), rows)
    _same(store)
    _same(store, tag="team")
    _same(store, ids=[b, c, 999])
    update_accounts(store, {b: {"exclude_from_total_balance": True}, c: {"exclude_from_today_income": True}})
    set_disabled(store, [d], True)
    _same(store)
    _same(store, ids=[a, d])  # a disabled account chosen: at the others' rate, out of the balance and income
    _same(store, ids=[d])  # only that one: at 1
    usd = history.balance_history(store, start=today, end=today)
    cny = history.balance_history(store, start=today, end=today, currency="CNY")
    c_usd = (7 * U + 1) / U  # c's latest balance (no refresh today); b is out of the total, d disabled
    assert usd["balance_usd"].iloc[0] == pytest.approx(100 + c_usd)
    assert cny["balance_usd"].iloc[0] == pytest.approx(100 * 7.2 + c_usd * 6.5)
    with pytest.raises(ValidationError):
        history.balance_history(store, start=today, end=today, per_account=True, currency="CNY")
