"""Relay keys (``/api/token/...``) with each dialect's pagination and masking.

Pagination styles (docs/site-api.md): New API and its forks page 1-based with
``p``/``page_size`` (``size`` is ignored, as upstream) and answer
``{page,page_size,total,items}``; One API pages 0-based by a fixed 10 and answers a
bare array; Veloera pages 0-based, honours ``size`` (<= 100), bare array;
OneHub/DoneHub page 1-based with ``page``/``size`` and answer
``{data,page,size,total_count}``. New API proper (not its forks) reveals up to 100 keys in one
``POST /api/token/batch/keys``.
"""

from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING, Any

from allhub_core.sandbox._data import SandboxToken, SandboxUser
from allhub_core.sandbox._dialects import Dialect
from allhub_core.sandbox._http import Req, fail, ok
from allhub_core.sandbox._newapi import require_user

if TYPE_CHECKING:
    from starlette.responses import Response

    from allhub_core.sandbox._site import SandboxSite


def _json(site: SandboxSite, t: SandboxToken) -> dict[str, Any]:
    return t.to_json(masked=site.spec.masks_keys, with_group=site.dialect != "one-api")


def list_tokens(site: SandboxSite, req: Req) -> Response:
    user = require_user(site, req)
    tokens = sorted(user.tokens, key=lambda t: t.id, reverse=True)
    style = site.spec.token_pages
    if style == "oneapi":
        p = max(0, req.int_arg("p", 0))
        return ok([_json(site, t) for t in tokens[p * 10:(p + 1) * 10]])
    if style == "veloera":
        p = max(0, req.int_arg("p", 0))
        size = min(100, max(1, req.int_arg("size", 10)))
        return ok([_json(site, t) for t in tokens[p * size:(p + 1) * size]])
    if style == "onehub":
        page = max(1, req.int_arg("page", 1))
        size = min(100, max(1, req.int_arg("size", 10)))
        return ok({"data": [_json(site, t) for t in tokens[(page - 1) * size:page * size]],
                   "page": page, "size": size, "total_count": len(tokens)})
    page = max(1, req.int_arg("p", 1))
    size = min(100, max(1, req.int_arg("page_size", 10)))
    return ok({"page": page, "page_size": size, "total": len(tokens),
               "items": [_json(site, t) for t in tokens[(page - 1) * size:page * size]]})


def _find(user: SandboxUser, token_id: str) -> SandboxToken | None:
    return next((t for t in user.tokens if str(t.id) == token_id), None)


def _apply(t: SandboxToken, body: dict[str, Any]) -> None:
    for name in ("name", "remain_quota", "expired_time", "unlimited_quota",
                 "model_limits_enabled", "model_limits", "allow_ips", "group", "status"):
        if name in body and body[name] is not None:
            setattr(t, name, body[name])


def create_token(site: SandboxSite, req: Req) -> Response:
    user = require_user(site, req)
    body = req.json()
    if not isinstance(body, dict):
        return fail("无效的参数")
    name = str(body.get("name", ""))
    if len(name) > site.spec.token_name_max:
        return fail("令牌名称过长")
    now = int(time.time())
    t = SandboxToken(id=site.ids.next_token(), user_id=user.id, key=secrets.token_urlsafe(36)[:48],
                     name=name, created_time=now, accessed_time=now)
    _apply(t, {k: v for k, v in body.items() if k != "status"})
    t.status = 1
    user.tokens.append(t)
    if site.spec.create_returns_token:
        return ok(t.to_json(masked=False, with_group=False))
    return ok(include_data=False)


def update_token(site: SandboxSite, req: Req) -> Response:
    user = require_user(site, req)
    body = req.json()
    t = _find(user, str(body.get("id", ""))) if isinstance(body, dict) else None
    if t is None:
        return fail("record not found")
    if req.query.get("status_only"):
        t.status = int(body.get("status", t.status))
    else:
        if len(str(body.get("name", t.name))) > site.spec.token_name_max:
            return fail("令牌名称过长")
        _apply(t, body)
    return ok(_json(site, t))


def get_token(site: SandboxSite, req: Req, token_id: str) -> Response:
    t = _find(require_user(site, req), token_id)
    return ok(_json(site, t)) if t else fail("record not found")


def delete_token(site: SandboxSite, req: Req, token_id: str) -> Response:
    user = require_user(site, req)
    t = _find(user, token_id)
    if t is None:
        return fail("record not found")
    user.tokens.remove(t)
    return ok(include_data=False)


def reveal_key(site: SandboxSite, req: Req, token_id: str) -> Response:
    t = _find(require_user(site, req), token_id)
    return ok({"key": t.key}) if t else fail("record not found")


def reveal_batch(site: SandboxSite, req: Req) -> Response:
    """New API's ``POST /api/token/batch/keys``: ``{"ids": [int]}``, 1 to 100 ids, the user's own
    tokens only (others are left out of the map), ``data: {"keys": {"<id>": key}}``."""
    user = require_user(site, req)
    body = req.json()
    ids = body.get("ids") if isinstance(body, dict) else None
    if not isinstance(ids, list) or not ids or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        return fail("无效的参数")
    if len(ids) > 100:
        return fail("批量操作最多支持100个")
    wanted = set(ids)
    return ok({"keys": {str(t.id): t.key for t in user.tokens if t.id in wanted}})


def routes(d: Dialect) -> list[tuple[str, str, Any]]:
    table: list[tuple[str, str, Any]] = [
        ("GET", "/api/token", list_tokens),
        ("POST", "/api/token", create_token),
        ("PUT", "/api/token", update_token),
        ("GET", r"/api/token/(?P<token_id>\d+)", get_token),
        ("DELETE", r"/api/token/(?P<token_id>\d+)", delete_token),
    ]
    if d.reveal_method:
        table.append((d.reveal_method, r"/api/token/(?P<token_id>\d+)/key", reveal_key))
    if d.site_type == "new-api":  # New API proper has the batch reveal; its forks do not
        table.append(("POST", "/api/token/batch/keys", reveal_batch))
    return table
