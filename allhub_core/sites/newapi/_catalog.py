"""Models, prices and top-up codes on New API family sites (docs/site-api.md)."""

from __future__ import annotations

import math
from typing import Any

from allhub_core.net import (
    BadResponseError,
    BusinessError,
    HttpStatusError,
    SiteError,
    SiteSession,
    UnsupportedError,
    server_message,
)
from allhub_core.sites._types import ModelPrice, Pricing, RedeemResult, finite, remote_text
from allhub_core.sites.newapi._account import int_or_none as _int
from allhub_core.sites.newapi._variants import Variant


async def list_models(session: SiteSession, variant: Variant) -> list[str]:
    for route in variant.model_routes:
        try:
            if route == "onehub":
                data = (await session.get("/api/available_model")).envelope()
                if isinstance(data, dict):
                    return sorted(filter(None, map(remote_text, data)))
                raise BadResponseError("The model list is not in a known format.")
            data = (await session.get(route)).envelope()
        except HttpStatusError as exc:
            if exc.http_status in (404, 405):
                continue
            raise
        if isinstance(data, list):
            return [t for m in data if isinstance(m, (str, int)) and (t := remote_text(m))]
        if isinstance(data, dict):
            return sorted(filter(None, map(remote_text, data)))
        raise BadResponseError("The model list is not in a known format.")
    raise UnsupportedError("This site has no model list endpoint.")


def _float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _ratio(value: Any) -> float | None:
    """A cache ratio the extension uses: a finite number >= 0 (``modelPricingDto.ts``)."""
    number = finite(value)
    return number if number is not None and number >= 0 else None


def _texts(values: Any) -> list[str]:
    return [t for v in values if (t := remote_text(v))] if isinstance(values, list) else []


#: DoneHub/OneHub price units: 1 = 0.002 USD per 1K tokens, or per call (``modelPricing.ts``).
ONEHUB_CALL_USD = 0.002


def _onehub_row(name: str, info: dict[str, Any]) -> ModelPrice:
    """One ``/api/available_model`` entry as the extension maps it (``oneHub/transform.ts``)."""
    price = raw if isinstance(raw := info.get("price"), dict) else {}
    inp, out = finite(price.get("input")), finite(price.get("output"))
    extra = raw if isinstance(raw := price.get("extra_ratios"), dict) else {}
    groups = _texts(info.get("groups")) or ["default"]
    vendor = remote_text(info.get("owned_by"))
    if price.get("type") == "times":
        return ModelPrice(model_name=name, quota_type=1, billing="call", call_input=inp, call_output=out,
                          model_price=inp * ONEHUB_CALL_USD if inp is not None else None,
                          enable_groups=groups, owner_by=vendor)
    valid = inp is not None and out is not None and inp >= 0 and out >= 0 and (inp > 0 or out == 0)
    if not valid or inp is None or out is None:
        return ModelPrice(model_name=name, billing="unknown", enable_groups=groups, owner_by=vendor)
    read = extra.get("cached_read_tokens", extra.get("cached_tokens"))
    return ModelPrice(model_name=name, quota_type=0, billing="tokens", model_ratio=inp,
                      completion_ratio=out / inp if inp else 1.0, cache_ratio=_ratio(read),
                      create_cache_ratio=_ratio(extra.get("cached_write_tokens")), enable_groups=groups,
                      owner_by=vendor)


async def _onehub_pricing(session: SiteSession) -> Pricing:
    models = (await session.get("/api/available_model")).envelope()
    groups: dict[str, Any] = {}
    try:
        g = (await session.get("/api/user_group_map")).envelope()
        groups = g if isinstance(g, dict) else {}
    except SiteError:
        pass
    if not isinstance(models, dict):
        raise BadResponseError("The price list is not in a known format.")
    rows = [_onehub_row(name, info if isinstance(info, dict) else {})
            for raw_name, info in models.items() if (name := remote_text(raw_name))]
    ratios: dict[str, float] = {}
    names: dict[str, str] = {}
    for key, value in groups.items():
        if isinstance(value, dict) and (grp := remote_text(key)):
            r = finite(value.get("ratio"))
            ratios[grp] = r if r is not None else 1.0
            names[grp] = remote_text(value.get("name")) or grp
    return Pricing(models=rows, group_ratio=ratios, usable_group=names)


def _vendors(body: dict[str, Any]) -> dict[int, str]:
    """New API's vendor registry by id; an id listed twice means nothing (``modelPricingDto.ts``)."""
    out: dict[int, str] = {}
    twice: set[int] = set()
    listed = body.get("vendors")
    for v in listed if isinstance(listed, list) else []:
        vid = v.get("id") if isinstance(v, dict) else None
        name = remote_text(v.get("name")) if isinstance(v, dict) else None
        if not isinstance(vid, int) or isinstance(vid, bool) or not name:
            continue
        if vid in out or vid in twice:
            out.pop(vid, None)
            twice.add(vid)
            continue
        out[vid] = name
    return out


def _newapi_row(row: dict[str, Any], vendors: dict[int, str]) -> ModelPrice:
    """One ``/api/pricing`` row (``NA:model/pricing.go``). A ``tiered_expr`` row is priced by an
    expression: its flat ratios and cache ratios mean nothing to a client (the extension drops them)."""
    tiered = row.get("billing_mode") == "tiered_expr"
    quota_type = _int(row.get("quota_type")) or 0
    vid = row.get("vendor_id")
    vendor = vendors.get(vid) if isinstance(vid, int) and not isinstance(vid, bool) else None
    owner = remote_text(row.get("owner_by"))
    return ModelPrice(
        model_name=remote_text(row.get("model_name")) or "", quota_type=quota_type,
        billing="tiered" if tiered else ("call" if quota_type == 1 else "tokens"),
        model_ratio=_float(row.get("model_ratio")), model_price=_float(row.get("model_price")),
        completion_ratio=_float(row.get("completion_ratio")),
        cache_ratio=None if tiered else _ratio(row.get("cache_ratio")),
        create_cache_ratio=None if tiered else _ratio(row.get("create_cache_ratio")),
        enable_groups=_texts(row.get("enable_groups")), owner_by=owner, vendor=vendor or owner,
        endpoints=_texts(row.get("supported_endpoint_types")),
    )


async def get_pricing(session: SiteSession, variant: Variant) -> Pricing:
    if variant.pricing == "onehub":
        return await _onehub_pricing(session)
    try:
        body = (await session.get("/api/pricing")).json_object()
    except HttpStatusError as exc:
        if exc.http_status in (404, 405):
            raise UnsupportedError("This site has no price list.") from exc
        raise
    if body.get("success") is False:
        raise BusinessError(server_message(body), auth=False)
    data = body.get("data")
    if not isinstance(data, list):
        raise BadResponseError("The price list is not in a known format.")
    vendors = _vendors(body)
    rows = [_newapi_row(row, vendors) for row in data if isinstance(row, dict) and remote_text(row.get("model_name"))]
    ratio = raw_ratio if isinstance(raw_ratio := body.get("group_ratio"), dict) else {}
    usable = body.get("usable_group")
    if not isinstance(usable, dict):
        group_names = body.get("group_names")
        usable = {str(k): str(v) for k, v in group_names.items()} if isinstance(group_names, dict) else (
            {str(n): str(n) for n in group_names} if isinstance(group_names, list) else {})
    return Pricing(models=rows, group_ratio={str(k): f for k, r in ratio.items() if (f := _float(r)) is not None},
                   usable_group={str(k): str(v) for k, v in usable.items()})


async def redeem(session: SiteSession, code: str) -> RedeemResult:
    session.add_secret(code)
    reply = await session.post("/api/user/topup", json={"key": code}, idempotent=False)
    body = reply.json_object()
    message = reply.clean(server_message(body))
    if body.get("success") is not True:
        return RedeemResult(ok=False, message=message or "The code was not accepted.")
    data = body.get("data")
    amount = _int(data) if not isinstance(data, dict) else _int(data.get("quota"))
    return RedeemResult(ok=True, message=message or "Code redeemed.", quota_added=amount)
