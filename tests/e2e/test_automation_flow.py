"""Automation in Chromium: Run now starts a refresh of sandbox accounts in the background, another
page shows its progress in the sidebar while it runs, and the run log lists it with each account."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from allhub_core import automation
from allhub_core.accounts import AccountInput, add_account, set_preference
from allhub_core.sandbox import demo_accounts
from allhub_core.store import Store
from e2e.helpers import button, nav, open_page, shot, wait_for_run


@pytest.fixture(scope="module")
def slow_sandbox(sandbox_factory):
    # slow answers, so the run lasts long enough to walk to another page and watch it
    return sandbox_factory(dialects=["new-api"], users_per_site=8, latency_ms=700, seed=21)


@pytest.fixture
def live_dashboard(monkeypatch, request):
    """The real dashboard with its scheduler and refresh-on-open on (the other tests turn them off)."""
    monkeypatch.delenv("ALLHUB_NO_BACKGROUND")
    return request.getfixturevalue("dashboard")


def column(page: Page, grid: int, header: str) -> list[str]:
    """One column of the ``grid``-th dataframe on the page, from its accessibility table."""
    frame = page.get_by_test_id("stDataFrame").nth(grid)
    th = frame.locator("[role='columnheader']").filter(has_text=re.compile(rf"^{re.escape(header)}$"))
    expect(th).to_have_count(1)
    col = int(th.get_attribute("aria-colindex")) - 1
    expect(frame.get_by_test_id(f"glide-cell-{col}-0")).to_be_attached()
    cells = frame.locator(f"[data-testid^='glide-cell-{col}-']")
    by_row = {int(c.get_attribute("data-testid").rsplit("-", 1)[1]): c.text_content() or ""
              for c in cells.all()}
    return [by_row[r] for r in sorted(by_row)]


def test_run_now_shows_progress_on_every_page_and_lands_in_the_log(page: Page, live_dashboard, slow_sandbox):
    store = Store(live_dashboard.db)
    set_preference(store, "per_site_rpm", 0)
    names = []
    for row in demo_accounts(slow_sandbox):
        name = f"new-api {row['username']}"
        add_account(store, AccountInput(site_url=row["site_url"], site_name=name, site_type=row["site_type"],
                                        user_id=row["user_id"], username=row["username"], auth_type=row["auth_type"],
                                        access_token=row["access_token"]))
        names.append(name)

    open_page(page, live_dashboard.url, "automation")
    expect(page.get_by_text("No run yet.")).to_be_visible()
    expect(button(page, "Run now")).to_be_visible()
    expect(page.get_by_test_id("stForm").get_by_role("textbox", name="Window start (HH:MM)")).to_be_visible()
    shot(page, "automation-before-run")

    button(page, "Run now").click()
    expect(page.get_by_text("Refresh started in the background")).to_be_visible()
    wait_for_run(page)

    # another page: the sidebar shows the running job, and clicking around does not stop it
    nav(page, "Tags")
    sidebar = page.get_by_test_id("stSidebar")
    bar = sidebar.get_by_test_id("stProgress")
    expect(bar).to_be_visible(timeout=10_000)
    expect(sidebar).to_contain_text(re.compile(r"Refresh running: \d+/8"))
    shot(page, "automation-progress-on-tags")
    nav(page, "Overview")
    expect(sidebar.get_by_test_id("stProgress")).to_be_visible()
    # it advances while the user is elsewhere (the fragment polls the run log)
    expect(sidebar).to_contain_text(re.compile(r"Refresh running: [1-8]/8"), timeout=60_000)
    shot(page, "automation-progress-on-overview")

    # when it ends, the sidebar says so and offers to redraw the page with the new data
    done = re.compile(r"^Refresh finished \(ok\)\. Refresh complete: 8 succeeded")
    expect(sidebar.get_by_text(done)).to_be_visible(timeout=90_000)
    expect(sidebar.get_by_test_id("stProgress")).to_have_count(0)
    shot(page, "automation-finished-on-overview")
    button(page, "Show the new data").click()
    wait_for_run(page)
    expect(sidebar.get_by_role("button", name="Show the new data")).to_have_count(0)

    nav(page, "Automation")
    runs = automation.list_runs(store)
    assert [(r["job"], r["trigger"], r["status"], r["done"], r["total"]) for r in runs] == [
        ("refresh", "manual", "ok", 8, 8)]
    assert column(page, 1, "Job") == ["Refresh"]
    assert column(page, 1, "Status") == ["ok"]
    assert column(page, 1, "Accounts") == ["8/8"]
    assert sorted(column(page, 2, "Name")) == sorted(names)
    page.get_by_test_id("stDataFrame").nth(2).scroll_into_view_if_needed()  # the page scrolls inside stMain
    shot(page, "automation-run-log")
