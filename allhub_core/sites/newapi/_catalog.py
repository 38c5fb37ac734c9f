"""Models, prices and top-up codes on New API family sites (docs/site-api.md)."""

from __future__ import annotations

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
from allhub_core.sites._types import ModelPrice, Pricing, RedeemResult, remote_text
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
        return float(value)
    except (TypeError, ValueError):
        return None


async def get_pricing(session: SiteSession, variant: Variant) -> Pricing:
    if variant.pricing == "onehub":
        models = (await session.get("/api/available_model")).envelope()
        groups: dict[str, Any] = {}
        try:
            g = (await session.get("/api/user_group_map")).envelope()
            groups = g if isinstance(g, dict) else {}
        except SiteError:
            pass
        if not isinstance(models, dict):
            raise BadResponseError("The price list is not in a known format.")
        rows = []
        for name, info in models.items():
            info = info if isinstance(info, dict) else {}
            price = raw_price if isinstance(raw_price := info.get("price"), dict) else {}
            inp, out = _float(price.get("input")), _float(price.get("output"))
            per_call = price.get("type") == "times"
            rows.append(ModelPrice(
                model_name=str(name), quota_type=1 if per_call else 0,
                model_ratio=None if per_call else inp, model_price=inp if per_call else None,
                completion_ratio=(out / inp) if (inp and out is not None and not per_call) else None,
                enable_groups=[str(x) for x in info.get("groups") or []], owner_by=info.get("owned_by"),
            ))
        ratios = {str(k): r for k, v in groups.items()
                  if isinstance(v, dict) and (r := _float(v.get("ratio"))) is not None}
        names = {str(k): str(v.get("name") or k) for k, v in groups.items() if isinstance(v, dict)}
        return Pricing(models=rows, group_ratio=ratios, usable_group=names)
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
    rows = []
    for row in data:
        if not isinstance(row, dict) or not row.get("model_name"):
            continue
        rows.append(ModelPrice(
            model_name=str(row["model_name"]), quota_type=_int(row.get("quota_type")) or 0,
            model_ratio=_float(row.get("model_ratio")), model_price=_float(row.get("model_price")),
            completion_ratio=_float(row.get("completion_ratio")),
            enable_groups=[str(g) for g in row.get("enable_groups") or []], owner_by=row.get("owner_by"),
        ))
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
