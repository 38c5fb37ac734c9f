"""The Credentials page in Chromium: add a credential by pasting text (the URL and key found and
shown masked), check it against the provider fakes, see its balance and models in the grid; no
full key anywhere in the page's HTML."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from allhub_core.accounts import set_preference
from allhub_core.credentials import credential_rows
from allhub_core.sandbox import start_provider_fakes
from allhub_core.store import Store
from e2e.helpers import button, grid_column, open_page, shot, tick_row, wait_for_run

KEY = "sk-or-v1-browser-0123456789SECRET"


@pytest.fixture(scope="module")
def fakes():
    with start_provider_fakes() as pf:
        pf["openrouter"].add_key(KEY, balance=18.4, used=6.6)
        yield pf


def test_add_by_pasting_text_then_check(page: Page, dashboard, fakes):
    store = Store(dashboard.db)
    set_preference(store, "per_site_window_requests", 0)  # our own loopback fakes
    open_page(page, dashboard.url, "credentials")
    expect(page.get_by_test_id("stHeading").first).to_have_text("Credentials")
    expect(page.get_by_text("No credential yet", exact=False)).to_be_visible()

    pasted = f"# from the provider's page\nexport OPENAI_BASE_URL={fakes['openrouter'].base_url}/v1\n" \
             f"export OPENAI_API_KEY={KEY}\n"
    area = page.get_by_role("textbox", name="Paste text with the base URL and the key")
    area.fill(pasted)
    area.press("Control+Enter")
    expect(page.get_by_text(re.compile(r"Found .* with key sk-o\*+CRET"))).to_be_visible(timeout=15_000)
    wait_for_run(page)
    page.get_by_role("textbox", name="Name", exact=True).first.fill("Team router")
    page.get_by_role("textbox", name="Name", exact=True).first.press("Enter")
    wait_for_run(page)
    shot(page, "credentials_paste")
    button(page, "Add this credential").click()
    expect(page.get_by_text(re.compile(r"Added credential #\d+"))).to_be_visible(timeout=15_000)
    wait_for_run(page)
    [row] = credential_rows(store)
    assert (row["name"], row["base_url"]) == ("Team router", fakes["openrouter"].base_url)
    assert grid_column(page, "Name") == ["Team router"]
    assert grid_column(page, "Key") == ["sk-o**********CRET"]

    button(page, "Check all").click()
    expect(page.get_by_text(re.compile(r"Checked 1 credential\(s\): 1 working"))).to_be_visible(timeout=30_000)
    wait_for_run(page)
    assert grid_column(page, "Balance") == ["$18.40"]
    assert grid_column(page, "Status") == ["🟢 working"]
    tick_row(page, 0)
    expect(page.get_by_text("1 credential(s) selected")).to_be_visible()
    shot(page, "credentials_checked")
    assert KEY not in page.content()
