"""Refresh all from the Accounts page, in Chromium, against the sandbox relay sites."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from allhub_core.accounts import AccountInput, add_account, set_preference
from allhub_core.sandbox import demo_accounts
from allhub_core.store import Store
from e2e.helpers import button, grid_column, main_text, open_page, shot, wait_for_run


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=["new-api", "veloera"], users_per_site=2, seed=5)


def test_refresh_all_turns_badges_and_shows_reasons(page: Page, dashboard, sandbox):
    store = Store(dashboard.db)
    set_preference(store, "per_site_rpm", 0)  # our own sandbox: no need to be polite
    for row in demo_accounts(sandbox):
        add_account(store, AccountInput(site_url=row["site_url"], site_name=f"{row['dialect']} {row['username']}",
                                        site_type=row["site_type"], user_id=row["user_id"], username=row["username"],
                                        auth_type=row["auth_type"], access_token=row["access_token"],
                                        cookie=row.get("cookie") or ""))
    # one site refuses everything: its accounts must turn "warning" with the HTTP reason
    sandbox.site("veloera").inject("401")

    open_page(page, dashboard.url)  # Accounts, at /accounts
    before = grid_column(page, "Health")
    assert before and all("unknown" in h for h in before), before

    shot(page, "accounts-before-refresh")
    button(page, "Refresh all").click()
    expect(page.get_by_text(re.compile(r"Refresh complete: 2 succeeded, 2 failed"))).to_be_visible(timeout=60_000)
    wait_for_run(page)
    shot(page, "accounts-after-refresh")

    names, health = grid_column(page, "Name"), grid_column(page, "Health")
    by_name = dict(zip(names, health, strict=False))
    assert all("healthy" in h for n, h in by_name.items() if n.startswith("new-api")), by_name
    assert all("warning" in h for n, h in by_name.items() if n.startswith("veloera")), by_name
    assert "HTTP 401" in main_text(page)  # the reason is shown, not just the badge
