"""Models in Chromium: stored prices of three sites in the grid with the cheapest starred, the
search and the vendor filter narrowing it, "sort by" a price, and one model's chart drawn with a
bar per site and the balance there."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from playwright.sync_api import Page, expect

from allhub_core.accounts import AccountInput, add_account
from allhub_core.prices import rebuild_offers
from allhub_core.store import Store
from e2e.helpers import grid_column, main_text, open_page, wait_for_run

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
#: site, balance (USD), top-up rate, {group: ratio}, models (model, vendor, billing, model_ratio, completion, price)
SITES = [
    ("Aurora Relay", 25.0, 7.2, {"default": 1.0, "vip": 0.5}, [
        ("gpt-4o", "OpenAI", "tokens", 1.25, 4, None), ("claude-3-5-sonnet", "Anthropic", "tokens", 1.5, 5, None)]),
    ("Basalt API", 3.0, 3.6, {"default": 1.0}, [
        ("gpt-4o", "OpenAI", "tokens", 1.0, 4, None), ("mj-imagine", "Midjourney", "call", None, None, 0.1)]),
    ("Cobalt Hub", 80.0, 7.2, {"default": 1.0}, [
        ("gpt-4o", "OpenAI", "tokens", 0.9, 4, None), ("claude-3-5-sonnet", "Anthropic", "tiered", 1.0, 5, None)]),
]


def seed_models(db) -> None:
    store = Store(db)
    for n, (name, usd, rate, groups, models) in enumerate(SITES):
        aid = add_account(store, AccountInput(site_url=f"https://relay-{n}.example.com", site_name=name,
                                              site_type="new-api", user_id="1", access_token=f"tok-{n}-SECRET",
                                              quota=round(usd * 500_000), exchange_rate=rate))
        with store.write() as con:
            con.executemany("INSERT INTO account_groups (account_id, grp, ratio, usable, fetched_at) "
                            "VALUES (?, ?, ?, true, ?)", [(aid, g, r, NOW) for g, r in groups.items()])
            con.executemany("INSERT INTO model_prices (account_id, model, vendor, billing, model_ratio, "
                            "completion_ratio, model_price, enable_groups, endpoints, fetched_at) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, [], [], ?)", [(aid, *m, NOW) for m in models])
            con.execute("INSERT INTO model_syncs VALUES (?, ?, true, ?)", [aid, NOW, len(models)])
            rebuild_offers(con, [aid])  # as store_models does


def column_becomes(page: Page, header: str, expected: list[str] | set[str], timeout_s: float = 15) -> None:
    """The grid's ``header`` column reaches ``expected`` (a list: in order) once the rerun lands."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            got = grid_column(page, header)
        except AssertionError:
            got = []
        if (set(got) if isinstance(expected, set) else got) == expected:
            return
        assert time.monotonic() < deadline, f"{header}: {got} != {expected}"
        page.wait_for_timeout(200)


def choose(page: Page, label: str, option: str) -> None:
    """Pick ``option`` in the selectbox labelled ``label``."""
    page.get_by_test_id("stSelectbox").filter(has_text=label).first.click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_for_run(page)


def test_models_filter_sort_and_chart(page: Page, dashboard):
    seed_models(dashboard.db)
    open_page(page, dashboard.url, "models")
    expect(page.get_by_test_id("stHeading").first).to_have_text("Models")
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    assert sorted(set(grid_column(page, "Model"))) == ["claude-3-5-sonnet", "gpt-4o", "mj-imagine"]
    # gpt-4o per 1M input: Aurora's vip group 1.25 × 2 × 0.5 = 1.25, Cobalt 1.8, Basalt 2: Aurora is starred
    models, sites, stars = grid_column(page, "Model"), grid_column(page, "Site"), grid_column(page, "★")
    starred = {(m, s) for m, s, star in zip(models, sites, stars, strict=True) if star == "★"}
    assert ("gpt-4o", "Aurora Relay") in starred and ("gpt-4o", "Cobalt Hub") not in starred

    # the search narrows the grid
    search = page.get_by_role("textbox", name="Search", exact=True)
    search.fill("claude")
    search.press("Enter")
    expect(page.get_by_test_id("stMain")).to_contain_text("1 model, 2 rows on 2 accounts")
    column_becomes(page, "Model", {"claude-3-5-sonnet"})
    assert "not comparable" in " ".join(grid_column(page, "Billing"))
    search.fill("")
    search.press("Enter")
    expect(page.get_by_test_id("stMain")).to_contain_text("3 models, 6 rows on 3 accounts")

    # the vendor filter, then sort by the input price: cheapest on top
    choose(page, "Vendor", "OpenAI")
    expect(page.get_by_test_id("stMain")).to_contain_text("1 model, 3 rows on 3 accounts")
    column_becomes(page, "Model", {"gpt-4o"})
    choose(page, "Sort by", "Balance (largest first)")
    column_becomes(page, "Site", ["Cobalt Hub", "Aurora Relay", "Basalt API"])
    choose(page, "Sort by", "Input price")
    column_becomes(page, "Site", ["Aurora Relay", "Cobalt Hub", "Basalt API"])

    # the chart of the chosen model: a bar per site and the balance beside it
    chart = page.get_by_test_id("stMain").locator(".js-plotly-plot").first
    chart.scroll_into_view_if_needed()
    expect(chart.locator("g.trace.bars path").first).to_be_attached(timeout=20_000)
    expect(chart).to_contain_text("gpt-4o: price on each site")
    for name in ("Aurora Relay", "Basalt API", "Cobalt Hub"):
        expect(chart.locator("g.ytick").filter(has_text=name)).to_have_count(1)
    expect(chart).to_contain_text("$80.00")  # Cobalt's balance
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert "SECRET" not in main_text(page)
    page.screenshot(path="/tmp/models_page.png", full_page=True)
