"""The Keys page in Chromium against the sandbox: create a key, reveal it, copy it with the code
block's copy button and read the clipboard; no full key on the page before Reveal."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from shared import add_demo_account

from allhub_core.accounts import set_preference
from allhub_core.store import Store
from e2e.helpers import SMALL_W, button, click_cell_at, grid, grid_column, open_page, textbox, wait_for_run


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=["new-api"], users_per_site=1, seed=23)


def _bare(key: str) -> str:
    return key[3:] if key.startswith("sk-") else key


def test_create_reveal_and_copy_a_key(page: Page, dashboard, sandbox):
    for site in sandbox.sites:
        site.reset()
    store = Store(dashboard.db)
    set_preference(store, "per_site_rpm", 0)  # our own sandbox: no need to be polite
    _aid, _site, user = add_demo_account(store, sandbox, "new-api")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=dashboard.url)

    open_page(page, dashboard.url, "keys")
    expect(page.get_by_test_id("stHeading").first).to_have_text("Keys")
    expect(page.get_by_text("No key is cached yet", exact=False)).to_be_visible()
    button(page, "Fetch keys of all enabled accounts").click()
    expect(page.get_by_text(re.compile(r"Keys sync: 1 account\(s\)"))).to_be_visible(timeout=30_000)
    wait_for_run(page)
    assert len(grid_column(page, "Name")) == len(user.tokens)

    # create a key with a quota
    page.get_by_test_id("stExpander").filter(has_text="Create a key").locator("summary").click()
    expect(textbox(page, "Name")).to_be_visible()
    textbox(page, "Name").fill("browser key")
    textbox(page, "Name").press("Enter")
    wait_for_run(page)
    button(page, "Create key").click()
    expect(page.get_by_text(re.compile(r"Created key 'browser key'"))).to_be_visible(timeout=30_000)
    wait_for_run(page)
    made = next(t for t in user.tokens if t.name == "browser key")
    names = grid_column(page, "Name")
    assert "browser key" in names, names

    # nothing on the page (text or HTML) holds a full key before Reveal
    html = page.content()
    assert not any(_bare(t.key) in html for t in user.tokens)
    expect(page.get_by_test_id("stCode")).to_have_count(0)

    # tick the new key, reveal it
    click_cell_at(page, SMALL_W / 2, names.index("browser key"), grid(page))
    wait_for_run(page)
    expect(page.get_by_text("1 key(s) selected")).to_be_visible()
    button(page, "Reveal").click()
    code = page.get_by_test_id("stCode")
    expect(code).to_have_count(1, timeout=30_000)
    wait_for_run(page)
    assert _bare(code.inner_text().strip()) == _bare(made.key)
    page.screenshot(path="/tmp/keys_page.png", full_page=True)

    # the code block's copy button puts the key on the clipboard
    code.hover()
    code.get_by_role("button").first.click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert _bare(copied.strip()) == _bare(made.key)
