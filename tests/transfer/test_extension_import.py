"""Reading All API Hub backups (1.0-4.0, legacy nestings, config versions < 7) and importing them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from allhub_core.accounts import AccountInput, account_records, add_account, delete_accounts, get_secrets, list_tags
from allhub_core.errors import ValidationError
from allhub_core.transfer import (
    apply_import,
    build_own_backup,
    import_write,
    list_bookmarks,
    parse_backup,
    preview_import,
    upgrade_account,
)

FIX = Path(__file__).parent / "fixtures"
H = "account-0f6c1d2e-aaaa-4bbb-8ccc-00000000000"  # + 1..4


def fixture(name: str) -> dict:
    return json.loads((FIX / name).read_text())


def by_name(store) -> dict[str, dict]:
    return {a["site_name"]: a for a in account_records(store, include_secrets=True)}


def actions(preview) -> dict[str, str]:
    return {r["name"]: r["action"] for r in preview.rows()}


def test_v4_full_backup_imports_every_field(store):
    bundle = parse_backup((FIX / "extension_v4_full.json").read_bytes())
    assert len(bundle.accounts) == 4 and bundle.version == "4.0"
    report = apply_import(store, bundle)
    assert report.exit_code() == 0
    assert report.summary().startswith("Import (merge) done: 4 added; bookmarks: 1 added; 3 tag(s) created")

    accs = by_name(store)
    harbor = accs["Harbor Relay"]
    assert harbor["site_url"] == "https://harbor-relay.example.com" and harbor["site_type"] == "new-api"
    assert harbor["user_id"] == "101" and harbor["username"] == "mira"
    assert harbor["access_token"] == "test-token-harbor-0001-abcdefgh"
    assert harbor["quota"] == 2_500_000 and harbor["balance_usd"] == 5.0
    assert harbor["exchange_rate"] == 7.1 and harbor["notes"] == "main relay"
    assert harbor["exclude_from_today_income"] is True and harbor["exclude_from_total_balance"] is False
    assert harbor["tags"] == ["Paid plan", "Work"] and harbor["health_status"] == "healthy"

    lantern = accs["Lantern Router"]
    assert lantern["site_url"] == "https://lantern.example.net"  # reduced to its origin
    assert lantern["auth_type"] == "cookie" and lantern["cookie"] == "session=test-cookie-lantern-value"
    assert lantern["disabled"] is True and lantern["exclude_from_total_balance"] is True
    assert lantern["manual_balance_usd"] == 12.5 and lantern["auto_checkin"] is False
    assert lantern["checkin_url"] == "https://lantern.example.net/checkin"
    assert lantern["redeem_url"] == "https://lantern.example.net/redeem"
    assert lantern["pinned"] is True and lantern["health_status"] == "warning"

    quarry = accs["Quarry S2A"]
    assert quarry["site_type"] == "sub2api" and quarry["refresh_token"] == "test-refresh-quarry-0003"
    # a site type we do not know yet is kept as unknown here, and written back as the extension spells it
    assert accs["Mix Hub"]["site_type"] == "unknown"

    assert sorted(t["name"] for t in list_tags(store)) == ["Paid plan", "Spare", "Work"]
    marks = list_bookmarks(store)
    assert [(b["name"], b["url"], b["tags"], b["pinned"]) for b in marks] == [
        ("Status page", "https://status.example.com", ["Work"], True)]  # the nameless one is dropped


def test_missing_version_is_1_0_with_legacy_nesting_and_old_config_versions(store):
    bundle = parse_backup((FIX / "extension_v1_legacy.json").read_text())
    assert bundle.version == "1.0" and bundle.upgraded == 2
    preview = preview_import(store, bundle)
    assert "2 account(s) upgraded from an older config version" in preview.summary()
    apply_import(store, bundle)
    accs = by_name(store)
    old = accs["Old Veloera"]
    assert old["tags"] == ["Legacy", "Work"]  # legacy tag names
    assert old["exchange_rate"] == 7.3 and old["user_id"] == "12" and old["site_url"] == "https://veloera.example.com"
    custom = accs["Old Custom"]
    assert custom["checkin_url"] == "https://custom.example.org/daily"  # v1 -> v2 custom check-in split
    assert custom["redeem_url"] == "https://custom.example.org/redeem"
    assert custom["auto_checkin"] is False  # autoCheckInEnabled false -> v7 automaticExecutionEnabled false
    assert custom["disabled"] is False  # v3: only the boolean true disables


def test_account_migrations_follow_the_extension_step_by_step():
    v0 = {"id": "a", "site_type": "Veloera", "supports_check_in": True, "can_check_in": False}
    up, start = upgrade_account(v0)
    assert start == 0 and up["configVersion"] == 7
    assert "supports_check_in" not in up and "can_check_in" not in up
    method = up["checkIn"]["methodKnowledge"]["methods"]["veloera:daily-checkin"]
    assert method["detection"]["outcome"] == "matched"
    assert method["status"]["today"] == "checked"  # can_check_in false = already checked in
    assert up["checkIn"]["selection"] == {"mode": "automatic", "methodId": "veloera:daily-checkin"}
    assert up["disabled"] is False and up["excludeFromTotalBalance"] is False and up["excludeFromTodayIncome"] is False

    v4 = {"id": "b", "site_type": "one-api", "configVersion": 4, "sub2apiAuth": {"refreshToken": "x"}}
    up, start = upgrade_account(v4)
    assert start == 4 and "sub2apiAuth" not in up  # v5 keeps refresh tokens only on sub2api accounts

    s2a = {"id": "c", "site_type": "sub2api", "configVersion": 4,
           "sub2apiAuth": {"refreshToken": "  rt  ", "tokenExpiresAt": "123"}}
    assert upgrade_account(s2a)[0]["sub2apiAuth"] == {"refreshToken": "rt", "tokenExpiresAt": 123}

    current = {"id": "d", "configVersion": 7, "checkIn": {"automaticExecutionEnabled": False}}
    up, start = upgrade_account(current)
    assert start is None and up["checkIn"]["automaticExecutionEnabled"] is False


def test_accounts_only_v2_file_with_v6_and_v4_accounts(store):
    bundle = parse_backup((FIX / "extension_v2_accounts_only.json").read_bytes())
    assert bundle.accounts_only and "accounts only" in bundle.description
    apply_import(store, bundle)
    accs = by_name(store)
    assert accs["Six Site"]["tags"] == ["Community"] and accs["Six Site"]["exclude_from_total_balance"] is True
    four = accs["Four Site"]
    assert four["exchange_rate"] == 7.2  # 0 is not a rate: the default
    assert four["refresh_token"] is None  # dropped by the v5 migration (not a sub2api account)
    assert four["exclude_from_total_balance"] is False  # v4: only the boolean true counts


@pytest.mark.parametrize("version", ["5.0", "10.0"])
def test_newer_versions_are_refused_and_nothing_changes(store, version):
    obj = fixture("extension_v4_full.json") | {"version": version}
    with pytest.raises(ValidationError, match=f"newer version of All API Hub \\(format {version}\\)"):
        parse_backup(json.dumps(obj))


@pytest.mark.parametrize("text, message", [
    ("not json", "not valid JSON"),
    ("[1, 2]", "should be an object"),
    ('{"version": "4.0", "type": "preferences", "timestamp": 1, "preferences": {}}', "settings-only"),
    ('{"version": "4.0", "timestamp": 1}', "No importable data found"),
    ('{"version": "banana"}', "unknown format version"),
    ("", "empty"),
])
def test_unreadable_files_are_one_sentence(text, message):
    with pytest.raises(ValidationError, match=message) as err:
        parse_backup(text)
    assert "\n" not in str(err.value)


def test_merge_newer_wins_and_preview_lists_changed_fields(store):
    apply_import(store, parse_backup((FIX / "extension_v4_full.json").read_text()))
    obj = fixture("extension_v4_full.json")
    harbor = obj["accounts"]["accounts"][0]
    harbor.update(notes="moved to paid", updated_at=harbor["updated_at"] + 1000, site_name="Harbor Relay Pro")
    harbor["account_info"]["access_token"] = "test-token-harbor-rotated-0001"
    stale = obj["accounts"]["accounts"][1]
    stale["notes"] = "older copy"  # same updated_at: this store's copy wins
    preview = preview_import(store, parse_backup(json.dumps(obj)))
    rows = {r["id"]: r for r in preview.rows()}
    assert rows[H + "1"]["action"] == "update"
    assert rows[H + "1"]["changes"] == ["site_name", "notes", "access_token"]
    assert rows[H + "2"]["action"] == "unchanged"
    assert "update 1, leave 3 unchanged" in preview.summary()
    assert "test-token" not in json.dumps(preview.rows()) + preview.summary()  # no secret in a preview

    report = apply_import(store, parse_backup(json.dumps(obj)))
    accs = by_name(store)
    assert accs["Harbor Relay Pro"]["notes"] == "moved to paid"
    assert accs["Harbor Relay Pro"]["access_token"] == "test-token-harbor-rotated-0001"
    assert accs["Lantern Router"]["notes"] == ""
    assert report.exit_code() == 0 and len(accs) == 4


def test_duplicates_of_accounts_added_here_are_not_added_twice(store):
    mine = add_account(store, AccountInput(site_url="https://harbor-relay.example.com/", site_name="Harbor (mine)",
                                           user_id="101", access_token="my-own-token-0000000000"))
    preview = preview_import(store, parse_backup((FIX / "extension_v4_full.json").read_text()))
    row = next(r for r in preview.rows() if r["name"] == "Harbor Relay")
    assert row["action"] == "duplicate" and row["account_id"] == str(mine)
    assert row["reason"] == f"Account {mine} here has the same site and user ID."
    apply_import(store, parse_backup((FIX / "extension_v4_full.json").read_text()))
    assert sorted(by_name(store)) == ["Harbor (mine)", "Lantern Router", "Mix Hub", "Quarry S2A"]


def test_a_deleted_account_is_not_brought_back_by_a_later_merge(store):
    bundle = parse_backup((FIX / "extension_v4_full.json").read_text())
    apply_import(store, bundle)
    harbor_id = by_name(store)["Harbor Relay"]["id"]
    delete_accounts(store, [harbor_id])
    with store.read() as con:
        assert con.execute("SELECT id, kind FROM tombstones WHERE id = ?", [H + "1"]).fetchall() == [
            (H + "1", "account")]
    preview = preview_import(store, parse_backup((FIX / "extension_v4_full.json").read_text()))
    row = next(r for r in preview.rows() if r["id"] == H + "1")
    assert row["action"] == "tombstoned" and row["reason"].startswith("Deleted here on ")
    apply_import(store, parse_backup((FIX / "extension_v4_full.json").read_text()))
    assert "Harbor Relay" not in by_name(store)

    # ...unless its user edited it after the deletion: then it comes back, and its tombstone goes
    obj = fixture("extension_v4_full.json")
    obj["accounts"]["accounts"][0]["user_updated_at"] = 4_102_444_800_000  # 2100
    obj["accounts"]["accounts"][0]["updated_at"] = 4_102_444_800_000
    apply_import(store, parse_backup(json.dumps(obj)))
    assert "Harbor Relay" in by_name(store)
    with store.read() as con:
        assert con.execute("SELECT count(*) FROM tombstones WHERE id = ?", [H + "1"]).fetchone() == (0,)


def test_a_tombstone_in_the_backup_deletes_the_local_copy_on_merge(store):
    apply_import(store, parse_backup((FIX / "extension_v4_full.json").read_text()))
    obj = fixture("extension_v4_full.json")
    quarry = obj["accounts"]["accounts"].pop(2)
    obj["accounts"]["deletedEntryRecords"][quarry["id"]] = {
        "kind": "account", "deletedAt": quarry["updated_at"] + 5000, "entryUpdatedAt": quarry["user_updated_at"]}
    preview = preview_import(store, parse_backup(json.dumps(obj)))
    assert actions(preview)["Quarry S2A"] == "delete"
    apply_import(store, parse_backup(json.dumps(obj)))
    assert "Quarry S2A" not in by_name(store)


def test_replace_removes_accounts_absent_from_the_backup_and_keeps_local_ids(store):
    apply_import(store, parse_backup((FIX / "extension_v4_full.json").read_text()))
    before = {n: a["id"] for n, a in by_name(store).items()}
    add_account(store, AccountInput(site_url="https://local-only.example.com", site_name="Local only", user_id="1",
                                    access_token="local-token-00000000000"))
    obj = fixture("extension_v4_full.json")
    del obj["accounts"]["accounts"][3]  # Mix Hub
    obj["accounts"]["accounts"][0]["notes"] = "replaced"
    preview = preview_import(store, parse_backup(json.dumps(obj)), "replace")
    assert actions(preview) == {"Harbor Relay": "update", "Lantern Router": "unchanged", "Quarry S2A": "unchanged",
                                "Local only": "delete", "Mix Hub": "delete", "Status page": "unchanged"}
    apply_import(store, parse_backup(json.dumps(obj)), "replace")
    after = by_name(store)
    assert sorted(after) == ["Harbor Relay", "Lantern Router", "Quarry S2A"]
    assert after["Harbor Relay"]["notes"] == "replaced"
    assert {n: a["id"] for n, a in after.items()} == {n: before[n] for n in after}  # same local ids


def test_a_failure_half_way_leaves_the_store_exactly_as_it_was(store, monkeypatch):
    apply_import(store, parse_backup((FIX / "extension_v2_accounts_only.json").read_text()))
    before = build_own_backup(store, include_secrets=True)

    def boom(*args, **kwargs):
        raise RuntimeError("killed half way")

    monkeypatch.setattr(import_write, "_write_pins_and_order", boom)  # after accounts, tags, bookmarks are written
    with pytest.raises(RuntimeError):
        apply_import(store, parse_backup((FIX / "extension_v4_full.json").read_text()), "replace")
    after = build_own_backup(store, include_secrets=True)
    assert {k: v for k, v in after.items() if k != "timestamp"} == {k: v for k, v in before.items() if k != "timestamp"}
    assert list_bookmarks(store) == []


def test_rejected_entries_are_reported_and_the_rest_imported(store):
    obj = fixture("extension_v4_full.json")
    obj["accounts"]["accounts"][0]["site_url"] = "ftp://nowhere"
    obj["accounts"]["accounts"][1]["account_info"]["id"] = "１２"  # full-width digits cannot go in a header
    obj["accounts"]["accounts"].append("not an account")
    report = apply_import(store, parse_backup(json.dumps(obj)))
    rejected = [r for r in report.rows() if r["action"] == "rejected"]
    assert len(rejected) == 3 and report.exit_code() == 1
    assert all(r["reason"] and "\n" not in r["reason"] for r in rejected)
    assert sorted(by_name(store)) == ["Mix Hub", "Quarry S2A"]


def test_secrets_are_encrypted_at_rest(store, db_path):
    apply_import(store, parse_backup((FIX / "extension_v4_full.json").read_text()))
    raw = Path(db_path).read_bytes()
    assert b"test-token-harbor-0001" not in raw and b"test-refresh-quarry" not in raw
    secrets = get_secrets(store, [int(a["id"]) for a in account_records(store)])
    assert "test-refresh-quarry-0003" in {s["refresh_token"] for s in secrets.values()}
