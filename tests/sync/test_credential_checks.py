"""Credential checks against local fakes of each provider over real HTTP: the balance each one
tells (in its own JSON shape, yuan converted), ``auto`` finding the one that answers, the models,
the one-token request only when asked, and the key only ever in a header: never in a URL, a
message, a stored row or a log."""

from __future__ import annotations

import json
import logging

import pytest
from shared import fast_politeness
from starlette.responses import JSONResponse

from allhub_core.credentials import CredentialFilter, CredentialInput, add_credential, credential_rows
from allhub_core.sandbox import start_provider_fakes
from allhub_core.sync import check_credentials

FAST = fast_politeness(retries=0)


@pytest.fixture(scope="module")
def fakes():
    with start_provider_fakes() as pf:
        yield pf


@pytest.fixture(autouse=True)
def _clear(fakes):
    for f in fakes.fakes.values():
        f.clear_requests()


def _add(store, fakes, name, key, **kw):
    fakes[name].add_key(key, balance=kw.pop("balance", 12.5), used=kw.pop("used", 2.5))
    return add_credential(store, CredentialInput(base_url=fakes[name].base_url, key=key, name=name, **kw))


# provider, telemetry, (balance_usd, used_usd, total_usd, currency, raw_balance)
CASES = [
    ("new-api", "newApiTokenUsage", (12.5, 2.5, 15.0, "USD", None)),
    ("sub2api", "sub2apiUsage", (12.5, 2.5, None, "USD", None)),
    ("openai", "openaiBilling", (12.5, 2.5, 15.0, "USD", None)),
    ("openrouter", "openrouter", (12.5, 2.5, 15.0, "USD", None)),
    ("deepseek", "deepseek", (round(12.5 / 7.2, 6), None, None, "CNY", 12.5)),
    ("moonshot", "moonshot", (12.5, None, None, "USD", 12.5)),
    ("zhipu", "zhipu", (round(12.5 / 7.2, 6), round(2.5 / 7.2, 6), None, "CNY", 12.5)),
]


@pytest.mark.parametrize("name, source, figures", CASES)
def test_each_provider_tells_its_balance_in_auto_and_by_name(store, fakes, name, source, figures):
    key = f"sk-{name}-test-0123456789SECRET"
    auto = _add(store, fakes, name, key)
    report = check_credentials(store, [auto], politeness=FAST)
    row = report.rows()[0]
    assert (row["ok"], row["source"]) == (True, source)
    assert (row["balance_usd"], row["used_usd"], row["total_usd"], row["currency"], row["raw_balance"]) == figures
    assert row["model_count"] >= 2 and row["sent"] is None
    stored = credential_rows(store, CredentialFilter(ids=[auto]))[0]
    assert (stored["source"], stored["balance_usd"], stored["model_count"]) == (source, figures[0], row["model_count"])
    # named explicitly, only that source is asked: one balance endpoint (two for OpenAI billing) and the models
    fakes[name].clear_requests()
    named = add_credential(store, CredentialInput(base_url=fakes[name].base_url + "/", key=key + "2",
                                                  telemetry=source))
    fakes[name].add_key(key + "2", balance=1.0)
    assert check_credentials(store, [named], politeness=FAST).rows()[0]["source"] == source
    assert len(fakes[name].requests) == (3 if source == "openaiBilling" else 2)
    assert "POST" not in {r.method for r in fakes[name].requests}  # nothing sent unless asked


def test_auto_asks_the_last_source_first(store, fakes):
    cid = _add(store, fakes, "deepseek", "sk-deepseek-again-0123456789SECRET")
    check_credentials(store, [cid], politeness=FAST)
    fakes["deepseek"].clear_requests()
    check_credentials(store, [cid], politeness=FAST)
    paths = [r.path for r in fakes["deepseek"].requests]
    assert paths == ["/v1/models", "/user/balance"]  # New API, Sub2API... not asked again


def test_custom_endpoint_with_dotted_paths(store, fakes):
    cid = _add(store, fakes, "custom", "sk-custom-0123456789SECRET", telemetry="customReadOnlyEndpoint",
               custom_url="/me/quota", custom_balance_path="quota.left", custom_used_path="quota.spent",
               balance=7.25, used=0.75)
    row = check_credentials(store, [cid], politeness=FAST).rows()[0]
    assert (row["source"], row["balance_usd"], row["used_usd"]) == ("customReadOnlyEndpoint", 7.25, 0.75)


def test_custom_endpoint_on_another_origin_gets_no_key(store, fakes):
    key = "sk-custom-cross-0123456789SECRET"
    fakes["custom"].add_key(key)
    cid = add_credential(store, CredentialInput(base_url=fakes["new-api"].base_url, key=key, name="x",
                                                telemetry="customReadOnlyEndpoint",
                                                custom_url=fakes["custom"].url + "/me/quota",
                                                custom_balance_path="quota.left"))
    row = check_credentials(store, [cid], politeness=FAST).rows()[0]
    assert row["balance_usd"] is None and "did not answer" in row["message"]
    seen = [r for r in fakes["custom"].requests if r.path == "/me/quota"]
    assert seen and all(key not in str(r.headers) for r in seen)


def test_anthropic_and_google_use_their_own_headers(store, fakes):
    ak, gk = "sk-ant-api03-0123456789SECRET", "AIzaSyA0123456789abcdefghijSECRET"
    a = _add(store, fakes, "anthropic", ak)
    g = _add(store, fakes, "google", gk)
    rows = {r["id"]: r for r in check_credentials(store, [a, g], send=True, politeness=FAST).rows()}
    assert rows[a]["models"] == ["claude-3-5-haiku-latest", "claude-sonnet-4-5"] and rows[a]["sent"] is True
    assert rows[g]["models"] == ["gemini-2.0-flash", "gemini-2.5-pro"] and rows[g]["sent"] is True
    assert rows[a]["source"] is None and rows[a]["message"].startswith("A one-token request")
    a_reqs, g_reqs = fakes["anthropic"].requests, fakes["google"].requests
    assert [r.path for r in a_reqs] == ["/v1/models", "/v1/messages"]
    assert all(r.headers.get("x-api-key") == ak and "authorization" not in r.headers for r in a_reqs)
    assert [r.path for r in g_reqs] == ["/v1beta/models", "/v1beta/models/gemini-2.0-flash:generateContent"]
    assert all(r.headers.get("x-goog-api-key") == gk and gk not in r.query for r in g_reqs)


def test_send_is_one_token_to_the_first_model(store, fakes):
    cid = _add(store, fakes, "openrouter", "sk-or-v1-send-0123456789SECRET")
    row = check_credentials(store, [cid], send=True, politeness=FAST).rows()[0]
    assert row["sent"] is True and "openai/gpt-4o-mini" in row["message"]
    posts = [r for r in fakes["openrouter"].requests if r.method == "POST"]
    assert [p.path for p in posts] == ["/api/v1/chat/completions"]
    assert json.loads(posts[0].body)["max_tokens"] == 1


def test_a_wrong_key_fails_without_showing_the_key(store, fakes, caplog):
    key = "sk-never-known-0123456789SECRET"
    cid = add_credential(store, CredentialInput(base_url=fakes["new-api"].base_url, key=key))
    caplog.set_level(logging.DEBUG)
    report = check_credentials(store, [cid], send=True, politeness=FAST)
    row = report.rows()[0]
    assert row["ok"] is False and report.exit_code() == 1
    assert "HTTP 401" in row["message"] and "1 failed" in report.summary()
    stored = credential_rows(store)
    assert stored[0]["ok"] is False
    for text in (repr(report.rows()), report.summary(), repr(stored), caplog.text):
        assert key not in text and "SECRET" not in text
    assert all(key not in r.path + r.query for r in fakes["new-api"].requests)


def test_a_site_that_echoes_the_key_is_scrubbed(store, fakes, monkeypatch):
    key = "sk-echo-0123456789SECRET"
    fake = fakes["sub2api"]
    fake.add_key(key)
    cid = add_credential(store, CredentialInput(base_url=fake.base_url, key=key, telemetry="sub2apiUsage"))
    monkeypatch.setattr(fake, "_balance", lambda req, f: JSONResponse(
        {"error": {"message": f"bad key {req.headers.get('authorization')}"}}, status_code=403))
    row = check_credentials(store, [cid], politeness=FAST).rows()[0]
    assert "did not answer" in row["message"] and "HTTP 403" in row["message"]
    assert key not in row["message"] and key not in repr(credential_rows(store))
