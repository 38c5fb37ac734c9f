"""A key limited to some models and some addresses (issue 19's create: "model and IP limits where
the site has them"), against the sandbox over real HTTP: New API takes both; Sub2API takes the
addresses and refuses a model list in one sentence; bad input sends nothing."""

from __future__ import annotations

import pytest
from shared import add_demo_account, fast_politeness

from allhub_core.errors import SiteError, ValidationError
from allhub_core.sync import create_key

FAST = fast_politeness(read_timeout=2.0, retries=1, retries_429=1)


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=["new-api", "sub2api"], users_per_site=2, seed=23)


pytestmark = pytest.mark.usefixtures("fresh_sites")


def test_new_api_keys_take_a_model_list_and_addresses(store, sandbox):
    aid, _site, user = add_demo_account(store, sandbox, "new-api")
    before = {t.id for t in user.tokens}
    create_key(store, aid, name="limited", model_limits=["gpt-4o", "claude-3-5-sonnet", "gpt-4o"],
               allow_ips="10.0.0.0/8, 203.0.113.7", politeness=FAST)
    [made] = [t for t in user.tokens if t.id not in before]
    assert made.model_limits_enabled is True and made.model_limits == "gpt-4o,claude-3-5-sonnet"
    assert made.allow_ips == "10.0.0.0/8,203.0.113.7"
    create_key(store, aid, name="open", politeness=FAST)  # no lists: every model, anywhere
    [plain] = [t for t in user.tokens if t.name == "open"]
    assert plain.model_limits_enabled is False and plain.model_limits == "" and plain.allow_ips == ""


def test_bad_addresses_and_model_names_are_one_sentence_and_send_nothing(store, sandbox):
    aid, site, user = add_demo_account(store, sandbox, "new-api")
    count = len(user.tokens)
    site.clear_requests()
    for kwargs, words in [({"allow_ips": "10.0.0.300"}, "not an IP address"),
                          ({"allow_ips": ["example.com"]}, "not an IP address"),
                          ({"model_limits": ["gpt\x1b[31m"]}, "control characters")]:
        with pytest.raises(ValidationError, match=words):
            create_key(store, aid, politeness=FAST, **kwargs)
    assert len(user.tokens) == count and site.requests == []


def test_sub2api_keys_take_addresses_but_not_a_model_list(store, sandbox):
    aid, _site, user = add_demo_account(store, sandbox, "sub2api")
    before = {t.id for t in user.tokens}
    create_key(store, aid, name="office", allow_ips=["198.51.100.0/24"], politeness=FAST)
    [made] = [t for t in user.tokens if t.id not in before]
    assert made.allow_ips == "198.51.100.0/24"
    count = len(user.tokens)
    with pytest.raises(SiteError, match="cannot be limited to some models"):
        create_key(store, aid, name="models", model_limits="gpt-4o", politeness=FAST)
    assert len(user.tokens) == count
