"""Sub2API's API keys and its relay's model list (``sites/sub2api``'s family calls these):
``GET /api/v1/keys`` (``items`` or a bare list; full keys), ``GET/PUT/DELETE /api/v1/keys/{id}``,
``POST /api/v1/keys`` ``{name, group_id?, quota (USD, 0 = unlimited), ip_whitelist[],
expires_in_days?}``; ``quota`` is a key's limit, ``quota_used`` what it spent (docs/site-api.md
7.5, Sub2API's ``dto.APIKey`` and ``UpdateAPIKeyRequest``). The models: its relay's ``/v1/models``
asked with one of the account's own enabled keys. ``usd_to_quota``: Sub2API's USD amounts in quota
units, for its balances too."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from allhub_core.net import (
    Auth,
    BadResponseError,
    SiteError,
    UnsupportedError,
    strip_controls,
)
from allhub_core.sites._types import (
    ApiToken,
    TokenSpec,
    epoch_of,
    finite,
    merge_new,
    remote_text,
)
from allhub_core.vocab import (
    QUOTA_PER_USD,
)

if TYPE_CHECKING:
    from allhub_core.sites.sub2api import Sub2ApiClient

__all__ = [
    "create_key",
    "expires_in_days",
    "get_key",
    "list_keys",
    "parse_key",
    "relay_models",
    "update_body",
    "update_key",
    "usd_to_quota",
]


def usd_to_quota(value: Any) -> int | None:
    try:
        return round(float(value) * QUOTA_PER_USD)
    except (TypeError, ValueError):
        return None


_KEY_STATUS = {"active": 1, "1": 1, "expired": 3, "quota_exhausted": 4, "exhausted": 4}


def parse_key(raw: dict[str, Any]) -> ApiToken:
    """A Sub2API key (``dto.APIKey``): ``quota`` is its limit in USD (0 = unlimited) and
    ``quota_used`` what it spent, so what is left is their difference; ``expires_at`` ISO or null."""
    key = str(raw.get("key") or "").strip()
    quota, used = finite(raw.get("quota")), finite(raw.get("quota_used"))
    unlimited = not quota or quota <= 0
    status = raw.get("status")
    expires = epoch_of(raw.get("expires_at"))
    group_id = raw.get("group_id")
    return ApiToken(
        id=str(raw.get("id", "")), name=strip_controls(str(raw.get("name") or "")), key=key, masked="*" in key,
        status=1 if status is None else _KEY_STATUS.get(str(status).strip().lower(), 2),
        remain_quota=None if unlimited else max(0, round(((quota or 0) - (used or 0)) * QUOTA_PER_USD)),
        unlimited_quota=unlimited, used_quota=usd_to_quota(used) if used is not None else None,
        expired_time=expires if expires is not None else -1,
        created_time=epoch_of(raw.get("created_at")), accessed_time=epoch_of(raw.get("last_used_at")),
        group=str(group_id) if group_id not in (None, "", 0) else None,
        allow_ips=",".join(str(ip) for ip in raw["ip_whitelist"]) if isinstance(raw.get("ip_whitelist"), list)
        else None,
        raw=raw,
    )


def expires_in_days(expired_time: int, now: float | None = None) -> int | None:
    """Whole days from now to ``expired_time`` (epoch seconds; -1 or 0: never -> None), at least 1:
    Sub2API's create takes days, not a date."""
    if expired_time is None or expired_time <= 0:
        return None
    return max(1, int((expired_time - (time.time() if now is None else now)) // 86400))


def _iso_of(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


async def list_keys(client: Sub2ApiClient) -> list[ApiToken]:
    found: dict[str, ApiToken] = {}
    for page in range(1, 101):
        data = await client.call("GET", "/api/v1/keys", params={"page": page, "page_size": 100})
        items = data.get("items") if isinstance(data, dict) else data
        if not isinstance(items, list):
            raise BadResponseError("The key list is not in a known format.")
        new = merge_new(found, items, parse_key)
        total = data.get("total") if isinstance(data, dict) else None
        if new == 0 or len(items) < 100 or (isinstance(total, int) and len(found) >= total):
            return list(found.values())
    raise SiteError("The key list has more than 100 pages; stopped reading.")


async def relay_models(client: Sub2ApiClient) -> list[str]:
    """Sub2API has no price list: its models are what its relay's ``GET /v1/models`` answers to
    one of the account's own enabled keys (the extension's fallback, ``site-api.md`` 8)."""
    usable = [t for t in await list_keys(client) if t.status == 1 and t.key and "*" not in t.key]
    if not usable:
        raise UnsupportedError("This Sub2API account has no enabled API key to list its models with; "
                               "create one first.")
    key = usable[0].key
    client.base.add_secret(key)
    body = (await client.base.request("GET", "/v1/models", auth=Auth(access_token=key, send_user_id=False))
            ).json_object()
    data = body.get("data")
    if not isinstance(data, list):
        raise BadResponseError("The model list is not in a known format.")
    return sorted({name for m in data if isinstance(m, dict) and (name := remote_text(m.get("id")))})


async def create_key(client: Sub2ApiClient, name: str, *, quota_usd: float = 0, group_id: int | None = None,
                     ip_whitelist: list[str] | None = None, expires_in_days: int | None = None) -> ApiToken:
    body: dict[str, Any] = {"name": name, "quota": quota_usd, "ip_whitelist": ip_whitelist or []}
    if group_id is not None:
        body["group_id"] = group_id
    if expires_in_days is not None:
        body["expires_in_days"] = expires_in_days
    data = await client.call("POST", "/api/v1/keys", json=body, idempotent=False)
    if isinstance(data, dict) and data.get("id") is not None:
        return parse_key(data)
    for token in await list_keys(client):
        if token.name == name:
            return token
    raise SiteError("The site accepted the new key but it does not appear in the key list.")


async def get_key(client: Sub2ApiClient, key_id: str) -> ApiToken:
    if not str(key_id).isdigit():
        raise BadResponseError("That is not an API key id of this site (a number).")
    data = await client.call("GET", f"/api/v1/keys/{key_id}")
    if not isinstance(data, dict) or data.get("id") is None:
        raise BadResponseError("The key is not in a known format.")
    return parse_key(data)


def update_body(current: ApiToken, spec: TokenSpec) -> dict[str, Any]:
    """What ``PUT /api/v1/keys/{id}`` needs to make ``current`` into ``spec``: only the fields that
    change (Sub2API leaves an absent field alone). ``quota`` is the key's limit, so "X USD left"
    is X plus what it spent; ``expires_at`` is ISO 8601, ``""`` for never."""
    body: dict[str, Any] = {"name": spec.name}
    used = (current.used_quota or 0) / QUOTA_PER_USD
    if spec.unlimited_quota != bool(current.unlimited_quota) or (
            not spec.unlimited_quota and spec.remain_quota != current.remain_quota):
        body["quota"] = 0 if spec.unlimited_quota else round(spec.remain_quota / QUOTA_PER_USD + used, 6)
    now_never = current.expired_time is None or current.expired_time <= 0
    want_never = spec.expired_time is None or spec.expired_time <= 0
    if want_never != now_never or (not want_never and spec.expired_time != current.expired_time):
        body["expires_at"] = "" if want_never else _iso_of(spec.expired_time)
    if spec.group.isdigit() and spec.group != (current.group or ""):
        body["group_id"] = int(spec.group)
    return body


async def update_key(client: Sub2ApiClient, key_id: str, spec: TokenSpec) -> ApiToken:
    """Change one key to ``spec``: the key as it is now (``GET``), then a ``PUT`` of what differs."""
    current = await get_key(client, key_id)
    data = await client.call("PUT", f"/api/v1/keys/{key_id}", json=update_body(current, spec), idempotent=True)
    if isinstance(data, dict) and data.get("id") is not None:
        return parse_key(data)
    return await get_key(client, key_id)
