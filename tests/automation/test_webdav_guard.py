"""The scheduled WebDAV sync never deletes more than the set share of the accounts (a quarter by
default) without a person: it merges and uploads nothing, logs one sentence, and notifies every
channel (issue 16). A real wsgidav server on 127.0.0.1, the scheduler's own tick, a webhook sink."""

from __future__ import annotations

import json
import time

import pytest
from automation_helpers import today_at
from webdav_server import PASSWORD, USER

from allhub_core.accounts import account_records
from allhub_core.automation import FakeClock, Scheduler, list_runs, notify, save_settings
from allhub_core.cli.main import main
from allhub_core.errors import ValidationError
from allhub_core.store import Store
from allhub_core.sync import backup
from allhub_core.transfer import apply_import, parse_backup

FILE = "all-api-hub-backup/all-api-hub-1-0.json"
YEAR_MS = 365 * 24 * 3600 * 1000
NAMES = ["Alpha", "Bravo", "Charlie", "Delta"]


def now_ms() -> int:
    return int(time.time() * 1000)


def file_text(deleted: list[str]) -> str:
    """The extension's file: the four accounts, minus ``deleted``, whose records say "next year"."""
    old = now_ms() - YEAR_MS
    accounts = [{"id": f"acc-{n}", "site_name": n, "site_url": f"https://{n.lower()}.example.com",
                 "site_type": "new-api", "authType": "access_token", "created_at": old, "updated_at": old,
                 "user_updated_at": old, "account_info": {"id": 1, "username": n.lower(),
                                                         "access_token": f"tok-{n}-0123456789abcdef"}}
                for n in NAMES if n not in deleted]
    tombs = {f"acc-{n}": {"kind": "account", "deletedAt": now_ms() + YEAR_MS, "entryUpdatedAt": 0} for n in deleted}
    return json.dumps({"version": "4.0", "timestamp": now_ms(), "accounts": {
        "accounts": accounts, "deletedEntryRecords": tombs, "last_updated": now_ms()}})


@pytest.fixture
def setup(db_path, dav_server, sink):
    store = Store(db_path)
    apply_import(store, parse_backup(file_text([])))  # the four accounts, as the extension has them
    dav = dav_server()
    backup.save_backup_settings(store, url=dav.url("/"), username=USER, password=PASSWORD)
    save_settings(store, webdav_sync_enabled=True, webdav_sync_interval_s=300)
    notify.add_channel(store, "hook", "webhook", fields={"url": sink.url("/hook")})  # follows refresh, check-in
    (dav.root / "all-api-hub-backup").mkdir()
    return store, dav


def scheduled_sync(db_path, at: str = "09:59") -> dict:
    [run] = Scheduler(db_path, clock=FakeClock(today_at(at))).tick()
    assert run.job == "webdav_sync"
    return list_runs(Store(db_path))[0]


def names(store) -> list[str]:
    return sorted(r["site_name"] for r in account_records(store))


def test_deletions_over_the_share_are_held_back_logged_and_notified(db_path, setup, sink):
    store, dav = setup
    (dav.root / FILE).write_text(file_text(["Alpha", "Bravo"]))  # half the accounts
    before = (dav.root / FILE).read_bytes()
    run = scheduled_sync(db_path)
    assert run["status"] == "failed" and run["counts"]["held_back"] == 2
    assert run["summary"] == ("The WebDAV file would delete 2 of 4 accounts (Alpha, Bravo), more than the 25% a "
                              "scheduled sync may delete without you; nothing was merged or uploaded: sync by hand "
                              "to confirm the deletions.")
    assert names(store) == NAMES  # nothing deleted
    with store.read() as con:
        assert con.execute("SELECT count(*) FROM tombstones").fetchone() == (0,)
    assert (dav.root / FILE).read_bytes() == before and "PUT" not in dav.methods()  # no emptied list uploaded
    assert [n["ok"] for n in run["notify"]] == [True] and len(sink.got) == 1
    body = json.dumps(sink.json())
    assert "WebDAV sync failed" in body and "would delete 2 of 4 accounts" in body


def test_deletions_within_the_share_go_through_and_the_share_is_a_setting(db_path, setup, sink):
    store, dav = setup
    (dav.root / FILE).write_text(file_text(["Alpha"]))  # a quarter: allowed
    run = scheduled_sync(db_path)
    assert run["status"] == "ok" and names(store) == ["Bravo", "Charlie", "Delta"]
    uploaded = json.loads((dav.root / FILE).read_text())["accounts"]
    assert [a["site_name"] for a in uploaded["accounts"]] == ["Bravo", "Charlie", "Delta"]
    assert uploaded["deletedEntryRecords"]["acc-Alpha"]["deletedAt"] <= now_ms()  # not next year any more
    assert sink.got == []  # an ordinary sync: the channel follows refresh and check-in only

    with pytest.raises(ValidationError, match="from 0 to 100 percent"):
        save_settings(store, webdav_sync_max_delete_pct=101)
    save_settings(store, webdav_sync_max_delete_pct=0)
    (dav.root / FILE).write_text(file_text(["Alpha", "Bravo"]))
    run = scheduled_sync(db_path, "10:10")  # due again
    assert run["status"] == "failed" and "more than the 0%" in run["summary"]
    assert names(store) == ["Bravo", "Charlie", "Delta"]


def test_the_share_is_set_from_the_command_line(store, capsys):

    assert main(["--db", str(store.path), "automation", "set", "--webdav-max-delete-pct", "40", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["settings"]["webdav_sync_max_delete_pct"] == 40
    assert main(["--db", str(store.path), "automation", "set", "--webdav-max-delete-pct", "101"]) == 2
    assert capsys.readouterr().err.strip() == ("allhub: The share of accounts a scheduled WebDAV sync may delete "
                                               "must be a whole number from 0 to 100 percent.")
    assert main(["--db", str(store.path), "automation", "show"]) == 0
    assert "deleting at most 40% of the accounts without you" in capsys.readouterr().out
