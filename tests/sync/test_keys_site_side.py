"""The site side of keys (issue 19) against the sandbox over real HTTP: New API's batch reveal (one
request for many keys, singles on a fork without it), each family's user groups, changing a key
(``update_key``: only what was given, the rest as the site has it), Sub2API's expiry and used quota."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import date, datetime, timedelta

import pytest
from shared import add_demo_account, fast_politeness

from allhub_core.accounts import get_secrets
from allhub_core.errors import NotFound, SiteError, ValidationError
from allhub_core.keys import key_rows
from allhub_core.net import UnsupportedError
from allhub_core.sandbox import SandboxToken
from allhub_core.sites import SiteCredentials, list_groups
from allhub_core.sync import create_key, ensure_keys, reveal_keys, sync_keys, update_key
from allhub_core.sync._key_account import one_account
from allhub_core.sync.credentials import credentials_for

FAST = fast_politeness(read_timeout=2.0, retries=1, retries_429=1)
DIALECTS = ["new-api", "veloera", "one-api", "one-hub", "v-api", "sub2api"]
BATCH = "/api/token/batch/keys"
#: The sandbox's groups (``sandbox._data.GROUPS``), as each family must read them.
GROUPS = {"default": ("默认分组", 1.0), "vip": ("VIP 分组", 0.8)}


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=DIALECTS, users_per_site=2, seed=41)


pytestmark = pytest.mark.usefixtures("fresh_sites")


def _full(key):
    return key[3:] if key.startswith("sk-") else key


def _creds(store, aid) -> SiteCredentials:
    return credentials_for(store, [aid], only_enabled=False)[0]


def _paths(site, path):
    return [r for r in site.requests if r.path.rstrip("/") == path]


# -- batch reveal ----------------------------------------------------------------------------

def test_new_api_reveals_several_keys_in_one_request(store, sandbox):
    aid, site, user = add_demo_account(store, sandbox, "new-api")
    tokens = user.tokens[:3]
    assert len(tokens) == 3
    site.clear_requests()
    got = reveal_keys(store, aid, [t.id for t in tokens], politeness=FAST)
    assert got == {str(t.id): "sk-" + t.key for t in tokens}
    batches = _paths(site, BATCH)
    assert len(batches) == 1 and batches[0].method == "POST"
    assert sorted(batches[0].json()["ids"]) == sorted(t.id for t in tokens)  # numbers, as New API binds them
    assert [r for r in site.requests if r.path.endswith("/key")] == []
    text = json.dumps(key_rows(store, [aid]))
    assert not any(t.key in text for t in tokens)


def test_more_than_a_hundred_keys_take_one_batch_per_hundred(store, sandbox):
    aid, site, user = add_demo_account(store, sandbox, "new-api", 1)
    with site.lock:
        first = max(t.id for t in site.users[0].tokens + site.users[1].tokens) + 1000
        user.tokens += [SandboxToken(id=first + i, user_id=user.id, key=f"bulk{i:04d}" + "k" * 40, name=f"bulk {i}",
                                     created_time=int(time.time())) for i in range(150)]
    ids = [t.id for t in user.tokens]
    site.clear_requests()
    got = reveal_keys(store, aid, ids, politeness=FAST)
    assert len(got) == len(ids) and got[str(first + 149)] == "sk-bulk0149" + "k" * 40
    sizes = [len(r.json()["ids"]) for r in _paths(site, BATCH)]
    assert sorted(sizes) == sorted([100, len(ids) - 100])
    assert [r for r in site.requests if r.path.endswith("/key")] == []


def test_a_fork_without_the_batch_route_reveals_key_by_key(store, sandbox):
    aid, site, user = add_demo_account(store, sandbox, "veloera")
    tokens = user.tokens[:3]
    site.clear_requests()
    got = reveal_keys(store, aid, [t.id for t in tokens], politeness=FAST)
    assert got == {str(t.id): "sk-" + t.key for t in tokens}
    tried = _paths(site, BATCH)
    assert len(tried) == 1 and tried[0].status == 404  # asked once, then one reveal per key
    singles = [r for r in site.requests if r.path.endswith("/key")]
    assert sorted(r.path for r in singles) == sorted(f"/api/token/{t.id}/key" for t in tokens)


def test_a_web_page_where_the_batch_would_be_means_one_reveal_per_key(store, sandbox):
    aid, site, user = add_demo_account(store, sandbox, "new-api")
    tokens = user.tokens[:2]
    site.inject("html_200", path=BATCH)  # a single-page app answering every path
    site.clear_requests()
    want = {str(t.id): "sk-" + t.key for t in tokens}
    assert reveal_keys(store, aid, [t.id for t in tokens], politeness=FAST) == want
    assert len(_paths(site, BATCH)) == 1 and len([r for r in site.requests if r.path.endswith("/key")]) == 2


def test_a_failed_batch_is_one_sentence_without_a_secret_and_keeps_nothing(store, sandbox):
    aid, site, user = add_demo_account(store, sandbox, "new-api")
    site.inject("echo_secret", path=BATCH, alter="none")
    with pytest.raises(SiteError) as err:
        reveal_keys(store, aid, [t.id for t in user.tokens[:2]], keep=True, politeness=FAST)
    text = str(err.value)
    assert "\n" not in text and user.access_token not in text
    assert not any(t.key in text for t in user.tokens)
    assert not [r for r in key_rows(store, [aid]) if r["secret_kept"]]


def test_the_batch_reveal_keeps_to_the_critical_window(store, sandbox):
    """Two reveals of several keys in one run: two batch requests, the second a window later."""
    aid, site, user = add_demo_account(store, sandbox, "new-api")
    slow = fast_politeness(critical_requests=1, critical_window_s=0.5)
    ids = [t.id for t in user.tokens[:2]]
    site.clear_requests()
    a = one_account(store, aid, slow)  # one run's account: one critical window

    async def twice():
        await a.reveal_many([str(i) for i in ids])
        await a.reveal_many([str(i) for i in ids])

    asyncio.run(twice())
    starts = [r.time for r in _paths(site, BATCH)]
    assert len(starts) == 2 and starts[1] - starts[0] >= 0.5


# -- groups ----------------------------------------------------------------------------------

@pytest.mark.parametrize("dialect", ["new-api", "v-api", "one-hub"])
def test_groups_of_the_new_api_family(store, sandbox, dialect):
    aid, site, _ = add_demo_account(store, sandbox, dialect)
    site.clear_requests()
    groups = asyncio.run(list_groups(_creds(store, aid), FAST))
    assert {g: (u.description, u.ratio) for g, u in groups.items()} == GROUPS
    route = "/api/user_group_map" if dialect == "one-hub" else "/api/user/self/groups"
    assert [r.path for r in site.requests] == [route]


def test_groups_of_sub2api_are_keyed_by_id_with_the_users_rates(store, sandbox):
    aid, _site, _ = add_demo_account(store, sandbox, "sub2api")
    groups = asyncio.run(list_groups(_creds(store, aid), FAST))
    assert {g: u.ratio for g, u in groups.items()} == {"1": 1.0, "2": 0.8}
    assert [u.description.split(":")[0] for u in groups.values()] == ["default", "vip"]


def test_a_site_without_a_group_list_says_so(store, sandbox):
    aid, _site, _ = add_demo_account(store, sandbox, "one-api")
    with pytest.raises(UnsupportedError):
        asyncio.run(list_groups(_creds(store, aid), FAST))


def test_ensure_all_groups_asks_the_group_list_not_the_price_list(store, sandbox):
    aid, site, user = add_demo_account(store, sandbox, "new-api", 1)
    user.tokens.clear()
    site.clear_requests()
    report = ensure_keys(store, [aid], all_groups=True, politeness=FAST)
    assert report.rows()[0]["groups"] == ["default", "vip"]
    assert sorted(t.group for t in user.tokens) == ["default", "vip"]
    paths = [r.path for r in site.requests]
    assert "/api/user/self/groups" in paths and "/api/pricing" not in paths


def test_ensure_all_groups_on_sub2api_makes_a_key_per_group_once(store, sandbox):
    aid, _site, user = add_demo_account(store, sandbox, "sub2api", 1)
    user.tokens.clear()
    first = ensure_keys(store, [aid], all_groups=True, politeness=FAST)
    assert first.rows()[0]["groups"] == ["1", "2"] and first.rows()[0]["status"] == "created"
    assert sorted(t.group for t in user.tokens) == ["default", "vip"]
    second = ensure_keys(store, [aid], all_groups=True, politeness=FAST)
    assert second.rows()[0]["created"] == [] and len(user.tokens) == 2


# -- update ----------------------------------------------------------------------------------

@pytest.mark.parametrize("dialect", ["new-api", "veloera", "one-hub", "sub2api"])
def test_update_changes_only_what_was_given(store, sandbox, dialect):
    aid, site, user = add_demo_account(store, sandbox, dialect)
    t = user.tokens[0]
    before = (t.remain_quota, t.unlimited_quota, t.expired_time, t.group, t.allow_ips, t.model_limits)
    row = update_key(store, aid, t.id, name="renamed", politeness=FAST)
    assert t.name == "renamed"
    assert (t.remain_quota, t.unlimited_quota, t.expired_time, t.group, t.allow_ips, t.model_limits) == before
    assert row["key_id"] == str(t.id) and row["name"] == "renamed"
    assert [r["name"] for r in key_rows(store, [aid]) if r["key_id"] == str(t.id)] == ["renamed"]
    assert _full(t.key) not in json.dumps(row)
    if site.spec.family == "newapi":  # New API sets every field from the body: all of them are sent
        put = [r for r in site.requests if r.method == "PUT"][-1].json()
        assert put["id"] == t.id and set(put) >= {"name", "remain_quota", "expired_time", "unlimited_quota",
                                                  "model_limits_enabled", "model_limits", "allow_ips", "group"}


@pytest.mark.parametrize("dialect", ["new-api", "sub2api"])
def test_update_quota_and_expiry_then_never_and_unlimited(store, sandbox, dialect):
    aid, _site, user = add_demo_account(store, sandbox, dialect)
    t = user.tokens[-1]
    name = t.name
    day = date.today() + timedelta(days=10)
    row = update_key(store, aid, t.id, quota_usd="3.5", expires=day.isoformat(), politeness=FAST)
    assert t.name == name and not t.unlimited_quota and t.remain_quota == 1_750_000
    assert row["unlimited"] is False and row["remaining_usd"] == pytest.approx(3.5)
    assert datetime.fromtimestamp(t.expired_time).date() == day
    assert row["expires_at"] is not None and row["status"] == "enabled"
    row = update_key(store, aid, t.id, unlimited=True, expires="never", politeness=FAST)
    assert t.unlimited_quota and t.expired_time == -1
    assert row["unlimited"] is True and row["remaining_usd"] is None and row["expires_at"] is None


def test_sub2api_update_sends_only_the_changes_and_its_quota_counts_what_was_spent(store, sandbox):
    aid, site, user = add_demo_account(store, sandbox, "sub2api")
    t = user.tokens[0]
    with site.lock:
        t.used_quota = 500_000  # 1 USD spent
    site.clear_requests()
    update_key(store, aid, t.id, quota_usd=2, politeness=FAST)
    put = [r for r in site.requests if r.method == "PUT"][-1]
    assert put.path == f"/api/v1/keys/{t.id}"
    assert put.json() == {"name": t.name, "quota": 3.0}  # 2 USD left + 1 spent; nothing else touched
    assert t.remain_quota == 1_000_000 and t.used_quota == 500_000
    update_key(store, aid, t.id, name="only the name", politeness=FAST)
    assert [r for r in site.requests if r.method == "PUT"][-1].json() == {"name": "only the name"}


def test_update_refuses_bad_input_before_any_request(store, sandbox):
    aid, site, user = add_demo_account(store, sandbox, "new-api")
    t = user.tokens[0]
    before = (t.name, t.remain_quota, t.unlimited_quota, t.expired_time)
    site.clear_requests()
    for kwargs, words in [({}, "Nothing to change"), ({"name": "  "}, "may not be empty"),
                          ({"quota_usd": 0}, "more than 0"), ({"quota_usd": "x"}, "not an amount"),
                          ({"quota_usd": 1, "unlimited": True}, "not both"), ({"unlimited": False}, "quota in USD"),
                          ({"expires": date.today().isoformat()}, "after today"), ({"expires": "soon"}, "not a date"),
                          ({"name": "n" * 51}, "longer than 50")]:
        with pytest.raises(ValidationError, match=words):
            update_key(store, aid, t.id, politeness=FAST, **kwargs)
    with pytest.raises(ValidationError):
        update_key(store, aid, "1 2", name="x", politeness=FAST)
    with pytest.raises(NotFound):
        update_key(store, 999, t.id, name="x", politeness=FAST)
    assert site.requests == [] and (t.name, t.remain_quota, t.unlimited_quota, t.expired_time) == before


def test_update_of_a_key_the_site_does_not_have_changes_nothing(store, sandbox):
    aid, site, user = add_demo_account(store, sandbox, "new-api")
    names = [t.name for t in user.tokens]
    site.clear_requests()
    with pytest.raises(NotFound, match="no key with id 777777"):
        update_key(store, aid, 777777, name="ghost", politeness=FAST)
    assert [t.name for t in user.tokens] == names
    assert [r for r in site.requests if r.method == "PUT"] == []


def test_a_refused_update_is_one_sentence_without_a_secret(store, sandbox):
    aid, site, user = add_demo_account(store, sandbox, "new-api")
    site.inject("echo_secret", path="/api/token", method="PUT", alter="none")
    with pytest.raises(SiteError) as err:
        update_key(store, aid, user.tokens[0].id, name="nope", politeness=FAST)
    assert "\n" not in str(err.value) and user.access_token not in str(err.value)
    assert user.tokens[0].name != "nope"


# -- Sub2API keys ----------------------------------------------------------------------------

def test_sub2api_keys_carry_their_expiry_and_what_they_spent(store, sandbox):
    aid, site, user = add_demo_account(store, sandbox, "sub2api")
    t = user.tokens[0]
    ends = int(time.time()) + 5 * 86400
    with site.lock:
        t.unlimited_quota, t.remain_quota, t.used_quota, t.expired_time = False, 1_500_000, 1_000_000, ends
    sync_keys(store, [aid], politeness=FAST)
    row = next(r for r in key_rows(store, [aid]) if r["key_id"] == str(t.id))
    assert row["remaining_usd"] == pytest.approx(3.0) and row["used_usd"] == pytest.approx(2.0)
    assert datetime.fromisoformat(row["expires_at"]).timestamp() == pytest.approx(ends, abs=1)
    assert row["status"] == "enabled"
    with site.lock:
        t.remain_quota = 0  # spent: the site says quota_exhausted
    sync_keys(store, [aid], politeness=FAST)
    assert next(r for r in key_rows(store, [aid]) if r["key_id"] == str(t.id))["status"] == "exhausted"


def test_sub2api_create_sends_days_to_the_expiry_and_none_for_never(store, sandbox):
    aid, site, user = add_demo_account(store, sandbox, "sub2api")
    day = date.today() + timedelta(days=30)
    site.clear_requests()
    row = create_key(store, aid, name="expiring", expires=day, politeness=FAST).rows()[0]
    body = [r for r in site.requests if r.method == "POST" and r.path == "/api/v1/keys"][-1].json()
    assert body["expires_in_days"] == 30
    made = next(t for t in user.tokens if t.name == "expiring")
    assert datetime.fromtimestamp(made.expired_time).date() == day and row["expires_at"] is not None
    site.clear_requests()
    create_key(store, aid, name="forever", politeness=FAST)
    body = [r for r in site.requests if r.method == "POST" and r.path == "/api/v1/keys"][-1].json()
    assert "expires_in_days" not in body
    assert next(t for t in user.tokens if t.name == "forever").expired_time == -1
    assert get_secrets(store, [aid])[aid]["access_token"]  # still signed in


def test_a_revealed_key_is_in_the_form_a_client_takes_per_family():
    """The extension's optional-``sk-`` rule (``apiTokenKey.ts``): the One/New API family's keys
    get ``sk-`` in front (once), Sub2API's and VoAPI v2's stay as the site gave them."""
    from allhub_core.site_kinds import client_key  # noqa: PLC0415 - the rule itself, beside the flows that use it

    assert client_key(" abc ", "new-api") == "sk-abc" and client_key("sk-abc", "one-api") == "sk-abc"
    assert client_key("abc", "Veloera") == "sk-abc" and client_key("abc", "wong-gongyi") == "sk-abc"
    assert client_key("abc", "sub2api") == "abc" and client_key("abc", "voapi-v2") == "abc"
    assert client_key("abc", None) == "abc" and client_key("", "new-api") == ""
