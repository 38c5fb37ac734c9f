"""Pushing a key to a service the user runs (sync/client_push.py) over real HTTP, against the
sandbox's CLIProxyAPI, Claude Code Router and New API admin: the preview lists the change and
writes nothing, an apply writes it once, a second apply changes nothing; a wrong management key is
one sentence and nothing changes; the management key is sealed and never in an error, a report
or a log line."""

from __future__ import annotations

import json
import logging

import pytest
from shared import add_demo_account, fast_politeness

from allhub_core.errors import SiteError, ValidationError
from allhub_core.reports import Report
from allhub_core.sandbox import start_push_services
from allhub_core.store import read_settings
from allhub_core.sync import (
    apply_push,
    preview_push,
    push_target,
    push_targets,
    save_push_target,
    sync_keys,
    target_for_key,
)
from allhub_core.transfer.clients.types import ClientTarget

FAST = fast_politeness(read_timeout=2.0, retries=0)
KEYS = {"cliproxyapi": "mgmt-cliproxy-secret-0001", "ccr": "mgmt-ccr-secret-0002", "newapi": "mgmt-newapi-secret-0003"}
RELAY_KEY = "sk-relaykey0123456789abcd"
TARGET = ClientTarget("Relay One", "https://relay.example", RELAY_KEY, models=("gpt-4o", "claude-3-5"))


@pytest.fixture(scope="module")
def services():
    ps = start_push_services(cliproxy_key=KEYS["cliproxyapi"], ccr_key=KEYS["ccr"], newapi_token=KEYS["newapi"],
                             newapi_user=1)
    yield ps
    ps.stop()


@pytest.fixture
def fakes(services):
    """The three services emptied, with no requests recorded."""
    for fake in services.fakes.values():
        fake.reset()
    return services


def _configure(store, fakes, kind: str, key: str | None = None) -> None:
    fake = fakes.fakes[{"cliproxyapi": "cliproxy", "ccr": "ccr", "newapi": "newapi"}[kind]]
    save_push_target(store, kind, fake.url, key or KEYS[kind], user_id=1 if kind == "newapi" else None)


def _held(fakes, kind: str) -> list[dict]:
    if kind == "cliproxyapi":
        return fakes.cliproxy.entries
    if kind == "ccr":
        return fakes.ccr.providers
    return fakes.newapi.all_channels()


def _writes(fakes, kind: str) -> int:
    return fakes.fakes[{"cliproxyapi": "cliproxy", "ccr": "ccr", "newapi": "newapi"}[kind]].writes


@pytest.mark.parametrize("kind", ["cliproxyapi", "ccr", "newapi"])
def test_preview_then_apply_once_then_nothing(store, fakes, kind):
    _configure(store, fakes, kind)
    preview = preview_push(store, kind, TARGET, politeness=FAST)
    assert isinstance(preview, Report) and preview.exit_code() == 0
    assert preview.plan.action == "add" and not preview.applied
    assert preview.summary().startswith("Would add 'Relay One'")
    row = preview.rows()[0]
    assert row["action"] == "add" and {c["field"] for c in row["changes"]} >= {"name", "models"}
    assert _held(fakes, kind) == [] and _writes(fakes, kind) == 0  # a preview writes nothing

    done = apply_push(store, kind, TARGET, politeness=FAST)
    assert done.applied and done.summary().startswith("Added 'Relay One'")
    held = _held(fakes, kind)
    assert len(held) == 1 and RELAY_KEY in json.dumps(held)
    writes = _writes(fakes, kind)
    assert writes == 1

    again = apply_push(store, kind, TARGET, politeness=FAST)
    assert again.plan.action == "nothing" and not again.applied and "nothing to change" in again.summary()
    assert _held(fakes, kind) == held and _writes(fakes, kind) == writes
    for report in (preview, done, again):
        shown = json.dumps(report.rows()) + report.summary()
        assert RELAY_KEY not in shown and KEYS[kind] not in shown


def test_cliproxyapi_existing_entry_gets_the_key_added_with_patch(store, fakes):
    fakes.cliproxy.seed([{"name": "kept", "base-url": "https://kept.example/v1", "api-key-entries": []},
                         {"name": "mine", "base-url": "https://relay.example/v1/",
                          "api-key-entries": [{"api-key": "sk-older"}]}])
    _configure(store, fakes, "cliproxyapi")
    preview = preview_push(store, "cliproxyapi", TARGET, politeness=FAST)
    assert preview.plan.action == "update" and preview.plan.matched_by == "url" and preview.plan.index == 1
    apply_push(store, "cliproxyapi", TARGET, politeness=FAST)
    entries = fakes.cliproxy.entries
    assert entries[0]["name"] == "kept"
    assert entries[1]["api-key-entries"] == [{"api-key": "sk-older"}, {"api-key": RELAY_KEY}]
    patch = [r for r in fakes.cliproxy.requests if r.method in ("PUT", "PATCH")]
    assert [r.method for r in patch] == ["PATCH"] and patch[0].json()["index"] == 1
    assert all(r.header("authorization") == f"Bearer {KEYS['cliproxyapi']}" for r in fakes.cliproxy.requests)
    assert apply_push(store, "cliproxyapi", TARGET, politeness=FAST).plan.action == "nothing"


def test_ccr_writes_the_whole_config_back_and_restarts(store, fakes):
    _configure(store, fakes, "ccr")
    fakes.ccr.config["Router"] = {"default": "x,y"}
    apply_push(store, "ccr", TARGET, politeness=FAST)
    assert fakes.ccr.config["Router"] == {"default": "x,y"}  # the rest of the config is kept
    assert fakes.ccr.restarts == 1
    apply_push(store, "ccr", TARGET, politeness=FAST)
    assert fakes.ccr.restarts == 1


def test_newapi_finds_its_channel_by_key_and_updates_it(store, fakes, caplog):
    caplog.set_level(logging.DEBUG)  # httpx logs every address at INFO: the search's key must not be in it
    fakes.newapi.seed([{"name": "someone's", "type": 1, "key": RELAY_KEY, "base_url": "https://relay.example/",
                        "models": "gpt-4o", "group": "default", "priority": 5, "weight": 0, "status": 1}])
    _configure(store, fakes, "newapi")
    preview = preview_push(store, "newapi", TARGET, politeness=FAST)
    assert preview.plan.matched_by == "url and key" and preview.plan.action == "update"
    assert {c["field"] for c in preview.rows()[0]["changes"]} == {"name", "base_url", "models", "priority"}
    apply_push(store, "newapi", TARGET, politeness=FAST)
    [channel] = fakes.newapi.all_channels()
    assert channel["name"] == "Relay One" and channel["models"] == "gpt-4o,claude-3-5" and channel["key"] == RELAY_KEY
    put = [r for r in fakes.newapi.requests if r.method == "PUT"]
    assert len(put) == 1 and "status" not in put[0].json() and "key" not in put[0].json()
    assert all(r.header("new-api-user") == "1" for r in fakes.newapi.requests)
    assert apply_push(store, "newapi", TARGET, politeness=FAST).plan.action == "nothing"
    assert "/api/channel/search" in caplog.text and RELAY_KEY not in caplog.text


@pytest.mark.parametrize("kind", ["cliproxyapi", "ccr", "newapi"])
def test_a_wrong_management_key_is_one_sentence_and_nothing_changes(store, fakes, kind, caplog):
    wrong = f"wrong-{kind}-management-key-9999"
    _configure(store, fakes, kind, key=wrong)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SiteError) as err:
        apply_push(store, kind, TARGET, politeness=FAST)
    text = str(err.value)
    assert "refused the management key" in text and "Settings" in text and text.count(". ") == 0
    assert wrong not in text and RELAY_KEY not in text
    assert wrong not in caplog.text and RELAY_KEY not in caplog.text
    assert _held(fakes, kind) == [] and _writes(fakes, kind) == 0


def test_settings_seal_the_key_and_refuse_bad_input(store, fakes):
    saved = save_push_target(store, "cliproxyapi", "http://127.0.0.1:8317/", "secret-management-key-1")
    assert saved.url == "http://127.0.0.1:8317/v0/management" and saved.has_key and saved.complete
    rows = json.dumps([t.as_dict() for t in push_targets(store)])
    assert "secret-management-key-1" not in rows
    assert "secret-management-key-1" not in json.dumps(read_settings(store))
    with store.read() as con:
        blobs = con.execute("SELECT value_blob FROM meta WHERE value_blob IS NOT NULL").fetchall()
    assert blobs and all(b"secret-management-key-1" not in bytes(b[0]) for b in blobs)
    for bad in ("ftp://host", "http://user:pw@host", "not a url", "http://host/?q=1"):
        with pytest.raises(ValidationError):
            save_push_target(store, "cliproxyapi", bad, "other-key")
    assert push_target(store, "cliproxyapi").url == "http://127.0.0.1:8317/v0/management"
    with pytest.raises(ValidationError, match="There is no push target"):
        save_push_target(store, "nowhere", "http://x", "k")
    with pytest.raises(ValidationError, match="Set the New API"):
        preview_push(store, "newapi", TARGET, politeness=FAST)


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=["new-api"], users_per_site=1, seed=23)


def test_an_accounts_key_is_pushed_from_its_site(store, fakes, sandbox):
    aid, site, _user = add_demo_account(store, sandbox, "new-api")
    sync_keys(store, politeness=FAST)
    target = target_for_key(store, aid, politeness=FAST)
    assert target.base_url == site.url and target.api_key.startswith("sk-")
    _configure(store, fakes, "cliproxyapi")
    apply_push(store, "cliproxyapi", target, politeness=FAST)
    [entry] = fakes.cliproxy.entries
    assert entry["base-url"] == site.url + "/v1" and entry["api-key-entries"] == [{"api-key": target.api_key}]
