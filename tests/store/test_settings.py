"""The one settings API (``store.settings``) under the preferences, the automation settings and
the WebDAV settings: values saved before it keep their meaning, a damaged value reads as unset
everywhere (and the daemon's strict read names it), and a backup carries the damaged text as it
was."""

from __future__ import annotations

import pytest

from allhub_core.accounts import get_preferences, set_preference
from allhub_core.automation.settings import get_settings, save_settings
from allhub_core.errors import ValidationError
from allhub_core.store import AUTOMATION, PREFERENCES, Damaged, read_settings
from allhub_core.sync import backup
from allhub_core.transfer import build_own_backup


def _raw(store, table: str, rows: dict[str, str]) -> None:
    """Rows as an older allhub (or a damaged file) left them, written by hand."""
    with store.write() as con:
        for key, raw in rows.items():
            con.execute(f"INSERT INTO {table} (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE "
                        "SET value = excluded.value", [key, raw])


def test_values_stored_by_hand_read_the_same_through_every_room(store):
    _raw(store, PREFERENCES, {"sort_field": '"name"', "refresh_min_interval_s": "300",
                              "webdav_url": '"https://dav.example.com/"', "webdav_username": '"me"'})
    _raw(store, AUTOMATION, {"refresh_enabled": "true", "checkin_time": '"07:30"'})
    prefs, auto, dav = get_preferences(store), get_settings(store), backup.get_backup_settings(store)
    assert prefs["sort_field"] == "name" and prefs["refresh_min_interval_s"] == 300
    assert (auto.refresh_enabled, auto.checkin_time, auto.refresh_min_interval_s) == (True, "07:30", 300)
    assert (dav.url, dav.username) == ("https://dav.example.com/", "me")


def test_a_damaged_value_reads_as_unset_and_the_strict_read_names_it(store):
    _raw(store, PREFERENCES, {"sort_field": "name", "webdav_username": "{oops"})  # not JSON
    _raw(store, AUTOMATION, {"checkin_time": "07:30"})
    assert get_preferences(store)["sort_field"] == "balance"  # the default
    assert backup.get_backup_settings(store).username == ""
    assert get_settings(store).checkin_time == "09:00"
    with pytest.raises(ValidationError, match="'checkin_time' is not valid"):
        get_settings(store, strict=True)
    assert read_settings(store, PREFERENCES, ["sort_field"], keep_damaged=True) == {"sort_field": Damaged("name")}
    assert build_own_backup(store)["preferences"]["sort_field"] == "name"  # carried as the text it was


def test_saving_goes_back_through_the_same_rows(store):
    set_preference(store, "sort_field", "income")
    save_settings(store, checkin_time="06:15", refresh_min_interval_s=600)
    with store.read() as con:
        assert con.execute("SELECT value FROM preferences WHERE key = 'sort_field'").fetchone() == ('"income"',)
        assert con.execute("SELECT value FROM automation_settings WHERE key = 'checkin_time'").fetchone() == \
            ('"06:15"',)
        assert con.execute("SELECT value FROM preferences WHERE key = 'refresh_min_interval_s'").fetchone() == \
            ("600",)
    assert get_preferences(store)["refresh_min_interval_s"] == 600
