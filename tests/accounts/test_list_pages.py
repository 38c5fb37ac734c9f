"""The Accounts grid's fast paths of issue 18 agree with the one-statement query they replace: a
page is the account ids in the user's order (a top-N over the sort keys, the derived columns built
only where a filter or the sort reads them), then the grid columns of those rows alone. Sorting by
a derived column (today's check-in state, today's figures, the balance) across pages, under
filters on check-in state and attention, must give the rows, in the order and with the values the
full view gives; the command line's table and the tag lists likewise."""

from __future__ import annotations

import dataclasses

import pytest
from test_page_queries import FILTERS, mixed  # noqa: F401 - the fixture, a store with a bit of everything

from allhub_core.accounts import (
    DEFAULTS,
    SORT_CRITERIA,
    TABLE_COLUMNS,
    AccountFilter,
    account_choices,
    account_records,
    account_table,
    get_preferences,
    list_accounts,
    list_tags,
    set_pinned,
    tag_names,
    totals,
)
from allhub_core.accounts.query import ACCOUNT_VIEW, GRID_COLUMNS, order_by_sql, where_sql


def _prefs(*criteria: str, **extra):
    """Preferences with these criteria on, in this order (all of them when none are named)."""
    on = criteria or SORT_CRITERIA
    prefs = dict(DEFAULTS, **extra)
    prefs["sorting_priority"] = ([{"id": c, "enabled": True} for c in on]
                                 + [{"id": c, "enabled": False} for c in SORT_CRITERIA if c not in on])
    return prefs


PREFS = [
    _prefs(),
    _prefs("check_in_requirement"),
    _prefs("check_in_requirement", "health_status", sort_field="consumption", sort_order="asc"),
    _prefs("user_sort_field", sort_field="income", sort_order="desc"),
    _prefs("pinned", "user_sort_field", "manual_order", sort_field="balance", currency="CNY", sort_order="asc"),
    _prefs("disabled_account", "custom_check_in_url", "user_sort_field", sort_field="name"),
]


def _full_view(store, flt, prefs):
    """Every grid row of ``flt`` in the user's order, the old way: the whole view (every derived
    column of every account) in one statement."""
    params: list = []
    with store.read() as con:
        cur = con.execute(f"{ACCOUNT_VIEW} SELECT {GRID_COLUMNS} FROM v {where_sql(flt, params)} "
                          f"{order_by_sql(prefs)}", params)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


@pytest.fixture
def varied(mixed):  # noqa: F811 - the fixture imported above
    """``mixed`` with today's figures on some accounts and a few pins, so every sort key varies."""
    with mixed.write() as con:
        con.execute("""
            UPDATE accounts SET stats_date = CASE WHEN id % 5 = 4 THEN current_date - 1 ELSE current_date END,
                   today_consumption = (id * 7919) % 500000, today_income = (id * 104729) % 300000,
                   consumption_availability = ['complete', 'partial', 'unavailable'][1 + id % 3],
                   income_availability = ['complete', 'unavailable', 'partial'][1 + id % 3],
                   exchange_rate = 6 + (id % 4) * 0.5, redeem_url = CASE WHEN id % 6 = 0 THEN 'https://r.example' ELSE '' END,
                   custom_checkin_date = CASE WHEN id % 10 = 0 THEN current_date END""")
        con.execute("INSERT INTO manual_order SELECT id, 100 - id FROM accounts WHERE id % 4 = 1")
    set_pinned(mixed, [5, 17, 33, 60], True)
    return mixed


def _v(x):
    """A frame's missing value (NaN, NaT, NA) as None."""
    return None if x is None or x != x or str(x) in ("NaT", "<NA>") else x


@pytest.mark.parametrize("prefs", PREFS, ids=range(len(PREFS)))
@pytest.mark.parametrize("flt", [FILTERS[0], FILTERS[2], FILTERS[5]], ids=range(3))
def test_pages_are_the_full_views_rows_in_its_order(varied, flt, prefs):
    want = _full_view(varied, flt, prefs)
    pages = [list_accounts(varied, flt, prefs, limit=7, offset=o) for o in range(0, len(want) + 7, 7)]
    got = [row for page in pages for row in page.to_dict("records")]
    assert [int(r["id"]) for r in got] == [r["id"] for r in want]
    whole = list_accounts(varied, flt, prefs).to_dict("records")
    assert [int(r["id"]) for r in whole] == [r["id"] for r in want]
    # the values too: the page builds its derived columns for its rows only
    for g, w in zip(got, want, strict=True):
        for k in ("checkin_status", "pinned", "manual_position", "consumption_availability", "health_status"):
            assert _v(g[k]) == w[k], k
        for k in ("balance_usd", "balance_cny", "today_consumption_usd", "today_income_cny"):
            assert _v(g[k]) == (None if w[k] is None else pytest.approx(w[k])), k
    assert [r["id"] for r in account_records(varied, f=flt, prefs=prefs)] == [str(r["id"]) for r in want]
    assert [int(i) for i in account_choices(varied, flt, prefs)["id"]] == [r["id"] for r in want]
    assert [r[0] for r in account_table(varied, flt, prefs)] == [r["id"] for r in want]


def test_the_table_and_the_records_agree_on_every_column(varied):
    prefs = get_preferences(varied)
    flt = AccountFilter(status="all")
    recs = account_records(varied, f=flt, prefs=prefs)
    as_table = [tuple(",".join(r["tags"]) if k == "tags" else (int(r["id"]) if k == "id" else r[k])
                      for k in TABLE_COLUMNS) for r in recs]
    assert account_table(varied, flt, prefs) == as_table


def test_the_pages_count_is_the_totals_count(varied):
    for flt in FILTERS:
        n = len(_full_view(varied, flt, _prefs()))
        assert totals(varied, flt)["accounts"] == n
        assert totals(varied, dataclasses.replace(flt))["accounts"] == n


def test_tag_lists_count_each_account_once(varied):
    with varied.write() as con:  # a link written twice (no constraint forbids it) counts once
        con.execute("INSERT INTO account_tags SELECT account_id, tag_id FROM account_tags LIMIT 3")
        want = dict(con.execute("SELECT t.name, count(DISTINCT lk.account_id) FROM tags t "
                                "LEFT JOIN account_tags lk ON lk.tag_id = t.id GROUP BY t.name").fetchall())
        con.execute("INSERT INTO tags (name, name_key) VALUES ('Zero', 'zero')")
    tags = list_tags(varied)
    assert {t["name"]: t["count"] for t in tags} == {**want, "Zero": 0}
    assert [t["name"] for t in tags] == tag_names(varied) == sorted(tag_names(varied), key=str.casefold)


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Shanghai"])
def test_the_records_times_are_duckdbs_own(varied, zone):
    """``account_records`` reads the timestamps as integers and makes them datetimes itself:
    the same instants, zones and offsets (a fall-back hour's second pass included) as DuckDB's."""
    with varied.write() as con:
        con.execute("UPDATE accounts SET last_sync_time = TIMESTAMPTZ '2026-11-01 06:30:00.000001+00' WHERE id % 3 = 0")
        con.execute("UPDATE accounts SET created_at = TIMESTAMPTZ '2026-11-01 05:30:00+00' WHERE id % 3 = 1")
    with varied.session():  # one open of the file: the zone holds for every read of the test
        with varied.read() as con:
            con.execute(f"SET GLOBAL TimeZone = '{zone}'")
            assert con.execute("SELECT current_setting('TimeZone')").fetchone()[0] == zone
        flt, prefs = AccountFilter(status="all"), _prefs()
        got = account_records(varied, f=flt, prefs=prefs)
        want = {r["id"]: r for r in _full_view(varied, flt, prefs)}
    for rec in got:
        w = want[int(rec["id"])]
        for k in ("last_sync_time", "created_at", "updated_at"):
            assert rec[k] == (None if w[k] is None else w[k].isoformat()), k
    assert any(rec["last_sync_time"] is None for rec in got)
    assert len({rec["created_at"][-6:] for rec in got}) == (1 if zone in ("UTC", "Asia/Shanghai") else 2)
