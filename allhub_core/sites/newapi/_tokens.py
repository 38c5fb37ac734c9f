"""Relay API keys on New API family sites: list, create, update, reveal, delete (docs/site-api.md).

Pagination differs per fork (1-based objects, 0-based bare arrays, OneHub's
``page``/``size``); one loop reads any of them, guarded by a 100-page cap and by
stopping when a page brings no new ids (servers that ignore ``p`` would
otherwise loop forever).  Creation does not trust the response body: like the
extension it re-lists and takes the one new id; an update re-lists too (forks answer it
with or without the token).

Revealing several keys asks New API's ``POST /api/token/batch/keys`` (``{"ids": [..]}`` ->
``data: {"keys": {"<id>": "<key>"}}``, at most 100 ids, behind ``CriticalRateLimit`` like the
single reveal): one request per 100 keys instead of one per key. A fork without it answers
404/405 and gets one reveal per key.
"""

from __future__ import annotations

from typing import Any

from allhub_core.net import BadResponseError, HttpStatusError, SiteError, SiteSession, strip_controls
from allhub_core.sites._types import ApiToken, merge_new
from allhub_core.sites.newapi._variants import Variant

PAGE_SIZE = 100
MAX_PAGES = 100
BATCH_REVEAL_PATH = "/api/token/batch/keys"
BATCH_REVEAL_MAX = 100  # New API's limit (controller/token.go GetTokenKeysBatch)


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def is_masked(key: str) -> bool:
    return "*" in key or "•" in key


def parse_token(raw: dict[str, Any]) -> ApiToken:
    key = str(raw.get("key") or "").strip()
    return ApiToken(
        id=str(raw.get("id", "")).strip(), name=strip_controls(str(raw.get("name") or "")), key=key,
        masked=is_masked(key),
        status=_int(raw.get("status")), remain_quota=_int(raw.get("remain_quota")),
        unlimited_quota=raw.get("unlimited_quota") if isinstance(raw.get("unlimited_quota"), bool) else None,
        used_quota=_int(raw.get("used_quota")), expired_time=_int(raw.get("expired_time")),
        created_time=_int(raw.get("created_time")), accessed_time=_int(raw.get("accessed_time")),
        group=raw.get("group") if isinstance(raw.get("group"), str) else None,
        model_limits_enabled=(raw.get("model_limits_enabled")
                              if isinstance(raw.get("model_limits_enabled"), bool) else None),
        model_limits=raw.get("model_limits") if isinstance(raw.get("model_limits"), str) else None,
        allow_ips=raw.get("allow_ips") if isinstance(raw.get("allow_ips"), str) else None,
        raw=raw,
    )



async def list_tokens(session: SiteSession, variant: Variant) -> list[ApiToken]:
    mode = variant.token_paging
    page = 1 if mode in ("newapi", "onehub") else 0
    found: dict[str, ApiToken] = {}
    for _ in range(MAX_PAGES):
        if mode == "onehub":
            params = [("page", page), ("size", PAGE_SIZE)]
        else:
            params = [("p", page), ("size", PAGE_SIZE), ("page_size", PAGE_SIZE)]
        data = (await session.get("/api/token/", params=params)).envelope()
        if isinstance(data, list):
            items, more, next_page = data, bool(data), page + 1
            if mode == "veloera" and len(items) < PAGE_SIZE:
                more = False
            if mode in ("newapi", "onehub"):
                more = False  # a bare array on a 1-based site is everything
        elif isinstance(data, dict):
            listed = data.get("items")
            if not isinstance(listed, list):
                listed = data.get("data")
            if not isinstance(listed, list):
                raise BadResponseError("The key list is not in a known format.")
            items = listed
            total = _int(data.get("total", data.get("total_count")))
            pg = _int(data.get("page"))
            size = _int(data.get("page_size", data.get("size")))
            if total is not None and pg is not None and pg >= 1 and size:
                more = (pg - 1) * size + len(items) < total
            else:
                more = bool(items)
            next_page = pg + 1 if pg is not None and pg >= 1 else page + 1
        elif data is None:
            items, more, next_page = [], False, page
        else:
            raise BadResponseError("The key list is not in a known format.")
        new = merge_new(found, items, parse_token)
        if not more or new == 0:
            return list(found.values())
        page = next_page
    raise SiteError(f"The key list has more than {MAX_PAGES} pages; stopped reading.")


def create_body(name: str, *, remain_quota: int = 0, unlimited_quota: bool = True, expired_time: int = -1,
                model_limits_enabled: bool = False, model_limits: str = "", allow_ips: str = "",
                group: str = "") -> dict[str, Any]:
    return {
        "name": name, "remain_quota": remain_quota, "expired_time": expired_time,
        "unlimited_quota": unlimited_quota, "model_limits_enabled": model_limits_enabled,
        "model_limits": model_limits, "allow_ips": allow_ips, "group": group,
    }


async def create_token(session: SiteSession, variant: Variant, body: dict[str, Any]) -> ApiToken:
    before = {t.id for t in await list_tokens(session, variant)}
    (await session.post("/api/token/", json=body)).envelope(require_data=False)
    after = await list_tokens(session, variant)
    new = [t for t in after if t.id not in before]
    if not new:
        raise SiteError("The site accepted the new key but it does not appear in the key list.")
    if len(new) > 1:
        named = [t for t in new if t.name == body.get("name")]
        if len(named) != 1:
            raise SiteError("Several new keys appeared at once; could not tell which one was created.")
        new = named
    token = new[0]
    if token.masked:
        try:
            token.key = await reveal_key(session, variant, token.id)
            token.masked = False
        except SiteError:
            pass  # the key exists; revealing can be retried later
    return token


async def reveal_key(session: SiteSession, variant: Variant, token_id: str,
                     listed: list[ApiToken] | None = None) -> str:
    path = f"/api/token/{token_id}/key"
    try:
        reply = await session.request(variant.reveal_method, path, json={} if variant.reveal_method == "POST" else None,
                                      idempotent=True)
        data = reply.envelope()
        key = data.get("key") if isinstance(data, dict) else data
        if isinstance(key, str) and key.strip():
            return key.strip()
        raise BadResponseError("The site returned no key.")
    except HttpStatusError as exc:
        if exc.http_status not in (404, 405):
            raise
    # No reveal route (One API, OneHub): the list carries full keys.
    for token in listed if listed is not None else await list_tokens(session, variant):
        if token.id == str(token_id):
            if token.masked:
                raise SiteError("This site only shows masked keys and has no way to reveal them.")
            return token.key
    raise SiteError(f"No key with id {token_id} on this account.")


async def _batch(session: SiteSession, ids: list[str]) -> dict[str, str] | None:
    """One ``batch/keys`` request: ``{id: key}`` of the ids it answered, or None when the site
    has no such route: 404/405, or a web page or some other answer where New API's map would be
    (a fork whose single-page app answers every path). A refusal (``success: false``) is an error."""
    try:
        reply = await session.request("POST", BATCH_REVEAL_PATH, json={"ids": [int(i) for i in ids]},
                                      idempotent=True)
    except HttpStatusError as exc:
        if exc.http_status in (404, 405):
            return None
        raise
    try:
        data = reply.envelope()
    except BadResponseError:
        return None
    keys = data.get("keys") if isinstance(data, dict) else None
    if not isinstance(keys, dict):
        return None
    out: dict[str, str] = {}
    for k, v in keys.items():
        if str(k) in ids and isinstance(v, str) and v.strip() and not is_masked(v):
            out[str(k)] = v.strip()
    return out


async def reveal_keys(session: SiteSession, variant: Variant, token_ids: list[str]) -> dict[str, str]:
    """The full keys of these tokens, ``{id: key}``: ``batch/keys`` for 100 at a time where the
    site has it (and more than one key is asked), one reveal per key otherwise and for any key the
    batch did not answer."""
    ids = list(dict.fromkeys(str(i).strip() for i in token_ids))
    out: dict[str, str] = {}
    batch = len(ids) > 1 and all(i.isdigit() for i in ids)
    for start in range(0, len(ids), BATCH_REVEAL_MAX) if batch else ():
        got = await _batch(session, ids[start:start + BATCH_REVEAL_MAX])
        if got is None:  # a fork without the route: every key on its own
            break
        out.update(got)
    for token_id in ids:
        if token_id not in out:
            out[token_id] = await reveal_key(session, variant, token_id)
    return out


async def update_token(session: SiteSession, variant: Variant, token_id: str, body: dict[str, Any]) -> ApiToken:
    """``PUT /api/token/`` with the whole create body plus ``id`` (docs/site-api.md 7.3: New API sets
    every field from the body, so nothing may be left out); the key as the list shows it after."""
    if not str(token_id).isdigit():
        raise BadResponseError("That is not an API key id of this site (a number).")
    (await session.request("PUT", "/api/token/", json={**body, "id": int(token_id)},
                           idempotent=True)).envelope(require_data=False)
    for token in await list_tokens(session, variant):
        if token.id == str(token_id):
            return token
    raise SiteError("The site accepted the change but the key is no longer in its key list.")


async def delete_token(session: SiteSession, token_id: str) -> None:
    """``DELETE /api/token/{id}``; the site's ``success`` says whether it went (docs/site-api.md 7.3).
    Never retried blindly: a second delete of a key that went would be refused."""
    if not token_id.isdigit():
        raise BadResponseError("That is not an API key id of this site (a number).")
    (await session.request("DELETE", f"/api/token/{token_id}", idempotent=False)).envelope(require_data=False)
