"""The Backup page: WebDAV settings, test connection, upload, download, sync, last result,
against a real WebDAV server on 127.0.0.1."""

from __future__ import annotations

import json

from appsupport import seed, start, texts
from webdav_server import PASSWORD, USER

from allhub_core.sync import backup

PAGE = "pages/backup.py"
FILE = "all-api-hub-backup/all-api-hub-1-0.json"


def save(at, url: str, user: str = USER, password: str = PASSWORD):
    at.text_input(key="dav_url").input(url)
    at.text_input(key="dav_user").input(user)
    at.text_input(key="dav_password").input(password)
    at.button(key="FormSubmitter:webdav_settings-Save settings").click().run()
    assert not at.exception, at.exception
    return at


def test_without_settings_the_actions_are_off_and_nothing_has_run(store):
    at = start(PAGE)
    assert at.button(key="backup_push").disabled and at.button(key="backup_sync").disabled
    assert "Save a WebDAV address, user name and password" in texts(at.info)[0]
    assert "No backup action yet." in texts(at.caption)


def test_save_settings_then_test_upload_and_sync(store, dav_server):
    dav = dav_server()
    seed(store, "Alpha", token="tok-alpha-SECRETVALUE-0123456789")
    at = save(start(PAGE), dav.url("/"))
    assert texts(at.success)[0] == "WebDAV settings saved."
    assert f"Backup file: {dav.url('/' + FILE)}" in texts(at.caption)
    assert at.text_input(key="dav_password").value == ""  # the saved password is never shown
    s = backup.get_backup_settings(store)
    assert (s.url, s.username, s.has_password) == (dav.url("/"), USER, True)

    at.button(key="backup_test").click().run()
    assert "reachable and accepted the login" in texts(at.success)[0]

    at.button(key="backup_push").click().run()
    assert texts(at.success)[0].startswith(f"Uploaded 1 account to {dav.url('/' + FILE)}")
    assert [a["site_name"] for a in json.loads((dav.root / FILE).read_text())["accounts"]["accounts"]] == ["Alpha"]

    at.radio(key="sync_mode").set_value("download").run()
    at.button(key="backup_sync").click().run()
    assert not at.exception
    flash, last = texts(at.success)[:2]
    assert flash.startswith(f"Downloaded {dav.url('/' + FILE)}: ")
    assert "sync (download): Downloaded" in last  # the last result, with its time


def test_a_refused_login_shows_one_sentence_and_becomes_the_last_result(store, dav_server):
    dav = dav_server()
    at = save(start(PAGE), dav.url("/"), password="not-the-password-1")
    at.button(key="backup_test").click().run()
    errors = texts(at.error)
    want = f"The WebDAV server at {dav.url('/')} refused the user name or password (HTTP 401)."
    assert errors[0] == want and "not-the-password" not in " ".join(errors)
    assert errors[1].endswith(f"test: {want}")


def test_a_bad_address_is_refused_and_nothing_saved(store):
    at = save(start(PAGE), f"https://{USER}:{PASSWORD}@dav.example.com/")
    assert "must not contain a user name or password" in texts(at.error)[0]
    assert PASSWORD not in " ".join(texts(at.error))
    assert backup.get_backup_settings(store).url == ""


def test_the_deadline_is_shown_and_saved(store, dav_server):
    dav = dav_server()
    at = start(PAGE)
    assert at.number_input(key="dav_timeout").value == 120
    at.number_input(key="dav_timeout").set_value(15)
    at = save(at, dav.url("/"))
    assert texts(at.success)[0] == "WebDAV settings saved."
    assert backup.get_backup_settings(store).timeout_s == 15
    assert start(PAGE).number_input(key="dav_timeout").value == 15
