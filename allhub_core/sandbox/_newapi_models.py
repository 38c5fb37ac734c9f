"""NewApiFamily model, group and pricing routes (``/api/pricing``, OneHub's ``available_model``,
the user's models and groups): the site's catalogue times its price factor."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.responses import JSONResponse, Response

from allhub_core.sandbox._data import CATALOG, CLOSED_GROUP, MODELS, TIERED_EXPR, CatalogModel, site_factor, site_groups
from allhub_core.sandbox._http import Req, ok
from allhub_core.sandbox._newapi import require_user

if TYPE_CHECKING:
    from allhub_core.sandbox._site import SandboxSite


# ----- models / groups / pricing ------------------------------------------------------------

def user_models(site: SandboxSite, req: Req) -> Response:
    require_user(site, req)
    return ok(list(site.models))


def self_groups(site: SandboxSite, req: Req) -> Response:
    require_user(site, req)
    groups = site_groups(site.index)
    if site.spec.group_strings:
        return ok({g: f"{desc}=x {ratio:g}倍" for g, (desc, ratio) in groups.items()})
    return ok({g: {"desc": desc, "ratio": ratio} for g, (desc, ratio) in groups.items()})


_VENDORS = sorted({c.vendor for c in CATALOG.values()})
_VENDOR_IDS = {name: i + 1 for i, name in enumerate(_VENDORS)}
_UNPRICED = CatalogModel("Sandbox", 1.0, 1.0)  # a model added by ``change_models``


def _groups_of(model: str, groups: dict[str, tuple[str, float]]) -> list[str]:
    """The groups that sell a model: the user's, and the closed group for the first three."""
    closed = [CLOSED_GROUP[0]] if model in MODELS[:3] else []
    return [*groups, *closed]


def _pricing_row(site: SandboxSite, model: str) -> dict[str, Any]:
    """One row of New API's ``/api/pricing`` (``NA:model/pricing.go``): ratios times the site's factor."""
    c = CATALOG.get(model, _UNPRICED)
    f = site_factor(site.dialect, site.index)
    per_call = c.quota_type == 1
    row: dict[str, Any] = {
        "model_name": model, "quota_type": c.quota_type,
        "model_ratio": 0 if per_call else round(c.model_ratio * f, 6),
        "model_price": round(c.model_price * f, 6) if per_call else 0,
        "completion_ratio": 1 if per_call else c.completion_ratio,
        "owner_by": model.split("-")[0], "enable_groups": _groups_of(model, site_groups(site.index)),
        "supported_endpoint_types": ["openai", "anthropic"] if c.vendor == "Anthropic" else ["openai"],
    }
    if c.vendor in _VENDOR_IDS:
        row["vendor_id"] = _VENDOR_IDS[c.vendor]
    if c.tiered:
        row["billing_mode"], row["billing_expr"] = "tiered_expr", TIERED_EXPR
    if c.cache_ratio is not None:
        row["cache_ratio"] = c.cache_ratio
    if c.create_cache_ratio is not None:
        row["create_cache_ratio"] = c.create_cache_ratio
    return row


def pricing(site: SandboxSite, req: Req) -> Response:
    groups = site_groups(site.index)
    ratios = {g: r for g, (_, r) in groups.items()}
    ratios[CLOSED_GROUP[0]] = CLOSED_GROUP[2]
    body: dict[str, Any] = {
        "success": True, "data": [_pricing_row(site, m) for m in site.models], "group_ratio": ratios,
        "vendors": [{"id": i, "name": n, "icon": ""} for n, i in _VENDOR_IDS.items()],
        "supported_endpoint": {}, "auto_groups": [], "pricing_version": "sandbox-1",
    }
    usable = {g: desc for g, (desc, _) in groups.items()}
    body["group_names" if site.spec.pricing == "vapi" else "usable_group"] = usable
    return JSONResponse(body)


def available_model(site: SandboxSite, req: Req) -> Response:
    """OneHub/DoneHub models + prices (``AH:src/services/apiService/oneHub/type.ts``): ``input`` and
    ``output`` in ratio units (1 = 0.002 USD per 1K tokens, or per call for ``times``)."""
    f = site_factor(site.dialect, site.index)
    data: dict[str, Any] = {}
    for m in site.models:
        c = CATALOG.get(m, _UNPRICED)
        per_call = c.quota_type == 1
        inp = round((c.model_price / 0.002 if per_call else c.model_ratio) * f, 6)
        price: dict[str, Any] = {"model": m, "type": "times" if per_call else "tokens", "channel_type": 1,
                                 "input": inp, "output": inp if per_call else round(inp * c.completion_ratio, 6),
                                 "locked": False}
        if c.cache_ratio is not None and not per_call:
            price["extra_ratios"] = {"cached_tokens": c.cache_ratio}
        data[m] = {"groups": list(site_groups(site.index)), "owned_by": c.vendor, "price": price}
    return ok(data)


def user_group_map(site: SandboxSite, req: Req) -> Response:
    require_user(site, req)
    return ok({g: {"id": i + 1, "symbol": g, "name": desc, "ratio": ratio}
               for i, (g, (desc, ratio)) in enumerate(site_groups(site.index).items())})
