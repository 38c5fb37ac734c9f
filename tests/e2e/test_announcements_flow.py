"""Announcements in Chromium against the sandbox: "Sync now" brings a site's announcements (a
notice with hostile HTML and a structured one) and shows them inert: the script that would set
``document.title`` and ``window.__pwned`` does not run, no element carries an event handler, and
the remote image is nowhere in the DOM, even with "Show images" on (an HTML ``<img>`` is never
shown); a Markdown image loads only once "Show images" is on. Mark all read clears the badges."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from shared import add_demo_account

from allhub_core.accounts import set_preference
from allhub_core.notices import unread_count
from allhub_core.sandbox._notices import HOSTILE_IMAGE_URL, HOSTILE_NOTICE, structured
from allhub_core.store import Store
from e2e.helpers import button, main_text, open_page, wait_for_run

SCREENSHOT = "/tmp/announcements.png"
MD_IMAGE = "https://images.invalid/chart.png"


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=["new-api"], users_per_site=1, seed=47)


def _pwned(page: Page) -> bool:
    return bool(page.evaluate("() => window.__pwned === true || document.title === 'pwned'"))


def test_hostile_announcement_is_inert(page: Page, dashboard, sandbox):
    store = Store(dashboard.db)
    set_preference(store, "per_site_rpm", 0)
    add_demo_account(store, sandbox, "new-api")
    site = sandbox.site("new-api")
    site.notice = HOSTILE_NOTICE
    site.announcements = [structured(1, f"New models this week ![chart]({MD_IMAGE})", kind="success",
                                     extra="<b onmouseover=\"window.__pwned=true\">Prices</b> unchanged.")]

    open_page(page, dashboard.url, "announcements")
    expect(page.get_by_test_id("stHeading").first).to_have_text("Announcements")
    button(page, "Sync now").click()
    expect(page.get_by_text(re.compile(r"2 new or changed"))).to_be_visible(timeout=60_000)
    wait_for_run(page)

    text = main_text(page)
    assert "2 unread" in text
    assert "Maintenance tonight" in text and "requests may fail for 5 minutes" in text
    assert "New models this week" in text and "Prices unchanged." in text
    html = page.get_by_test_id("stMain").inner_html()
    assert "<script" not in html.lower() and HOSTILE_IMAGE_URL not in html
    assert page.locator("[data-testid='stMain'] [onerror], [data-testid='stMain'] [onclick], "
                        "[data-testid='stMain'] [onmouseover]").count() == 0
    assert page.locator(f"img[src='{HOSTILE_IMAGE_URL}']").count() == 0
    assert page.locator(f"img[src='{MD_IMAGE}']").count() == 0
    assert page.locator("a[href^='javascript:']").count() == 0
    page.get_by_text("Prices", exact=False).first.hover()
    assert not _pwned(page)

    page.get_by_test_id("stCheckbox").filter(has_text="Show images").locator("label").click()
    wait_for_run(page)
    expect(page.locator(f"img[src='{MD_IMAGE}']")).to_have_count(1)  # asked for: the Markdown image
    assert page.locator(f"img[src='{HOSTILE_IMAGE_URL}']").count() == 0  # an HTML <img> never
    page.wait_for_timeout(500)
    assert not _pwned(page)
    page.screenshot(path=SCREENSHOT, full_page=True)

    button(page, "Mark all read").click()
    expect(page.get_by_text("2 announcement(s) marked read.")).to_be_visible(timeout=30_000)
    wait_for_run(page)
    assert unread_count(store) == 0 and "2 unread" not in main_text(page)
