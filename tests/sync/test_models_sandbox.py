"""Models and prices against the sandbox relay sites over real HTTP: each dialect's price list
stored with the site's own numbers (New API and V-API rows, OneHub/DoneHub's shapes), groups with
their ratios and usable flags, a site with only a model list stored as 'unknown', Sub2API's relay
models (its /v1/models with one of the account's keys); models added and removed between two syncs reported once (none on the
first sync); a failing site is one clean sentence and keeps its old rows."""

from __future__ import annotations

import json

import httpx
import pytest
from shared import add_demo_row, fast_politeness

from allhub_core.errors import NotFound, ValidationError
from allhub_core.prices import model_changes, model_syncs, stored_models
from allhub_core.sandbox import demo_accounts
from allhub_core.sync import sync_models

FAST = fast_politeness(read_timeout=2.0, retries=1, retries_429=1)
DIALECTS = ["new-api", "v-api", "one-hub", "done-hub", "one-api", "sub2api"]


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=DIALECTS, users_per_site=1, sites_per_dialect=2, seed=19)


pytestmark = pytest.mark.usefixtures("fresh_sites")


def _add(store, sandbox, dialect, index=0):
    """The demo user of the ``index``-th site of ``dialect`` as an account: (account id, site, user)."""
    site = sandbox.site(dialect, index)
    row = next(r for r in demo_accounts(sandbox) if r["site_url"] == site.url)
    aid = add_demo_row(store, row, f"{dialect} {index + 1}")
    return aid, site, next(u for u in site.users if str(u.id) == row["user_id"])


def _prices(store, aid):
    with store.read() as con:
        cur = con.execute("""SELECT model, vendor, billing, model_ratio, completion_ratio, model_price, cache_ratio,
                                    create_cache_ratio, enable_groups, endpoints FROM model_prices
                             WHERE account_id = ?""", [aid])
        names = [d[0] for d in cur.description]
        return {r[0]: dict(zip(names, r, strict=True)) for r in cur.fetchall()}


def _groups(store, aid):
    with store.read() as con:
        return {g: (d, r, u) for g, d, r, u in con.execute(
            "SELECT grp, description, ratio, usable FROM account_groups WHERE account_id = ?", [aid]).fetchall()}


def _admin_models(site, add=(), remove=()):
    reply = httpx.post(f"{site.url}/__sandbox/models", json={"add": list(add), "remove": list(remove)})
    assert reply.json()["ok"] is True


@pytest.mark.parametrize("dialect", ["new-api", "v-api"])
def test_a_new_api_price_list_is_stored_with_the_sites_own_numbers(store, sandbox, dialect):
    aid, site, _user = _add(store, sandbox, dialect)
    report = sync_models(store, politeness=FAST)
    served = httpx.get(f"{site.url}/api/pricing").json()
    assert report.exit_code() == 0
    assert report.rows() == [{"account_id": aid, "site_name": f"{dialect} 1", "status": "ok", "ok": True,
                              "models": len(served["data"]), "priced": True, "added": [], "removed": [],
                              "message": ""}]
    vendors = {v["id"]: v["name"] for v in served["vendors"]}
    stored = _prices(store, aid)
    assert set(stored) == {r["model_name"] for r in served["data"]}
    for row in served["data"]:
        got = stored[row["model_name"]]
        tiered = row.get("billing_mode") == "tiered_expr"
        assert got["billing"] == ("tiered" if tiered else "call" if row["quota_type"] == 1 else "tokens")
        assert got["vendor"] == vendors.get(row.get("vendor_id"), row["owner_by"])
        assert (got["model_ratio"], got["completion_ratio"], got["model_price"]) == (
            row["model_ratio"], row["completion_ratio"], row["model_price"])
        assert got["cache_ratio"] == (None if tiered else row.get("cache_ratio"))
        assert got["create_cache_ratio"] == row.get("create_cache_ratio")
        assert got["enable_groups"] == row["enable_groups"] and got["endpoints"] == row["supported_endpoint_types"]
    assert {m["billing"] for m in stored.values()} == {"tokens", "call", "tiered"}
    assert any(m["cache_ratio"] is not None for m in stored.values())
    usable = served.get("usable_group") or served["group_names"]
    assert _groups(store, aid) == {g: (usable.get(g, ""), r, g in usable) for g, r in served["group_ratio"].items()}
    assert _groups(store, aid)["svip"][2] is False  # a ratio the user may not use
    assert model_changes(store) == []  # the first sync reports nothing


@pytest.mark.parametrize("dialect", ["one-hub", "done-hub"])
def test_onehub_prices_map_to_ratios_and_per_call_prices(store, sandbox, dialect):
    aid, site, _user = _add(store, sandbox, dialect, 1)
    report = sync_models(store, politeness=FAST)
    assert report.rows()[0]["status"] == "ok" and report.rows()[0]["priced"] is True
    served = httpx.get(f"{site.url}/api/available_model").json()["data"]
    stored = _prices(store, aid)
    assert set(stored) == set(served)
    for name, info in served.items():
        got, price = stored[name], info["price"]
        assert got["vendor"] == info["owned_by"] and got["enable_groups"] == info["groups"]
        if price["type"] == "times":
            assert got["billing"] == "call" and got["model_ratio"] is None
            assert got["model_price"] == pytest.approx(price["input"] * 0.002)
        else:
            assert got["billing"] == "tokens" and got["model_ratio"] == price["input"]
            assert got["completion_ratio"] == pytest.approx(price["output"] / price["input"])
            assert got["cache_ratio"] == price.get("extra_ratios", {}).get("cached_tokens")
    assert any(p["price"]["type"] == "times" for p in served.values())
    assert _groups(store, aid) == {"default": ("默认分组", 1.0, True), "vip": ("VIP 分组", 0.7, True)}


def test_a_model_list_without_prices_is_unknown_and_sub2api_lists_its_relay_models(store, sandbox):
    """One API has a model list and no prices; Sub2API has neither, so its models are what its
    relay's ``/v1/models`` answers to one of the account's own enabled keys (the extension's way)."""
    one, site, _ = _add(store, sandbox, "one-api")
    s2a, s2a_site, s2a_user = _add(store, sandbox, "sub2api")
    report = sync_models(store, politeness=FAST)
    by = {r["account_id"]: r for r in report.rows()}
    assert by[one]["status"] == "ok" and by[one]["priced"] is False and by[one]["models"] == len(site.models)
    assert {m: p["billing"] for m, p in _prices(store, one).items()} == dict.fromkeys(site.models, "unknown")
    assert _groups(store, one) == {}
    relay = [r for r in s2a_site.requests if r.path == "/v1/models"]
    key = next(t.key for t in s2a_user.tokens if t.status == 1)
    assert len(relay) == 1 and key not in json.dumps(report.rows()) + report.summary()
    served = httpx.get(f"{s2a_site.url}/v1/models", headers={"Authorization": f"Bearer sk-{key}"}).json()["data"]
    assert by[s2a]["status"] == "ok" and by[s2a]["priced"] is False
    assert stored_models(store, s2a) == sorted(m["id"] for m in served)
    assert {p["billing"] for p in _prices(store, s2a).values()} == {"unknown"}
    assert report.exit_code() == 0
    synced = model_syncs(store)
    assert sorted(synced.loc[synced["fetched_at"].notna(), "account_id"].tolist()) == sorted([one, s2a])
    # a Sub2API account with no enabled key cannot ask its relay: one sentence, nothing stored
    for t in s2a_user.tokens:
        t.status = 2
    again = {r["account_id"]: r for r in sync_models(store, [s2a], politeness=FAST).rows()}[s2a]
    assert again["status"] == "unsupported" and "no enabled API key" in again["message"]
    assert stored_models(store, s2a) == sorted(m["id"] for m in served)  # the last good list is kept



def test_one_model_is_sold_at_different_prices_and_some_models_only_on_some_sites(store, sandbox):
    a, _, _ = _add(store, sandbox, "new-api", 0)
    b, _, _ = _add(store, sandbox, "new-api", 1)
    c, _, _ = _add(store, sandbox, "v-api", 0)
    sync_models(store, politeness=FAST)
    pa, pb, pc = _prices(store, a), _prices(store, b), _prices(store, c)
    assert pa["gpt-4o"]["model_ratio"] != pb["gpt-4o"]["model_ratio"]
    assert set(pa) != set(pc)  # glm-4-plus is not sold on the first V-API site
    assert _groups(store, a)["vip"][1] != _groups(store, b)["vip"][1]


def test_a_model_added_or_removed_between_two_syncs_is_reported_once(store, sandbox):
    aid, site, _ = _add(store, sandbox, "new-api")
    other, _, _ = _add(store, sandbox, "one-hub")
    first = sync_models(store, politeness=FAST)
    assert first.changes() == [] and model_changes(store) == []
    _admin_models(site, add=["gpt-5"], remove=["deepseek-chat"])
    second = sync_models(store, politeness=FAST)
    assert second.changes() == [{"account_id": aid, "site_name": "new-api 1", "added": ["gpt-5"],
                                 "removed": ["deepseek-chat"]}]
    assert "1 added, 1 removed" in second.summary()
    assert "gpt-5" in stored_models(store, aid) and "deepseek-chat" not in stored_models(store, aid)
    third = sync_models(store, politeness=FAST)
    assert third.changes() == [] and "0 added, 0 removed" in third.summary()
    changes = model_changes(store)
    assert sorted((c["account_id"], c["model"], c["change"]) for c in changes) == [
        (aid, "deepseek-chat", "removed"), (aid, "gpt-5", "added")]
    assert changes[0]["origin"] == site.url and changes[0]["site_name"] == "new-api 1"
    assert other not in {c["account_id"] for c in changes}


def test_a_failing_site_is_one_clean_sentence_and_keeps_its_old_rows(store, sandbox):
    aid, site, user = _add(store, sandbox, "new-api")
    sync_models(store, politeness=FAST)
    before, synced = _prices(store, aid), model_syncs(store).set_index("account_id").loc[aid].to_dict()
    _admin_models(site, remove=["gpt-4o"])
    site.inject("500", path="/api/pricing")
    report = sync_models(store, politeness=FAST)
    row = report.rows()[0]
    assert row["status"] == "failed" and report.exit_code() == 1 and row["message"]
    assert "\n" not in row["message"] and user.access_token not in json.dumps(report.rows()) + report.summary()
    assert _prices(store, aid) == before and model_syncs(store).set_index("account_id").loc[aid].to_dict() == synced
    assert model_changes(store) == []


def test_unknown_or_bad_ids_are_refused_before_any_request(store, sandbox):
    _aid, site, _ = _add(store, sandbox, "new-api")
    site.clear_requests()
    with pytest.raises(NotFound):
        sync_models(store, [9999], politeness=FAST)
    with pytest.raises(ValidationError):
        sync_models(store, ["x1"], politeness=FAST)
    assert site.requests == []
