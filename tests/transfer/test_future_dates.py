"""Times from a backup file (issue 16): the future is read as now, impossible times are one
sentence, and an import that deletes accounts needs the caller's leave (``max_deletes``)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from allhub_core.accounts import AccountInput, account_records, add_account, update_accounts
from allhub_core.errors import ValidationError
from allhub_core.store import Store
from allhub_core.transfer import (
    DeletionsNeedConfirmation,
    apply_import,
    build_own_backup,
    deletion_limit,
    parse_backup,
    preview_import,
)
from allhub_core.transfer.backup import DAY_COLUMNS, TIME_COLUMNS
from allhub_core.transfer.times import SKEW_MS

YEAR_MS = 365 * 24 * 3600 * 1000
TOKEN = "tok-FUTURE-0123456789abcdef"


def now_ms() -> int:
    return int(time.time() * 1000)


def ext_account(aid: str, name: str, updated: int, **extra) -> dict:
    return {"id": aid, "site_name": name, "site_url": f"https://{name.lower()}.example.com", "site_type": "new-api",
            "authType": "access_token", "account_info": {"id": 7, "username": name.lower(), "access_token": TOKEN},
            "created_at": updated - 60_000, "updated_at": updated, "user_updated_at": updated, **extra}


def ext_file(accounts: list[dict], tombstones: dict | None = None, bookmarks: list | None = None) -> str:
    t = now_ms()
    return json.dumps({"version": "4.0", "timestamp": t,
                       "accounts": {"accounts": accounts, "bookmarks": bookmarks or [],
                                    "deletedEntryRecords": tombstones or {}, "last_updated": t}})


def edited_today(store: Store) -> int:
    """One account the extension knows as 'acc-a', imported from a year ago, then edited today."""
    apply_import(store, parse_backup(ext_file([ext_account("acc-a", "Alpha", now_ms() - YEAR_MS)])))
    [row] = account_records(store)
    update_accounts(store, {int(row["id"]): {"notes": "edited today"}})
    return int(row["id"])


def stored_times(store: Store) -> list[int]:
    with store.read() as con:
        tombs = [v for r in con.execute("SELECT deleted_at, entry_updated_at FROM tombstones").fetchall() for v in r]
        rows = con.execute("SELECT epoch_ms(created_at), epoch_ms(updated_at), epoch_ms(user_updated_at), "
                           "epoch_ms(last_sync_time) FROM accounts").fetchall()
    return tombs + [v for r in rows for v in r if v is not None]


def test_a_deletion_record_from_next_year_is_read_as_now_and_said_in_the_preview(store):
    aid = edited_today(store)
    bundle = parse_backup(ext_file([], {"acc-a": {"kind": "account", "deletedAt": now_ms() + YEAR_MS,
                                                  "entryUpdatedAt": now_ms() + YEAR_MS}}))
    assert bundle.future_deletions == 1 and abs(bundle.tombstones["acc-a"].deleted_at - now_ms()) < 60_000
    preview = preview_import(store, bundle)
    assert "1 deletion record was dated in the future and is treated as dated now." in preview.summary()
    assert preview.as_json(dry_run=True)["future_deletions"] == 1
    # the row itself says which deletion came from the future, so the person can check it
    [row] = [r for r in preview.plan if r.action == "delete"]
    assert row.name == "Alpha" and "date in the future" in row.reason
    # without the caller's leave, nothing is deleted and nothing is written
    with pytest.raises(DeletionsNeedConfirmation) as refused:
        apply_import(store, bundle, max_deletes=deletion_limit(bundle, "merge", 0))
    assert refused.value.count == 1 and refused.value.names == ["Alpha"]
    assert str(refused.value) == ("This would delete 1 account (Alpha); nothing was changed, and the deletions "
                                  "need your confirmation.")
    assert [int(r["id"]) for r in account_records(store)] == [aid]
    with store.read() as con:
        assert con.execute("SELECT count(*) FROM tombstones").fetchone() == (0,)
    # with it, the deletion is stored dated now, not next year
    report = apply_import(store, bundle, max_deletes=1)
    assert report.counts()["delete"] == 1 and not account_records(store)
    assert all(t <= now_ms() + SKEW_MS for t in stored_times(store))


def test_account_times_from_the_future_are_stored_as_now(store):
    future = now_ms() + 3 * YEAR_MS
    bundle = parse_backup(ext_file([ext_account("acc-f", "Future", future, last_sync_time=future)]))
    assert bundle.future_times == 4 and "4 other times in the future were treated as now" in \
        preview_import(store, bundle).summary()
    apply_import(store, bundle)
    times = stored_times(store)
    assert len(times) == 4 and all(now_ms() - 60_000 < t <= now_ms() + SKEW_MS for t in times)


@pytest.mark.parametrize("value", [1e17, -1e17, float("inf"), float("nan"), 1e15, 1e20, "next tuesday", True])
def test_an_impossible_account_time_rejects_that_entry_only(store, value):
    edited_today(store)
    before = account_records(store)
    bad = ext_account("acc-a", "Alpha", now_ms())
    bad["updated_at"] = value
    good = ext_account("acc-b", "Bravo", now_ms())
    report = apply_import(store, parse_backup(ext_file([bad, good])))
    rows = {r["name"]: r for r in report.rows()}
    assert rows["Alpha"]["action"] == "rejected" and rows["Bravo"]["action"] == "new"
    assert rows["Alpha"]["reason"].startswith("Its updated_at (") and \
        rows["Alpha"]["reason"].endswith(") is not a possible time.")
    assert [r for r in account_records(store) if r["site_name"] == "Alpha"] == [
        r for r in before if r["site_name"] == "Alpha"]  # the local copy is as it was
    assert report.exit_code() == 1


@pytest.mark.parametrize("value", [1e17, -1e17, float("inf"), 1e15, 1e20])
def test_an_impossible_deletion_date_refuses_the_whole_file(store, value):
    edited_today(store)
    before = account_records(store)
    text = ext_file([ext_account("acc-b", "Bravo", now_ms())],
                    {"acc-a": {"kind": "account", "deletedAt": value, "entryUpdatedAt": 0}})
    with pytest.raises(ValidationError) as exc:
        parse_backup(text)
    assert str(exc.value).startswith("This backup cannot be imported: the deletion date of its deletion record "
                                     "'acc-a' (") and str(exc.value).endswith(") is not a possible time.")
    assert account_records(store) == before


def test_a_bookmark_with_an_impossible_time_is_rejected(store):
    marks = [{"id": "bm-1", "name": "Docs", "url": "https://docs.example", "created_at": 1e20, "updated_at": 1},
             {"id": "bm-2", "name": "Ok", "url": "https://ok.example", "created_at": now_ms(), "updated_at": now_ms()}]
    report = apply_import(store, parse_backup(ext_file([], bookmarks=marks)))
    rows = {r["name"]: r for r in report.rows()}
    assert rows["Docs"]["action"] == "rejected" and "created_at (1e+20)" in rows["Docs"]["reason"]
    assert rows["Ok"]["action"] == "new"


def test_our_own_backup_times_are_checked_the_same_way(store):
    add_account(store, AccountInput(site_url="https://own.example.com", site_name="Own", user_id="1",
                                    access_token=TOKEN))
    obj = build_own_backup(store)
    obj["accounts"][0]["values"]["updated_at"] = "2999-01-01T00:00:00+00:00"  # the future: read as now
    obj["accounts"][0]["values"]["stats_date"] = "2999-01-01"  # a day that has not come: forgotten
    obj["tombstones"] = {"gone": {"kind": "account", "deletedAt": now_ms() + YEAR_MS}}
    fresh = Store(Path(store.path).with_name("other.duckdb"))
    bundle = parse_backup(json.dumps(obj))
    assert bundle.future_deletions == 1 and bundle.future_times == 2
    apply_import(fresh, bundle)
    assert all(t <= now_ms() + SKEW_MS for t in stored_times(fresh))
    with fresh.read() as con:
        assert con.execute("SELECT stats_date FROM accounts").fetchone() == (None,)
    for bad in ("yesterday", 1e17, "99999-01-01"):
        obj["accounts"][0]["values"]["updated_at"] = bad
        row = preview_import(fresh, parse_backup(json.dumps(obj))).rows()[0]
        assert row["action"] == "rejected" and "updated_at" in row["reason"] and "not a possible time" in row["reason"]


def test_the_own_backup_time_columns_are_the_schemas(store):
    with store.read() as con:
        types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                 "WHERE table_name = 'accounts'").fetchall())
    assert sorted(c for c, t in types.items() if t.startswith("TIMESTAMP")) == sorted(TIME_COLUMNS)
    assert sorted(c for c, t in types.items() if t == "DATE") == sorted(DAY_COLUMNS)


def test_replace_by_a_file_without_accounts_needs_leave_but_a_replace_with_accounts_does_not(store):
    edited_today(store)
    empty = parse_backup(ext_file([]))
    assert deletion_limit(empty, "replace", 0) == 0
    with pytest.raises(DeletionsNeedConfirmation):
        apply_import(store, empty, "replace", max_deletes=deletion_limit(empty, "replace", 0))
    assert len(account_records(store)) == 1
    other = parse_backup(ext_file([ext_account("acc-b", "Bravo", now_ms())]))
    assert deletion_limit(other, "replace", 0) is None
    apply_import(store, other, "replace", max_deletes=deletion_limit(other, "replace", 0))
    assert [r["site_name"] for r in account_records(store)] == ["Bravo"]
