"""Issue 16 on the pages: the Import page says when deletion records come from the future and
needs an explicit yes before an import deletes accounts; the Backup page asks before a download
or sync deletes accounts (a real WebDAV server on 127.0.0.1)."""

from __future__ import annotations

import json
import time

from appsupport import button, start, texts
from webdav_server import PASSWORD, USER

from allhub_core.accounts import account_records
from allhub_core.automation import get_settings, save_settings
from allhub_core.sync import backup
from allhub_core.transfer import apply_import, parse_backup

FILE = "all-api-hub-backup/all-api-hub-1-0.json"
YEAR_MS = 365 * 24 * 3600 * 1000


def now_ms() -> int:
    return int(time.time() * 1000)


def backup_text(names: list[str], deleted: list[str] = ()) -> str:
    old = now_ms() - YEAR_MS
    accounts = [{"id": f"acc-{n}", "site_name": n, "site_url": f"https://{n.lower()}.example.com",
                 "site_type": "new-api", "authType": "access_token", "created_at": old, "updated_at": old,
                 "user_updated_at": old, "account_info": {"id": 1, "username": n.lower(),
                                                         "access_token": f"tok-{n}-0123456789abcdef"}}
                for n in names]
    tombs = {f"acc-{n}": {"kind": "account", "deletedAt": now_ms() + YEAR_MS, "entryUpdatedAt": 0} for n in deleted}
    return json.dumps({"version": "4.0", "timestamp": now_ms(),
                       "accounts": {"accounts": accounts, "deletedEntryRecords": tombs, "last_updated": now_ms()}})


def names(store) -> list[str]:
    return sorted(r["site_name"] for r in account_records(store))


def test_import_page_says_the_deletions_came_from_the_future_and_needs_a_yes(store):
    apply_import(store, parse_backup(backup_text(["Alpha", "Bravo"])))
    at = start("pages/import_page.py")
    at.text_area(key="imp_text").input(backup_text(["Bravo"], ["Alpha"])).run()
    assert not at.exception
    assert texts(at.info)[0].endswith("Merge would leave 1 unchanged, delete 1. 1 deletion record was dated in the "
                                      "future and is treated as dated now.")
    assert texts(at.warning) == ["This import deletes 1 account(s) here: Alpha."]
    assert button(at, "Import (merge)").disabled  # no import before the yes
    at.checkbox(key="imp_confirm_delete").check().run()
    button(at, "Import (merge)").click().run()
    assert not at.exception and texts(at.success)[0].startswith("Import (merge) done: 1 unchanged, 1 deleted.")
    assert names(store) == ["Bravo"]


def test_import_page_replace_by_an_empty_file_needs_a_yes_too(store):
    apply_import(store, parse_backup(backup_text(["Alpha"])))
    at = start("pages/import_page.py")
    at.radio(key="imp_mode").set_value("replace")
    at.text_area(key="imp_text").input(backup_text([])).run()
    assert texts(at.warning) == ["This import deletes 1 account(s) here: Alpha."]
    assert button(at, "Import (replace)").disabled and names(store) == ["Alpha"]


def test_backup_page_asks_before_a_download_deletes_and_cancel_changes_nothing(store, dav_server):
    dav = dav_server()
    apply_import(store, parse_backup(backup_text(["Alpha", "Bravo"])))
    backup.save_backup_settings(store, url=dav.url("/"), username=USER, password=PASSWORD)
    (dav.root / "all-api-hub-backup").mkdir()
    (dav.root / FILE).write_text(backup_text(["Bravo"], ["Alpha"]))
    before = (dav.root / FILE).read_bytes()

    at = start("pages/backup.py")
    at.button(key="backup_sync").click().run()  # merge: download, merge, upload
    assert not at.exception
    assert texts(at.warning) == ["The backup file deletes 1 account(s) here: Alpha. Nothing was changed yet."]
    assert names(store) == ["Alpha", "Bravo"] and (dav.root / FILE).read_bytes() == before
    at.button(key="dav_cancel_delete").click().run()
    assert texts(at.success)[0] == "Nothing was changed." and not at.warning
    assert names(store) == ["Alpha", "Bravo"] and (dav.root / FILE).read_bytes() == before

    at.button(key="backup_pull").click().run()
    at.button(key="dav_confirm_delete").click().run()
    assert not at.exception and texts(at.success)[0].startswith(f"Downloaded {dav.url('/' + FILE)}")
    assert names(store) == ["Bravo"]


def test_the_automation_page_sets_the_share_a_scheduled_sync_may_delete(store):

    save_settings(store, webdav_sync_max_delete_pct=40)
    at = start("pages/automation.py")
    assert at.number_input(key="webdav_sync_max_delete_pct").value == 40
    at.number_input(key="webdav_sync_max_delete_pct").set_value(10)
    at.button(key="FormSubmitter:automation_settings-Save automation settings").click().run()
    assert not at.exception and get_settings(store).webdav_sync_max_delete_pct == 10


def test_import_page_impossible_times_are_one_sentence_or_a_rejected_row(store):
    apply_import(store, parse_backup(backup_text(["Alpha"])))
    at = start("pages/import_page.py")
    obj = json.loads(backup_text([], ["Alpha"]))
    obj["accounts"]["deletedEntryRecords"]["acc-Alpha"]["deletedAt"] = 1e20
    at.text_area(key="imp_text").input(json.dumps(obj)).run()
    assert not at.exception
    assert texts(at.error) == ["This backup cannot be imported: the deletion date of its deletion record "
                               "'acc-Alpha' (1e+20) is not a possible time."]
    row = json.loads(backup_text(["Bravo"]))
    row["accounts"]["accounts"][0]["updated_at"] = 1e17
    at.text_area(key="imp_text").input(json.dumps(row)).run()
    assert not at.exception and not at.error
    rows = next(d.value for d in at.dataframe if "Action" in d.value.columns)
    assert list(rows["Action"]) == ["rejected"] and list(rows["Why"]) == [
        "Its updated_at (1e+17) is not a possible time."]
    assert names(store) == ["Alpha"]
