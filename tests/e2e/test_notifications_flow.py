"""The Notifications page in Chromium: add a webhook channel, send it a test message that a real
local HTTP server receives, turn it off, and never see the hook's secret on the page."""

from __future__ import annotations

import json
import re

from playwright.sync_api import Page, expect

from allhub_core.automation.notify import list_channels
from allhub_core.store import Store
from e2e.helpers import button, open_page, shot, textbox, wait_for_run

HOOK_SECRET = "hook-SECRET-7f3a9c"


def test_add_a_webhook_send_a_test_and_turn_it_off(page: Page, dashboard, sink):
    base = sink.url("").rstrip("/")
    open_page(page, dashboard.url, "notifications")
    expect(page.get_by_text("No channel yet")).to_be_visible()

    textbox(page, "Name").fill("team hook")
    address = textbox(page, "Webhook address")
    assert address.get_attribute("type") == "password"  # typed secrets are not shown
    address.fill(f"{base}/hooks/{HOOK_SECRET}")
    button(page, "Add channel").click()
    expect(page.get_by_text(re.compile(r"Added the channel team hook"))).to_be_visible(timeout=30_000)
    wait_for_run(page)
    body = page.get_by_test_id("stMain").inner_text()
    assert "team hook" in body and HOOK_SECRET not in body
    assert textbox(page, "Webhook address").input_value() == ""  # not kept in the field
    assert textbox(page, "Name").input_value() == ""  # ready for the next channel

    button(page, "Send test").click()
    expect(page.get_by_text("Test message sent to team hook.")).to_be_visible(timeout=30_000)
    wait_for_run(page)
    assert [g["path"] for g in sink.got] == [f"/hooks/{HOOK_SECRET}"]
    assert sink.json(0)["title"] == "allhub test notification"
    expect(page.get_by_text(re.compile(r"Last message delivered"))).to_be_visible()
    shot(page, "notifications-channel-tested")

    button(page, "Turn off").click()
    expect(page.get_by_text(re.compile(r"team hook.*· off"))).to_be_visible(timeout=30_000)
    (channel,) = list_channels(Store(dashboard.db))
    assert channel["enabled"] is False and HOOK_SECRET not in json.dumps(channel, default=str)
