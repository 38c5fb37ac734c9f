"""WebDAV backup and sync flows against a real wsgidav server on 127.0.0.1.

The file on the server is the extension's: written by hand here in its 4.0 format (as the
extension would leave it) and read back from the server's folder after each action.
"""

from __future__ import annotations

import json
import time

import pytest
from webdav_server import PASSWORD, USER

from allhub_core import accounts as acc
from allhub_core.errors import ValidationError
from allhub_core.net import WebdavAuthError, WebdavConfigError
from allhub_core.store import Store
from allhub_core.sync import backup
from allhub_core.transfer import encrypt_backup

FILE = "all-api-hub-backup/all-api-hub-1-0.json"
TOKEN = "tok-local-SECRETVALUE-0123456789abcdef"


def now_ms() -> int:
    return int(time.time() * 1000)


def ext_account(aid: str, name: str, *, updated: int, notes: str = "") -> dict:
    return {
        "id": aid, "site_name": name, "site_url": f"https://{name.lower()}.example.com", "site_type": "new-api",
        "authType": "access_token", "exchange_rate": 7.2, "notes": notes, "disabled": False,
        "account_info": {"id": 7, "username": name.lower(), "access_token": f"tok-{name}-REMOTE-0123456789",
                         "quota": 500000, "today_quota_consumption": 0, "today_income": 0},
        "health": {"status": "healthy"}, "created_at": updated - 60_000, "updated_at": updated,
        "user_updated_at": updated, "last_sync_time": 0, "configVersion": 7,
        "checkIn": {"enableDetection": False, "siteStatus": {"isCheckedInToday": False}},
    }


def ext_file(accounts: list[dict], tombstones: dict | None = None) -> dict:
    t = now_ms()
    return {"version": "4.0", "timestamp": t,
            "accounts": {"accounts": accounts, "bookmarks": [], "pinnedAccountIds": [], "orderedAccountIds": [],
                         "deletedEntryRecords": tombstones or {}, "last_updated": t},
            "tagStore": {"version": 1, "tagsById": {}}}


@pytest.fixture
def dav(dav_server):
    return dav_server()


@pytest.fixture
def configured(store, dav):
    backup.save_backup_settings(store, url=dav.url("/"), username=USER, password=PASSWORD)
    return store


def put_remote(dav, obj: dict) -> None:
    (dav.root / "all-api-hub-backup").mkdir(exist_ok=True)
    (dav.root / FILE).write_text(json.dumps(obj), encoding="utf-8")


def remote(dav) -> dict:
    return json.loads((dav.root / FILE).read_text(encoding="utf-8"))


def remote_names(dav) -> list[str]:
    return sorted(a["site_name"] for a in remote(dav)["accounts"]["accounts"])


def local(store) -> dict[str, str]:
    with store.read() as con:
        return dict(con.execute("SELECT site_name, notes FROM accounts ORDER BY site_name").fetchall())


def add_local(store, name: str, notes: str = "") -> int:
    return acc.add_account(store, acc.AccountInput(
        site_url=f"https://{name.lower()}.example.com", site_name=name, site_type="new-api", user_id="1",
        access_token=TOKEN, notes=notes))


# -- settings ---------------------------------------------------------------------------------
def test_settings_keep_the_password_encrypted_and_report_what_is_set(store, dav):
    s = backup.save_backup_settings(store, url=dav.url("/dav/"), username=USER, password=PASSWORD)
    assert (s.url, s.username, s.has_password, s.encrypt) == (dav.url("/dav/"), USER, True, False)
    assert s.file_url == dav.url("/dav/" + FILE)
    with store.read() as con:
        prefs = con.execute("SELECT string_agg(value, ' ') FROM preferences").fetchone()[0]
        blobs = con.execute("SELECT value_blob FROM meta WHERE key LIKE 'secret:%'").fetchall()
    assert PASSWORD not in prefs and len(blobs) == 1 and PASSWORD.encode() not in bytes(blobs[0][0])
    # None keeps the saved password; an empty one deletes it
    assert backup.save_backup_settings(store, username="bob").has_password
    assert not backup.save_backup_settings(store, password="").has_password


def test_bad_settings_are_refused_in_one_sentence(store):
    with pytest.raises(WebdavConfigError, match="must not contain a user name or password"):
        backup.save_backup_settings(store, url=f"https://{USER}:{PASSWORD}@dav.example.com/")
    with pytest.raises(ValidationError, match="need a backup password"):
        backup.save_backup_settings(store, encrypt=True)
    with pytest.raises(WebdavConfigError, match="No WebDAV address is set"):
        backup.push(store)
    assert backup.last_backup_result(store)["ok"] is False


# -- test, push, pull -------------------------------------------------------------------------
def test_connection_test_records_the_last_result(configured, dav):
    report = backup.test_connection(configured)
    assert report.ok and "reachable and accepted the login" in report.summary()
    last = backup.last_backup_result(configured)
    assert last["action"] == "test" and last["ok"] and last["time"].endswith("+00:00")


def test_a_wrong_password_fails_and_is_remembered_without_the_password(store, dav):
    backup.save_backup_settings(store, url=dav.url("/"), username=USER, password="not-the-right-one-123")
    with pytest.raises(WebdavAuthError) as err:
        backup.push(store)
    last = backup.last_backup_result(store)
    assert last["ok"] is False and last["summary"] == str(err.value)
    assert "refused the user name or password" in str(err.value) and "not-the-right-one" not in str(err.value)


def test_push_uploads_the_extension_backup_with_secrets(configured, dav):
    add_local(configured, "Alpha")
    report = backup.push(configured)
    assert report.ok and report.summary().startswith(f"Uploaded 1 account to {dav.url('/' + FILE)} (")
    data = remote(dav)
    assert data["version"] == "4.0"
    (a,) = data["accounts"]["accounts"]
    assert (a["site_name"], a["site_url"], a["account_info"]["access_token"]) == \
        ("Alpha", "https://alpha.example.com", TOKEN)
    assert sorted(p.name for p in (dav.root / "all-api-hub-backup").iterdir()) == ["all-api-hub-1-0.json"]


def test_an_encrypted_push_hides_everything_and_pulls_back_with_the_password(configured, dav, tmp_path):

    add_local(configured, "Alpha")
    backup.save_backup_settings(configured, encrypt=True, backup_password="backup-pass-42")
    assert backup.push(configured).uploaded_encrypted
    raw = (dav.root / FILE).read_text()
    envelope = json.loads(raw)
    assert envelope["type"] == "all-api-hub-webdav-backup-encrypted" and envelope["iter"] == 250000
    assert TOKEN not in raw and "Alpha" not in raw

    other = Store(tmp_path / "other.duckdb")
    backup.save_backup_settings(other, url=dav.url("/"), username=USER, password=PASSWORD)
    with pytest.raises(ValidationError):  # encrypted, and no password known here
        backup.pull(other)
    assert local(other) == {}
    report = backup.pull(other, password="backup-pass-42")
    assert report.ok and report.remote_encrypted and local(other) == {"Alpha": ""}


def test_pull_of_a_missing_file_changes_nothing_and_says_so(configured, dav):
    add_local(configured, "Alpha")
    report = backup.pull(configured)
    assert not report.ok
    assert report.summary() == f"There is no backup file at {dav.url('/' + FILE)} yet; nothing was changed."
    assert local(configured) == {"Alpha": ""}


# -- sync -------------------------------------------------------------------------------------
def test_merge_sync_joins_both_sides(configured, dav):
    add_local(configured, "Local")
    theirs = ext_file([ext_account("acc-remote", "Remote", updated=now_ms() - 5_000)])
    profiles = {"version": 5, "profiles": [{"id": "p1", "name": "My key"}], "links": [], "linkTombstones": []}
    theirs.update(preferences={"themeMode": "dark"}, apiCredentialProfiles=profiles)
    put_remote(dav, theirs)
    report = backup.sync(configured, mode="merge")
    assert report.ok and report.remote_found and report.upload is not None
    assert sorted(local(configured)) == ["Local", "Remote"]
    assert remote_names(dav) == ["Local", "Remote"]
    # what allhub does not hold (the extension's preferences, API credential profiles) stays in the file
    assert remote(dav)["apiCredentialProfiles"] == profiles and remote(dav)["preferences"] == {"themeMode": "dark"}
    assert [r["step"] for r in report.rows()] == ["download", "import", "upload"]
    assert "; then uploaded the merged 2 accounts (" in report.summary()


def test_merge_sync_with_an_encrypted_file_stays_encrypted(configured, dav):

    backup.save_backup_settings(configured, encrypt=True, backup_password="backup-pass-42")
    theirs = ext_file([ext_account("acc-remote", "Remote", updated=now_ms() - 5_000)])
    theirs["preferences"] = {"themeMode": "dark"}
    put_remote(dav, json.loads(encrypt_backup(json.dumps(theirs), "backup-pass-42", iterations=1000)))
    add_local(configured, "Local")
    report = backup.sync(configured)
    assert report.remote_encrypted and report.uploaded_encrypted
    assert sorted(local(configured)) == ["Local", "Remote"]
    raw = (dav.root / FILE).read_text()
    assert "Remote" not in raw and TOKEN not in raw
    again = backup.pull(configured)  # the saved backup password opens what was uploaded
    assert again.ok and again.remote_encrypted


def test_merge_keeps_the_newer_record_by_id(configured, dav):
    t = now_ms() - 60_000
    put_remote(dav, ext_file([ext_account("acc-a", "Alpha", updated=t, notes="old"),
                              ext_account("acc-b", "Bravo", updated=t, notes="old")]))
    backup.sync(configured)
    aid = {v: k for k, v in _ids(configured).items()}["Alpha"]
    acc.update_accounts(configured, {aid: {"notes": "edited here"}})  # now: newer than the file
    put_remote(dav, ext_file([ext_account("acc-a", "Alpha", updated=t, notes="old"),
                              ext_account("acc-b", "Bravo", updated=now_ms() + 1_000, notes="edited there")]))
    backup.sync(configured)
    assert local(configured) == {"Alpha": "edited here", "Bravo": "edited there"}
    assert {a["site_name"]: a["notes"] for a in remote(dav)["accounts"]["accounts"]} == \
        {"Alpha": "edited here", "Bravo": "edited there"}


def _ids(store) -> dict[int, str]:
    with store.read() as con:
        return dict(con.execute("SELECT id, site_name FROM accounts").fetchall())


def test_an_account_deleted_on_the_other_side_does_not_come_back(configured, dav):
    t = now_ms() - 60_000
    put_remote(dav, ext_file([ext_account("acc-a", "Alpha", updated=t), ext_account("acc-b", "Bravo", updated=t)]))
    backup.sync(configured)
    assert sorted(local(configured)) == ["Alpha", "Bravo"]
    # the extension deletes Bravo and uploads its file with a tombstone
    put_remote(dav, ext_file([ext_account("acc-a", "Alpha", updated=t)],
                             {"acc-b": {"kind": "account", "deletedAt": now_ms(), "entryUpdatedAt": t}}))
    backup.sync(configured)
    assert sorted(local(configured)) == ["Alpha"]
    assert remote_names(dav) == ["Alpha"] and "acc-b" in remote(dav)["accounts"]["deletedEntryRecords"]


def test_an_account_deleted_here_does_not_come_back_from_the_file(configured, dav):
    t = now_ms() - 60_000
    put_remote(dav, ext_file([ext_account("acc-a", "Alpha", updated=t), ext_account("acc-b", "Bravo", updated=t)]))
    backup.sync(configured)
    bravo = {v: k for k, v in _ids(configured).items()}["Bravo"]
    acc.delete_accounts(configured, [bravo])
    backup.sync(configured)  # the file still holds Bravo
    assert sorted(local(configured)) == ["Alpha"]
    assert remote_names(dav) == ["Alpha"] and "acc-b" in remote(dav)["accounts"]["deletedEntryRecords"]
    backup.sync(configured)  # and stays gone
    assert sorted(local(configured)) == ["Alpha"]


def test_upload_only_overwrites_the_file(configured, dav):
    add_local(configured, "Local")
    put_remote(dav, ext_file([ext_account("acc-remote", "Remote", updated=now_ms())]))
    report = backup.sync(configured, mode="upload")
    assert report.remote_found is None and report.imported is None
    assert remote_names(dav) == ["Local"] and sorted(local(configured)) == ["Local"]


def test_download_only_merges_and_leaves_the_file_alone(configured, dav):
    add_local(configured, "Local")
    put_remote(dav, ext_file([ext_account("acc-remote", "Remote", updated=now_ms())]))
    before = (dav.root / FILE).read_bytes()
    dav.log.clear()
    report = backup.sync(configured, mode="download")
    assert report.ok and report.upload is None
    assert sorted(local(configured)) == ["Local", "Remote"]
    assert (dav.root / FILE).read_bytes() == before and "PUT" not in dav.methods()
    assert backup.last_backup_result(configured)["action"] == "sync (download)"


def test_sync_to_a_server_without_move_still_works(store, dav_server):
    dav = dav_server("no_move")
    (dav.root / "all-api-hub-backup").mkdir()
    backup.save_backup_settings(store, url=dav.url("/"), username=USER, password=PASSWORD)
    add_local(store, "Local")
    report = backup.sync(store)
    assert report.remote_found is False and not report.upload.atomic
    assert "written in place" in report.summary() and remote_names(dav) == ["Local"]


@pytest.mark.parametrize("mode, action, words", [
    ("insufficient_storage", "push", "507"),
    ("html", "pull", ""),
    ("html", "test", ""),
])
def test_a_full_or_odd_server_is_one_sentence_and_changes_nothing(store, dav_server, mode, action, words):
    """A server out of space (507) or answering HTML instead of WebDAV: one sentence, no traceback,
    the password nowhere, and the store as it was."""
    dav = dav_server(mode)
    acc.add_account(store, acc.AccountInput(site_url="https://keep.example.com", site_name="Keep", user_id="1",
                                            access_token=TOKEN))
    backup.save_backup_settings(store, url=dav.url("/"), username=USER, password=PASSWORD)
    before = [(r["id"], r["site_name"], r["updated_at"]) for r in acc.account_records(store)]
    fn = {"push": backup.push, "pull": backup.pull, "test": backup.test_connection}[action]
    try:
        report = fn(store)
        message, ok = report.summary(), report.ok
    except Exception as exc:  # noqa: BLE001 - what the user sees either way
        message, ok = str(exc), False
    assert not ok and "\n" not in message and "Traceback" not in message and words in message
    assert PASSWORD not in message and TOKEN not in message
    assert [(r["id"], r["site_name"], r["updated_at"]) for r in acc.account_records(store)] == before
