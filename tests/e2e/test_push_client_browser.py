"""Push a key to a CLIProxyAPI from the Keys page in Chromium: tick a key, open "Export to a
client", Preview lists the change (the key masked) and writes nothing, Push writes the entry once,
Push again changes nothing. The full key and the management key are never on the page."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import Page, expect
from shared import add_demo_account

from allhub_core.accounts import set_preference
from allhub_core.sandbox import start_push_services
from allhub_core.store import Store
from allhub_core.sync import save_push_target, sync_keys
from e2e.helpers import SMALL_W, button, click_cell_at, grid, grid_column, main_text, open_page, shot, wait_for_run

MGMT = "browser-management-key-5555"


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=["new-api"], users_per_site=1, seed=33)


@pytest.fixture(scope="module")
def services():
    ps = start_push_services(cliproxy_key=MGMT)
    yield ps
    ps.stop()


def test_preview_then_push_a_key_to_cliproxyapi(page: Page, dashboard, sandbox, services):
    for site in sandbox.sites:
        site.reset()
    services.cliproxy.reset()
    store = Store(dashboard.db)
    set_preference(store, "per_site_rpm", 0)  # our own sandbox: no need to be polite
    _aid, site, user = add_demo_account(store, sandbox, "new-api")
    with ThreadPoolExecutor(1) as pool:  # Playwright's loop runs in this thread; the library runs its own
        pool.submit(sync_keys, store).result()
    save_push_target(store, "cliproxyapi", services.cliproxy.origin, MGMT)

    open_page(page, dashboard.url, "keys")
    ids = grid_column(page, "ID")
    click_cell_at(page, SMALL_W / 2, 0, grid(page))
    wait_for_run(page)
    expect(page.get_by_text("1 key(s) selected")).to_be_visible()
    page.get_by_test_id("stExpander").filter(has_text="Export to a client").locator("summary").click()
    expect(page.get_by_text("Push to a service you run")).to_be_visible()

    button(page, "Preview").click()
    expect(page.get_by_text("Would add", exact=False)).to_be_visible(timeout=30_000)
    wait_for_run(page)
    assert services.cliproxy.entries == []
    token = next(t for t in user.tokens if str(t.id) == ids[0])
    shot(page, "push_client_preview")
    text = main_text(page)
    assert token.key not in text and MGMT not in text

    button(page, "Push").click()
    expect(page.get_by_text("Added", exact=False)).to_be_visible(timeout=30_000)
    wait_for_run(page)
    [entry] = services.cliproxy.entries
    assert entry["base-url"] == site.url + "/v1" and entry["api-key-entries"] == [{"api-key": "sk-" + token.key}]
    button(page, "Push").click()
    expect(page.get_by_text("nothing to change", exact=False)).to_be_visible(timeout=30_000)
    wait_for_run(page)
    assert services.cliproxy.writes == 1
    assert token.key not in main_text(page)
    shot(page, "push_client_again")
