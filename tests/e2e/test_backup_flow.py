"""The Backup page in Chromium: saved WebDAV passwords do not stay in the browser's fields."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from allhub_core.store import Store
from allhub_core.sync import get_backup_settings
from e2e.helpers import button, open_page, textbox, wait_for_run

PASSWORD = "dav-PASSWORD-51c2"
BACKUP_PASSWORD = "backup-PASSWORD-9e04"


def test_saved_passwords_leave_the_fields_empty(page: Page, dashboard):
    open_page(page, dashboard.url, "backup")
    textbox(page, "WebDAV address").fill("https://dav.example.com/remote.php/dav/files/me/")
    textbox(page, "User name").fill("me")
    textbox(page, "Password").fill(PASSWORD)
    textbox(page, "Backup password").fill(BACKUP_PASSWORD)
    button(page, "Save settings").click()
    expect(page.get_by_text("WebDAV settings saved.")).to_be_visible(timeout=30_000)
    wait_for_run(page)
    assert textbox(page, "Password").input_value() == ""
    assert textbox(page, "Backup password").input_value() == ""
    expect(textbox(page, "Password")).to_have_attribute("placeholder", re.compile("saved; leave empty to keep it"))
    settings = get_backup_settings(Store(dashboard.db))
    assert settings.has_password and settings.has_backup_password and settings.username == "me"
