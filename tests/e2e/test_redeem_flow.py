"""Redeem in Chromium against the sandbox: a pasted message with a site's address and two codes
shows the codes masked and the site's account suggested; "Redeem 2 code(s)" credits both (each
sent once, counted at the site) and the results grid shows them credited, masked."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from shared import add_demo_account

from allhub_core.accounts import set_preference
from allhub_core.redeem import mask_code
from allhub_core.store import Store
from e2e.helpers import button, grid, main_text, open_page, shot, wait_for_run


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=["new-api"], users_per_site=1, seed=48)


def _cells(page: Page, index: int) -> list[str]:
    """Every cell text of the ``index``-th grid, from its accessibility table."""
    g = grid(page, index)
    expect(g.locator("[data-testid^='glide-cell-']").first).to_be_attached()
    return g.locator("[data-testid^='glide-cell-']").evaluate_all("els => els.map(e => e.textContent || '')")


def test_redeem_two_codes(page: Page, dashboard, sandbox):
    store = Store(dashboard.db)
    set_preference(store, "per_site_window_requests", 0)
    aid, site, user = add_demo_account(store, sandbox, "new-api")
    a, b = sorted(set(site.redemption_codes) - site.used_codes)[:2]
    before = user.quota

    open_page(page, dashboard.url, "redeem")
    expect(page.get_by_test_id("stHeading").first).to_have_text("Redeem")
    area = page.get_by_role("textbox", name="Paste any text that holds codes")
    area.fill(f"兑换码 on {site.url}/console/topup :\n{a}\n{b}\n")
    area.press("Control+Enter")
    wait_for_run(page)
    expect(page.get_by_text(re.compile(r"Suggested from the text: .*by its site"))).to_be_visible()
    expect(button(page, "Redeem 2 code(s)")).to_be_visible()
    assert _cells(page, 0).count(mask_code(a)) == 1 and _cells(page, 0).count(mask_code(b)) == 1

    site.clear_requests()
    button(page, "Redeem 2 code(s)").click()
    expect(page.get_by_text(re.compile(r"Redeemed 2 code\(s\): 2 credited"))).to_be_visible(timeout=60_000)
    wait_for_run(page)
    shot(page, "redeem")
    assert sum(1 for r in site.requests if r.path == "/api/user/topup") == 2
    assert {a, b} <= site.used_codes and user.quota == before + site.redemption_codes[a] + site.redemption_codes[b]
    results = _cells(page, 1)
    assert results.count("Credited") == 2 and mask_code(a) in results and mask_code(b) in results
    assert a not in "".join(results) and b not in "".join(results)
    assert f"(#{aid})" in "".join(results) and "Results" in main_text(page)
