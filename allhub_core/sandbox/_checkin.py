"""Daily check-in in the four flavours of docs/site-api.md.

All flavours share one rule: one check-in per user per local day, the reward is
added to the quota and written as a system log (type 4). They differ in routes,
payloads and the "already checked in" answer:

* ``new-api``  ``GET /api/user/checkin?month=`` + ``POST /api/user/checkin`` -> "今日已签到";
  with check-in off both answer ``success:false`` "签到功能未启用" and no data
* ``veloera``  ``GET /api/user/check_in_status`` + ``POST /api/user/check_in`` -> "今天已经签到过了"
* ``anyrouter`` ``POST /api/user/sign_in`` (cookie only) -> success with an *empty* message
* ``wong``     ``GET``/``POST /api/user/checkin`` with ``checked_in``/``enabled`` -> "今日已签到"

Every New API family site also has a fork's own check-in that no built-in method knows, for
the custom check-in request of an account:

* ``POST /api/fork/sign`` with header ``X-Sign-Token: <access token>`` and JSON body
  ``{"uid": "<user id>"}`` -> ``{"code": 0, "msg": "sign ok", "data": {"reward": N}}``, then
  ``{"code": 1, "msg": "today signed"}``; a wrong token or uid answers HTTP 401.
* ``GET /fork/checkin.php?uid=<user id>`` with the ``session`` cookie -> plain text
  ``签到成功，获得 N 额度`` then ``今日已签到``.

With site Turnstile on, every check-in POST answers "Turnstile token 为空" unless
``?turnstile=sandbox-ok`` is given.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from starlette.responses import JSONResponse, PlainTextResponse

from allhub_core.sandbox._data import SandboxUser, local_date
from allhub_core.sandbox._dialects import Dialect
from allhub_core.sandbox._http import Req, fail, ok
from allhub_core.sandbox._newapi import add_log, require_user, turnstile_guard

if TYPE_CHECKING:
    from starlette.responses import Response

    from allhub_core.sandbox._site import SandboxSite

MIN_QUOTA, MAX_QUOTA = 50_000, 500_000


def _award(site: SandboxSite, user: SandboxUser) -> tuple[str, int]:
    """Record today's check-in for ``user``; returns (date, quota awarded)."""
    today = local_date()
    quota = random.Random(f"{site.seed}:{site.dialect}:{user.id}:{today}").randint(MIN_QUOTA, MAX_QUOTA)
    user.checkins[today] = quota
    user.quota += quota
    add_log(site, user, 4, quota, f"签到奖励 ${quota / 500000:.6f} 额度")
    return today, quota


def _success(site: SandboxSite, default: str = "签到成功") -> str:
    """The success message: the site's ``checkin_message`` override, if any."""
    return default if site.checkin_message is None else site.checkin_message


def _checked_today(user: SandboxUser) -> bool:
    return local_date() in user.checkins


# ----- new-api -------------------------------------------------------------------------------

def newapi_status(site: SandboxSite, req: Req) -> Response:
    user = require_user(site, req)
    if not site.checkin_enabled:
        return fail("签到功能未启用")  # upstream: success:false and no data when check-in is off
    month = req.query.get("month", "") or local_date()[:7]
    records = [{"checkin_date": d, "quota_awarded": q}
               for d, q in sorted(user.checkins.items()) if d.startswith(month)]
    data = {
        "enabled": site.checkin_enabled, "min_quota": MIN_QUOTA, "max_quota": MAX_QUOTA,
        "stats": {
            "checked_in_today": _checked_today(user), "checkin_count": len(records),
            "total_checkins": len(user.checkins), "total_quota": sum(user.checkins.values()),
            "records": records,
        },
    }
    return JSONResponse({"success": True, "data": data})  # no "message" key, as upstream


def newapi_do(site: SandboxSite, req: Req) -> Response:
    user = require_user(site, req)
    turnstile_guard(site, req)
    if not site.checkin_enabled:
        return fail("签到功能未启用")
    if _checked_today(user):
        return fail("今日已签到")
    today, quota = _award(site, user)
    return ok({"quota_awarded": quota, "checkin_date": today}, _success(site))


# ----- veloera -------------------------------------------------------------------------------

def veloera_status(site: SandboxSite, req: Req) -> Response:
    user = require_user(site, req)
    return ok({"can_check_in": site.checkin_enabled and not _checked_today(user)})


def veloera_do(site: SandboxSite, req: Req) -> Response:
    user = require_user(site, req)
    turnstile_guard(site, req)
    if not site.checkin_enabled:
        return fail("签到功能未启用")
    if _checked_today(user):
        return fail("今天已经签到过了")
    _, quota = _award(site, user)
    return ok({"quota": quota}, _success(site))


# ----- anyrouter ----------------------------------------------------------------------------

def anyrouter_sign_in(site: SandboxSite, req: Req) -> Response:
    user = require_user(site, req, cookie_only=True)
    turnstile_guard(site, req)
    if _checked_today(user):
        return JSONResponse({"ret": 1, "code": 0, "success": True, "message": ""})
    _, quota = _award(site, user)
    return JSONResponse({"ret": 1, "code": 0, "success": True,
                         "message": _success(site, f"签到成功，获得 ${quota / 500000:.2f} 额度")})


# ----- wong-gongyi --------------------------------------------------------------------------

def _wong_data(site: SandboxSite, user: SandboxUser) -> dict[str, Any]:
    today = local_date()
    return {"checked_at": today if today in user.checkins else None,
            "checked_in": today in user.checkins, "enabled": site.checkin_enabled,
            "max_quota": MAX_QUOTA, "min_quota": MIN_QUOTA, "quota": user.checkins.get(today, 0)}


def wong_status(site: SandboxSite, req: Req) -> Response:
    return ok(_wong_data(site, require_user(site, req)))


def wong_do(site: SandboxSite, req: Req) -> Response:
    user = require_user(site, req)
    turnstile_guard(site, req)
    if not site.checkin_enabled:
        return fail("签到功能未启用", data=_wong_data(site, user))
    if _checked_today(user):
        return fail("今日已签到", data=_wong_data(site, user))
    _award(site, user)
    return ok(_wong_data(site, user), _success(site))


# ----- a fork's own check-in (for custom check-in requests) ----------------------------------

def fork_sign(site: SandboxSite, req: Req) -> Response:
    token = req.headers.get("x-sign-token", "")
    user = site.user_by_pat(token) if token else None
    uid = str(req.json_object().get("uid", ""))
    if user is None or uid != str(user.id):
        return JSONResponse({"code": 401, "msg": "bad sign token"}, 401)
    if _checked_today(user):
        return JSONResponse({"code": 1, "msg": "today signed"})
    _, quota = _award(site, user)
    return JSONResponse({"code": 0, "msg": "sign ok", "data": {"reward": quota}})


def fork_checkin_page(site: SandboxSite, req: Req) -> Response:
    user = site.user_by_session(req.cookies.get("session"))
    if user is None or req.query.get("uid") != str(user.id):
        return PlainTextResponse("请先登录", 403)
    if _checked_today(user):
        return PlainTextResponse("今日已签到")
    _, quota = _award(site, user)
    return PlainTextResponse(f"签到成功，获得 {quota} 额度")


FORK_ROUTES = [("POST", "/api/fork/sign", fork_sign), ("GET", "/fork/checkin.php", fork_checkin_page)]


def routes(d: Dialect) -> list[tuple[str, str, Any]]:
    return FORK_ROUTES + {
        "new-api": [("GET", "/api/user/checkin", newapi_status), ("POST", "/api/user/checkin", newapi_do)],
        "veloera": [("GET", "/api/user/check_in_status", veloera_status),
                    ("POST", "/api/user/check_in", veloera_do)],
        "anyrouter": [("POST", "/api/user/sign_in", anyrouter_sign_in)],
        "wong": [("GET", "/api/user/checkin", wong_status), ("POST", "/api/user/checkin", wong_do)],
    }.get(d.checkin or "", [])
