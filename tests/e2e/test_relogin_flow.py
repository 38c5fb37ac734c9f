"""The re-login check-in on the Check-in page, in Chromium (issue 21): choose "Log in again", type
the site's username and password, opt in to store it, save, check in, and read what the login
credited; the password is not on the page afterwards."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from shared import add_demo_account

from allhub_core.accounts import get_account, set_preference
from allhub_core.store import Store
from e2e.helpers import button, main_text, open_page, shot, wait_for_run

REWARD = 250_000


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=["anyrouter"], users_per_site=1, seed=421)


def test_log_in_again_stores_the_login_and_reports_the_credit(page: Page, dashboard, sandbox):
    store = Store(dashboard.db)
    set_preference(store, "per_site_rpm", 0)
    aid, site, user = add_demo_account(store, sandbox, "anyrouter")
    site.login_reward = REWARD
    start = user.quota

    open_page(page, dashboard.url, "checkin")
    page.get_by_test_id("stSelectbox").filter(has_text="Method").click()
    page.get_by_role("option", name=re.compile(r"^Log in again")).click()
    wait_for_run(page)
    page.get_by_role("textbox", name="Username on the site").fill(user.username)
    page.get_by_role("textbox", name="Password").fill(user.password)
    page.get_by_text("Store this password (encrypted) to log in each day").click()
    wait_for_run(page)
    button(page, "Save method").click()
    expect(page.get_by_text(re.compile(r"now checks in with log in again"))).to_be_visible(timeout=30_000)
    wait_for_run(page)
    expect(page.get_by_text(re.compile(r"A login is stored for"))).to_be_visible()
    shot(page, "relogin-method-saved")

    button(page, "Check in this account now").click()
    expect(page.get_by_text(re.compile(r"Check-in finished: 1 checked in now"))).to_be_visible(timeout=60_000)
    wait_for_run(page)
    shot(page, "relogin-checked-in")
    assert user.quota == start + REWARD
    assert get_account(Store(dashboard.db), aid)["checkin_method"] == "relogin"
    assert user.password not in main_text(page)
