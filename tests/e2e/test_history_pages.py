"""Overview, Balance history and Usage in Chromium on demo-like data: the charts are really drawn,
the share card downloads as a PNG, and the Accounts grid carries its 30-day sparklines."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

from allhub_core.accounts import AccountInput, add_account, update_accounts
from allhub_core.history import seed_demo_history
from allhub_core.store import Store
from e2e.helpers import button, main_text, nav, open_page, shot, wait_for_run


def seed_demo(db) -> list[int]:
    """Five accounts on made-up sites, with 60 days of balance history and usage (as `allhub demo`)."""
    store = Store(db)
    ids = [add_account(store, AccountInput(site_url=f"https://relay-{n}.example.com", site_name=name,
                                           site_type="new-api", user_id="1", access_token=f"tok-{n}-SECRET",
                                           quota=quota, health_status=health, tags=tags))
           for n, (name, quota, health, tags) in enumerate([
               ("Aurora Relay", 25_000_000, "healthy", ["paid"]), ("Basalt API", 8_000_000, "healthy", []),
               ("Cobalt Hub", 300_000, "error", ["free"]), ("Dune Gateway", 40_000_000, "warning", ["paid"]),
               ("Ember Proxy", 3_000_000, "healthy", ["free"])])]
    update_accounts(store, {ids[0]: {"exchange_rate": 7.0}})
    seed_demo_history(store, days=60, seed=3)
    return ids


def plotly_charts(page: Page) -> Locator:
    return page.get_by_test_id("stMain").locator(".js-plotly-plot")


def expect_drawn(page: Page, at_least: int) -> None:
    """At least ``at_least`` visible plotly charts, each with drawn SVG marks (bars, lines, cells)."""
    charts = plotly_charts(page).filter(visible=True)
    expect(charts.nth(at_least - 1)).to_be_visible(timeout=20_000)
    for i in range(charts.count()):
        marks = charts.nth(i).locator("g.trace path, g.hm image")
        expect(marks.first).to_be_attached(timeout=20_000)


def test_history_pages_draw_their_charts(page: Page, dashboard, tmp_path):
    seed_demo(dashboard.db)

    open_page(page, dashboard.url, "")  # the landing page
    expect(page.get_by_test_id("stHeading").first).to_have_text("Overview")
    expect(page.get_by_test_id("stMetric").first).to_contain_text("Total balance")
    expect_drawn(page, 3)  # the 30-day trend, health, check-in
    expect(page.get_by_test_id("stHeading").filter(has_text="Needs attention")).to_be_visible()
    queue = page.get_by_test_id("stExpander")  # the attention queue (issue 21), one expander a category
    expect(queue.filter(has_text="Site unreachable")).to_contain_text("Cobalt Hub")  # the error account
    expect(queue.filter(has_text="Site warning")).to_contain_text("Dune Gateway")  # and the warning one
    assert "SECRET" not in main_text(page)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    shot(page, "overview")

    page.get_by_text("Share snapshot").click()
    button(page, "Make the PNG").click()
    wait_for_run(page)
    with page.expect_download() as dl:
        page.get_by_test_id("stDownloadButton").get_by_role("button", name="Download PNG").click()
    png = tmp_path / dl.value.suggested_filename
    dl.value.save_as(png)
    assert png.name.startswith("allhub-") and png.read_bytes().startswith(b"\x89PNG")
    shot(page, "overview_share")

    nav(page, "Balance history")
    expect_drawn(page, 2)  # the trend and one day's spread
    page.get_by_test_id("stCheckbox").filter(has_text="Per account").click()
    wait_for_run(page)
    expect_drawn(page, 2)
    assert "Aurora Relay" in main_text(page)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    shot(page, "balance_history")

    nav(page, "Usage")
    expect(page.get_by_test_id("stMetric").first).to_contain_text("Requests")
    expect_drawn(page, 1)  # the Daily tab
    for tab, charts in (("Models", 2), ("Weekday × hour", 1), ("Latency", 2)):
        page.get_by_role("tab", name=tab).click()
        expect_drawn(page, charts)
        shot(page, f"usage_{tab.split()[0].lower()}")
    expect(page.get_by_test_id("stException")).to_have_count(0)

    nav(page, "Accounts")
    shot(page, "accounts_sparklines")
    expect(page.locator("[role='columnheader']").filter(has_text="30 days (USD)")).to_have_count(1)
