"""VoAPI v2: its own ``/api/*`` routes, a ``{code,data,msg}`` envelope and a raw JWT.

The dashboard JWT travels as ``Authorization: <jwt>`` with no ``Bearer `` (a ``Bearer`` value is
not a token this site knows).  Codes (docs/site-api.md, VoAPI v2): 0 success, 1 already signed
(check-in), 2 auth expired ("unauthorized").  Balances are USD amounts as strings, split into
``basicBalance`` and ``bindBalance``; the sandbox keeps everything in ``basicBalance``.

* ``GET /api/user/info``: the account (anonymously: ``code:2, data:null``, the detection signal)
* ``GET /api/dash/statistics?t=h&s=<ms>&e=<ms>``: ``data.d:{requests, usedBasicBalance, usedBindBalance}``
* ``POST /api/check_in``: ``data:{amount, bonusAmount}``; ``code:1`` "already signed in today"
* ``GET /api/check_in/stats``: ``data:{todaySigned, nextAmount, consecutiveDays}``

There is no ``/api/status`` (404).  With check-in off the POST answers a non-zero code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.responses import JSONResponse

from allhub_core.sandbox._checkin import MIN_QUOTA, _award, _checked_today
from allhub_core.sandbox._data import QUOTA_PER_USD, SandboxUser, today_window
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


def routes() -> list[tuple[str, str, Any]]:
    return [
        ("GET", "/", index_page),
        ("GET", "/api/user/info", user_info),
        ("GET", "/api/dash/statistics", statistics),
        ("GET", "/api/check_in/stats", checkin_stats),
        ("POST", "/api/check_in", checkin),
    ]
