"""Import / Export in a real browser: upload an All API Hub backup, read the preview, confirm,
then download the extension's file and read it back."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Page, expect

from allhub_core.accounts import AccountFilter, account_records, count_accounts
from allhub_core.store import Store
from allhub_core.transfer import parse_backup
from e2e.helpers import button, open_page, shot, wait_for_run

FIX = Path(__file__).resolve().parents[1] / "transfer" / "fixtures"


def test_upload_preview_confirm_and_download(page: Page, dashboard, tmp_path):
    open_page(page, dashboard.url, "import_page")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(FIX / "extension_v4_full.json"))
    wait_for_run(page)
    info = page.get_by_test_id("stAlert").filter(has_text="All API Hub 4.0 backup (full)")
    expect(info).to_contain_text("4 account(s), 3 tag(s), 1 bookmark(s). Merge would add 4")
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    shot(page, "import_preview")
    assert count_accounts(Store(dashboard.db), AccountFilter()) == 0  # nothing written before confirming

    button(page, "Import (merge)").click()
    wait_for_run(page)
    expect(page.get_by_test_id("stAlert").filter(has_text="Import (merge) done: 4 added")).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    names = sorted(a["site_name"] for a in account_records(Store(dashboard.db), f=AccountFilter()))
    assert names == ["Harbor Relay", "Lantern Router", "Mix Hub", "Quarry S2A"]

    page.get_by_role("tab", name="Export").click()
    button(page, "Prepare the file").click()
    wait_for_run(page)
    shot(page, "import_export_tab")
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download all-api-hub-backup-").click()
    target = tmp_path / dl.value.suggested_filename
    dl.value.save_as(target)
    assert target.name.startswith("all-api-hub-backup-") and target.suffix == ".json"
    doc = json.loads(target.read_text())
    assert doc["version"] == "4.0" and "test-token" not in target.read_text()  # no secrets unless asked
    assert {a["id"] for a in doc["accounts"]["accounts"]} == {a.ext_id for a in parse_backup(
        (FIX / "extension_v4_full.json").read_text()).accounts}

    page.get_by_role("tab", name="Bookmarks").click()
    expect(page.get_by_test_id("stDataFrame").last).to_be_visible()
    shot(page, "import_bookmarks")
