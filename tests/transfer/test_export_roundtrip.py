"""Exports: the extension's 4.0 backup (and its encrypted envelope) and our own full backup,
each read back by ``parse_backup`` with ids, fields, tags, pins, order, bookmarks and tombstones intact."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from allhub_core.accounts import account_records, delete_accounts, set_preference
from allhub_core.errors import ValidationError
from allhub_core.store import Store
from allhub_core.transfer import (
    PasswordRequired,
    apply_import,
    build_extension_backup,
    build_own_backup,
    encrypt_backup,
    extension_file_name,
    list_bookmarks,
    parse_backup,
    preview_import,
)

FIX = Path(__file__).parent / "fixtures"


@pytest.fixture
def filled(store):
    apply_import(store, parse_backup((FIX / "extension_v4_full.json").read_text()))
    return store


def test_extension_backup_has_the_extension_shape(filled):
    backup = build_extension_backup(filled)
    assert backup["version"] == "4.0" and isinstance(backup["timestamp"], int) and "type" not in backup
    acc = backup["accounts"]
    assert set(acc) == {"accounts", "bookmarks", "pinnedAccountIds", "orderedAccountIds", "deletedEntryRecords",
                        "last_updated"}
    by_id = {a["id"]: a for a in acc["accounts"]}
    original = json.loads((FIX / "extension_v4_full.json").read_text())["accounts"]
    assert set(by_id) == {a["id"] for a in original["accounts"]}  # the extension's ids, unchanged
    lantern = by_id["account-0f6c1d2e-aaaa-4bbb-8ccc-000000000002"]
    assert lantern["site_type"] == "anyrouter" and lantern["authType"] == "cookie"
    assert lantern["cookieAuth"] == {"sessionCookie": "session=test-cookie-lantern-value"}
    assert lantern["manualBalanceUsd"] == "12.5" and lantern["configVersion"] == 7
    assert lantern["health"] == {"status": "warning", "reason": "Balance is low", "code": "low_balance"}
    assert lantern["checkIn"]["customCheckIn"]["url"] == "https://lantern.example.net/checkin"
    assert lantern["account_info"]["quota"] == 100000 and lantern["account_info"]["id"] == "77"
    mix = by_id["account-0f6c1d2e-aaaa-4bbb-8ccc-000000000004"]
    assert mix["site_type"] == "AIHubMix"  # spelled as the extension spells it
    harbor = by_id["account-0f6c1d2e-aaaa-4bbb-8ccc-000000000001"]
    assert harbor["checkIn"]["methodKnowledge"]["methods"]["new-api:daily-checkin"]["detection"]["outcome"] == "matched"
    assert harbor["updated_at"] == original["accounts"][0]["updated_at"]
    assert harbor["user_updated_at"] == original["accounts"][0]["user_updated_at"]
    quarry = by_id["account-0f6c1d2e-aaaa-4bbb-8ccc-000000000003"]
    assert quarry["sub2apiAuth"]["refreshToken"] == "test-refresh-quarry-0003"
    names = {tid: t["name"] for tid, t in backup["tagStore"]["tagsById"].items()}
    assert sorted(names[t] for t in harbor["tagIds"]) == ["Paid plan", "Work"]
    assert backup["tagStore"]["version"] == 1 and "Spare" in names.values()
    assert acc["pinnedAccountIds"] == ["account-0f6c1d2e-aaaa-4bbb-8ccc-000000000002", "bookmark-0001"]
    assert acc["orderedAccountIds"] == ["account-0f6c1d2e-aaaa-4bbb-8ccc-000000000003",
                                        "account-0f6c1d2e-aaaa-4bbb-8ccc-000000000001", "bookmark-0001"]
    assert acc["deletedEntryRecords"] == original["deletedEntryRecords"]
    assert [b["name"] for b in acc["bookmarks"]] == ["Status page"]
    assert extension_file_name(when=__import__("datetime").date(2024, 5, 1)) == "all-api-hub-backup-2024-05-01.json"
    assert extension_file_name(True).startswith("accounts-backup-")


def test_secrets_only_on_request_and_accounts_only_file(filled):
    plain = build_extension_backup(filled, include_secrets=False, accounts_only=True)
    assert plain["type"] == "accounts" and set(plain) == {"version", "timestamp", "type", "accounts", "tagStore"}
    text = json.dumps(plain)
    assert "test-token" not in text and "test-cookie" not in text and "test-refresh" not in text
    assert all(a["account_info"]["access_token"] == "" for a in plain["accounts"]["accounts"])


def test_export_then_parse_back_gives_the_same_accounts(filled, tmp_path):
    backup = build_extension_backup(filled)
    bundle = parse_backup(json.dumps(backup))
    again = Store(tmp_path / "other.duckdb")
    apply_import(again, bundle)
    strip = lambda recs: sorted(({k: v for k, v in r.items() if k not in ("id",)} for r in recs),  # noqa: E731
                                key=lambda r: r["site_name"])
    assert strip(account_records(again, include_secrets=True)) == strip(account_records(filled, include_secrets=True))
    assert build_extension_backup(again)["accounts"]["accounts"] == backup["accounts"]["accounts"]
    # importing our own export into the store it came from changes nothing
    assert "leave 4 unchanged" in preview_import(filled, bundle).summary()


def test_own_backup_round_trip_is_lossless(filled, tmp_path):
    set_preference(filled, "currency", "CNY")
    delete_accounts(filled, [account_records(filled)[-1]["id"]])  # leaves a tombstone
    first = build_own_backup(filled, include_secrets=True)
    assert first["format"] == "allhub-backup" and first["includes_secrets"] is True
    other = Store(tmp_path / "copy.duckdb")
    report = apply_import(other, parse_backup(json.dumps(first)), "replace")
    assert "preferences restored" in report.summary()
    second = build_own_backup(other, include_secrets=True)
    drop = lambda b: {k: v for k, v in b.items() if k != "timestamp"}  # noqa: E731
    assert drop(second) == drop(first)
    assert len(first["tombstones"]) == 2 and first["preferences"]["currency"] == "CNY"
    assert list_bookmarks(other) == list_bookmarks(filled)


def test_own_backup_without_secrets_keeps_none_and_does_not_wipe_them_on_merge(filled):
    backup = build_own_backup(filled)
    assert "test-token" not in json.dumps(backup) and all("secrets" not in a for a in backup["accounts"])
    apply_import(filled, parse_backup(json.dumps(backup)), "replace")
    assert {a["access_token"] for a in account_records(filled, include_secrets=True)} >= {
        "test-token-harbor-0001-abcdefgh"}


def test_encrypted_envelope_round_trip_and_wrong_password(filled):
    text = json.dumps(build_extension_backup(filled))
    sealed = encrypt_backup(text, "correct horse")
    env = json.loads(sealed)
    assert {k: env[k] for k in ("type", "v", "kdf", "cipher", "iter")} == {
        "type": "all-api-hub-webdav-backup-encrypted", "v": 1, "kdf": "PBKDF2", "cipher": "AES-GCM", "iter": 250000}
    assert len(base64.b64decode(env["salt"])) == 16 and len(base64.b64decode(env["iv"])) == 12
    assert "test-token" not in sealed

    with pytest.raises(PasswordRequired):
        parse_backup(sealed)
    with pytest.raises(ValidationError, match="The password does not open this encrypted backup") as err:
        parse_backup(sealed, password="wrong")
    assert "\n" not in str(err.value)
    bundle = parse_backup(sealed.encode(), password="correct horse")
    assert bundle.encrypted and len(bundle.accounts) == 4 and "(encrypted)" in preview_import(filled, bundle).summary()


def test_reads_an_envelope_made_the_webcrypto_way():
    """Built by hand with the extension's parameters, as its WebCrypto code does."""
    salt, iv = bytes(range(16)), bytes(range(12))
    key = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=1000).derive(b"pw")
    plain = (FIX / "extension_v2_accounts_only.json").read_bytes()
    env = {"type": "all-api-hub-webdav-backup-encrypted", "v": 1, "kdf": "PBKDF2", "cipher": "AES-GCM", "iter": 1000,
           "salt": base64.b64encode(salt).decode(), "iv": base64.b64encode(iv).decode(),
           "ct": base64.b64encode(AESGCM(key).encrypt(iv, plain, None)).decode()}
    bundle = parse_backup(json.dumps(env), password="pw")
    assert [a.name for a in bundle.accounts] == ["Six Site", "Four Site"]


def test_a_wrong_password_changes_nothing(store):
    sealed = encrypt_backup((FIX / "extension_v4_full.json").read_text(), "secret")
    with pytest.raises(ValidationError):
        apply_import(store, parse_backup(sealed, password="not it"))
    assert account_records(store) == []
