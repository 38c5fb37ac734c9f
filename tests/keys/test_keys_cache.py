"""The keys cache on a real DuckDB file: replace per account, masked keys only, a kept secret
sealed and kept across syncs, the status as the sites mean it, filters."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from allhub_core.accounts import AccountInput, add_account, add_tag, delete_accounts
from allhub_core.errors import NotFound
from allhub_core.keys import (
    KEY_COLUMNS,
    KeyRecord,
    forget_secret,
    keep_secret,
    kept_secret,
    key_groups,
    key_rows,
    mask_key,
    remove_keys,
    store_keys,
    synced_accounts,
    upsert_key,
)

FULL = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefghWXYZ"
CONTRACT = ["account_id", "key_id", "name", "masked_key", "group", "status", "unlimited", "remaining_usd", "used_usd",
            "expires_at", "fetched_at"]


def _account(store, name="Relay A", user="1"):
    return add_account(store, AccountInput(site_url=f"https://{name.lower().replace(' ', '')}.example",
                                           site_name=name, user_id=user, access_token="t" * 24))


def _keys():
    now = int(time.time())
    return [
        KeyRecord("1", "main", FULL, group="default", site_status=1, unlimited=True, used_quota=250_000,
                  expired_time=-1, created_time=now - 86400),
        KeyRecord("2", "off", "sk-a**********zzzz", site_status=2, unlimited=False, remain_quota=1_000_000),
        KeyRecord("3", "old", "abcd**********wxyz", site_status=1, unlimited=False, remain_quota=500_000,
                  expired_time=now - 60),
        KeyRecord("4", "empty", "abcd**********wxyz", site_status=1, unlimited=False, remain_quota=0),
        KeyRecord("5", "told", "abcd**********wxyz", site_status=4, unlimited=False, remain_quota=10),
        KeyRecord("10", "vip", "abcd**********wxyz", group="vip", site_status=1, unlimited=False,
                  remain_quota=2_500_000, expired_time=now + 86400, model_limits_enabled=True, model_limits="gpt-4o"),
    ]


def test_mask_key_keeps_a_masked_key_and_masks_a_full_one_as_new_api_does():
    assert mask_key(FULL) == "AbCd**********WXYZ"
    assert mask_key("abcd**********wxyz") == "abcd**********wxyz"
    assert mask_key("sk-••••1234") == "sk-••••1234"
    assert mask_key("short") == "**********"
    assert mask_key("") == "" and mask_key(None) == ""
    assert FULL not in repr(KeyRecord("1", key=FULL))


def test_store_keys_replaces_an_accounts_rows_and_never_stores_a_full_key(store, db_path):
    a, b = _account(store), _account(store, "Relay B", "2")
    fetched = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    assert store_keys(store, a, _keys(), fetched) == 6
    store_keys(store, b, [KeyRecord("7", "b-key", FULL)])
    rows = key_rows(store)
    assert [(r["account_id"], r["key_id"]) for r in rows] == [(a, "1"), (a, "2"), (a, "3"), (a, "4"), (a, "5"),
                                                             (a, "10"), (b, "7")]
    assert list(rows[0]) == KEY_COLUMNS and KEY_COLUMNS[:len(CONTRACT)] == CONTRACT
    first = rows[0]
    assert first["masked_key"] == "AbCd**********WXYZ" and first["group"] == "default"
    assert first["unlimited"] is True and first["remaining_usd"] is None and first["used_usd"] == 0.5
    assert first["expires_at"] is None and first["fetched_at"] is not None
    assert first["site_name"] == "Relay A" and first["secret_kept"] is False
    assert [r["status"] for r in rows[:6]] == ["enabled", "disabled", "expired", "exhausted", "exhausted", "enabled"]
    vip = rows[5]
    assert vip["remaining_usd"] == 5.0 and vip["expires_at"] is not None and vip["model_limits"] == "gpt-4o"
    assert FULL.encode() not in db_path.read_bytes()

    # a second sync replaces the account's rows, leaves the other account alone
    store_keys(store, a, [KeyRecord("1", "renamed", "AbCd**********WXYZ", site_status=1, unlimited=True)])
    assert [(r["account_id"], r["name"]) for r in key_rows(store)] == [(a, "renamed"), (b, "b-key")]
    # an account whose site lists no key: no rows, but it was fetched
    store_keys(store, a, [])
    assert key_rows(store, [a]) == [] and a in synced_accounts(store)


def test_a_kept_secret_is_sealed_survives_a_sync_and_goes_with_its_key(store, db_path):
    a = _account(store)
    store_keys(store, a, _keys())
    assert kept_secret(store, a, "1") is None
    keep_secret(store, a, "1", FULL)
    assert kept_secret(store, a, "1") == FULL
    assert [r["key_id"] for r in key_rows(store) if r["secret_kept"]] == ["1"]
    assert FULL not in str(key_rows(store))
    assert FULL.encode() not in db_path.read_bytes()
    store_keys(store, a, _keys()[:2])  # still listed: kept
    assert kept_secret(store, a, "1") == FULL
    upsert_key(store, a, KeyRecord("1", "main", "AbCd**********WXYZ", site_status=1))
    assert kept_secret(store, a, "1") == FULL
    assert forget_secret(store, a, "1") == 1 and kept_secret(store, a, "1") is None
    keep_secret(store, a, "1", FULL)
    store_keys(store, a, _keys()[1:2])  # deleted on the site: its secret goes with it
    assert kept_secret(store, a, "1") is None
    with pytest.raises(NotFound):
        keep_secret(store, a, "99", FULL)


def test_upsert_and_remove_and_the_rows_of_a_deleted_account(store):
    a, b = _account(store), _account(store, "Relay B", "2")
    store_keys(store, a, _keys())
    upsert_key(store, a, KeyRecord("11", "new", FULL, group="vip", site_status=1, unlimited=True))
    assert key_groups(store, a) == {"": 4, "default": 1, "vip": 2}
    assert remove_keys(store, a, ["11", "2", "404"]) == 2
    assert [r["key_id"] for r in key_rows(store, [a])] == ["1", "3", "4", "5", "10"]
    keep_secret(store, a, "1", FULL)
    delete_accounts(store, [a])
    assert key_rows(store) == []
    with store.read() as con:  # its keys (and the kept, sealed secret) went with the account
        assert con.execute("SELECT count(*) FROM api_keys").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM key_syncs WHERE account_id = ?", [a]).fetchone()[0] == 0
    store_keys(store, b, [])
    with pytest.raises(NotFound):
        store_keys(store, a, _keys())


def test_filters_by_account_search_and_tag(store):
    a, b = _account(store), _account(store, "Other Site", "2")
    store_keys(store, a, _keys())
    store_keys(store, b, [KeyRecord("7", "b-key", FULL, group="vip")])
    add_tag(store, [b], "Work")
    assert {r["account_id"] for r in key_rows(store, account_ids=[b])} == {b}
    assert [r["key_id"] for r in key_rows(store, search="VIP")] == ["10", "7"]
    assert [r["key_id"] for r in key_rows(store, search="other")] == ["7"]
    assert [r["key_id"] for r in key_rows(store, tags=["work"])] == ["7"]
    assert key_rows(store, tags=["nope"]) == []
    assert key_rows(store, account_ids=[]) == []
