"""The Overview's attention queue in Chromium (issue 21): the severity sections and the category
expanders with their counts; a failed check-in's "Retry check-in" button checks the account in on
the sandbox site and its entry leaves the queue; the low balance offers a link to the site."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import Page, expect
from shared import add_demo_account

from allhub_core.accounts import set_preference, update_accounts
from allhub_core.store import Store
from allhub_core.sync import checkin
from e2e.helpers import button, main_text, shot

CHECKIN = "/api/user/checkin"


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=["new-api"], users_per_site=3, seed=2121)


def test_overview_groups_the_queue_and_a_fix_button_works(page: Page, dashboard, sandbox):
    for site in sandbox.sites:
        site.reset()
    store = Store(dashboard.db)
    set_preference(store, "per_site_rpm", 0)  # our own sandbox: no need to be polite
    failing, site, user = add_demo_account(store, sandbox, "new-api", 0)
    poor, _, _ = add_demo_account(store, sandbox, "new-api", 1)
    lefty, _, _ = add_demo_account(store, sandbox, "new-api", 2)
    update_accounts(store, {poor: {"manual_balance_usd": 0.25}, lefty: {"auto_checkin": False}})
    with store.write() as con:  # as if refreshed once: the low-balance rule wants a refreshed account
        con.execute("UPDATE accounts SET last_sync_time = now() WHERE id = ?", [poor])
    site.inject("500", user_id=user.id, path=CHECKIN, method="POST", times=1)
    with ThreadPoolExecutor(1) as pool:  # Playwright's event loop runs in this thread
        pool.submit(checkin, store, [failing]).result()
    assert not user.checkins

    page.goto(f"{dashboard.url}/")  # the Overview; its charts may draw late on a busy machine
    expect(page.get_by_test_id("stHeading").filter(has_text="Needs attention")).to_contain_text("3", timeout=60_000)
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("heading", name="Warning · 2")).to_be_visible()
    expect(main.get_by_role("heading", name="Info · 1")).to_be_visible()
    expect(main.get_by_role("heading", name="Critical")).to_have_count(0)
    queue = page.get_by_test_id("stExpander")
    expect(queue.filter(has_text="Check-in failed · 1")).to_contain_text(f"allhub checkin {failing}")
    expect(queue.filter(has_text="Low balance · 1").get_by_role("link", name="Open the site")).to_have_attribute(
        "href", re.compile(re.escape(site.url)), timeout=30_000)
    assert "SECRET" not in main_text(page) and user.access_token not in main_text(page)
    shot(page, "overview-attention")

    button(page, "Retry check-in").click()
    expect(page.get_by_text("Check-in finished: 1 checked in now.")).to_be_visible(timeout=60_000)
    expect(queue.filter(has_text="Check-in failed")).to_have_count(0, timeout=30_000)
    expect(page.get_by_test_id("stHeading").filter(has_text="Needs attention")).to_contain_text("2")
    assert len(user.checkins) == 1
    shot(page, "overview-attention-fixed")
