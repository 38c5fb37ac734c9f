"""Keys against the sandbox relay sites over real HTTP, per dialect: list into the store, create,
reveal (one and several), delete, the default-key and all-groups rules (a second run creates
nothing); no secret in a list, a report or an error."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from shared import add_demo_account, fast_politeness

from allhub_core.accounts import get_secrets
from allhub_core.errors import NotFound, SiteError, ValidationError
from allhub_core.keys import kept_secret, key_rows
from allhub_core.sync import _key_account as key_account
from allhub_core.sync import create_key, delete_keys, ensure_keys, reveal_key, reveal_keys, sync_keys

FAST = fast_politeness(read_timeout=2.0, retries=1, retries_429=1)
#: masked + POST reveal (New API), full keys and no reveal route (One API), 0-based pages and a
#: 30-character name limit (Veloera), OneHub's pages and group map, GET reveal (WONG), a cookie
#: account (AnyRouter), Sub2API (its own API, rotating tokens), VoAPI v2 (raw JWT, masked keys,
#: one reveal per key).
DIALECTS = ["new-api", "one-api", "veloera", "one-hub", "wong-gongyi", "anyrouter", "sub2api", "voapi-v2"]
KEYED = DIALECTS


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=DIALECTS, users_per_site=2, seed=19)


pytestmark = pytest.mark.usefixtures("fresh_sites")


def _full(key):
    return key[3:] if key.startswith("sk-") else key


@pytest.mark.parametrize("dialect", KEYED)
def test_sync_stores_every_key_masked_with_its_figures(store, sandbox, dialect):
    aid, _site, user = add_demo_account(store, sandbox, dialect)
    report = sync_keys(store, politeness=FAST)
    assert report.exit_code() == 0 and report.rows()[0]["status"] == "ok"
    assert report.rows()[0]["keys"] == len(user.tokens)
    rows = key_rows(store, [aid])
    assert sorted(r["key_id"] for r in rows) == sorted(str(t.id) for t in user.tokens)
    by_id = {str(t.id): t for t in user.tokens}
    for r in rows:
        t = by_id[r["key_id"]]
        assert r["name"] == t.name and "*" in r["masked_key"]
        assert r["status"] == ("disabled" if t.status == 2 else "enabled")
        assert r["unlimited"] is t.unlimited_quota
        assert r["remaining_usd"] == (None if t.unlimited_quota else pytest.approx(t.remain_quota / 500_000))
        assert r["fetched_at"]
    text = json.dumps(rows) + report.summary() + json.dumps(report.rows())
    assert not any(_full(t.key) in text for t in user.tokens)


def test_a_failure_is_one_clean_sentence_and_the_other_accounts_still_sync(store, sandbox):
    vo, _, vo_user = add_demo_account(store, sandbox, "voapi-v2")
    na, site, user = add_demo_account(store, sandbox, "new-api")
    site.inject("echo_secret", path="/api/token", alter="none")  # the site quotes the token back
    report = sync_keys(store, politeness=FAST)
    by = {r["account_id"]: r for r in report.rows()}
    assert by[vo]["status"] == "ok" and by[vo]["keys"] == len(vo_user.tokens)
    assert by[na]["status"] == "failed" and report.exit_code() == 1 and by[na]["message"]
    assert user.access_token not in json.dumps(report.rows()) + report.summary()
    assert {r["account_id"] for r in key_rows(store)} == ({vo} if vo_user.tokens else set())
    site.clear_faults()
    site.inject("500", path="/api/token")
    with pytest.raises(SiteError) as err:
        create_key(store, na, politeness=FAST)
    assert "\n" not in str(err.value) and user.access_token not in str(err.value)


@pytest.mark.parametrize("dialect", KEYED)
def test_create_adds_one_key_on_the_site_and_in_the_store(store, sandbox, dialect):
    aid, _site, user = add_demo_account(store, sandbox, dialect)
    before = {t.id for t in user.tokens}
    expires = date.today() + timedelta(days=30)
    report = create_key(store, aid, name="ci key", quota_usd=2.5, expires=expires, politeness=FAST)
    new = [t for t in user.tokens if t.id not in before]
    assert len(new) == 1 and new[0].name == "ci key"
    assert not new[0].unlimited_quota and new[0].remain_quota == 1_250_000
    row = report.rows()[0]
    assert row["key_id"] == str(new[0].id) and row["name"] == "ci key" and row["remaining_usd"] == 2.5
    assert row["unlimited"] is False and row["status"] == "enabled"
    assert _full(new[0].key) not in json.dumps(report.rows()) + report.summary()
    assert [r["key_id"] for r in key_rows(store, [aid])] == [str(new[0].id)]  # only what we know of
    if dialect != "sub2api":  # Sub2API's create takes days from now (sites/sub2api sends none yet)
        assert new[0].expired_time > 0


def test_create_refuses_bad_input_before_any_request(store, sandbox):
    aid, site, user = add_demo_account(store, sandbox, "new-api")
    count = len(user.tokens)
    site.clear_requests()
    for kwargs, words in [({"quota_usd": -1}, "more than 0"), ({"quota_usd": "lots"}, "not an amount"),
                          ({"quota_usd": 1, "unlimited": True}, "not both"),
                          ({"expires": date.today()}, "after today"), ({"expires": "2026-13-40"}, "not a date"),
                          ({"name": "x" * 51}, "longer than 50"), ({"name": "bad\x1bname"}, "control")]:
        with pytest.raises(ValidationError, match=words):
            create_key(store, aid, politeness=FAST, **kwargs)
    with pytest.raises(NotFound):
        create_key(store, 999, politeness=FAST)
    assert len(user.tokens) == count and site.requests == []


def test_a_name_the_site_refuses_is_one_sentence(store, sandbox):
    aid, _site, user = add_demo_account(store, sandbox, "veloera")
    with pytest.raises(SiteError) as err:
        create_key(store, aid, name="y" * 40, politeness=FAST)  # Veloera: 30 characters at most
    assert "\n" not in str(err.value) and user.access_token not in str(err.value)


@pytest.mark.parametrize("dialect", KEYED)
def test_reveal_one_and_several(store, sandbox, dialect):
    aid, site, user = add_demo_account(store, sandbox, dialect)
    tokens = sorted(user.tokens, key=lambda t: t.id)[:3]
    assert tokens, "the seeded demo user of every dialect has keys"  # never a skip: a missing key is a failure
    one = reveal_key(store, aid, tokens[0].id, politeness=FAST)
    assert _full(one) == _full(tokens[0].key)
    assert kept_secret(store, aid, str(tokens[0].id)) is None  # not kept unless asked
    site.clear_requests()
    many = reveal_keys(store, aid, [t.id for t in tokens], politeness=FAST)
    assert {k: _full(v) for k, v in many.items()} == {str(t.id): _full(t.key) for t in tokens}
    reveals = [r for r in site.requests if r.path.endswith("/key")]
    batches = [r for r in site.requests if r.path.rstrip("/") == "/api/token/batch/keys"]
    if site.spec.site_type == "voapi-v2":  # masked keys, no batch: one POST /api/keys/{id}/token each
        assert sorted(r.path for r in site.requests if r.method == "POST") == sorted(
            f"/api/keys/{t.id}/token" for t in tokens)
    elif site.spec.site_type == "new-api":
        assert reveals == [] and len(batches) == 1  # New API: one batch request for all
    elif site.spec.family == "newapi" and site.spec.masks_keys and site.spec.reveal_method:
        assert len(reveals) == len(tokens)  # a fork without the batch: one per masked key
        assert all(r.method == site.spec.reveal_method for r in reveals)
    else:
        assert reveals == [] and batches == []  # the list carries full keys: one request for all
    listed = json.dumps(key_rows(store, [aid]))
    assert not any(_full(t.key) in listed for t in tokens)


def test_reveal_keep_stores_the_key_sealed_and_then_needs_no_request(store, sandbox, db_path):
    aid, site, user = add_demo_account(store, sandbox, "new-api")
    token = user.tokens[0]
    key = reveal_key(store, aid, token.id, keep=True, politeness=FAST)
    # shown as a client takes it (sk- in front, New API's family); kept as the site gave it
    assert key == "sk-" + token.key and kept_secret(store, aid, str(token.id)) == token.key
    assert [r["secret_kept"] for r in key_rows(store, [aid]) if r["key_id"] == str(token.id)] == [True]
    site.clear_requests()
    assert reveal_key(store, aid, token.id, politeness=FAST) == key and site.requests == []
    assert token.key.encode() not in db_path.read_bytes()


def test_reveal_of_a_key_the_site_does_not_have_and_of_a_bad_id(store, sandbox):
    aid, _site, user = add_demo_account(store, sandbox, "new-api")
    with pytest.raises(NotFound, match="no key with id 987654"):
        reveal_key(store, aid, 987654, politeness=FAST)
    for bad in ("", "1 2", "a\x1b", "x" * 70):
        with pytest.raises(ValidationError):
            reveal_key(store, aid, bad, politeness=FAST)
    assert user.access_token not in str(key_rows(store))


@pytest.mark.parametrize("dialect", ["new-api", "one-api", "sub2api", "voapi-v2"])
def test_delete_agrees_with_the_site_key_by_key(store, sandbox, dialect):
    """The keys asked for leave the site and the store; the others stay in both."""
    aid, _site, user = add_demo_account(store, sandbox, dialect)
    sync_keys(store, politeness=FAST)
    doomed = [str(t.id) for t in user.tokens[:2]]
    kept = {str(t.id) for t in user.tokens[2:]}
    report = delete_keys(store, aid, doomed, politeness=FAST)
    on_site = {str(t.id) for t in user.tokens}
    cached = {r["key_id"] for r in key_rows(store, [aid])}
    assert on_site == kept and cached == kept
    assert [r["ok"] for r in report.rows()] == [True, True] and report.exit_code() == 0
    assert report.summary().startswith("Deleted 2")


def test_delete_with_one_unknown_id_deletes_nothing(store, sandbox):
    aid, _site, user = add_demo_account(store, sandbox, "new-api")
    count = len(user.tokens)
    with pytest.raises(NotFound, match="nothing was deleted"):
        delete_keys(store, aid, [user.tokens[0].id, 424242], politeness=FAST)
    assert len(user.tokens) == count
    with pytest.raises(ValidationError):
        delete_keys(store, aid, [], politeness=FAST)


@pytest.mark.parametrize("dialect", ["new-api", "one-api", "veloera", "one-hub", "wong-gongyi", "anyrouter"])
def test_ensure_creates_the_default_key_only_where_none_exists(store, sandbox, dialect):
    aid, _site, user = add_demo_account(store, sandbox, dialect)
    user.tokens.clear()
    first = ensure_keys(store, politeness=FAST)
    assert first.rows()[0]["status"] == "created" and first.exit_code() == 0
    assert [(t.name, t.group, t.unlimited_quota, t.expired_time) for t in user.tokens] == [
        ("user group (auto)", "", True, -1)]
    assert [r["name"] for r in key_rows(store, [aid])] == ["user group (auto)"]
    assert _full(user.tokens[0].key) not in json.dumps(first.rows())
    second = ensure_keys(store, politeness=FAST)
    assert second.rows()[0]["status"] == "ok" and second.rows()[0]["created"] == []
    assert len(user.tokens) == 1


def test_ensure_leaves_an_account_with_keys_alone_and_skips_sub2api(store, sandbox):
    na, _, na_user = add_demo_account(store, sandbox, "new-api")
    s2, _, s2_user = add_demo_account(store, sandbox, "sub2api")
    vo, _, vo_user = add_demo_account(store, sandbox, "voapi-v2")
    s2_user.tokens.clear()
    count, vo_count = len(na_user.tokens), len(vo_user.tokens)
    assert vo_count  # the seeded VoAPI v2 user has keys
    report = ensure_keys(store, politeness=FAST)
    by = {r["account_id"]: r for r in report.rows()}
    assert by[na]["status"] == "ok" and len(na_user.tokens) == count
    assert by[s2]["status"] == "skipped" and s2_user.tokens == [] and "group" in by[s2]["message"]
    assert by[vo]["status"] == "ok" and by[vo]["created"] == [] and len(vo_user.tokens) == vo_count
    assert report.exit_code() == 0


@pytest.mark.parametrize("dialect", ["new-api", "veloera", "one-hub", "wong-gongyi"])
def test_ensure_all_groups_makes_one_key_per_missing_group_and_a_second_run_nothing(store, sandbox, dialect):
    aid, _site, user = add_demo_account(store, sandbox, dialect)
    had = {t.group for t in user.tokens}
    first = ensure_keys(store, all_groups=True, politeness=FAST)
    row = first.rows()[0]
    assert row["groups"] == ["default", "vip"]
    made = {c["group"] for c in row["created"]}
    assert made == {"default", "vip"} - had
    assert {t.group for t in user.tokens} >= {"default", "vip"}
    names = {t.group: t.name for t in user.tokens if t.name.endswith("(auto)")}
    if "vip" in made:
        assert names["vip"] == "vip group (auto)"
    if "default" in made:
        assert names["default"] == "user group (auto)"
    count = len(user.tokens)
    second = ensure_keys(store, all_groups=True, politeness=FAST)
    assert second.rows()[0]["created"] == [] and second.rows()[0]["status"] == "ok"
    assert len(user.tokens) == count
    assert len(key_rows(store, [aid])) == count


def test_ensure_all_groups_on_a_site_without_groups_is_the_default_rule(store, sandbox):
    aid, _site, user = add_demo_account(store, sandbox, "one-api")
    user.tokens.clear()
    report = ensure_keys(store, [aid], all_groups=True, politeness=FAST)
    assert report.rows()[0]["status"] == "created" and [t.name for t in user.tokens] == ["user group (auto)"]
    assert ensure_keys(store, [aid], all_groups=True, politeness=FAST).rows()[0]["created"] == []


def test_sub2api_rotated_tokens_are_kept_while_its_keys_are_read(store, sandbox):
    aid, site, _user = add_demo_account(store, sandbox, "sub2api")
    site.expire_access_tokens()
    before = get_secrets(store, [aid])[aid]
    report = sync_keys(store, politeness=FAST)
    assert report.rows()[0]["status"] == "ok"
    after = get_secrets(store, [aid])[aid]
    assert after["refresh_token"] != before["refresh_token"]
    assert sync_keys(store, politeness=FAST).rows()[0]["status"] == "ok"  # the new pair works


def test_reveals_of_one_run_keep_to_its_critical_window(store, sandbox):
    """Each site call has a transport of its own; the run's reveals still keep to one critical window
    (Veloera: no batch reveal, one reveal per key)."""
    aid, site, user = add_demo_account(store, sandbox, "veloera")
    tokens = user.tokens[:3]
    slow = fast_politeness(critical_requests=2, critical_window_s=0.6)
    site.clear_requests()
    reveal_keys(store, aid, [t.id for t in tokens], politeness=slow)
    starts = [r.time for r in site.requests if r.path.endswith("/key")]
    assert len(starts) == 3 and starts[2] - starts[0] >= 0.6


def test_a_key_the_site_deleted_leaves_the_store_and_a_refused_one_stays(store, sandbox, monkeypatch):
    """The success path, with the family's delete played by the test (no family deletes yet): the
    first key is deleted on the site, the second refused."""
    aid, site, user = add_demo_account(store, sandbox, "new-api")
    sync_keys(store, politeness=FAST)
    first, second = (str(t.id) for t in user.tokens[:2])

    async def delete_token(creds, token_id, politeness=None, on_rotated=None):
        if token_id != first:
            raise SiteError("The site refused to delete this key.")
        with site.lock:
            user.tokens[:] = [t for t in user.tokens if str(t.id) != token_id]

    monkeypatch.setattr(key_account, "delete_token", delete_token)  # where the key calls live
    report = delete_keys(store, aid, [first, second], politeness=FAST)
    assert [(r["key_id"], r["ok"]) for r in report.rows()] == [(first, True), (second, False)]
    assert report.exit_code() == 1 and "1 could not be deleted" in report.summary()
    cached = {r["key_id"] for r in key_rows(store, [aid])}
    assert first not in cached and second in cached and cached == {str(t.id) for t in user.tokens}


def test_no_key_reaches_a_log(store, sandbox, caplog):
    """Every keys flow at DEBUG on a site that lists full keys and one that reveals them: no key
    and no account secret in what was logged."""
    caplog.set_level("DEBUG")
    na, _, na_user = add_demo_account(store, sandbox, "new-api")
    oa, _, oa_user = add_demo_account(store, sandbox, "one-api")
    sync_keys(store, politeness=FAST)
    reveal_keys(store, na, [t.id for t in na_user.tokens[:2]], keep=True, politeness=FAST)
    reveal_keys(store, oa, [t.id for t in oa_user.tokens[:2]], politeness=FAST)
    create_key(store, na, name="logged?", politeness=FAST)
    ensure_keys(store, all_groups=True, politeness=FAST)
    secrets = [_full(t.key) for t in na_user.tokens + oa_user.tokens] + [na_user.access_token, oa_user.access_token]
    assert caplog.records  # the transport did log
    assert not [s for s in secrets if s and s in caplog.text]
