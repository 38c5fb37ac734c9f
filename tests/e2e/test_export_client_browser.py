"""Export a key to Cherry Studio from the Keys page in Chromium: tick a key, open "Export to a
client", Export; the link button's href is Cherry Studio's deeplink, and it decodes to the
account's site and the full key. Nothing on the page holds the key before Export."""

from __future__ import annotations

import base64
import json
import re

import pytest
from playwright.sync_api import Page, expect
from shared import add_demo_account

from allhub_core.accounts import set_preference
from allhub_core.store import Store
from e2e.helpers import SMALL_W, button, click_cell_at, grid, grid_column, open_page, shot, wait_for_run


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=["new-api"], users_per_site=1, seed=24)


def test_export_a_key_to_cherry_studio(page: Page, dashboard, sandbox):
    for site in sandbox.sites:
        site.reset()
    store = Store(dashboard.db)
    set_preference(store, "per_site_rpm", 0)  # our own sandbox: no need to be polite
    _aid, site, user = add_demo_account(store, sandbox, "new-api")

    open_page(page, dashboard.url, "keys")
    button(page, "Fetch keys of all enabled accounts").click()
    expect(page.get_by_text(re.compile(r"Keys sync: 1 account\(s\)"))).to_be_visible(timeout=30_000)
    wait_for_run(page)
    ids = grid_column(page, "ID")
    click_cell_at(page, SMALL_W / 2, 0, grid(page))
    wait_for_run(page)
    expect(page.get_by_text("1 key(s) selected")).to_be_visible()
    token = next(t for t in user.tokens if str(t.id) == ids[0])
    assert token.key not in page.content()

    page.get_by_test_id("stExpander").filter(has_text="Export to a client").locator("summary").click()
    expect(page.get_by_text("carries the full key", exact=False)).to_be_visible()
    button(page, "Export to Cherry Studio").click()
    link = page.get_by_test_id("stLinkButton").locator("a")
    expect(link).to_have_count(1, timeout=30_000)
    wait_for_run(page)
    expect(link).to_contain_text("Open in Cherry Studio")
    href = link.get_attribute("href") or ""
    assert href.startswith("cherrystudio://providers/api-keys?v=1&data="), href[:60]
    data = json.loads(base64.b64decode(href.split("&data=", 1)[1]))
    assert data["baseUrl"] == site.url.rstrip("/") and data["apiKey"] == "sk-" + token.key
    shot(page, "export_client_cherry")

    # Kelivo: the share code in a code block and its QR image drawn on the page
    page.get_by_test_id("stSelectbox").filter(has_text="Client").click()
    page.get_by_role("option", name="Kelivo (chat clients)").click()
    wait_for_run(page)
    button(page, "Export to Kelivo").click()
    qr = page.get_by_test_id("stImage").locator("img")
    expect(qr).to_have_count(1, timeout=30_000)
    wait_for_run(page)
    expect(qr).to_be_visible()
    assert (qr.bounding_box() or {}).get("width", 0) > 100  # a picture, not a broken image
    code = page.get_by_test_id("stCode").filter(has_text="ai-provider:v1:").inner_text().strip()
    assert json.loads(base64.b64decode(code.removeprefix("ai-provider:v1:")))["apiKey"] == "sk-" + token.key
    shot(page, "export_client_kelivo")
