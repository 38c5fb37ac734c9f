"""API credentials in backups (issue 20): our own backup and the extension's carry the library
only with secrets (a credential is its key), an import adds the keys this store does not hold in
the import's one transaction (merge and replace alike), the preview and ``--json`` count them, and
the keys restored still work against the local provider fakes over real HTTP."""

from __future__ import annotations

import json

import pytest
from shared import fast_politeness
from webdav_server import PASSWORD, USER

from allhub_core.cli.main import main
from allhub_core.credentials import CredentialInput, add_credential, credential_rows, credential_targets
from allhub_core.sandbox import start_provider_fakes
from allhub_core.store import Store
from allhub_core.sync import backup, check_credentials
from allhub_core.transfer import (
    apply_import,
    build_extension_backup,
    build_own_backup,
    export_file,
    import_file,
    parse_backup,
    preview_import,
)

KEY_A = "sk-new-api-backup-0123456789SECRETa"
KEY_B = "sk-openrouter-backup-0123456789SECRETb"
FAST = fast_politeness(retries=0)


@pytest.fixture(scope="module")
def fakes():
    with start_provider_fakes() as pf:
        yield pf


@pytest.fixture
def two(store, fakes):
    """A store with two credentials on the provider fakes (tags, notes, a balance source)."""
    fakes["new-api"].add_key(KEY_A, balance=12.5, used=2.5)
    fakes["openrouter"].add_key(KEY_B, balance=4.0, used=1.0)
    add_credential(store, CredentialInput(base_url=fakes["new-api"].base_url, key=KEY_A, name="Relay key",
                                          tags=["Work", "relay"], notes="team", telemetry="newApiTokenUsage"))
    add_credential(store, CredentialInput(base_url=fakes["openrouter"].base_url, key=KEY_B, name="Router"))
    return store


def _other(tmp_path, name: str = "other") -> Store:
    return Store(tmp_path / f"restored-{name}.duckdb")


def _library(store: Store) -> list[tuple[str, str, list[str], str]]:
    return [(r["name"], r["base_url"], r["tags"], r["notes"]) for r in credential_rows(store)]


def test_own_backup_with_secrets_restores_both_credentials_with_working_keys(two, tmp_path):
    out = export_file(two, "own", include_secrets=True)
    assert KEY_A in out.text  # a file with secrets: the keys are what makes a credential
    other = _other(tmp_path)
    report = import_file(other, out.data)
    assert "; credentials: 2 added" in report.summary()
    assert _library(other) == _library(two)
    assert sorted(t.key for t in credential_targets(other)) == sorted([KEY_A, KEY_B])
    checked = check_credentials(other, politeness=FAST)  # the restored keys answer their providers
    assert [(r["name"], r["ok"], r["balance_usd"]) for r in checked.rows()] == \
        [("Relay key", True, 12.5), ("Router", True, 4.0)]
    again = import_file(other, out.data)  # a second import adds nothing
    assert "; credentials: 0 added, 2 already here" in again.summary()
    assert len(credential_rows(other)) == 2


def test_a_backup_without_secrets_holds_no_credential_at_all(two, tmp_path):
    for kind in ("own", "allhub"):
        out = export_file(two, kind, include_secrets=False)
        for secret in (KEY_A, KEY_B, KEY_A[-8:], KEY_B[-8:]):
            assert secret not in out.text
        doc = json.loads(out.text)
        assert "credentials" not in doc and "apiCredentialProfiles" not in doc
        other = _other(tmp_path, kind)
        report = import_file(other, out.data)
        assert "credential" not in report.summary() and credential_rows(other) == []


def test_preview_counts_the_new_credentials_and_writes_nothing(two, tmp_path):
    data = export_file(two, "own", include_secrets=True).data
    other = _other(tmp_path)
    add_credential(other, CredentialInput(base_url="https://elsewhere.example.com", key=KEY_B, name="Mine"))
    preview = import_file(other, data, dry_run=True)
    assert "; credentials: 1 new, 1 already here." in preview.summary()
    doc = preview.as_json(dry_run=True)
    assert doc["credentials"] == {"new": 1, "existing": 1, "unreadable": 0}
    assert KEY_A not in json.dumps(doc) and KEY_B not in json.dumps(doc)
    assert [r["name"] for r in credential_rows(other)] == ["Mine"]  # a preview writes nothing
    report = import_file(other, data)
    assert report.credentials.new == 1
    assert [r["name"] for r in credential_rows(other)] == ["Mine", "Relay key"]  # the key already here stays as named


def test_replace_adds_credentials_and_never_removes_the_library(two, tmp_path):
    other = _other(tmp_path)
    add_credential(other, CredentialInput(base_url="https://elsewhere.example.com", key="sk-only-here-0123456789xx"))
    apply_import(other, parse_backup(json.dumps(build_own_backup(other, include_secrets=False))), "replace")
    assert len(credential_rows(other)) == 1  # a file without credentials leaves the library as it is
    apply_import(other, parse_backup(json.dumps(build_own_backup(two, include_secrets=True))), "replace")
    assert sorted(r["name"] for r in credential_rows(other)) == ["Relay key", "Router", "elsewhere.example.com"]


def test_extension_backup_carries_the_profiles_as_the_extension_writes_them(two, tmp_path):
    doc = build_extension_backup(two, include_secrets=True)
    section = doc["apiCredentialProfiles"]
    assert set(section) == {"version", "profiles", "links", "linkTombstones", "lastUpdated"}
    assert section["version"] == 5 and section["links"] == [] and section["linkTombstones"] == []
    relay = next(p for p in section["profiles"] if p["name"] == "Relay key")
    assert relay["apiKey"] == KEY_A and relay["apiType"] and relay["baseUrl"].startswith("http://127.0.0.1")
    tags = doc["tagStore"]["tagsById"]
    assert sorted(tags[i]["name"] for i in relay["tagIds"]) == ["Work", "relay"]  # ids of the tag store
    assert relay["telemetryConfig"] == {"mode": "newApiTokenUsage"} and isinstance(relay["createdAt"], int)
    assert "apiCredentialProfiles" not in build_extension_backup(two, include_secrets=True, accounts_only=True)
    other = _other(tmp_path)
    preview = preview_import(other, parse_backup(json.dumps(doc)))
    assert preview.credentials.new == 2
    import_file(other, json.dumps(doc).encode())
    assert _library(other) == _library(two)
    assert sorted(t.key for t in credential_targets(other)) == sorted([KEY_A, KEY_B])


def test_the_extensions_own_profiles_are_read_and_a_newer_section_is_left_out(tmp_path, store):
    profiles = {"version": 5, "lastUpdated": 1, "links": [], "linkTombstones": [], "profiles": [
        {"id": "api-profile-1", "name": "From the extension", "apiType": "openai-compatible",
         "baseUrl": "https://relay.example.com/v1", "apiKey": "sk-extension-0123456789SECRET", "tagIds": ["t1", "gone"],
         "notes": "", "telemetryConfig": {"mode": "auto"}, "createdAt": 1_700_000_000_000,
         "updatedAt": 1_700_000_000_000},
        {"id": "api-profile-2", "name": "No key", "baseUrl": "https://relay.example.com", "apiKey": ""},
        {"id": "api-profile-3", "name": "Bad time", "baseUrl": "https://x.example.com", "apiKey": "sk-x-0123456789ab",
         "expiresAt": 1e300}]}
    doc = {"version": "4.0", "timestamp": 1_700_000_000_000,
           "accounts": {"accounts": [], "bookmarks": [], "pinnedAccountIds": [], "orderedAccountIds": [],
                        "deletedEntryRecords": {}, "last_updated": 1},
           "tagStore": {"version": 1, "tagsById": {"t1": {"id": "t1", "name": "Shared", "createdAt": 1,
                                                          "updatedAt": 1}}},
           "apiCredentialProfiles": profiles}
    report = import_file(store, json.dumps(doc).encode())
    assert "; credentials: 1 added, 2 unreadable" in report.summary()
    assert _library(store) == [("From the extension", "https://relay.example.com", ["Shared"], "")]
    newer = _other(tmp_path, "newer")
    doc["apiCredentialProfiles"] = {**profiles, "version": 6}
    report = import_file(newer, json.dumps(doc).encode())
    assert "API credentials have a newer format (version 6)" in report.summary()
    assert credential_rows(newer) == []


def test_an_encrypted_webdav_upload_carries_them_and_a_pull_restores_them(two, tmp_path, dav_server):
    dav = dav_server()
    backup.save_backup_settings(two, url=dav.url("/"), username=USER, password=PASSWORD, encrypt=True,
                                backup_password="file-pass-77")
    assert backup.push(two).ok
    raw = (dav.root / "all-api-hub-backup" / "all-api-hub-1-0.json").read_bytes()
    assert KEY_A.encode() not in raw and b"apiCredentialProfiles" not in raw  # inside the envelope
    other = _other(tmp_path)
    backup.save_backup_settings(other, url=dav.url("/"), username=USER, password=PASSWORD)
    report = backup.pull(other, password="file-pass-77")
    assert report.ok and len(credential_rows(other)) == 2


def test_cli_import_json_counts_the_credentials(two, tmp_path, capsys, monkeypatch):
    path = tmp_path / "full.json"
    path.write_text(export_file(two, "own", include_secrets=True).text, encoding="utf-8")
    monkeypatch.setenv("ALLHUB_DB", str(tmp_path / "cli.duckdb"))
    assert main(["import", str(path), "--dry-run", "--json"]) == 0
    out, _ = capsys.readouterr()
    assert json.loads(out)["credentials"]["new"] == 2 and KEY_A not in out
    assert main(["import", str(path), "--json"]) == 0
    out, _ = capsys.readouterr()
    assert json.loads(out)["credentials"]["new"] == 2
    assert main(["import", str(path), "--json"]) == 0
    out, _ = capsys.readouterr()
    assert json.loads(out)["credentials"] == {"new": 0, "existing": 2, "unreadable": 0}
