"""The Models page's fast paths against the plain query on the same rows: a page cut in SQL
(``model_frame(limit=, offset=)``, which first bounds the rows by the page's last leading sort
key) is exactly that slice of the whole list, in every sort, on both price bases, across ties
at the page's edge and the rows without a price; one model on every site (``model_sites``) is
each site's cheapest account of that model's rows; the facets say whether any model is stored."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from allhub_core.accounts import AccountInput, add_account
from allhub_core.prices import SORTS, model_facets, model_frame, model_sites, rebuild_offers

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def _account(store, site, user, *, rate, balance):
    return add_account(store, AccountInput(site_url=f"https://{site}.example", site_name=site.title(), user_id=user,
                                           access_token="t" * 24, exchange_rate=rate, manual_balance_usd=balance))


def _store_prices(store, account_id, groups, models):
    """``groups``: (name, ratio) each, all usable; ``models``: (model, billing, model_ratio,
    completion_ratio, model_price, cache_ratio) each."""
    with store.write() as con:
        con.executemany("INSERT INTO account_groups (account_id, grp, ratio, usable, fetched_at) VALUES (?, ?, ?, true, ?)",
                        [(account_id, g, r, NOW) for g, r in groups])
        con.executemany("""INSERT INTO model_prices (account_id, model, vendor, billing, model_ratio, completion_ratio,
                              model_price, cache_ratio, enable_groups, endpoints, fetched_at)
                           VALUES (?, ?, 'V', ?, ?, ?, ?, ?, [], [], ?)""",
                        [(account_id, *m, NOW) for m in models])
        rebuild_offers(con, [account_id])


@pytest.fixture
def many(store):
    """Nine accounts on four sites (two to three accounts a site), equal prices and balances on
    several of them (ties at a page's edge), per-call, tiered and unknown rows (no price), a cache
    price on some, two spellings of one model, two groups each."""
    spec = [("alpha", "1", 7.2, 10.0), ("alpha", "2", 3.6, 10.0), ("beta", "1", 7.2, None), ("beta", "2", 1.8, 5.0),
            ("beta", "3", 7.2, 5.0), ("gamma", "1", 7.2, 20.0), ("gamma", "2", 7.2, 0.0), ("delta", "1", 2.0, 10.0),
            ("delta", "2", 7.2, 1.0)]
    ids = []
    for n, (site, user, rate, balance) in enumerate(spec):
        aid = _account(store, site, user, rate=rate, balance=balance)
        ids.append(aid)
        r = 1.0 + (n % 3) * 0.5  # three price levels: ties on every level
        _store_prices(store, aid, [("default", 1.0), ("vip", 0.5 if n % 2 else 1.0)], [
            ("gpt-4o" if n % 4 else "GPT-4o", "tokens", r, 4, None, 0.5 if n % 2 else None),
            ("claude", "tokens", 2 * r, 5, None, None),
            ("mj", "call", None, None, 0.1 * (1 + n % 2), None),
            ("tiered-x", "tiered", 1.0, None, None, None),
            ("odd", "unknown" if n % 3 else "tokens", 1.0 if n % 3 == 0 else None, None, None, None),
        ])
    return ids


def _same(page, rows, what):
    """``page`` holds exactly ``rows`` (an empty page past the end: no rows at all)."""
    if rows.empty:
        assert page.empty, what
        return
    pd.testing.assert_frame_equal(page, rows.reset_index(drop=True), obj=what)


def test_every_page_is_that_slice_of_the_whole_list(store, many):
    """In each sort and price basis (each account's best group; every group in two sorts): pages
    of 5 rows at every fourth offset, and a page of 1, are the whole list's rows there, cheapest
    mark included (one session: the file opened once for the lot)."""
    cases = [(True, sort, real) for sort in SORTS for real in (False, True)]
    cases += [(False, "cheapest", False), (False, "input", True)]
    with store.session():
        for best_only, sort, real in cases:
            whole = model_frame(store, best_only=best_only, sort=sort, real=real)
            assert len(whole) > 20
            for limit, offsets in ((5, range(0, len(whole) + 2, 4)), (1, (7, len(whole) - 1))):
                for offset in offsets:
                    page = model_frame(store, best_only=best_only, sort=sort, real=real, limit=limit, offset=offset)
                    _same(page, whole.iloc[offset:offset + limit], f"{sort} real={real} best={best_only} {offset}+{limit}")


def test_a_filtered_page_is_that_slice_of_the_filtered_list(store, many):
    with store.session():
        for filters in ({"text": "beta"}, {"billing": "tokens"}, {"account_ids": many[:4]}, {"group": "vip"},
                        {"model": "GPT"}):
            for sort in ("cheapest", "input", "balance", "site"):
                whole = model_frame(store, sort=sort, real=True, **filters)
                for offset in range(0, len(whole), 3):
                    page = model_frame(store, sort=sort, real=True, limit=3, offset=offset, **filters)
                    _same(page, whole.iloc[offset:offset + 3], f"{filters} {sort} {offset}")


def _sites_by_hand(store, model, real):
    """``model_sites`` worked out from ``model_frame``'s rows: per site, the account with the lowest
    blended price (then the lowest id), how many accounts there and their balances summed."""
    rows = model_frame(store, model=model, best_only=True, real=real)
    rows = rows[rows["model"].str.lower() == model.lower()].copy()
    with store.read() as con:
        urls = dict(con.execute("SELECT id, site_url FROM accounts").fetchall())
    rows["site_url"] = rows["account_id"].map(urls)
    blend = (rows["input_usd_per_1m"] * 84.54 + rows["output_usd_per_1m"] * 15.46).fillna(rows["call_usd"])
    rows["key"] = blend * (rows["exchange_rate"] if real else 1)
    rows = rows.sort_values(["key", "account_id"], na_position="last")
    first = rows.groupby("site_url", sort=False).head(1).set_index("site_url")
    first["accounts"] = rows.groupby("site_url").size()
    first["balance_usd"] = rows.groupby("site_url")["balance_usd"].sum(min_count=1)
    first["lower_name"] = first["site_name"].str.lower()
    first = first.reset_index().sort_values(["comparable", "key", "lower_name", "site_url"],
                                            ascending=[False, True, True, True], na_position="last")
    return first


@pytest.mark.parametrize("model", ["gpt-4o", "CLAUDE", "mj", "odd", "tiered-x"])
@pytest.mark.parametrize("real", [False, True])
def test_one_model_on_every_site_is_each_sites_cheapest_account(store, many, model, real):
    sites = model_sites(store, model, real=real)
    expected = _sites_by_hand(store, model, real)
    assert sites["site_url"].tolist() == expected["site_url"].tolist()
    assert sites["account_id"].tolist() == expected["account_id"].tolist()
    assert sites["accounts"].tolist() == expected["accounts"].tolist()
    assert sites["cheapest"].tolist() == expected["cheapest"].tolist()
    assert sites["group"].tolist() == expected["group"].tolist()
    pd.testing.assert_series_equal(sites["balance_usd"].reset_index(drop=True),
                                   expected["balance_usd"].reset_index(drop=True), check_names=False)
    assert sites["tags"].map(list).tolist() == [[]] * len(sites)


def test_the_facets_say_whether_any_model_is_stored(store):
    aid = _account(store, "alpha", "1", rate=7.2, balance=1.0)
    assert model_facets(store)["stored"] is False and model_facets(store)["models"] == []
    _store_prices(store, aid, [("default", 1.0)], [("GPT-4o", "tokens", 1.0, 4, None, None)])
    assert model_facets(store)["stored"] is True and model_facets(store)["models"] == ["GPT-4o"]
    assert model_facets(store, models=False)["models"] == []
