"""Choosing a custom check-in request on the Check-in page, in Chromium, and seeing its result
category. The one-api sandbox site has no built-in check-in, only a fork's own ``/api/fork/sign``."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from allhub_core.accounts import AccountInput, add_account, get_account, set_preference
from allhub_core.store import Store
from e2e.helpers import button, open_page, shot, wait_for_run

REQUEST = {"url": "/api/fork/sign", "headers": {"X-Sign-Token": "{access_token}"}, "body": {"uid": "{user_id}"},
           "success": {"path": "code", "equals": 0}, "already": {"contains": "today signed"}}


@pytest.fixture(scope="module")
def site(sandbox_factory):
    return sandbox_factory(dialects=["one-api"], users_per_site=1, seed=53).site("one-api")


def _metric(page: Page, label: str) -> str:
    m = page.get_by_test_id("stMetric").filter(has_text=label)
    return m.get_by_test_id("stMetricValue").inner_text().strip()


def test_choose_custom_request_and_see_checked_in_now(page: Page, dashboard, site):
    store = Store(dashboard.db)
    set_preference(store, "per_site_rpm", 0)
    user = site.users[0]
    aid = add_account(store, AccountInput(site_url=site.url, site_name="Fork site", site_type="one-api",
                                          user_id=str(user.id), access_token=user.access_token))

    open_page(page, dashboard.url, "checkin")
    page.get_by_test_id("stSelectbox").filter(has_text="Method").click()
    page.get_by_role("option", name="A custom request (for forks with their own check-in)").click()
    wait_for_run(page)
    box = page.get_by_role("textbox", name="Request (JSON)")
    expect(box).to_be_visible()
    box.fill(json.dumps(REQUEST, indent=2))
    box.blur()
    wait_for_run(page)
    button(page, "Save method").click()
    expect(page.get_by_text(re.compile(r"now checks in with its custom request"))).to_be_visible(timeout=30_000)
    wait_for_run(page)
    shot(page, "checkin-method-saved")

    button(page, "Check in this account now").click()
    expect(page.get_by_text(re.compile(r"Check-in finished: 1 checked in now"))).to_be_visible(timeout=60_000)
    wait_for_run(page)
    assert _metric(page, "Checked in now") == "1"
    shot(page, "checkin-method-checked-in")
    assert user.checkins, "the fork's own check-in endpoint was called"
    assert get_account(Store(dashboard.db), aid)["checkin_method"] == "custom"
