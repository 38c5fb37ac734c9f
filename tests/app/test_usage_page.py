"""Usage page: filters applied by allhub_core.history, the cards and charts agreeing with it,
a CSV/JSON download of each aggregate, the empty state, and a real usage sync from the page."""

from __future__ import annotations

import csv
import io
import json

import pytest
from appsupport import button, metrics, seed, start, texts
from historysupport import charts, day

from allhub_core.accounts import AccountInput, add_account, set_preference
from allhub_core.history import seed_demo_history, usage_by, usage_facets, usage_totals
from allhub_core.sandbox import demo_accounts

PAGE = "pages/usage.py"
TABS = ("Daily", "Models", "Accounts", "Weekday × hour", "Latency", "Keys")


def every_tab(at) -> dict:
    """The charts of every tab: only the open tab's are made (issue 18), so open each in turn."""
    drawn = {}
    for tab in TABS:
        at.session_state["us_tab"] = tab
        at.run()
        assert not at.exception
        drawn |= charts(at)
    return drawn


def test_only_the_open_tab_is_made(store, demo):
    at = start(PAGE)
    assert {"us_daily"} == set(charts(at))
    at.session_state["us_tab"] = "Latency"
    at.run()
    assert {"us_latency_hist", "us_slowest"} == set(charts(at))


def test_no_usage_says_to_sync(store):
    seed(store, "Alpha", usd=1)
    at = start(PAGE)
    assert not at.exception
    assert texts(at.info)[0].startswith("No usage recorded yet: press **Sync usage**")
    assert not charts(at) and not at.metric


@pytest.fixture
def demo(store):
    ids = [seed(store, "Alpha", usd=10), seed(store, "Bravo", usd=20)]
    seed_demo_history(store, days=60, seed=5)
    return ids


def test_cards_and_charts_agree_with_the_history_room(store, demo):
    at = start(PAGE)
    assert not at.exception
    tot = usage_totals(store, start=day(29), end=day(0))
    assert tot["requests"] > 0
    assert metrics(at) == {"Requests": f"{tot['requests']:,}", "Tokens": f"{tot['tokens']:,}",
                           "Cost": f"${tot['cost_usd']:,.2f}"}
    drawn = every_tab(at)
    daily = drawn["us_daily"]["traces"][0]
    assert len(daily["x"]) == 30 and sum(daily["y"]) == tot["requests"]
    assert sum(drawn["us_model_share"]["traces"][0]["values"]) == tot["requests"]
    assert sum(drawn["us_model_cost"]["traces"][0]["x"]) == pytest.approx(tot["cost_usd"])
    assert sorted(drawn["us_accounts_chart"]["traces"][0]["y"]) == ["Alpha", "Bravo"]
    heat = drawn["us_heatmap"]["traces"][0]["z"]
    assert len(heat) == 7 and sum(map(sum, heat)) == tot["requests"]
    assert sum(drawn["us_latency_hist"]["traces"][0]["y"]) == tot["requests"]
    assert {"us_slowest"} <= set(drawn)


def test_filters_reach_the_sql(store, demo):
    facets = usage_facets(store)
    model, key = facets["models"][0], facets["token_names"][0]
    at = start(PAGE)
    at.multiselect(key="us_models").select(model)
    at.multiselect(key="us_keys").select(key)
    at.multiselect(key="us_accounts").select(demo[1]).run()
    at.date_input(key="us_range").set_value((day(59), day(0))).run()
    assert not at.exception
    want = usage_totals(store, start=day(59), end=day(0), account_ids=[demo[1]], models=[model], token_names=[key])
    assert metrics(at)["Requests"] == f"{want['requests']:,}"
    assert sum(charts(at)["us_daily"]["traces"][0]["y"]) == want["requests"]
    assert every_tab(at)["us_accounts_chart"]["traces"][0]["y"] in ([], ["Bravo"])


def test_each_aggregate_downloads_as_csv_and_json(store, demo, downloads):
    at = start(PAGE)
    every_tab(at)
    stem = f"{day(29)}-{day(0)}"
    for name in ("daily", "models", "accounts", "weekday-hour", "latency", "keys"):
        assert f"usage-{name}-{stem}.csv" in downloads and f"usage-{name}-{stem}.json" in downloads, name
    daily = list(csv.DictReader(io.StringIO(downloads[f"usage-daily-{stem}.csv"].decode())))
    assert len(daily) == 30 and daily[-1]["day"] == str(day(0))
    models = json.loads(downloads[f"usage-models-{stem}.json"])
    want = usage_by(store, "model", start=day(29), end=day(0))
    assert [m["model"] for m in models] == list(want["model"])
    assert sum(m["requests"] for m in models) == int(want["requests"].sum())
    assert not at.exception


def test_sync_usage_from_the_page_reads_the_sites_logs(store, sandbox_factory):
    sandbox = sandbox_factory(dialects=["new-api"], users_per_site=1, seed=11)
    for site in sandbox.sites:
        site.reset()
    set_preference(store, "per_site_rpm", 0)
    for row in demo_accounts(sandbox):
        add_account(store, AccountInput(site_url=row["site_url"], site_name="Sandbox", site_type=row["site_type"],
                                        user_id=row["user_id"], username=row["username"],
                                        auth_type=row["auth_type"], access_token=row["access_token"]))
    at = start(PAGE)
    assert texts(at.info)[0].startswith("No usage recorded yet")
    button(at, "Sync usage").click().run()
    assert not at.exception
    assert any(t.startswith("Usage sync: 1 account(s)") for t in texts(at.success) + texts(at.warning)), \
        texts(at.success) + texts(at.warning)
    assert usage_facets(store)["accounts"] == [{"id": 1, "site_name": "Sandbox"}]
    assert "Requests" in metrics(at)
