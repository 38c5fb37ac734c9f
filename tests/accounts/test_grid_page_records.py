"""Issue 18's narrower reads agree with the wider ones they replace, on the same store:

- the Accounts page's grid reads only the columns ``grid_frame`` shows (``grid_page``): the frame
  it makes is ``grid_frame`` of ``list_accounts``' page, cell for cell, in either currency;
- ``account_records`` reads each record's values in SQL: they are what ``record`` makes of the
  grid row in Python (the way records were made before), every key, value and type.
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from test_list_pages import PREFS, varied  # noqa: F401 - the fixture, a store whose every sort key varies
from test_page_queries import FILTERS, mixed  # noqa: F401 - the fixture under ``varied``

from allhub_core.accounts import AccountFilter, account_records, grid_frame, grid_page, list_accounts
from allhub_core.accounts.records import record


@pytest.mark.parametrize("currency", ["USD", "CNY"])
@pytest.mark.parametrize("prefs", PREFS[:4], ids=range(4))
@pytest.mark.parametrize("flt", [FILTERS[0], FILTERS[2], FILTERS[5]], ids=range(3))
def test_the_grid_page_makes_the_same_frame(varied, flt, prefs, currency):  # noqa: F811
    n = len(list_accounts(varied, flt, prefs))
    for offset in range(0, n + 7, 7):
        want = grid_frame(list_accounts(varied, flt, prefs, limit=7, offset=offset), currency, selected=True)
        got = grid_frame(grid_page(varied, flt, prefs, currency, limit=7, offset=offset), currency, selected=True)
        pd.testing.assert_frame_equal(got, want)


def _python_records(store, flt, prefs) -> list[dict]:
    """The records the old way: every grid column of every account, made a record in Python."""
    return [record(row) for row in list_accounts(store, flt, prefs).to_dict("records")]


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("prefs", PREFS[:3], ids=range(3))
@pytest.mark.parametrize("flt", [AccountFilter(status="all"), FILTERS[1], FILTERS[4]], ids=range(3))
def test_the_records_are_what_record_makes_of_the_grid_rows(varied, flt, prefs):  # noqa: F811
    with varied.write() as con:  # a manual balance, a plan, a time with no fraction of a second
        con.execute("UPDATE accounts SET manual_balance_usd = 12.345 WHERE id % 7 = 0")
        con.execute("UPDATE accounts SET subscription_quota = id * 1000 WHERE id % 5 = 0")
        con.execute("UPDATE accounts SET created_at = TIMESTAMPTZ '2026-11-01 05:30:00+00' WHERE id % 3 = 1")
    got, want = account_records(varied, f=flt, prefs=prefs), _python_records(varied, flt, prefs)
    assert [list(r) for r in got] == [list(r) for r in want]  # the keys, in order
    for g, w in zip(got, want, strict=True):
        for k in w:
            assert _same(g[k], w[k]), (k, g[k], w[k])
    assert json.dumps(got) == json.dumps(want)
    if flt == AccountFilter(status="all"):  # every account: the changes above are in it
        assert any(r["manual_balance_usd"] == 12.345 for r in got) and any(r["subscription_quota"] for r in got)


def test_records_of_chosen_ids_and_an_empty_choice(varied):  # noqa: F811
    ids = [r["id"] for r in account_records(varied, f=AccountFilter(status="all"))][:5]
    assert [r["id"] for r in account_records(varied, ids=[int(i) for i in reversed(ids)])] == ids  # the user's order
    assert account_records(varied, ids=[]) == []
