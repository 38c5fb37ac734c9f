"""VoAPI v2: its own ``/api/*`` routes, a ``{code,data,msg}`` envelope and a raw JWT.

The dashboard JWT travels as ``Authorization: <jwt>`` with no ``Bearer `` (a ``Bearer`` value is
not a token this site knows).  Codes (docs/site-api.md, VoAPI v2): 0 success, 1 already signed
(check-in), 2 auth expired ("unauthorized").  Balances are USD amounts as strings, split into
``basicBalance`` and ``bindBalance``; the sandbox keeps everything in ``basicBalance``.

* ``GET /api/user/info``: the account (anonymously: ``code:2, data:null``, the detection signal)
* ``GET /api/dash/statistics?t=h&s=<ms>&e=<ms>``: ``data.d:{requests, usedBasicBalance, usedBindBalance}``
* ``POST /api/check_in``: ``data:{amount, bonusAmount}``; ``code:1`` "already signed in today"
* ``GET /api/check_in/stats``: ``data:{todaySigned, nextAmount, consecutiveDays}``
* ``GET /api/keys?page=&size=&sl[name]=true&sl[token]=true&sl[note]=true``: ``data:{page, size, total,
  pages, records:[{id, name, tokenMasked, groups:[<group id>], enable, expireTime (ms, -1 never),
  boundlessAmount, amount, used, note}]}`` (amounts USD strings; ``amount`` is what is left)
* ``GET /api/keys/template``: ``data:{groups:[{id, name, ratio, note, ...}], models:[{idKey, enable, hidden}]}``
* ``POST /api/keys/{id}/token``: ``data:{token}`` (the full key); ``POST /api/keys`` (``genCount``),
  ``PUT /api/keys/{id}`` (every field from the body), ``DELETE /api/keys/{id}``: ``data:null``

There is no ``/api/status`` (404).  With check-in off the POST answers a non-zero code.
"""

from __future__ import annotations

import math
import secrets
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from starlette.responses import JSONResponse

from allhub_core.sandbox._checkin import MIN_QUOTA, _award, _checked_today
from allhub_core.sandbox._data import GROUPS, MODELS, QUOTA_PER_USD, SandboxToken, SandboxUser, mask_key, today_window
from allhub_core.sandbox._http import Reject, Req
from allhub_core.sandbox._newapi import index_page

if TYPE_CHECKING:
    from starlette.responses import Response

    from allhub_core.sandbox._site import SandboxSite

SUCCESS, ALREADY, AUTH_EXPIRED, REFUSED = 0, 1, 2, 3


def envelope(data: Any = None, msg: str = "success", code: int = SUCCESS) -> Response:
    return JSONResponse({"code": code, "data": data, "msg": msg})


def _amount(quota: int) -> str:
    return f"{quota / QUOTA_PER_USD:.6f}"


def require_user(site: SandboxSite, req: Req) -> SandboxUser:
    token = req.headers.get("authorization", "").strip()
    user, expired = site.user_by_jwt(token) if token else (None, False)
    if user is None or expired:
        raise Reject(envelope(None, "unauthorized: auth expired, please login again", AUTH_EXPIRED))
    if user.disabled:
        raise Reject(envelope(None, "user is disabled", REFUSED))
    return user


def user_info(site: SandboxSite, req: Req) -> Response:
    u = require_user(site, req)
    return envelope({"id": u.id, "username": u.username, "nickname": u.username.title(),
                     "basicBalance": _amount(u.quota), "bindBalance": "0",
                     "usedBasicBalance": _amount(u.used_quota), "usedBindBalance": "0",
                     "currency": "USD", "totalRequest": u.request_count})


def statistics(site: SandboxSite, req: Req) -> Response:
    u = require_user(site, req)
    day_start, day_end = today_window()
    start = req.int_arg("s", day_start * 1000) // 1000
    end = req.int_arg("e", day_end * 1000 + 999) // 1000
    rows = [r for r in u.logs if r.type == 2 and start <= r.created_at <= end]
    return envelope({"d": {"requests": len(rows), "usedBasicBalance": _amount(sum(r.quota for r in rows)),
                           "usedBindBalance": "0", "errors": 0, "maxRpm": 0}})


def checkin_stats(site: SandboxSite, req: Req) -> Response:
    u = require_user(site, req)
    return envelope({"todaySigned": _checked_today(u), "nextAmount": _amount(MIN_QUOTA),
                     "consecutiveDays": 1 if _checked_today(u) else 0, "todayRecord": None})


def checkin(site: SandboxSite, req: Req) -> Response:
    u = require_user(site, req)
    if not site.checkin_enabled:
        return envelope(None, "check-in is not enabled", REFUSED)
    if _checked_today(u):
        return envelope(None, "already signed in today", ALREADY)
    _, quota = _award(site, u)
    msg = "success" if site.checkin_message is None else site.checkin_message
    return envelope({"amount": _amount(quota), "bonusAmount": "0"}, msg)


#: The key groups of the template, by id (a VoAPI v2 key names its groups by id).
GROUP_IDS = {name: i + 1 for i, name in enumerate(GROUPS)}


def _usd(quota: int) -> str:
    return f"{quota / QUOTA_PER_USD:.8f}"


def _full_key(t: SandboxToken) -> str:
    return t.key if t.key.startswith("sk-") else f"sk-{t.key}"


def _key_json(t: SandboxToken) -> dict[str, Any]:
    """A ``VoApiV2Key``; a key without a group is in ``default`` (VoAPI v2 keys always have one)."""
    return {"id": t.id, "name": t.name, "tokenMasked": mask_key(_full_key(t)),
            "groups": [GROUP_IDS.get(t.group or "default", 1)], "enable": t.status != 2,
            "expireTime": t.expired_time * 1000 if t.expired_time > 0 else -1,
            "boundlessAmount": t.unlimited_quota, "amount": _usd(0 if t.unlimited_quota else t.remain_quota),
            "used": _usd(t.used_quota), "note": ""}


def list_keys(site: SandboxSite, req: Req) -> Response:
    u = require_user(site, req)
    page, size = max(1, req.int_arg("page", 1)), min(100, max(1, req.int_arg("size", 10)))
    keys = sorted(u.tokens, key=lambda t: t.id, reverse=True)
    records = [_key_json(t) for t in keys[(page - 1) * size:page * size]]
    return envelope({"page": page, "size": size, "total": len(keys), "pages": math.ceil(len(keys) / size),
                     "records": records})


def key_template(site: SandboxSite, req: Req) -> Response:
    require_user(site, req)
    return envelope({
        "groups": [{"id": GROUP_IDS[g], "name": g, "ratio": ratio, "timeRatio": 1, "chargingType": "token",
                    "subBalanceType": "basic", "note": desc} for g, (desc, ratio) in GROUPS.items()],
        "models": [{"idKey": m, "enable": True, "hidden": False} for m in MODELS], "ssb": False})


def _find(u: SandboxUser, key_id: str) -> SandboxToken:
    t = next((t for t in u.tokens if str(t.id) == key_id), None)
    if t is None:
        raise Reject(envelope(None, "key not found", REFUSED))
    return t


def _apply(t: SandboxToken, body: dict[str, Any]) -> str | None:
    """Set the key from a create or update body (every field: the site keeps what it is sent);
    the refusal message for a body it cannot take."""
    name, groups = str(body.get("name") or "").strip(), body.get("groups")
    if not name:
        return "name is required"
    ids = {i: g for g, i in GROUP_IDS.items()}
    if not isinstance(groups, list) or not groups or any(g not in ids for g in groups):
        return "please choose a valid group"
    try:
        amount, expire = float(body.get("amount") or 0), int(body.get("expireTime", -1))
    except (TypeError, ValueError):
        return "invalid amount or expiry"
    t.name, t.group = name, ids[groups[0]]
    t.unlimited_quota = body.get("boundlessAmount") is True
    t.remain_quota = 0 if t.unlimited_quota else max(0, round(amount * QUOTA_PER_USD))
    t.status = 1 if body.get("enable", True) is not False else 2
    t.expired_time = expire // 1000 if expire > 0 else -1
    return None


def create_key(site: SandboxSite, req: Req) -> Response:
    u = require_user(site, req)
    t = SandboxToken(id=site.ids.next_token(), user_id=u.id, key="sk-" + secrets.token_hex(24), name="",
                     created_time=int(time.time()))
    refusal = _apply(t, req.json_object())
    if refusal:
        return envelope(None, refusal, REFUSED)
    u.tokens.append(t)
    return envelope(None)


def update_key(site: SandboxSite, req: Req, key_id: str) -> Response:
    t = _find(require_user(site, req), key_id)
    trial = replace(t)
    refusal = _apply(trial, req.json_object())
    if refusal:
        return envelope(None, refusal, REFUSED)
    t.__dict__.update(trial.__dict__)
    return envelope(None)


def delete_key(site: SandboxSite, req: Req, key_id: str) -> Response:
    u = require_user(site, req)
    u.tokens.remove(_find(u, key_id))
    return envelope(None)


def reveal_key(site: SandboxSite, req: Req, key_id: str) -> Response:
    return envelope({"token": _full_key(_find(require_user(site, req), key_id))})


def routes() -> list[tuple[str, str, Any]]:
    key = r"/api/keys/(?P<key_id>\d+)"
    return [
        ("GET", "/", index_page),
        ("GET", "/api/user/info", user_info),
        ("GET", "/api/dash/statistics", statistics),
        ("GET", "/api/check_in/stats", checkin_stats),
        ("POST", "/api/check_in", checkin),
        ("GET", "/api/keys", list_keys),
        ("POST", "/api/keys", create_key),
        ("GET", "/api/keys/template", key_template),
        ("PUT", key, update_key),
        ("DELETE", key, delete_key),
        ("POST", key + "/token", reveal_key),
    ]
