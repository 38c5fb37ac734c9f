"""Prices as SQL on a real DuckDB file: known stored rows, prices equal to numbers worked out by
hand with the extension's formulas (per token, per call, cache, group ratios), the best group and
its tie by name, the cheapest across sites, tiered and unknown rows never comparable, what an
account really pays after its top-up rate, and the filters."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from allhub_core.accounts import AccountInput, add_account, delete_accounts
from allhub_core.errors import ValidationError
from allhub_core.prices import (
    MODEL_COLUMNS,
    GroupRecord,
    PriceRecord,
    model_accounts,
    model_count,
    model_facets,
    model_frame,
    model_rows,
    model_sites,
    model_syncs,
    rebuild_offers,
    store_models,
)

CONTRACT = ["model", "account_id", "site_name", "group", "billing", "input_usd_per_1m", "output_usd_per_1m",
            "call_usd", "effective_input_usd_per_1m", "comparable", "cheapest"]
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def _account(store, name, *, rate=7.2, tags=(), balance=None):
    return add_account(store, AccountInput(site_url=f"https://{name.lower().replace(' ', '')}.example",
                                           site_name=name, user_id="1", access_token="t" * 24, exchange_rate=rate,
                                           tags=list(tags), manual_balance_usd=balance))


def _groups(store, account_id, groups):
    """``groups``: (name, ratio or None, usable) each."""
    with store.write() as con:
        con.executemany("INSERT INTO account_groups (account_id, grp, ratio, usable, fetched_at) VALUES (?, ?, ?, ?, ?)",
                        [(account_id, g, r, u, NOW) for g, r, u in groups])
        rebuild_offers(con, [account_id])  # as store_models does


def _model(store, account_id, model, billing="tokens", *, vendor="", model_ratio=None, completion_ratio=None,
           model_price=None, cache_ratio=None, create_cache_ratio=None, input_usd=None, output_usd=None,
           call_usd=None, enable_groups=()):
    with store.write() as con:
        con.execute("""INSERT INTO model_prices (account_id, model, vendor, billing, model_ratio, completion_ratio,
                           model_price, cache_ratio, create_cache_ratio, input_usd_per_1m, output_usd_per_1m, call_usd,
                           enable_groups, endpoints, fetched_at)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, [], ?)""",
                    [account_id, model, vendor, billing, model_ratio, completion_ratio, model_price, cache_ratio,
                     create_cache_ratio, input_usd, output_usd, call_usd, list(enable_groups), NOW])
        rebuild_offers(con, [account_id])  # as store_models does


def _row(rows, account_id, group):
    found = [r for r in rows if r["account_id"] == account_id and r["group"] == group]
    assert len(found) == 1, found
    return found[0]


def test_per_token_prices_with_group_ratio_and_cache(store):
    a = _account(store, "Relay A")
    _groups(store, a, [("default", 1.0, True), ("vip", 0.5, True)])
    _model(store, a, "gpt-4o", vendor="OpenAI", model_ratio=1.25, completion_ratio=4, cache_ratio=0.5,
           create_cache_ratio=1.25)
    rows = model_rows(store)
    assert list(rows[0]) == MODEL_COLUMNS and MODEL_COLUMNS[:len(CONTRACT)] == CONTRACT
    default, vip = _row(rows, a, "default"), _row(rows, a, "vip")
    # 1.25 × 2 × 1 = 2.5 USD per 1M input; × 4 = 10 output; cache 2.5 × 0.5 and 2.5 × 1.25
    assert default["input_usd_per_1m"] == pytest.approx(2.5)
    assert default["output_usd_per_1m"] == pytest.approx(10.0)
    assert default["cache_read_usd_per_1m"] == pytest.approx(1.25)
    assert default["cache_write_usd_per_1m"] == pytest.approx(3.125)
    assert default["call_usd"] is None and default["billing"] == "tokens" and default["comparable"] is True
    # the vip group halves everything
    assert vip["input_usd_per_1m"] == pytest.approx(1.25) and vip["output_usd_per_1m"] == pytest.approx(5.0)
    assert vip["group_ratio"] == 0.5 and vip["vendor"] == "OpenAI"
    # the cheaper group is the account's best and the cross-site cheapest, listed first
    assert [r["group"] for r in rows] == ["vip", "default"]
    assert vip["best_group"] and not default["best_group"]
    assert vip["cheapest"] and not default["cheapest"]
    assert vip["fetched_at"] == NOW.isoformat()


def test_negative_cache_ratio_is_no_price_and_site_usd_replaces_the_ratio(store):
    a = _account(store, "Relay A")
    _groups(store, a, [("default", 2.0, True)])
    _model(store, a, "claude", model_ratio=1, completion_ratio=5, cache_ratio=-1, input_usd=3.0, output_usd=15.0)
    row = model_rows(store)[0]
    assert row["input_usd_per_1m"] == 3.0 and row["output_usd_per_1m"] == 15.0  # not × the group ratio
    assert row["cache_read_usd_per_1m"] is None and row["cache_write_usd_per_1m"] is None


def test_per_call_price_is_model_price_times_group_ratio(store):
    a = _account(store, "Relay A")
    _groups(store, a, [("default", 1.5, True)])
    _model(store, a, "mj-imagine", "call", model_price=0.1)
    _model(store, a, "dall-e", "call", call_usd=0.04)
    rows = {r["model"]: r for r in model_rows(store)}
    assert rows["mj-imagine"]["call_usd"] == pytest.approx(0.15)
    assert rows["mj-imagine"]["input_usd_per_1m"] is None and rows["mj-imagine"]["comparable"] is True
    assert rows["dall-e"]["call_usd"] == pytest.approx(0.04)


def test_groups_supported_usable_priceable_and_the_fallback(store):
    a = _account(store, "Usable known")
    _groups(store, a, [("default", 1.0, True), ("vip", 0.8, False), ("svip", None, True), ("cheap", 0.1, True)])
    _model(store, a, "m", model_ratio=1, enable_groups=["default", "vip", "svip"])  # cheap: not supported
    assert [r["group"] for r in model_rows(store, account_ids=[a])] == ["default"]
    b = _account(store, "No usable group")
    _groups(store, b, [("default", 1.0, False), ("vip", 0.8, False), ("x", None, False)])
    _model(store, b, "m", model_ratio=1)  # empty enable_groups: every group
    assert sorted(r["group"] for r in model_rows(store, account_ids=[b])) == ["default", "vip"]
    c = _account(store, "No groups told")
    _model(store, c, "m", model_ratio=1)
    only = model_rows(store, account_ids=[c])
    assert [(r["group"], r["input_usd_per_1m"]) for r in only] == [("", 2.0)]


def test_best_group_ties_by_group_name(store):
    a = _account(store, "Relay A")
    _groups(store, a, [("zeta", 0.5, True), ("alpha", 0.5, True), ("default", 1.0, True)])
    _model(store, a, "m", model_ratio=1)
    rows = model_rows(store)
    assert [(r["group"], r["best_group"]) for r in rows] == [("alpha", True), ("zeta", False), ("default", False)]
    # both equal groups are the cheapest of all sites
    assert [r["cheapest"] for r in rows] == [True, True, False]
    best = model_frame(store, best_only=True)
    assert best["group"].tolist() == ["alpha"]


def test_cheapest_across_sites_with_the_default_weights(store):
    a, b, c = _account(store, "Site A"), _account(store, "Site B"), _account(store, "Site C")
    for acc in (a, b, c):
        _groups(store, acc, [("default", 1.0, True)])
    # A: input 2, output 8  -> 2 × 84.54 + 8 × 15.46 = 292.76
    # B: input 3, output 3  -> 3 × 84.54 + 3 × 15.46 = 300.00 (cheaper output, dearer blend)
    # C: input 1.6, output 9.6 -> 135.264 + 148.416 = 283.68 (the cheapest)
    _model(store, a, "gpt-4o", model_ratio=1, completion_ratio=4)
    _model(store, b, "gpt-4o", model_ratio=1.5, completion_ratio=1)
    _model(store, c, "GPT-4o", model_ratio=0.8, completion_ratio=6)
    rows = model_rows(store)
    assert [r["site_name"] for r in rows] == ["Site C", "Site A", "Site B"]
    assert [r["cheapest"] for r in rows] == [True, False, False]
    # filtering by account keeps the mark of all sites: A is not the cheapest anywhere
    assert [r["cheapest"] for r in model_rows(store, account_ids=[a])] == [False]


def test_tiered_and_unknown_are_never_comparable_or_cheapest(store):
    a, b, c = _account(store, "Site A"), _account(store, "Site B"), _account(store, "Site C")
    for acc in (a, b, c):
        _groups(store, acc, [("default", 1.0, True)])
    _model(store, a, "m", "tiered", model_ratio=0.01)
    _model(store, b, "m", "unknown")
    _model(store, c, "m", model_ratio=5, completion_ratio=1)
    rows = {r["site_name"]: r for r in model_rows(store)}
    for site in ("Site A", "Site B"):
        row = rows[site]
        assert not row["comparable"] and not row["cheapest"]
        assert row["input_usd_per_1m"] is None and row["output_usd_per_1m"] is None and row["call_usd"] is None
    assert rows["Site C"]["cheapest"] and rows["Site C"]["input_usd_per_1m"] == pytest.approx(10.0)
    assert model_rows(store)[0]["site_name"] == "Site C"  # comparable first


def test_what_you_really_pay_after_the_top_up_rate(store):
    a = _account(store, "Dear quota", rate=7.2, balance=12.5)
    b = _account(store, "Cheap quota", rate=1.8)
    for acc in (a, b):
        _groups(store, acc, [("default", 1.0, True)])
    _model(store, a, "m", model_ratio=1, completion_ratio=2)    # 2 / 4 USD
    _model(store, b, "m", model_ratio=2, completion_ratio=2)    # 4 / 8 USD of quota
    _model(store, b, "c", "call", model_price=0.5)
    rows = {(r["model"], r["site_name"]): r for r in model_rows(store)}
    dear, cheap = rows[("m", "Dear quota")], rows[("m", "Cheap quota")]
    assert dear["effective_input_usd_per_1m"] == pytest.approx(2.0) and dear["balance_usd"] == 12.5
    # 4 USD of quota bought at 1.8 CNY per USD: 7.2 CNY, 1 real USD at 7.2
    assert cheap["effective_input_usd_per_1m"] == pytest.approx(1.0)
    assert cheap["effective_output_usd_per_1m"] == pytest.approx(2.0)
    assert rows[("c", "Cheap quota")]["effective_call_usd"] == pytest.approx(0.125)
    # stated prices: the dear-quota site is cheapest; in what you really pay, the other one
    assert dear["cheapest"] and not cheap["cheapest"]
    real = model_frame(store, model="m", real=True).set_index("site_name")
    assert bool(real.loc["Cheap quota", "cheapest"]) and not bool(real.loc["Dear quota", "cheapest"])
    assert real.loc["Cheap quota", "exchange_rate"] == 1.8


def test_filters(store):
    a = _account(store, "Alpha relay", tags=["work"])
    b = _account(store, "Beta relay")
    for acc in (a, b):
        _groups(store, acc, [("default", 1.0, True), ("vip", 2.0, True)])
    _model(store, a, "gpt-4o", vendor="OpenAI", model_ratio=1)
    _model(store, a, "claude-3", vendor="Anthropic", model_ratio=2)
    _model(store, b, "gpt-4o-mini", vendor="OpenAI", model_ratio=0.1)
    _model(store, b, "mj", "call", vendor="Midjourney", model_price=0.2)
    models = lambda **kw: sorted({r["model"] for r in model_rows(store, **kw)})  # noqa: E731
    assert models(model="GPT") == ["gpt-4o", "gpt-4o-mini"]
    assert models(account_ids=[b]) == ["gpt-4o-mini", "mj"]
    assert models(tags=["WORK"]) == ["claude-3", "gpt-4o"]
    assert models(vendor="openai") == ["gpt-4o", "gpt-4o-mini"]
    assert models(billing="call") == ["mj"]
    assert {r["group"] for r in model_rows(store, group="vip")} == {"vip"}
    assert models(text="beta") == ["gpt-4o-mini", "mj"]
    assert models(text="anthropic") == ["claude-3"]
    assert model_rows(store, tags=["work"])[0]["tags"] == ["work"]
    assert len(model_frame(store, best_only=True)) == 4


def test_bad_input_is_one_sentence(store):
    with pytest.raises(ValidationError, match="billing mode is one of"):
        model_rows(store, billing="per-token")
    with pytest.raises(ValidationError, match="whole number"):
        model_rows(store, account_ids=["x"])


def test_an_empty_store_has_no_rows(store):
    _account(store, "Relay A")
    assert model_rows(store) == []
    assert list(model_frame(store).columns) == MODEL_COLUMNS


def test_one_model_on_every_site_facets_and_syncs(store):
    a = _account(store, "Alpha relay", tags=["work"], balance=3.0)
    b = _account(store, "Beta relay", balance=40.0)
    for acc in (a, b):
        _groups(store, acc, [("default", 1.0, True), ("vip", 0.5, True)])
    _model(store, a, "gpt-4o", vendor="OpenAI", model_ratio=1)
    _model(store, b, "GPT-4o", vendor="OpenAI", model_ratio=0.8)
    _model(store, b, "gpt-4o-mini", model_ratio=0.1)
    sites = model_sites(store, "gpt-4o")
    # exactly that model (any case), each account's best group, cheapest first, with its balance
    assert sites["site_name"].tolist() == ["Beta relay", "Alpha relay"]
    assert sites["group"].tolist() == ["vip", "vip"]
    assert sites["input_usd_per_1m"].tolist() == pytest.approx([0.8, 1.0])
    assert sites["balance_usd"].tolist() == [40.0, 3.0]
    facets = model_facets(store)
    assert facets["vendors"] == ["OpenAI"] and facets["groups"] == ["default", "vip"] and facets["tags"] == ["work"]
    assert [x["site_name"] for x in facets["accounts"]] == ["Alpha relay", "Beta relay"]
    assert [m.lower() for m in facets["models"]] == ["gpt-4o", "gpt-4o-mini"]
    with store.write() as con:
        con.execute("INSERT INTO model_syncs VALUES (?, ?, true, 2), (?, ?, true, 1)",
                    [b, NOW.replace(hour=1), b, NOW])
    syncs = model_syncs(store).set_index("site_name")
    assert syncs.loc["Beta relay", "models"] == 1 and syncs.loc["Beta relay", "fetched_at"] == NOW
    assert syncs["fetched_at"].isna().tolist() == [True, False]  # Alpha never synced


def test_the_chart_has_one_line_per_site_whatever_the_accounts_there(store):
    """``model_sites``: two accounts on one site are one line (the cheaper account's best group
    and prices, the two balances summed, ``accounts`` 2); another site is its own line."""
    cheap = add_account(store, AccountInput(site_url="https://one.example", site_name="One", user_id="1",
                                            access_token="t" * 24, manual_balance_usd=5.0))
    dear = add_account(store, AccountInput(site_url="https://one.example", site_name="One", user_id="2",
                                           access_token="u" * 24, manual_balance_usd=7.0))
    other = _account(store, "Two", balance=1.0)
    for acc, vip in ((cheap, True), (dear, False), (other, False)):
        _groups(store, acc, [("default", 1.0, True), ("vip", 0.5, vip)])
        _model(store, acc, "gpt-4o", model_ratio=1, completion_ratio=4)
    sites = model_sites(store, "gpt-4o")
    assert sites["site_url"].tolist() == ["https://one.example", "https://two.example"]
    assert sites["accounts"].tolist() == [2, 1]
    assert sites["account_id"].tolist() == [cheap, other] and sites["group"].tolist() == ["vip", "default"]
    assert sites["input_usd_per_1m"].tolist() == pytest.approx([1.0, 2.0])
    assert sites["balance_usd"].tolist() == pytest.approx([12.0, 1.0])
    assert sites["cheapest"].tolist() == [True, False]


def test_a_page_is_cut_in_sql_in_the_chosen_order_and_counted(store):
    """The Models page reads a page of rows (``limit``/``offset``) in its sort, and
    ``model_count`` tells how many there are: the cheapest mark is still that of all sites,
    even for a row whose cheaper rival is on another page."""
    a, b, c = _account(store, "Alpha relay"), _account(store, "Beta relay", rate=3.6), _account(store, "Gamma")
    for acc, ratio in ((a, 1.0), (b, 0.5), (c, 2.0)):
        _groups(store, acc, [("default", 1.0, True)])
        _model(store, acc, "gpt-4o", model_ratio=ratio, completion_ratio=4)
        _model(store, acc, "claude", model_ratio=ratio * 3, completion_ratio=5)
    assert model_count(store, best_only=True) == {"rows": 6, "models": 2, "accounts": 3, "names": ["claude", "gpt-4o"]}
    assert model_count(store, text="gpt", best_only=True) == {"rows": 3, "models": 1, "accounts": 3,
                                                              "names": ["gpt-4o"]}
    first = model_frame(store, best_only=True, limit=2)
    assert first["model"].tolist() == ["claude", "claude"] and first["site_name"].tolist() == ["Beta relay",
                                                                                                "Alpha relay"]
    third = model_frame(store, best_only=True, limit=2, offset=2)
    assert third["model"].tolist() == ["claude", "gpt-4o"] and third["cheapest"].tolist() == [False, True]
    by_input = model_frame(store, best_only=True, sort="input")
    assert by_input["input_usd_per_1m"].tolist() == pytest.approx([1.0, 2.0, 3.0, 4.0, 6.0, 12.0])
    # what you really pay: Beta's rate of 3.6 CNY per USD halves its prices again
    real = model_frame(store, best_only=True, sort="input", real=True, limit=1)
    assert real["site_name"].tolist() == ["Beta relay"] and real["effective_input_usd_per_1m"].tolist() == [0.5]
    with pytest.raises(ValidationError, match="A sort is one of"):
        model_frame(store, sort="price")


def test_offers_follow_a_new_sync_and_a_deleted_account(store):
    """An account's offers are priced again when its models are stored again, and go with it."""
    a, b = _account(store, "Alpha relay"), _account(store, "Beta relay")
    for acc in (a, b):
        store_models(store, acc, f"https://{acc}.example", [PriceRecord("gpt-4o", "tokens", model_ratio=1)],
                     [GroupRecord("default", ratio=1.0, usable=True)])
    assert model_frame(store)["cheapest"].tolist() == [True, True]
    store_models(store, b, "https://b.example", [PriceRecord("gpt-4o", "tokens", model_ratio=0.5)],
                 [GroupRecord("default", ratio=1.0, usable=True)])
    rows = model_frame(store)
    assert rows["site_name"].tolist() == ["Beta relay", "Alpha relay"] and rows["cheapest"].tolist() == [True, False]
    delete_accounts(store, [b])
    assert model_frame(store)["cheapest"].tolist() == [True]
    with store.read() as con:
        assert con.execute("SELECT count(*) FROM model_offers WHERE account_id = ?", [b]).fetchone()[0] == 0


def test_the_account_picker_offers_a_few_accounts_with_models_the_chosen_first(store):
    """``model_accounts``: the chosen accounts, then at most ``limit`` accounts with models whose
    name holds the text, by name; an account without models is not offered."""
    ids = {}
    for name in ("Cobalt", "alpha", "Bravo", "Alpine"):
        ids[name] = _account(store, name)
        store_models(store, ids[name], "https://x.example", [PriceRecord("gpt-4o", "tokens", model_ratio=1)],
                     [GroupRecord("default", ratio=1.0, usable=True)])
    bare = _account(store, "Almost empty")
    assert list(model_accounts(store, limit=3)) == [ids["alpha"], ids["Alpine"], ids["Bravo"]]
    assert list(model_accounts(store, "ALP")) == [ids["alpha"], ids["Alpine"]]
    assert list(model_accounts(store, "alp", chosen=[ids["Cobalt"]], limit=1)) == [ids["Cobalt"], ids["alpha"]]
    assert bare not in model_accounts(store, "al")
    assert len(model_syncs(store, limit=2)) == 2 and len(model_syncs(store)) == 5
    with pytest.raises(ValidationError, match="whole number"):
        model_accounts(store, chosen=["x"])
