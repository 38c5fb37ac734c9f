"""The WebDAV deadline setting and the bounded download, through the backup actions, against a
real wsgidav server on 127.0.0.1 that drips, announces 300 MB, or streams without end.

Each failure is one sentence, recorded as the last result, and the accounts stay as they were.
"""

from __future__ import annotations

import time

import pytest
from webdav_server import PASSWORD, USER

from allhub_core import accounts as acc
from allhub_core.errors import ValidationError
from allhub_core.net import WebdavError
from allhub_core.sync import backup

TOKEN = "tok-local-SECRETVALUE-0123456789abcdef"


def keep(store) -> list[tuple]:
    acc.add_account(store, acc.AccountInput(site_url="https://keep.example.com", site_name="Keep", user_id="1",
                                            access_token=TOKEN))
    return snapshot(store)


def snapshot(store) -> list[tuple]:
    return [(r["id"], r["site_name"], r["updated_at"]) for r in acc.account_records(store)]


def test_the_deadline_is_a_saved_setting_with_bounds(store):
    assert backup.get_backup_settings(store).timeout_s == 120
    assert backup.save_backup_settings(store, timeout_s="30").timeout_s == 30
    assert backup.get_backup_settings(store).as_dict()["timeout_s"] == 30
    for bad in (0, 1.5, "soon", 3601, float("inf"), True):
        with pytest.raises(ValidationError) as err:
            backup.save_backup_settings(store, url="https://dav.example.com/", timeout_s=bad)
        assert str(err.value) == "The WebDAV deadline, in seconds, must be a whole number from 1 to 3,600."
    assert backup.get_backup_settings(store).timeout_s == 30 and backup.get_backup_settings(store).url == ""


def test_a_pull_from_a_dripping_server_ends_at_the_deadline_and_changes_nothing(store, dav_server):
    dav = dav_server("drip")
    dav.drip_every = 0.5
    before = keep(store)
    backup.save_backup_settings(store, url=dav.url("/"), username=USER, password=PASSWORD, timeout_s=2)
    started = time.monotonic()
    with pytest.raises(WebdavError) as err:
        backup.pull(store)
    assert time.monotonic() - started < 10
    assert str(err.value) == f"The WebDAV server at {dav.url('/')} did not finish answering within 2 s."
    assert snapshot(store) == before
    last = backup.last_backup_result(store)
    assert last["action"] == "download" and not last["ok"] and last["summary"] == str(err.value)


def test_a_sync_with_a_time_limit_stops_within_it(store, dav_server):
    dav = dav_server("drip")
    dav.drip_every = 0.5
    before = keep(store)
    backup.save_backup_settings(store, url=dav.url("/"), username=USER, password=PASSWORD, timeout_s=600)
    started = time.monotonic()
    with pytest.raises(WebdavError, match="before the run's time limit"):
        backup.sync(store, time_limit_s=2)
    assert time.monotonic() - started < 10
    assert snapshot(store) == before and "PUT" not in dav.methods()


@pytest.mark.parametrize("mode", ["huge", "endless"])
def test_a_download_over_the_import_limit_is_refused_and_changes_nothing(store, dav_server, mode):
    dav = dav_server(mode)
    before = keep(store)
    backup.save_backup_settings(store, url=dav.url("/"), username=USER, password=PASSWORD)
    with pytest.raises(WebdavError) as err:
        backup.sync(store)
    assert str(err.value).endswith("is over 32 MB, more than allhub reads; it was not read.")
    assert dav.sent < 100 * 1024 * 1024 and snapshot(store) == before and "PUT" not in dav.methods()
