"""Export a key to a client against the sandbox sites over real HTTP (issue 20): the flow finds
the key (fetching an account's keys once when none is cached), reveals it, and renders it with
the site's origin; bad choices are one sentence before any request; nothing is kept."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from shared import add_demo_account, fast_politeness

from allhub_core.accounts import get_account
from allhub_core.errors import NotFound, ValidationError
from allhub_core.keys import kept_secret, key_rows
from allhub_core.sync import export_client, export_targets, sync_keys, sync_models

FAST = fast_politeness(read_timeout=2.0, retries=1, retries_429=1)


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=["new-api", "one-api", "sub2api"], users_per_site=1, seed=20)


pytestmark = pytest.mark.usefixtures("fresh_sites")


def _cherry(link: str) -> dict:
    return json.loads(base64.b64decode(link.split("&data=", 1)[1]))


def _enabled(user):
    return sorted((t for t in user.tokens if t.status == 1), key=lambda t: t.id)


@pytest.mark.parametrize("dialect", ["new-api", "one-api", "sub2api"])
def test_cherry_studio_link_carries_the_sites_origin_and_the_first_enabled_key(store, sandbox, dialect):
    aid, site, user = add_demo_account(store, sandbox, dialect)
    assert key_rows(store, [aid]) == []  # nothing cached: the flow fetches the keys once
    out = export_client(store, "cherry-studio", aid, politeness=FAST)
    data = _cherry(out.text)
    first = _enabled(user)[0]
    assert data["baseUrl"] == site.url.rstrip("/") and data["name"] == get_account(store, aid)["site_name"]
    assert data["apiKey"].removeprefix("sk-") == first.key.removeprefix("sk-")
    if dialect == "new-api":
        assert data["apiKey"] == "sk-" + first.key  # as a client takes it
    assert key_rows(store, [aid]) and kept_secret(store, aid, str(first.id)) is None  # cached masked, not kept


def test_a_chosen_key_a_model_and_cc_switch_codex(store, sandbox):
    aid, site, user = add_demo_account(store, sandbox, "new-api")
    sync_keys(store, [aid], politeness=FAST)
    token = sorted(user.tokens, key=lambda t: t.id)[-1]
    out = export_client(store, "cc-switch", aid, token.id, model="gpt-4o-mini", app="codex", politeness=FAST)
    q = {k: v[0] for k, v in parse_qs(urlsplit(out.text).query).items()}
    assert q["apiKey"] == "sk-" + token.key and q["app"] == "codex" and q["model"] == "gpt-4o-mini"
    assert q["endpoint"] == site.url.rstrip("/") + "/v1" and q["homepage"] == site.url.rstrip("/")


def test_kilo_code_takes_the_accounts_models_and_several_keys_in_one_file(store, sandbox):
    aid, site, user = add_demo_account(store, sandbox, "new-api")
    sync_keys(store, [aid], politeness=FAST)
    assert sync_models(store, [aid], politeness=FAST).exit_code() == 0
    tokens = sorted(user.tokens, key=lambda t: t.id)[:2]
    assert len(tokens) == 2, "the seeded new-api user has two keys"
    (out,) = export_targets(store, "kilo-code", [(aid, t.id) for t in tokens], politeness=FAST)
    data = json.loads(out.text)
    assert out.filename == "kilo-settings.json" and len(data["provider"]) == 2
    keys = sorted(p["options"]["apiKey"] for p in data["provider"].values())
    assert keys == sorted("sk-" + t.key for t in tokens)
    assert all(p["options"]["baseURL"] == site.url.rstrip("/") + "/v1" for p in data["provider"].values())
    assert all(p["models"] for p in data["provider"].values())  # the account's models from its sync


def test_bad_choices_are_one_sentence_before_any_request(store, sandbox):
    aid, site, _user = add_demo_account(store, sandbox, "new-api")
    site.clear_requests()
    for fmt, kw in (("nope", {}), ("cc-switch", {"app": "vim"}), ("kelivo", {"app": "claude"})):
        with pytest.raises(ValidationError):
            export_client(store, fmt, aid, politeness=FAST, **kw)
    with pytest.raises(NotFound):
        export_client(store, "cherry-studio", 999, politeness=FAST)
    assert site.requests == [] and key_rows(store, [aid]) == []
    with pytest.raises(NotFound, match="no key with id 987654"):
        export_client(store, "cherry-studio", aid, 987654, politeness=FAST)


def test_a_format_that_needs_models_says_so_before_revealing(store, sandbox):
    aid, site, _user = add_demo_account(store, sandbox, "new-api")
    sync_keys(store, [aid], politeness=FAST)
    site.clear_requests()
    with pytest.raises(ValidationError, match="needs at least one model"):
        export_client(store, "kilo-code", aid, politeness=FAST)
    assert site.requests == []  # nothing revealed for an export that cannot be made
    out = export_client(store, "kilo-code", aid, model="my-model", politeness=FAST)
    assert json.loads(out.text)["model"].endswith("/my-model")


def test_an_account_whose_keys_are_all_disabled_says_so(store, sandbox):
    aid, _site, user = add_demo_account(store, sandbox, "new-api")
    for t in user.tokens:
        t.status = 2
    with pytest.raises(ValidationError, match="no enabled key"):
        export_client(store, "claude-code", aid, politeness=FAST)
