"""The fast page queries of issue 18 agree with the slower rules they replace, on a store with a
bit of everything: facets in one pass against a count per value, the Check-in page's counts and
pages against ``todays_checkins``, the first rows of ``attention_page`` against
``attention_rows``, and the summed balance history against the per-account one."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pandas as pd
import pytest

from allhub_core.accounts import (
    CHECKIN_FILTER_STATES,
    AccountFilter,
    attention_page,
    attention_rows,
    checkin_page,
    checkin_row,
    count_accounts,
    facet_counts,
    list_tags,
    set_preference,
)
from allhub_core.history import balance_history
from allhub_core.sync import todays_checkins
from allhub_core.vocab import CheckInResult

N = 90
SITE_TYPES = ["new-api", "one-api", "veloera", "sub2api"]


@pytest.fixture
def mixed(store):
    """N accounts: site types, health, disabled, exclusions, manual balances, tags, check-in
    states and today's log, and 20 days of snapshots with gaps and missing quotas."""
    with store.write() as con:
        con.execute(f"""
            INSERT INTO accounts (site_name, site_url, site_type, user_id, quota, health_status, health_reason,
                                  disabled, exclude_from_total_balance, exclude_from_today_income, manual_balance_usd,
                                  checkin_supported, checkin_status, checkin_date, checkin_url, last_sync_time,
                                  checkin_method, auto_checkin)
            SELECT 'site ' || i, 'https://s' || (i % 7) || '.example', {SITE_TYPES}[1 + i % 4], CAST(i AS VARCHAR),
                   CAST(i * 37000 % 9000000 AS BIGINT),
                   ['healthy', 'warning', 'error', 'unknown'][1 + i % 4], CASE WHEN i % 4 IN (1, 2) THEN 'why ' || i ELSE '' END,
                   i % 9 = 0, i % 11 = 0, i % 13 = 0, CASE WHEN i % 17 = 0 THEN 0.5 END,
                   CASE WHEN i % 5 = 0 THEN false WHEN i % 5 = 1 THEN NULL ELSE true END,
                   ['checked', 'not_checked', 'unknown'][1 + i % 3], CASE WHEN i % 6 < 4 THEN current_date END,
                   CASE WHEN i % 8 = 0 THEN 'https://s.example/ci' ELSE '' END,
                   CASE WHEN i % 10 = 3 THEN NULL ELSE now() END,
                   CASE WHEN i % 15 = 0 THEN 'custom' ELSE 'auto' END, i % 12 <> 0
            FROM range({N}) r(i)""")
        con.execute("""
            INSERT INTO checkin_log (account_id, day, result, message, checkin_url)
            SELECT id, current_date - CAST(id % 2 AS INTEGER), ['success', 'already_checked', 'failed', 'needs_browser'][1 + id % 4],
                   'msg ' || id, CASE WHEN id % 3 = 0 THEN 'https://s.example/page' END
            FROM accounts WHERE id % 3 <> 1""")
        con.execute("""
            INSERT INTO checkin_log (account_id, day, result, message)
            SELECT id, current_date, 'failed', 'later ' || id FROM accounts WHERE id % 7 = 0""")
        con.execute("""
            INSERT INTO balance_snapshots (account_id, day, quota, consumption, income)
            SELECT a.id, current_date - CAST(d AS INTEGER), CASE WHEN (a.id + d) % 9 = 0 THEN NULL ELSE a.id * 1000 + d * 10 END,
                   CASE WHEN (a.id * d) % 5 = 0 THEN NULL ELSE d * 3 END, CASE WHEN (a.id + d) % 4 = 0 THEN NULL ELSE d END
            FROM accounts a, range(20) r(d)
            WHERE NOT ((a.id % 5 = 0 AND d BETWEEN 4 AND 7) OR (a.id % 6 = 0 AND d < 3) OR (a.id % 7 = 0 AND d > 12))""")
    for i, name in enumerate(["vip", "Team", "cheap"]):
        with store.write() as con:
            con.execute("INSERT INTO tags (name, name_key) VALUES (?, ?)", [name, name.casefold()])
            con.execute("INSERT INTO account_tags SELECT id, (SELECT id FROM tags WHERE name = ?) FROM accounts "
                        "WHERE id % (? + 2) = 0", [name, i])
    set_preference(store, "low_balance_usd", 10.0)
    return store


FILTERS = [
    AccountFilter(),
    AccountFilter(tags=["vip", "cheap"], status="enabled", search="site 1"),
    AccountFilter(health=["error", "never_synced"], checkin=["checked", "outdated"]),
    AccountFilter(attention=True, site_types=["new-api", "one-api"], status="disabled"),
    AccountFilter(search="s3.example", ids=[1, 2, 3, 10, 11, 40, 77]),
    AccountFilter(checkin=["not_checked", "unsupported"], attention=True),
]


@pytest.mark.parametrize("flt", FILTERS, ids=range(len(FILTERS)))
def test_facets_in_one_pass_equal_a_count_per_value(mixed, flt):
    got = facet_counts(mixed, flt)

    def count(**change):
        return count_accounts(mixed, dataclasses.replace(flt, **change))

    want = {
        "tags": {t["name"]: count(tags=[t["name"]]) for t in list_tags(mixed)},
        "site_types": {s: count(site_types=[s]) for s in SITE_TYPES},
        "health": {h: count(health=[h]) for h in ("healthy", "warning", "error", "unknown")},
        "status": {s: count(status=s) for s in ("enabled", "disabled")},
        "checkin": {k: count(checkin=[k]) for k in CHECKIN_FILTER_STATES},
        "attention": {"attention": count(attention=True)},
    }
    nonzero = {k: {v: n for v, n in d.items() if n} for k, d in want.items() if k not in ("checkin", "attention")}
    assert {k: {v: n for v, n in got[k].items() if n} for k in nonzero} == nonzero
    assert got["checkin"] == want["checkin"] and got["attention"] == want["attention"]


def test_checkin_page_counts_and_pages_agree_with_todays_checkins(mixed):
    rows = todays_checkins(mixed)
    page = checkin_page(mixed, limit=7, offset=14)
    assert page.total == page.matching == len(rows)
    assert page.results == {
        r.value: sum(1 for x in rows if x["result"] == r.value
                     or (r is CheckInResult.UNSUPPORTED and not x["result"] and x["state"] == "unsupported"))
        for r in CheckInResult}
    assert page.attention == sum(1 for x in rows if x["attention"])
    assert page.rows == rows[14:21]
    assert not hasattr(page, "names")  # no list of every enabled account: the page's picker searches
    assert page.by_hand == {x["id"]: x["site_name"] for x in rows if x["checkin_url"] and x["state"] != "checked"}
    needing = [x for x in rows if x["attention"]]
    only = checkin_page(mixed, attention_only=True, limit=5, offset=5)
    assert only.matching == len(needing) and only.rows == needing[5:10]
    assert checkin_row(mixed, rows[3]["id"]) == rows[3]
    assert checkin_row(mixed, 10) is None  # disabled (every ninth)


def test_attention_page_is_the_first_rows_of_attention_rows(mixed):
    every = attention_rows(mixed)
    assert len(every) > 20
    for limit in (1, 5, 20, None):
        rows, total = attention_page(mixed, limit)
        assert total == len(every)
        assert rows == (every if limit is None else every[:limit])


@pytest.mark.parametrize("back, length, tag, ids", [
    (19, 20, None, None), (10, 4, None, None), (30, 31, None, None), (5, 1, "vip", None),
    (12, 10, None, [3, 5, 6, 7, 14, 20, 35]), (25, 8, "team", None),
])
def test_summed_balance_history_equals_the_per_account_sum(mixed, back, length, tag, ids):
    today = date.today()
    start, end = today - timedelta(days=back), today - timedelta(days=back - length + 1)
    summed = balance_history(mixed, start=start, end=end, tag=tag, account_ids=ids)
    per = balance_history(mixed, start=start, end=end, tag=tag, account_ids=ids, per_account=True)
    with mixed.read() as con:
        flags = con.execute("SELECT id AS account_id, exclude_from_total_balance AS xb, "
                            "exclude_from_today_income AS xi FROM accounts").df()
    per = per.merge(flags, on="account_id")
    if ids is not None:
        per["xb"] = per["xi"] = False
    want = []
    for day, g in per.groupby("day", sort=True):
        bal, inc, exp = g.loc[~g["xb"], "balance_usd"], g.loc[~g["xi"], "income_usd"], g["expense_usd"]
        net = (inc.fillna(0).sum() - exp.fillna(0).sum()) if inc.notna().any() or exp.notna().any() else None
        want.append({"day": day, "balance_usd": bal.sum() if bal.notna().any() else None,
                     "income_usd": inc.sum() if inc.notna().any() else None,
                     "expense_usd": exp.sum() if exp.notna().any() else None, "net_usd": net})
    want_frame = pd.DataFrame(want, columns=["day", "balance_usd", "income_usd", "expense_usd", "net_usd"])
    assert list(summed["day"]) == list(want_frame["day"])
    pd.testing.assert_frame_equal(summed.drop(columns="day").astype(float).reset_index(drop=True),
                                  want_frame.drop(columns="day").astype(float), check_exact=False)
