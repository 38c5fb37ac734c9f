"""Sub2API: ``/api/v1/*`` routes, ``{code,message,data}`` envelope, JWT + rotating refresh.

Access JWTs are short-lived (15 min; tests expire them at will with
``site.expire_access_tokens()``); ``POST /api/v1/auth/refresh`` issues a new pair and
invalidates the refresh token it was given. Balances and key quotas are USD.
Auth failures are HTTP 401 with a *string* ``code`` (that string is also the
detection signal of ``GET /api/v1/auth/me``, docs/site-api.md).
"""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from starlette.responses import JSONResponse

from allhub_core.sandbox._data import GROUPS, MODELS, QUOTA_PER_USD, SandboxToken, SandboxUser, today_window
from allhub_core.sandbox._dialects import Dialect
from allhub_core.sandbox._http import Reject, Req, s2a
from allhub_core.sandbox._newapi import index_page

if TYPE_CHECKING:
    from starlette.responses import Response

    from allhub_core.sandbox._site import SandboxSite

_GROUP_IDS = {name: i + 1 for i, name in enumerate(GROUPS)}


def _err(status: int, code: str, message: str) -> Reject:
    return Reject(JSONResponse({"code": code, "message": message}, status))


def require_user(site: SandboxSite, req: Req) -> SandboxUser:
    auth = req.headers.get("authorization", "").strip()
    if not auth:
        raise _err(401, "UNAUTHORIZED", "Authorization header is required")
    token = auth[7:].strip() if auth[:7].lower() == "bearer " else auth
    user, expired = site.user_by_jwt(token)
    if user is None:
        raise _err(401, "INVALID_TOKEN", "Invalid token")
    if expired:
        raise _err(401, "TOKEN_EXPIRED", "Token has expired")
    if user.disabled:
        raise _err(403, "USER_INACTIVE", "User account is not active")
    return user


def _iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


def _user_json(u: SandboxUser) -> dict[str, Any]:
    return {"id": u.id, "username": u.username, "email": u.email, "role": "user",
            "balance": u.balance_usd, "concurrency": 5,
            "status": "disabled" if u.disabled else "active"}


def _pair(site: SandboxSite, u: SandboxUser) -> dict[str, Any]:
    access = site.issue_jwt(u)
    return {"access_token": access, "refresh_token": site.issue_refresh_token(u),
            "expires_in": int(site.jwts[access][1] - time.time()), "token_type": "Bearer"}


def public_settings(site: SandboxSite, req: Req) -> Response:
    return s2a({"site_name": site.name, "site_logo": "", "site_subtitle": "sandbox",
                "registration_enabled": True, "turnstile_enabled": site.turnstile})


def login(site: SandboxSite, req: Req) -> Response:
    body = req.json_object()
    ident = str(body.get("email") or body.get("username") or "")
    user = next((u for u in site.users if ident in (u.username, u.email)), None)
    if user is None or user.password != str(body.get("password", "")) or user.disabled:
        raise _err(401, "INVALID_CREDENTIALS", "Invalid email or password")
    if (site.turnstile or user.turnstile) and not body.get("turnstile_token"):
        return s2a(None, "Turnstile token 为空", code=1)
    if user.two_factor:
        return s2a({"requires_2fa": True}, "需要两步验证码 (2FA)", code=1)
    return s2a({**_pair(site, user), "user": _user_json(user)})


def refresh(site: SandboxSite, req: Req) -> Response:
    body = req.json_object()
    uid = site.refresh_tokens.get(str(body.get("refresh_token", "")))
    if uid is None:
        raise _err(401, "INVALID_REFRESH_TOKEN", "Refresh token is invalid or has been revoked")
    return s2a(_pair(site, site.user(uid)))


def me(site: SandboxSite, req: Req) -> Response:
    return s2a(_user_json(require_user(site, req)))


def usage_stats(site: SandboxSite, req: Req) -> Response:
    user = require_user(site, req)
    start, end = today_window()
    if req.query.get("period", "today") != "today":
        start, end = 0, 2**31
    rows = [r for r in user.logs if r.type == 2 and start <= r.created_at <= end]
    cost = sum(r.quota for r in rows) / QUOTA_PER_USD
    return s2a({"total_requests": len(rows),
                "total_input_tokens": sum(r.prompt_tokens for r in rows),
                "total_output_tokens": sum(r.completion_tokens for r in rows),
                "total_cost": round(cost, 6), "total_actual_cost": round(cost, 6)})


def _page(req: Req, items: list[Any]) -> dict[str, Any]:
    page = max(1, req.int_arg("page", 1))
    size = min(100, max(1, req.int_arg("page_size", 20)))
    return {"items": items[(page - 1) * size:page * size], "total": len(items), "page": page,
            "page_size": size, "pages": max(1, -(-len(items) // size))}


def usage(site: SandboxSite, req: Req) -> Response:
    user = require_user(site, req)
    rows = sorted((r for r in user.logs if r.type == 2), key=lambda r: r.created_at, reverse=True)
    items = [{"id": r.id, "model": r.model_name, "input_tokens": r.prompt_tokens,
              "output_tokens": r.completion_tokens, "actual_cost": r.quota / QUOTA_PER_USD,
              "created_at": _iso(r.created_at)} for r in rows]
    return s2a(_page(req, items))


def _key_status(t: SandboxToken) -> str:
    """``active``/``inactive`` as the user set it; the server's own ``expired`` and
    ``quota_exhausted`` for an active key past its expiry or its quota."""
    if t.status != 1:
        return "inactive"
    if t.expired_time not in (-1, 0) and t.expired_time <= time.time():
        return "expired"
    if not t.unlimited_quota and t.remain_quota <= 0:
        return "quota_exhausted"
    return "active"


def _key_json(t: SandboxToken) -> dict[str, Any]:
    """``dto.APIKey``: ``quota`` is the key's limit in USD (0 = unlimited) and ``quota_used`` what
    it spent (the sandbox keeps what is left, as New API does: the limit is their sum)."""
    return {
        "id": t.id, "user_id": t.user_id, "key": t.key if t.key.startswith("sk-") else f"sk-{t.key}",
        "name": t.name, "group_id": _GROUP_IDS.get(t.group),
        "status": _key_status(t),
        "quota": 0 if t.unlimited_quota else (t.remain_quota + t.used_quota) / QUOTA_PER_USD,
        "quota_used": t.used_quota / QUOTA_PER_USD,
        "ip_whitelist": [ip for ip in t.allow_ips.split(",") if ip],
        "last_used_at": _iso(t.accessed_time) if t.accessed_time else None,
        "expires_at": None if t.expired_time in (-1, 0) else _iso(t.expired_time),
        "created_at": _iso(t.created_time), "updated_at": _iso(t.created_time),
    }


def _find(user: SandboxUser, key_id: str) -> SandboxToken:
    t = next((t for t in user.tokens if str(t.id) == key_id), None)
    if t is None:
        raise _err(404, "NOT_FOUND", "API key not found")
    return t


def _expires_at(value: Any) -> int:
    """``expires_at`` of an update: ISO 8601, or ``""``/null to clear (never)."""
    if value in (None, ""):
        return -1
    return int(datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp())


def _apply(t: SandboxToken, body: dict[str, Any]) -> None:
    """A create (``expires_in_days``) or an update (``expires_at``, ``reset_quota``) body; absent
    fields stay as they are."""
    if body.get("name"):
        t.name = str(body["name"])
    if "group_id" in body:
        t.group = next((g for g, i in _GROUP_IDS.items() if i == body["group_id"]), "")
    if body.get("reset_quota"):
        t.used_quota = 0
    if "quota" in body:
        usd = float(body["quota"] or 0)
        t.unlimited_quota = usd <= 0
        t.remain_quota = 0 if t.unlimited_quota else max(0, round(usd * QUOTA_PER_USD) - t.used_quota)
    if "ip_whitelist" in body:
        t.allow_ips = ",".join(body["ip_whitelist"] or [])
    if body.get("expires_in_days"):
        t.expired_time = int(time.time() + 86400 * int(body["expires_in_days"]))
    if "expires_at" in body:
        t.expired_time = _expires_at(body["expires_at"])
    if "status" in body:
        t.status = 1 if body["status"] in ("active", 1) else 2


def list_keys(site: SandboxSite, req: Req) -> Response:
    user = require_user(site, req)
    keys = [_key_json(t) for t in sorted(user.tokens, key=lambda t: t.id, reverse=True)]
    return s2a(_page(req, keys))


def create_key(site: SandboxSite, req: Req) -> Response:
    user = require_user(site, req)
    body = req.json_object()
    if not body.get("name"):
        return s2a(None, "name is required", code=400)
    now = int(time.time())
    t = SandboxToken(id=site.ids.next_token(), user_id=user.id,
                     key="sk-" + secrets.token_hex(24), name="", created_time=now)
    _apply(t, body)
    user.tokens.append(t)
    return s2a(_key_json(t))


def get_key(site: SandboxSite, req: Req, key_id: str) -> Response:
    return s2a(_key_json(_find(require_user(site, req), key_id)))


def update_key(site: SandboxSite, req: Req, key_id: str) -> Response:
    t = _find(require_user(site, req), key_id)
    body = req.json_object()
    _apply(t, body)
    return s2a(_key_json(t))


def delete_key(site: SandboxSite, req: Req, key_id: str) -> Response:
    user = require_user(site, req)
    user.tokens.remove(_find(user, key_id))
    return s2a(None, "API key deleted")


def groups_available(site: SandboxSite, req: Req) -> Response:
    require_user(site, req)
    return s2a([{"id": _GROUP_IDS[g], "name": g, "description": desc, "platform": "anthropic",
                 "rate_multiplier": ratio, "status": "active"} for g, (desc, ratio) in GROUPS.items()])


def groups_rates(site: SandboxSite, req: Req) -> Response:
    require_user(site, req)
    return s2a({str(_GROUP_IDS[g]): ratio for g, (_, ratio) in GROUPS.items()})


def relay_models(site: SandboxSite, req: Req) -> Response:
    """``GET /v1/models`` with a relay key (``sk-...``)."""
    auth = req.headers.get("authorization", "")
    key = auth[7:].strip() if auth[:7].lower() == "bearer " else auth.strip()
    for u in site.users:
        for t in u.tokens:
            if key and key in (t.key, f"sk-{t.key}"):
                return JSONResponse({"object": "list", "data": [
                    {"id": m, "object": "model", "owned_by": m.split("-")[0]} for m in MODELS]})
    return JSONResponse({"error": {"type": "authentication_error", "message": "Invalid API key"}}, 401)


def routes(d: Dialect) -> list[tuple[str, str, Any]]:
    key = r"/api/v1/keys/(?P<key_id>\d+)"
    return [
        ("GET", "/", index_page),
        ("GET", "/api/v1/settings/public", public_settings),
        ("POST", "/api/v1/auth/login", login),
        ("POST", "/api/v1/auth/refresh", refresh),
        ("GET", "/api/v1/auth/me", me),
        ("GET", "/api/v1/usage/stats", usage_stats),
        ("GET", "/api/v1/usage", usage),
        ("GET", "/api/v1/keys", list_keys),
        ("POST", "/api/v1/keys", create_key),
        ("GET", key, get_key),
        ("PUT", key, update_key),
        ("DELETE", key, delete_key),
        ("GET", "/api/v1/groups/available", groups_available),
        ("GET", "/api/v1/groups/rates", groups_rates),
        ("GET", "/v1/models", relay_models),
    ]
