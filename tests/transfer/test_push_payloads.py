"""The push payloads and their plans (transfer/clients/push_payloads.py): the entry each service
takes, the match on what it holds (base URL and key first, then name) and what a push changes;
a second plan on the pushed state changes nothing, and no key is shown in a plan's changes."""

from __future__ import annotations

import json

from allhub_core.transfer.clients.push_payloads import (
    ADD,
    NOTHING,
    UPDATE,
    ccr_provider,
    cliproxy_entry,
    newapi_channel,
    plan_ccr,
    plan_cliproxy,
    plan_newapi,
    same_base_url,
)
from allhub_core.transfer.clients.types import ClientTarget

KEY = "sk-push0123456789abcdef"
T = ClientTarget("Relay One", "https://relay.example", KEY, models=("gpt-4o", "claude-3-5"))


def _shown(plan) -> str:
    return json.dumps([c.__dict__ for c in plan.changes])


def test_entries_have_the_services_shapes():
    assert cliproxy_entry(T) == {"name": "Relay One", "base-url": "https://relay.example/v1",
                                 "api-key-entries": [{"api-key": KEY}],
                                 "models": [{"name": "gpt-4o", "alias": "gpt-4o"},
                                            {"name": "claude-3-5", "alias": "claude-3-5"}]}
    assert "models" not in cliproxy_entry(ClientTarget("R", "https://relay.example", KEY))
    assert ccr_provider(T) == {"name": "Relay One", "api_base_url": "https://relay.example/v1/chat/completions",
                               "api_key": KEY, "models": ["gpt-4o", "claude-3-5"]}
    assert newapi_channel(T) == {"name": "Relay One", "type": 1, "key": KEY, "base_url": "https://relay.example",
                                 "models": "gpt-4o,claude-3-5", "group": "default", "priority": 0, "weight": 0,
                                 "status": 1}


def test_base_urls_compare_without_v1_slash_or_case():
    assert same_base_url("https://Relay.example/v1/", "https://relay.example")
    assert same_base_url("https://relay.example/v1/chat/completions", "https://relay.example/v1")
    assert not same_base_url("https://relay.example", "https://other.example")
    assert not same_base_url("", "")


def test_cliproxy_new_entry_is_added_then_nothing_changes():
    plan = plan_cliproxy([{"name": "Other", "base-url": "https://other.example/v1", "api-key-entries": []}],
                         cliproxy_entry(T))
    assert plan.action == ADD and plan.index is None
    assert {c.field for c in plan.changes} == {"name", "base-url", "api-key-entries", "models"}
    assert KEY not in _shown(plan) and "sk-p" in _shown(plan)
    again = plan_cliproxy([{"name": "Other"}, plan.entry], cliproxy_entry(T))
    assert again.action == NOTHING and again.index == 1 and again.matched_by == "url and key"
    assert again.changes == ()


def test_cliproxy_same_url_other_key_adds_our_key_and_keeps_theirs():
    theirs = {"name": "Mine", "base-url": "https://relay.example/v1", "api-key-entries": [{"api-key": "sk-theirs"}],
              "headers": {"X-A": "1"}}
    plan = plan_cliproxy([theirs], cliproxy_entry(T))
    assert plan.action == UPDATE and plan.index == 0 and plan.matched_by == "url"
    assert plan.entry["api-key-entries"] == [{"api-key": "sk-theirs"}, {"api-key": KEY}]
    assert plan.entry["headers"] == {"X-A": "1"}  # what the user set on the entry stays
    assert {c.field for c in plan.changes} == {"name", "api-key-entries", "models"}
    assert KEY not in _shown(plan) and "sk-theirs" not in _shown(plan)


def test_cliproxy_matches_by_name_when_the_url_differs():
    plan = plan_cliproxy([{"name": "relay one", "base-url": "https://old.example/v1", "api-key-entries": []}],
                         cliproxy_entry(T))
    assert plan.action == UPDATE and plan.matched_by == "name"
    assert [c.field for c in plan.changes][:2] == ["name", "base-url"]


def test_ccr_matches_url_and_key_before_name_and_keeps_its_fields():
    providers = [{"name": "Relay One", "api_base_url": "https://elsewhere/v1/chat/completions", "api_key": "x",
                  "models": []},
                 {"name": "Renamed", "api_base_url": "https://relay.example/v1/chat/completions", "api_key": KEY,
                  "models": ["gpt-4o"], "transformer": {"use": ["openrouter"]}}]
    plan = plan_ccr(providers, ccr_provider(T))
    assert plan.action == UPDATE and plan.index == 1 and plan.matched_by == "url and key"
    assert plan.entry["transformer"] == {"use": ["openrouter"]}
    assert {c.field for c in plan.changes} == {"name", "models"}
    providers[1] = plan.entry
    assert plan_ccr(providers, ccr_provider(T)).action == NOTHING


def test_ccr_without_known_models_keeps_the_routers_list():
    bare = ClientTarget("Relay One", "https://relay.example", KEY)
    plan = plan_ccr([{**ccr_provider(T)}], ccr_provider(bare))
    assert plan.action == NOTHING and plan.entry["models"] == ["gpt-4o", "claude-3-5"]


def test_newapi_url_and_key_match_updates_without_status_or_key():
    listed = {"id": 7, "name": "old name", "type": 1, "base_url": "https://relay.example", "models": "gpt-4o",
              "group": "default", "priority": 0, "weight": 0, "status": 2}
    plan = plan_newapi([listed], [], newapi_channel(T))
    assert plan.action == UPDATE and plan.index == 7 and plan.matched_by == "url and key"
    assert plan.entry["id"] == 7 and "status" not in plan.entry and "key" not in plan.entry
    assert {c.field for c in plan.changes} == {"name", "models"}
    done = {**listed, "name": "Relay One", "models": "gpt-4o,claude-3-5"}
    assert plan_newapi([done], [done], newapi_channel(T)).action == NOTHING


def test_newapi_same_key_on_another_url_is_no_match_and_name_match_replaces_the_key():
    elsewhere = {"id": 3, "name": "Unrelated", "base_url": "https://other.example"}
    named = {"id": 4, "name": "Relay One", "type": 1, "base_url": "https://relay.example", "models": "gpt-4o,claude-3-5",
             "group": "default", "priority": 0, "weight": 0}
    assert plan_newapi([elsewhere], [], newapi_channel(T)).action == ADD
    plan = plan_newapi([elsewhere], [named], newapi_channel(T))
    assert plan.action == UPDATE and plan.matched_by == "name" and plan.entry["key"] == KEY
    assert [c.field for c in plan.changes] == ["key"] and KEY not in _shown(plan)
