"""Import / Export page: paste a backup, see the preview, confirm; export files; bookmarks list."""

from __future__ import annotations

import json
from pathlib import Path

from appsupport import button, seed, start, texts

from allhub_core.accounts import account_records, set_preference
from allhub_core.transfer import encrypt_backup, parse_backup

PAGE = "pages/import_page.py"
FIX = Path(__file__).resolve().parents[1] / "transfer" / "fixtures"


def frame(at, column: str):
    """The first table on the page with this column (the preview, the CSV report, the bookmarks)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_paste_preview_then_confirm(store):
    seed(store, "Local one")
    at = start(PAGE)
    assert not at.info or "No bookmarks" in texts(at.info)[-1]
    at.text_area(key="imp_text").input((FIX / "extension_v4_full.json").read_text()).run()
    assert not at.exception
    info = texts(at.info)[0]
    assert info.startswith("All API Hub 4.0 backup (full) of 2024-05-01 09:00 UTC: 4 account(s)")
    assert "Merge would add 4" in info
    rows = frame(at, "Action")
    assert list(rows["Action"]) == ["new"] * 5 and "Harbor Relay" in list(rows["Name"])
    assert [r["site_name"] for r in account_records(store)] == ["Local one"]  # nothing written yet

    button(at, "Import (merge)").click().run()
    assert not at.exception
    assert texts(at.success)[0].startswith("Import (merge) done: 4 added")
    assert len(account_records(store)) == 5


def test_replace_shows_what_goes_and_which_fields_change(store):
    seed(store, "Local one")
    obj = json.loads((FIX / "extension_v4_full.json").read_text())
    at = start(PAGE)
    at.radio(key="imp_mode").set_value("replace")
    at.text_area(key="imp_text").input(json.dumps(obj)).run()
    rows = frame(at, "Action")
    gone = rows[rows["Action"] == "delete"]
    assert list(gone["Name"]) == ["Local one"] and list(gone["Why"]) == ["Not in the backup."]
    button(at, "Import (replace)").click().run()
    assert sorted(r["site_name"] for r in account_records(store)) == ["Harbor Relay", "Lantern Router", "Mix Hub",
                                                                         "Quarry S2A"]


def test_encrypted_backup_asks_for_its_password(store):
    sealed = encrypt_backup((FIX / "extension_v2_accounts_only.json").read_text(), "open sesame")
    at = start(PAGE)
    at.text_area(key="imp_text").input(sealed).run()
    assert texts(at.error) == ["This backup is encrypted; enter its password to read it."]
    at.text_input(key="imp_password").input("wrong").run()
    assert "The password does not open this encrypted backup" in texts(at.error)[0]
    at.text_input(key="imp_password").input("open sesame").run()
    assert not at.error and "(encrypted)" in texts(at.info)[0]
    button(at, "Import (merge)").click().run()
    assert sorted(r["site_name"] for r in account_records(store)) == ["Four Site", "Six Site"]


def test_bad_input_is_one_sentence_and_writes_nothing(store):
    at = start(PAGE)
    at.text_area(key="imp_text").input(json.dumps({"version": "5.0", "accounts": []})).run()
    assert not at.exception
    assert texts(at.error) == ["This backup was made by a newer version of All API Hub (format 5.0); allhub reads "
                               "formats 1.0 to 4.0."]
    assert account_records(store) == []


def test_csv_paste_reports_each_row(store):
    at = start(PAGE)
    at.text_area(key="imp_text").input("url,user_id,token\nhttps://a.example.com,1,tok-aaaaaaaaaaaaaaaaaaa\n"
                                        "not a url,2,tok-bbbbbbbbbbbbbbbbbb\n").run()
    rows = frame(at, "Result")
    assert list(rows["Result"]) == ["added", "rejected"]
    at.checkbox(key="imp_csv_refresh").uncheck().run()  # no site to ask here
    button(at, "Add these accounts").click().run()
    assert texts(at.warning)[0] == "CSV import: 1 added, 0 skipped (duplicate), 1 rejected."
    assert [r["site_name"] for r in account_records(store)] == ["a.example.com"]


def test_csv_rows_are_recognised_and_refreshed_after_the_import(store, sandbox_factory):
    site = sandbox_factory(dialects=["veloera"], users_per_site=2, seed=63).site("veloera")
    set_preference(store, "per_site_rpm", 0)
    csv_text = "url,user_id,token\n" + "".join(f"{site.url},{u.id},{u.access_token}\n" for u in site.users)
    at = start(PAGE)
    at.text_area(key="imp_text").input(csv_text).run()
    assert at.checkbox(key="imp_csv_refresh").value is True
    button(at, "Add these accounts").click().run()
    assert not at.exception
    message = texts(at.success)[0]
    assert message.startswith("CSV import: 2 added") and "Refresh complete: 2 succeeded" in message, message
    recs = account_records(store)
    assert {r["site_type"] for r in recs} == {"Veloera"} and {r["health_status"] for r in recs} == {"healthy"}


def test_export_downloads_and_bookmarks_list(store, downloads):
    at = start(PAGE)
    at.text_area(key="imp_text").input((FIX / "extension_v4_full.json").read_text()).run()
    button(at, "Import (merge)").click().run()
    bm = frame(at, "URL")
    assert list(bm["Name"]) == ["Status page"] and list(bm["URL"]) == ["https://status.example.com"]

    button(at, "Prepare the file").click().run()
    name = next(n for n in downloads if n.startswith("all-api-hub-backup-"))
    text = downloads[name].decode()
    assert json.loads(text)["version"] == "4.0" and "test-token" not in text
    at.checkbox(key="exp_secrets").check()
    at.text_input(key="exp_password").input("pw-123").run()
    button(at, "Prepare the file").click().run()
    sealed = downloads[name].decode()
    assert "test-token" not in sealed
    assert len(parse_backup(sealed, password="pw-123").accounts) == 4
    assert parse_backup(sealed, password="pw-123").accounts[0].secrets["access_token"].startswith("test-token")
