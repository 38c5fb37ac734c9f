"""The Models page's results kept in the process (``prices.memo``) are what a fresh computation
gives after every kind of write they read: a models sync that stores other prices at the very same
time, a balance, a top-up rate, a site name, a tag, a deleted account. And ``model_count``'s one
pass says what the whole list (``model_frame`` without a page) holds, under every filter."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from allhub_core.accounts import AccountInput, add_account, add_tag, delete_accounts, update_accounts
from allhub_core.prices import memo, model_accounts, model_count, model_facets, model_frame, model_sites, rebuild_offers

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def _account(store, site, user, *, rate, balance):
    return add_account(store, AccountInput(site_url=f"https://{site}.example", site_name=site.title(), user_id=user,
                                           access_token="t" * 24, exchange_rate=rate, manual_balance_usd=balance))


def _store_prices(store, account_id, ratio):
    """Two groups and four models (two spellings of one), every time stamped ``NOW``."""
    with store.write() as con:
        con.execute("DELETE FROM account_groups WHERE account_id = ?", [account_id])
        con.execute("DELETE FROM model_prices WHERE account_id = ?", [account_id])
        con.executemany("INSERT INTO account_groups (account_id, grp, ratio, usable, fetched_at) "
                        "VALUES (?, ?, ?, true, ?)", [(account_id, "default", 1.0, NOW), (account_id, "vip", 0.5, NOW)])
        con.executemany("""INSERT INTO model_prices (account_id, model, vendor, billing, model_ratio, completion_ratio,
                              model_price, cache_ratio, enable_groups, endpoints, fetched_at)
                           VALUES (?, ?, 'V', ?, ?, 4, ?, NULL, [], [], ?)""",
                        [(account_id, "gpt-4o" if account_id % 2 else "GPT-4o", "tokens", ratio, None, NOW),
                         (account_id, "claude", "tokens", 2 * ratio, None, NOW),
                         (account_id, "mj", "call", None, 0.1 * ratio, NOW),
                         (account_id, "tiered-x", "tiered", None, None, NOW)])
        rebuild_offers(con, [account_id])


@pytest.fixture
def ids(store):
    made = []
    for n, (site, user, rate, balance) in enumerate([("alpha", "1", 7.2, 10.0), ("alpha", "2", 3.6, 4.0),
                                                     ("beta", "1", 1.8, None), ("gamma", "1", 7.2, 2.0)]):
        made.append(_account(store, site, user, rate=rate, balance=balance))
        _store_prices(store, made[-1], 1.0 + n * 0.5)
    add_tag(store, made[:2], "main")
    return made


def _results(store):
    """What the page asks, in a few of its forms."""
    frames = [model_frame(store, best_only=True, real=real, sort=sort, limit=3, offset=offset)
              for real in (False, True) for sort in ("cheapest", "balance", "site") for offset in (0, 3)]
    frames += [model_frame(store, tags=["main"], sort="input", limit=5), model_frame(store, text="beta")]
    sites = [model_sites(store, m, real=real) for m in ("gpt-4o", "mj") for real in (False, True)]
    counts = [model_count(store, best_only=True), model_count(store, tags=["main"]), model_count(store, text="alp"),
              model_accounts(store, "", [], limit=3), model_accounts(store, "a", [4])]
    return frames, sites, counts, model_facets(store)


def _same(kept, fresh):
    for a, b in zip(kept[0] + kept[1], fresh[0] + fresh[1], strict=True):
        pd.testing.assert_frame_equal(a, b)
    assert kept[2:] == fresh[2:]


def _fresh(store):
    memo.forget()
    return _results(store)


@pytest.mark.parametrize("change", ["prices", "balance", "rate", "name", "tag", "delete"])
def test_a_kept_result_is_a_fresh_one_after_each_write(store, ids, change):
    memo.forget()
    before = _results(store)
    _same(_results(store), before)  # the second asking is the kept one, and the same
    if change == "prices":
        _store_prices(store, ids[0], 0.1)  # the same models at the same time, other prices
    elif change == "balance":
        update_accounts(store, {ids[3]: {"manual_balance_usd": 500.0}})
    elif change == "rate":
        update_accounts(store, {ids[0]: {"exchange_rate": 0.5}})
    elif change == "name":
        update_accounts(store, {ids[2]: {"site_name": "Aardvark"}})
    elif change == "tag":
        add_tag(store, [ids[3]], "main")
    else:
        delete_accounts(store, [ids[1]])
    after = _results(store)
    fresh = _fresh(store)
    _same(after, fresh)
    with pytest.raises(AssertionError):
        _same(before, fresh)  # the write changed what the page shows


def _counted(frame, named):
    """The counts of ``frame``; each model's name its first spelling among ``named`` (the rows of
    the model filter alone: every spelling of a model the other filters keep)."""
    keys = set(frame["model"].str.lower())
    spellings = named.groupby(named["model"].str.lower())["model"].min().sort_index()
    return {"rows": len(frame), "models": len(keys), "accounts": frame["account_id"].nunique(),
            "names": [n for k, n in spellings.items() if k in keys]}


@pytest.mark.parametrize("filters", [{}, {"text": "beta"}, {"billing": "call"}, {"group": "vip"}, {"model": "GPT"},
                                     {"tags": ["main"]}, {"vendor": "v"}, {"text": "nothing-like-it"}])
@pytest.mark.parametrize("best_only", [False, True])
def test_the_counts_are_those_of_the_whole_list(store, ids, filters, best_only):
    with store.session():
        whole = model_frame(store, best_only=best_only, **filters)
        named = model_frame(store, model=filters.get("model"))
        assert model_count(store, best_only=best_only, **filters) == _counted(whole, named)
