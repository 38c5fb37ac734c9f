"""The sandbox's models and prices: one model at different prices on different sites, some models
only on some sites, a tiered row as New API sends it, cache ratios, per-site group ratios with a
group no user may use; POST /__sandbox/models changes what a site sells (a bad body is a 400 that
changes nothing) and reset restores it."""

from __future__ import annotations

import httpx
import pytest

from allhub_core.sandbox import start_sandbox


@pytest.fixture(scope="module")
def sb():
    with start_sandbox(dialects=["new-api", "v-api", "one-hub"], users_per_site=1, sites_per_dialect=2,
                       seed=7) as sandbox:
        yield sandbox


def _pricing(site):
    return httpx.get(f"{site.url}/api/pricing").json()


def test_prices_differ_per_site_and_a_tiered_row_is_new_apis(sb):
    a, b = _pricing(sb.site("new-api", 0)), _pricing(sb.site("new-api", 1))
    ra = {r["model_name"]: r for r in a["data"]}
    rb = {r["model_name"]: r for r in b["data"]}
    assert ra["gpt-4o"]["model_ratio"] != rb["gpt-4o"]["model_ratio"]
    assert a["group_ratio"]["vip"] != b["group_ratio"]["vip"]
    assert "svip" in a["group_ratio"] and "svip" not in a["usable_group"]
    tiered = ra["gemini-2.5-pro"]
    assert tiered["billing_mode"] == "tiered_expr" and "tier(" in tiered["billing_expr"]
    assert ra["claude-3-5-sonnet"]["cache_ratio"] == 0.1 and ra["claude-3-5-sonnet"]["create_cache_ratio"] == 1.25
    assert {v["id"] for v in a["vendors"]} >= {ra["gpt-4o"]["vendor_id"]}
    v = {r["model_name"] for r in _pricing(sb.site("v-api", 0))["data"]}
    assert set(ra) != v  # some models only on some sites


def test_the_admin_route_changes_the_models_and_reset_restores_them(sb):
    site = sb.site("one-hub")
    before = list(site.models)
    reply = httpx.post(f"{site.url}/__sandbox/models", json={"add": ["gpt-5"], "remove": ["gpt-4o"]}).json()
    assert reply["ok"] is True and "gpt-5" in reply["models"] and "gpt-4o" not in reply["models"]
    served = httpx.get(f"{site.url}/api/available_model").json()["data"]
    assert "gpt-5" in served and "gpt-4o" not in served
    bad = httpx.post(f"{site.url}/__sandbox/models", json={"add": "gpt-6"})
    assert bad.status_code == 400 and "gpt-6" not in site.models
    site.reset()
    assert site.models == before
