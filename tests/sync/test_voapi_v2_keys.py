"""VoAPI v2 keys against the sandbox over real HTTP, as the extension speaks to the site: the raw
JWT, the ``{code,data,msg}`` envelope, ``/api/keys`` pages with masked keys, groups named by id in
the key and by name in the template, one ``POST /api/keys/{id}/token`` per reveal, the whole key
in an update; and no key in a list, a report, an error or a log."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import date, timedelta

import pytest
from shared import add_demo_account, fast_politeness

from allhub_core.errors import AllhubError, NotFound, ValidationError
from allhub_core.keys import key_rows
from allhub_core.sandbox._data import SandboxToken
from allhub_core.sites import SiteCredentials, TokenSpec, list_groups, update_token
from allhub_core.sync import create_key, delete_keys, ensure_keys, reveal_key, reveal_keys, sync_keys, update_key

FAST = fast_politeness(read_timeout=2.0, retries=1, retries_429=1)
DIALECT = "voapi-v2"


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=[DIALECT], users_per_site=2, seed=29)


pytestmark = pytest.mark.usefixtures("fresh_sites")


def _full(key: str) -> str:
    return key.removeprefix("sk-")


def _served(t: SandboxToken) -> str:
    """The key as the sandbox's VoAPI v2 gives it (``sk-`` in front of the stored key)."""
    return t.key if t.key.startswith("sk-") else f"sk-{t.key}"


def _token(site, user, **fields) -> SandboxToken:
    t = SandboxToken(id=site.ids.next_token(), user_id=user.id, key="vo" + "k" * 40 + str(len(user.tokens)),
                     name=fields.pop("name", "extra"), **fields)
    user.tokens.append(t)
    return t


def test_the_list_is_read_the_way_the_site_serves_it(store, sandbox):
    aid, site, user = add_demo_account(store, sandbox, DIALECT)
    site.clear_requests()
    report = sync_keys(store, politeness=FAST)
    assert report.rows()[0]["status"] == "ok" and report.rows()[0]["keys"] == len(user.tokens)
    asked = [r for r in site.requests if r.path == "/api/keys"]
    assert asked and all(r.method == "GET" for r in asked)
    assert all(r.header("authorization") == user.access_token for r in site.requests)  # raw JWT, no Bearer
    query = asked[0].query
    assert "page=1" in query and "size=100" in query
    assert all(f"sl%5B{f}%5D=true" in query or f"sl[{f}]=true" in query for f in ("name", "token", "note"))
    rows = key_rows(store, [aid])
    assert sorted(r["key_id"] for r in rows) == sorted(str(t.id) for t in user.tokens)
    by_id = {str(t.id): t for t in user.tokens}
    for r in rows:
        t = by_id[r["key_id"]]
        assert r["masked_key"].startswith("sk-") and "*" in r["masked_key"]
        assert r["group"] == (t.group or "default")  # the template's name, not the key's group id
        assert r["used_usd"] == pytest.approx(t.used_quota / 500_000)
    text = json.dumps(rows) + report.summary() + json.dumps(report.rows())
    assert not any(_full(t.key) in text for t in user.tokens)


def test_status_expired_and_exhausted_come_from_the_expiry_and_the_amount(store, sandbox):
    aid, site, user = add_demo_account(store, sandbox, DIALECT)
    off = _token(site, user, name="off", status=2)
    old = _token(site, user, name="old", expired_time=int(time.time()) - 3600)
    empty = _token(site, user, name="empty", unlimited_quota=False, remain_quota=0)
    fine = _token(site, user, name="fine", unlimited_quota=False, remain_quota=750_000,
                  expired_time=int(time.time()) + 86400)
    sync_keys(store, politeness=FAST)
    rows = {r["key_id"]: r for r in key_rows(store, [aid])}
    assert rows[str(off.id)]["status"] == "disabled"
    assert rows[str(old.id)]["status"] == "expired"
    assert rows[str(empty.id)]["status"] == "exhausted" and rows[str(empty.id)]["remaining_usd"] == 0
    assert rows[str(fine.id)]["status"] == "enabled" and rows[str(fine.id)]["remaining_usd"] == 1.5
    assert rows[str(fine.id)]["expires_at"]


def test_more_than_a_page_of_keys_is_read_page_by_page(store, sandbox):
    aid, site, user = add_demo_account(store, sandbox, DIALECT)
    for k in range(130 - len(user.tokens)):
        _token(site, user, name=f"bulk-{k}")
    site.clear_requests()
    report = sync_keys(store, politeness=FAST)
    assert report.rows()[0]["keys"] == 130 and len(key_rows(store, [aid])) == 130
    pages = [r.query for r in site.requests if r.path == "/api/keys"]
    assert len(pages) == 2 and "page=2" in pages[1]


def test_create_sends_the_extensions_body_and_gives_the_revealed_key(store, sandbox):
    aid, site, user = add_demo_account(store, sandbox, DIALECT)
    before = {t.id for t in user.tokens}
    day = date.today() + timedelta(days=10)
    site.clear_requests()
    report = create_key(store, aid, name="vo key", group="vip", quota_usd=2.5, expires=day, politeness=FAST)
    new = [t for t in user.tokens if t.id not in before]
    assert len(new) == 1 and new[0].name == "vo key" and new[0].group == "vip"
    assert not new[0].unlimited_quota and new[0].remain_quota == 1_250_000 and new[0].expired_time > 0
    [post] = [r for r in site.requests if r.method == "POST" and r.path == "/api/keys"]
    body = post.json()
    assert body["groups"] == [2] and body["amount"] == "2.5" and body["boundlessAmount"] is False
    assert body["enable"] is True and body["genCount"] == 1 and body["expireTime"] == new[0].expired_time * 1000
    row = report.rows()[0]
    assert row["key_id"] == str(new[0].id) and row["group"] == "vip" and row["remaining_usd"] == 2.5
    assert _full(new[0].key) not in json.dumps(report.rows()) + report.summary()
    assert [r.path for r in site.requests if r.path.endswith("/token")] == [f"/api/keys/{new[0].id}/token"]


def test_a_group_the_account_does_not_have_is_one_sentence_and_creates_nothing(store, sandbox):
    aid, site, user = add_demo_account(store, sandbox, DIALECT)
    count = len(user.tokens)
    site.clear_requests()
    with pytest.raises(AllhubError) as err:
        create_key(store, aid, name="nope", group="gold", politeness=FAST)
    assert "gold" in str(err.value) and "\n" not in str(err.value) and user.access_token not in str(err.value)
    assert len(user.tokens) == count and not [r for r in site.requests if r.method == "POST"]


def test_update_sends_the_whole_key_and_keeps_what_was_not_asked(store, sandbox):
    aid, site, user = add_demo_account(store, sandbox, DIALECT)
    t = _token(site, user, name="to change", status=2, group="vip", unlimited_quota=False, remain_quota=500_000,
               used_quota=100_000)
    site.clear_requests()
    row = update_key(store, aid, t.id, name="renamed", politeness=FAST)
    assert (t.name, t.status, t.group, t.unlimited_quota, t.remain_quota) == ("renamed", 2, "vip", False, 500_000)
    assert row["name"] == "renamed" and row["status"] == "disabled" and row["group"] == "vip"
    put = [r for r in site.requests if r.method == "PUT"][-1]
    assert put.path == f"/api/keys/{t.id}"
    body = put.json()
    assert body["id"] == t.id and body["enable"] is False and body["groups"] == [2]
    assert body["used"] == "0.20000000" and body["note"] == "" and "genCount" not in body
    day = date.today() + timedelta(days=5)
    row = update_key(store, aid, t.id, quota_usd="3", expires=day.isoformat(), politeness=FAST)
    assert t.remain_quota == 1_500_000 and t.expired_time > 0 and row["remaining_usd"] == 3.0
    row = update_key(store, aid, t.id, unlimited=True, expires="never", politeness=FAST)
    assert t.unlimited_quota and t.expired_time == -1 and row["unlimited"] is True and t.name == "renamed"
    assert _full(t.key) not in json.dumps(row)


def test_a_key_moves_to_another_group_by_name_and_an_unknown_group_changes_nothing(store, sandbox):
    _aid, site, user = add_demo_account(store, sandbox, DIALECT)
    t = _token(site, user, name="mover", group="vip")
    creds = SiteCredentials("v", site.url, DIALECT, "access_token", access_token=user.access_token,
                            user_id=str(user.id))
    moved = asyncio.run(update_token(creds, str(t.id), TokenSpec("mover", group="default"), FAST))
    assert t.group == "default" and moved.group == "default" and moved.masked
    site.clear_requests()
    with pytest.raises(ValidationError, match="no group 'gold'"):
        asyncio.run(update_token(creds, str(t.id), TokenSpec("mover", group="gold"), FAST))
    assert t.group == "default" and not [r for r in site.requests if r.method == "PUT"]


def test_reveal_one_several_and_one_the_site_does_not_have(store, sandbox):
    aid, site, user = add_demo_account(store, sandbox, DIALECT)
    tokens = sorted(user.tokens, key=lambda t: t.id)[:3]
    assert len(tokens) == 3
    assert reveal_key(store, aid, tokens[0].id, politeness=FAST) == _served(tokens[0])  # as the site gives it
    site.clear_requests()
    many = reveal_keys(store, aid, [t.id for t in tokens], politeness=FAST)
    assert many == {str(t.id): _served(t) for t in tokens}
    assert sorted(r.path for r in site.requests if r.method == "POST") == sorted(
        f"/api/keys/{t.id}/token" for t in tokens)
    with pytest.raises(NotFound):
        reveal_key(store, aid, 987654, politeness=FAST)
    with pytest.raises(ValidationError):
        reveal_key(store, aid, "1 2", politeness=FAST)


def test_delete_removes_the_keys_on_the_site_and_in_the_store(store, sandbox):
    aid, site, user = add_demo_account(store, sandbox, DIALECT)
    sync_keys(store, politeness=FAST)
    doomed = [str(t.id) for t in user.tokens[:2]]
    site.clear_requests()
    report = delete_keys(store, aid, doomed, politeness=FAST)
    assert [r["ok"] for r in report.rows()] == [True, True]
    assert sorted((r.method, r.path) for r in site.requests if r.method == "DELETE") == sorted(
        ("DELETE", f"/api/keys/{k}") for k in doomed)
    assert not {str(t.id) for t in user.tokens} & set(doomed)
    assert not {r["key_id"] for r in key_rows(store, [aid])} & set(doomed)


def test_ensure_wants_a_group_then_makes_one_key_per_group_and_a_second_run_nothing(store, sandbox):
    """As in the extension, VoAPI v2 gets no default key without a group chosen (its key form
    requires one); "a key for every group" makes one per template group, once."""
    aid, _site, user = add_demo_account(store, sandbox, DIALECT)
    user.tokens.clear()
    first = ensure_keys(store, politeness=FAST)
    assert first.rows()[0]["status"] == "skipped" and "group" in first.rows()[0]["message"]
    assert user.tokens == [] and first.exit_code() == 0
    row = ensure_keys(store, all_groups=True, politeness=FAST).rows()[0]
    assert row["status"] == "created" and row["groups"] == ["default", "vip"]
    assert sorted(c["group"] for c in row["created"]) == ["default", "vip"]
    assert sorted((t.name, t.group, t.unlimited_quota, t.expired_time) for t in user.tokens) == [
        ("user group (auto)", "default", True, -1), ("vip group (auto)", "vip", True, -1)]
    again = ensure_keys(store, all_groups=True, politeness=FAST).rows()[0]
    assert again["created"] == [] and again["status"] == "ok" and len(user.tokens) == 2
    assert ensure_keys(store, politeness=FAST).rows()[0]["created"] == []  # it has keys now
    assert sorted(r["name"] for r in key_rows(store, [aid])) == ["user group (auto)", "vip group (auto)"]


def test_a_key_made_without_a_group_goes_to_the_templates_first_group(store, sandbox):
    aid, _site, user = add_demo_account(store, sandbox, DIALECT)
    report = create_key(store, aid, name="no group given", politeness=FAST)
    made = next(t for t in user.tokens if t.name == "no group given")
    assert made.group == "default" and report.rows()[0]["group"] == "default"


def test_the_groups_are_the_templates_by_name_with_their_ratios(store, sandbox):
    _aid, site, user = add_demo_account(store, sandbox, DIALECT)
    creds = SiteCredentials("v", site.url, DIALECT, "access_token", access_token=user.access_token,
                            user_id=str(user.id))
    groups = asyncio.run(list_groups(creds, FAST))
    assert {name: g.ratio for name, g in groups.items()} == {"default": 1.0, "vip": 0.8}
    assert groups["vip"].description == "VIP 分组"


def test_no_key_reaches_a_log(store, sandbox, caplog):
    caplog.set_level("DEBUG")
    aid, _site, user = add_demo_account(store, sandbox, DIALECT)
    sync_keys(store, politeness=FAST)
    reveal_keys(store, aid, [t.id for t in user.tokens[:2]], keep=True, politeness=FAST)
    create_key(store, aid, name="logged?", politeness=FAST)
    ensure_keys(store, all_groups=True, politeness=FAST)
    secrets = [_full(t.key) for t in user.tokens] + [user.access_token]
    assert caplog.records
    assert not [s for s in secrets if s and s in caplog.text]


def test_its_models_are_the_key_templates_and_carry_no_price(store, sandbox):
    """VoAPI v2 tells no prices: ``models sync`` stores the key template's enabled, shown models as
    the account's model list (billing unknown, never the cheapest)."""
    from allhub_core.prices import model_rows, stored_models  # noqa: PLC0415 - the models side of the same site
    from allhub_core.sync import sync_models  # noqa: PLC0415 - the models side of the same site

    aid, site, _user = add_demo_account(store, sandbox, DIALECT)
    site.clear_requests()
    [row] = sync_models(store, [aid], politeness=FAST).rows()
    assert row["status"] == "ok" and row["priced"] is False and row["models"] > 0
    template = httpx_get_template(site, _user)
    want = sorted(m["idKey"] for m in template["models"] if m.get("enable", True) and not m.get("hidden"))
    assert stored_models(store, aid) == want
    assert {(r["billing"], r["comparable"], r["cheapest"]) for r in model_rows(store)} == {("unknown", False, False)}
    assert [r.path for r in site.requests if r.method != "GET"] == []


def httpx_get_template(site, user) -> dict:
    import httpx  # noqa: PLC0415 - the sandbox's own answer, to compare with

    return httpx.get(f"{site.url}/api/keys/template", headers={"Authorization": user.access_token}).json()["data"]
