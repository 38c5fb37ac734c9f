"""Models page, through app.py: stored model prices shown per account's best group with the
cheapest starred, the filters reaching the SQL, sort by price, currency and "what you really pay",
the chart of one model on every site with the balance there, the empty state, and Sync models
against the sandbox sites over real HTTP."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from appsupport import button, seed, start, texts
from historysupport import charts
from shared import add_demo_account

from allhub_core.prices import model_frame, model_sites, rebuild_offers

PAGE = "pages/models.py"
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def _prices(store, account_id, groups, models):
    """``groups``: {name: ratio}, all usable; ``models``: (model, vendor, billing, model_ratio,
    completion_ratio, model_price) each."""
    with store.write() as con:
        con.executemany("INSERT INTO account_groups (account_id, grp, ratio, usable, fetched_at) VALUES (?, ?, ?, true, ?)",
                        [(account_id, g, r, NOW) for g, r in groups.items()])
        con.executemany("""INSERT INTO model_prices (account_id, model, vendor, billing, model_ratio, completion_ratio,
                              model_price, enable_groups, endpoints, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, [], [], ?)""",
                        [(account_id, *m, NOW) for m in models])
        con.execute("INSERT INTO model_syncs VALUES (?, ?, true, ?)", [account_id, NOW, len(models)])
        rebuild_offers(con, [account_id])  # as store_models does


@pytest.fixture
def sites(store):
    alpha = seed(store, "Alpha", usd=25, tags=["work"])
    bravo = seed(store, "Bravo", usd=3, rate=3.6)
    charlie = seed(store, "Charlie", usd=80)
    _prices(store, alpha, {"default": 1.0, "vip": 0.5}, [
        ("gpt-4o", "OpenAI", "tokens", 1.25, 4, None),        # vip: 1.25 / 5 USD per 1M
        ("claude-3-5", "Anthropic", "tokens", 1.5, 5, None),  # vip: 1.5 / 7.5
    ])
    _prices(store, bravo, {"default": 1.0}, [
        ("gpt-4o", "OpenAI", "tokens", 1.0, 4, None),         # 2 / 8: dearer, but bought at 3.6 CNY per USD
        ("mj-imagine", "Midjourney", "call", None, None, 0.1),
    ])
    _prices(store, charlie, {"default": 1.0}, [("gpt-4o", "OpenAI", "tiered", 1.0, 4, None)])
    return {"Alpha": alpha, "Bravo": bravo, "Charlie": charlie}


def _table(at):
    """The models grid (the syncs table below it has no model column)."""
    grids = [d.value for d in at.dataframe if "model" in d.value.columns]
    assert len(grids) == 1
    return grids[0]


def test_no_models_says_how_to_get_them(store):
    seed(store, "Alpha", usd=1)
    at = start(PAGE)
    assert texts(at.info)[0].startswith("No models stored yet: press **Sync models** (or run `allhub models sync`)")
    assert not charts(at)


def test_best_group_rows_with_the_cheapest_starred_and_the_chart(store, sites):
    at = start(PAGE)
    assert not at.exception
    grid = _table(at)
    rows = {(r.model, r.site_name): r for r in grid.itertuples()}
    assert set(rows) == {("claude-3-5", "Alpha"), ("gpt-4o", "Alpha"), ("gpt-4o", "Bravo"), ("gpt-4o", "Charlie"),
                         ("mj-imagine", "Bravo")}
    assert rows[("gpt-4o", "Alpha")].group == "vip"
    assert rows[("gpt-4o", "Alpha")].input_usd_per_1m == pytest.approx(1.25)
    assert rows[("gpt-4o", "Alpha")].cheapest == "★" and rows[("gpt-4o", "Bravo")].cheapest == ""
    assert rows[("gpt-4o", "Charlie")].billing == "tiered (not comparable)"
    assert rows[("mj-imagine", "Bravo")].call_usd == pytest.approx(0.1)
    # the first model of the list is charted on every site that sells it, with the balance there
    drawn = charts(at)["md_chart"]
    assert at.selectbox(key="md_model").value == "claude-3-5"
    at.selectbox(key="md_model").select("gpt-4o").run()
    drawn = charts(at)["md_chart"]
    by_name = {t["name"]: t for t in drawn["traces"]}
    # one line per site, the cheapest on top (horizontal bars: the sites on y, the money on x)
    assert by_name["Input per 1M"]["y"] == ["Alpha", "Bravo", "Charlie"]
    assert by_name["Input per 1M"]["x"][:2] == pytest.approx([1.25, 2.0])
    assert by_name["Your balance"]["x"] == pytest.approx([25, 3, 80])
    assert "gpt-4o" in drawn["title"]
    assert [m for m in model_sites(store, "gpt-4o")["site_name"]] == ["Alpha", "Bravo", "Charlie"]


def test_filters_reach_the_sql(store, sites):
    at = start(PAGE)
    at.selectbox(key="md_vendor").select("OpenAI").run()
    assert sorted(_table(at)["site_name"]) == ["Alpha", "Bravo", "Charlie"]
    at.selectbox(key="md_billing").select("call").run()
    assert not [d for d in at.dataframe if "model" in d.value.columns]  # OpenAI has no per-call model here
    assert texts(at.info)[-1].startswith("No model matches these filters")
    at.selectbox(key="md_vendor").set_value(None).run()
    assert _table(at)["model"].tolist() == ["mj-imagine"]
    at.selectbox(key="md_billing").set_value(None)
    at.multiselect(key="md_tags").select("work").run()
    assert sorted(_table(at)["model"]) == ["claude-3-5", "gpt-4o"]
    at.multiselect(key="md_tags").unselect("work")
    at.text_input(key="md_text").input("claude").run()
    assert _table(at)["model"].tolist() == ["claude-3-5"]
    at.text_input(key="md_text").input("").run()
    at.toggle(key="md_all_groups").set_value(True).run()
    alpha = _table(at).query("site_name == 'Alpha'")
    assert sorted(alpha["group"]) == ["default", "default", "vip", "vip"]
    at.selectbox(key="md_group").select("vip").run()
    assert set(_table(at)["group"]) == {"vip"}


def test_sort_by_price_and_what_you_really_pay(store, sites):
    at = start(PAGE)
    at.selectbox(key="md_sort").select("Input price").run()
    grid = _table(at)
    priced = grid.dropna(subset=["input_usd_per_1m"])
    assert priced["input_usd_per_1m"].tolist() == sorted(priced["input_usd_per_1m"].tolist())
    assert grid["input_usd_per_1m"].isna().tolist()[-2:] == [True, True]  # the per-call and tiered rows last
    at.selectbox(key="md_sort").select("Balance (largest first)").run()
    assert _table(at)["site_name"].tolist()[0] == "Charlie"
    # Bravo's 2 USD of quota is 2 × 3.6 / 7.2 = 1 real USD: now the cheapest gpt-4o
    at.selectbox(key="md_sort").select("Cheapest first").run()
    at.toggle(key="md_real").set_value(True).run()
    gpt = _table(at).query("model == 'gpt-4o'").set_index("site_name")
    assert gpt.loc["Bravo", "input_usd_per_1m"] == pytest.approx(1.0)
    assert gpt.loc["Bravo", "cheapest"] == "★" and gpt.loc["Alpha", "cheapest"] == ""
    # CNY: each account's own rate (what you pay), balances too
    at.segmented_control(key="md_currency").set_value("CNY").run()
    gpt = _table(at).query("model == 'gpt-4o'").set_index("site_name")
    assert gpt.loc["Alpha", "input_usd_per_1m"] == pytest.approx(1.25 * 7.2)
    assert gpt.loc["Bravo", "balance_usd"] == pytest.approx(3 * 3.6)


def test_sync_models_from_the_page_fetches_the_sites_prices(store, sandbox_factory):
    sandbox = sandbox_factory(dialects=["new-api", "done-hub"], users_per_site=1, seed=19)
    for site in sandbox.sites:
        site.reset()
    ids = [add_demo_account(store, sandbox, d)[0] for d in ("new-api", "done-hub")]
    at = start(PAGE)
    assert texts(at.info)[0].startswith("No models stored yet")
    button(at, "Sync models").click().run()
    assert not at.exception
    assert [t for t in texts(at.success) if t.startswith("Models sync: 2 account(s)")], texts(at.success) + texts(at.warning)
    grid = _table(at)
    expected = model_frame(store, best_only=True)
    assert len(grid) == len(expected) > 0
    assert set(expected["account_id"]) == set(ids)
    assert sorted(grid["site_name"].unique()) == sorted(expected["site_name"].unique())
    assert "md_chart" in charts(at)


def test_a_long_list_draws_its_first_rows_only(store):
    """More rows than the table draws (2,000): the first ones in the chosen order, and a caption
    that says a filter shows the others."""
    aid = seed(store, "Many", usd=5)
    _prices(store, aid, {"default": 1.0}, [(f"m-{i:04d}", "V", "tokens", 1 + i / 1000, 2, None) for i in range(2100)])
    at = start(PAGE)
    assert not at.exception
    table = _table(at)
    assert len(table) == 2000 and table["model"].iloc[0] == "m-0000"
    assert any("The first 2,000 rows" in t for t in texts(at.caption))
    at.text_input(key="md_text").input("m-2099").run()
    assert _table(at)["model"].tolist() == ["m-2099"]


def test_when_each_account_was_fetched_is_asked_when_opened(store, sites):
    """The syncs table is built only while its expander is open (opening it reruns the page)."""
    at = start(PAGE)
    syncs = lambda: [d.value for d in at.dataframe if "site_name" in d.value.columns and "model" not in d.value.columns]  # noqa: E731
    assert not syncs()
    at.session_state["md_syncs_open"] = True
    at.run()
    assert not at.exception
    assert sorted(syncs()[0]["site_name"]) == ["Alpha", "Bravo", "Charlie"]
