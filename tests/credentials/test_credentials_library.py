"""The credential library on a real DuckDB file: input checked in one sentence that changes
nothing, keys sealed (never in the file in clear, never in a list), the same key refused twice,
filters and facets in SQL, the newest check joined, pasted text read, and the backup shape carried
out and back."""

from __future__ import annotations

import pytest

from allhub_core.credentials import (
    CheckRecord,
    CredentialFilter,
    CredentialInput,
    add_credential,
    credential_facets,
    credential_records,
    credential_rows,
    credential_targets,
    import_credential_records,
    parse_credential_ids,
    parse_pasted,
    record_checks,
    remove_credentials,
    update_credential,
)
from allhub_core.errors import NotFound, ValidationError
from allhub_core.store import Store

KEY_A = "sk-or-v1-0123456789abcdefSECRETa"
KEY_B = "sk-deepseek-0123456789SECRETbbbb"


def _two(store):
    a = add_credential(store, CredentialInput(base_url="https://openrouter.ai/api/v1/", key=KEY_A,
                                              tags=["Work", "free"], notes="team account"))
    b = add_credential(store, CredentialInput(base_url="https://api.deepseek.com", key=f"Bearer {KEY_B}",
                                              name="DeepSeek", api_type="openai"))
    return a, b


def test_add_stores_the_key_sealed_and_lists_it_masked(store, db_path):
    a, b = _two(store)
    rows = credential_rows(store)
    assert [r["id"] for r in rows] == [a, b]
    assert rows[0]["base_url"] == "https://openrouter.ai/api"  # /v1 and the slash dropped
    assert rows[0]["name"] == "openrouter.ai"
    assert rows[0]["key_masked"] == KEY_A[:4] + "**********" + KEY_A[-4:]
    assert rows[1]["api_type"] == "openai"
    assert rows[1]["checked_at"] is None and rows[1]["balance_usd"] is None
    assert KEY_A not in repr(rows) and KEY_B not in repr(rows)
    raw = b"".join(p.read_bytes() for p in db_path.parent.glob(db_path.name + "*") if p.is_file())
    assert KEY_A.encode() not in raw and KEY_B.encode() not in raw
    assert {t.id: t.key for t in credential_targets(store)} == {a: KEY_A, b: KEY_B}  # "Bearer " dropped


def test_same_key_twice_is_refused_and_nothing_changes(store):
    a, _ = _two(store)
    with pytest.raises(ValidationError, match=f"already in the library as #{a}"):
        add_credential(store, CredentialInput(base_url="https://other.example", key=KEY_A))
    assert len(credential_rows(store)) == 2


@pytest.mark.parametrize("data, words", [
    (CredentialInput(base_url="", key="sk-x"), "base URL is empty"),
    (CredentialInput(base_url="ftp://x.example", key="sk-x"), "http:// or https://"),
    (CredentialInput(base_url="https://x.example", key="  "), "key is empty"),
    (CredentialInput(base_url="https://x.example", key="sk-a b"), "without spaces"),
    (CredentialInput(base_url="https://x.example", key="sk-abc", api_type="azure"), "API type must be one of"),
    (CredentialInput(base_url="https://x.example", key="sk-abc", expires_at="tomorrow"), "YYYY-MM-DD"),
    (CredentialInput(base_url="https://x.example", key="sk-abc", telemetry="customReadOnlyEndpoint"),
     "needs its endpoint"),
    (CredentialInput(base_url="https://x.example", key="sk-abc", telemetry="customReadOnlyEndpoint",
                     custom_url="/me", custom_balance_path="data..left"), "dotted names"),
])
def test_bad_input_is_one_sentence_and_adds_nothing(store, data, words):
    with pytest.raises(ValidationError, match=words) as exc:
        add_credential(store, data)
    assert "\n" not in str(exc.value) and "sk-a" not in str(exc.value)
    assert credential_rows(store) == []


def test_filters_and_facets(store):
    a, b = _two(store)
    assert [r["id"] for r in credential_rows(store, CredentialFilter(tags=["WORK"]))] == [a]
    assert [r["id"] for r in credential_rows(store, CredentialFilter(api_types=["openai"]))] == [b]
    assert [r["id"] for r in credential_rows(store, CredentialFilter(search="team"))] == [a]
    assert [r["id"] for r in credential_rows(store, CredentialFilter(search="deepseek com"))] == [b]
    assert credential_rows(store, CredentialFilter(search="nothing-like-it")) == []
    assert credential_facets(store) == {"tags": ["free", "Work"], "api_types": ["openai-compatible", "openai"],
                                        "total": 2}


def test_newest_check_is_joined(store):
    a, _ = _two(store)
    record_checks(store, [CheckRecord(a, True, "openrouter", 3.0, 1.0, 4.0, models=["m1"])])
    record_checks(store, [CheckRecord(a, True, "openrouter", 2.5, 1.5, 4.0, models=["m1", "m2"])])
    row = credential_rows(store, CredentialFilter(ids=[a]))[0]
    assert (row["ok"], row["source"], row["balance_usd"], row["used_usd"], row["model_count"]) == \
        (True, "openrouter", 2.5, 1.5, 2)
    record_checks(store, [CheckRecord(a, False, message="HTTP 401: bad key")])
    row = credential_rows(store, CredentialFilter(ids=[a]))[0]
    assert (row["ok"], row["balance_usd"], row["message"]) == (False, None, "HTTP 401: bad key")
    assert credential_targets(store, [a])[0].last_source == "openrouter"  # the last source that answered


def test_update_and_remove(store):
    a, b = _two(store)
    update_credential(store, b, tags=["cn"], expires_at="2020-01-31", name="DS")
    row = credential_rows(store, CredentialFilter(ids=[b]))[0]
    assert (row["name"], row["tags"], row["expired"]) == ("DS", ["cn"], True)
    with pytest.raises(ValidationError, match="already in the library"):
        update_credential(store, b, key=KEY_A)
    assert credential_targets(store, [b])[0].key == KEY_B
    with pytest.raises(NotFound):
        remove_credentials(store, [a, 999])
    assert len(credential_rows(store)) == 2  # all or none
    record_checks(store, [CheckRecord(a, True)])
    assert remove_credentials(store, [a]) == 1
    assert [r["id"] for r in credential_rows(store)] == [b]


def test_ids_from_the_user():
    assert parse_credential_ids(["1", "#2"]) == [1, 2]
    with pytest.raises(ValidationError, match="not a credential id"):
        parse_credential_ids(["x"])


@pytest.mark.parametrize("text, url, key", [
    ('export OPENAI_BASE_URL="https://relay.example.com/v1"\nexport OPENAI_API_KEY=sk-abc123def456ghi789jkl\n',
     "https://relay.example.com", "sk-abc123def456ghi789jkl"),
    ('curl https://open.bigmodel.cn/api/paas/v4/chat/completions -H "Authorization: Bearer '
     '0123456789abcdef0123456789abcdef.AbCdEfGhIjKlMnOp"',
     "https://open.bigmodel.cn/api/paas/v4", "0123456789abcdef0123456789abcdef.AbCdEfGhIjKlMnOp"),
    ('{"baseUrl": "https://x.example/", "token": "abcdEFGH1234ijklMNOP"}', "https://x.example", "abcdEFGH1234ijklMNOP"),
    ("Your key: AIzaSyA1234567890abcdefghijklmnopqrstu", None, "AIzaSyA1234567890abcdefghijklmnopqrstu"),
    ("nothing here", None, None),
])
def test_pasted_text(text, url, key):
    found = parse_pasted(text)
    assert (found.base_url, found.key) == (url, key)


def test_pasted_guesses_the_type():
    assert parse_pasted("https://api.anthropic.com sk-ant-api03-abcdefghijklmnop").api_type == "anthropic"
    assert parse_pasted("https://relay.example sk-abcdefghijklmnopqrst").api_type == "openai-compatible"


def test_backup_records_out_and_back(store, tmp_path):
    a, _ = _two(store)
    update_credential(store, a, telemetry="customReadOnlyEndpoint", custom_url="/me/quota",
                      custom_balance_path="quota.left")
    plain = credential_records(store, include_secrets=False)
    assert all("apiKey" not in r for r in plain) and KEY_A not in repr(plain)
    full = credential_records(store, include_secrets=True)
    assert {r["apiKey"] for r in full} == {KEY_A, KEY_B}
    assert full[0]["telemetryConfig"] == {"mode": "customReadOnlyEndpoint",
                                          "customEndpoint": {"endpoint": "/me/quota",
                                                             "jsonPaths": {"balanceUsd": "quota.left"}}}
    other = Store(tmp_path / "other.duckdb")
    assert import_credential_records(other, [*full, {"name": "no key", "baseUrl": "https://x.example"}]) == \
        {"added": 2, "skipped": 1}
    assert import_credential_records(other, full) == {"added": 0, "skipped": 2}  # already there
    rows = credential_rows(other)
    assert [(r["name"], r["tags"], r["telemetry"]) for r in rows] == \
        [("openrouter.ai", ["Work", "free"], "customReadOnlyEndpoint"), ("DeepSeek", [], "auto")]
    assert import_credential_records(other, plain) == {"added": 0, "skipped": 2}  # no key, nothing added
    third = Store(tmp_path / "third.duckdb")  # the extension's own container, as its backup holds it
    assert import_credential_records(third, {"version": 5, "profiles": [*full, "junk"], "links": []}) == \
        {"added": 2, "skipped": 1}
