"""How a price-list row becomes a ``ModelPrice`` (the parts the sandbox cannot send in a hostile
shape): a tiered ``tiered_expr`` row drops its cache ratios (the extension does), a vendor id listed
twice names no vendor, a negative or non-numeric cache ratio is none, control characters leave
names; OneHub's per-call ``times`` keep ``{input, output}`` and price the input at 0.002 USD a
unit, a token row with a zero input and a positive output is 'unknown'."""

from __future__ import annotations

import pytest

from allhub_core.sites.newapi._catalog import _newapi_row, _onehub_row, _vendors


def test_new_api_rows():
    vendors = _vendors({"vendors": [{"id": 1, "name": "OpenAI"}, {"id": 2, "name": "A"}, {"id": 2, "name": "B"},
                                    {"id": True, "name": "bool"}, "junk"]})
    assert vendors == {1: "OpenAI"}
    tiered = _newapi_row({"model_name": "m\x1b[31m1", "quota_type": 0, "model_ratio": 1, "billing_mode": "tiered_expr",
                          "cache_ratio": 0.5, "owner_by": "x", "vendor_id": 2}, vendors)
    assert (tiered.model_name, tiered.billing, tiered.cache_ratio, tiered.vendor) == ("m1", "tiered", None, "x")
    row = _newapi_row({"model_name": "gpt", "quota_type": 0, "model_ratio": "1.25", "completion_ratio": 4,
                       "cache_ratio": -1, "create_cache_ratio": "x", "vendor_id": 1,
                       "supported_endpoint_types": ["openai", None], "enable_groups": ["default", 3]}, vendors)
    assert (row.billing, row.model_ratio, row.cache_ratio, row.create_cache_ratio) == ("tokens", 1.25, None, None)
    assert (row.vendor, row.endpoints, row.enable_groups) == ("OpenAI", ["openai"], ["default", "3"])
    call = _newapi_row({"model_name": "img", "quota_type": 1, "model_price": 0.04}, {})
    assert (call.billing, call.model_price, call.vendor) == ("call", 0.04, None)


def test_onehub_rows():
    times = _onehub_row("mj", {"price": {"type": "times", "input": 25, "output": 30}, "owned_by": "Midjourney"})
    assert (times.billing, times.call_input, times.call_output, times.vendor) == ("call", 25, 30, "Midjourney")
    assert times.model_price == pytest.approx(0.05) and times.enable_groups == ["default"]
    tokens = _onehub_row("gpt", {"price": {"type": "tokens", "input": 1.25, "output": 5,
                                           "extra_ratios": {"cached_read_tokens": 0.1, "cached_tokens": 0.5,
                                                            "cached_write_tokens": 1.25}}, "groups": ["vip"]})
    assert (tokens.model_ratio, tokens.completion_ratio, tokens.cache_ratio, tokens.create_cache_ratio) == (
        1.25, 4.0, 0.1, 1.25)
    assert _onehub_row("odd", {"price": {"type": "tokens", "input": 0, "output": 2}}).billing == "unknown"
    assert _onehub_row("free", {"price": {"type": "tokens", "input": 0, "output": 0}}).completion_ratio == 1.0
