"""NewApiFamily routes: status, login, user, logs, models/pricing, redemption.

The auth rules (docs/site-api.md) live in :func:`require_user`: classic New
API and its forks demand the dialect's user-id header and answer the exact 401
messages a client can use for detection; One API/OneHub do not; modern New API
answers 401 with a string ``code``. Token and check-in routes are in
``_tokens``/``_checkin`` and reuse the same helper.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from starlette.responses import JSONResponse, Response

from allhub_core.sandbox._data import (
    QUOTA_PER_USD,
    LogRow,
    SandboxUser,
    local_date,
)
from allhub_core.sandbox._dialects import Dialect
from allhub_core.sandbox._http import Reject, Req, fail, html, ok

if TYPE_CHECKING:
    from allhub_core.sandbox._site import SandboxSite

START_TIME = int(time.time())
TURNSTILE_OK = "sandbox-ok"
"""The only ``?turnstile=`` value the sandbox accepts as a solved challenge."""


# ----- auth ------------------------------------------------------------------------------

def _modern_401(code: str, message: str) -> Reject:
    return Reject(JSONResponse({"success": False, "code": code, "message": message}, 401))


def require_user(site: SandboxSite, req: Req, *, cookie_only: bool = False) -> SandboxUser:
    """The authenticated user of a request, or raise ``Reject`` with the dialect's answer."""
    d = site.spec
    auth = req.headers.get("authorization", "").strip()
    token = auth[7:].strip() if auth[:7].lower() == "bearer " else auth
    if d.modern_auth:
        if not token:
            raise _modern_401("AUTH_UNAUTHORIZED", "未登录或登录已过期")
        user = site.user_by_pat(token)
        if user is None:
            user, expired = site.user_by_jwt(token)
            if user is not None and expired:
                raise _modern_401("AUTH_TOKEN_EXPIRED", "登录已过期，请刷新令牌")
        if user is None:
            raise _modern_401("AUTH_UNAUTHORIZED", "未登录或登录已过期")
        if user.disabled:
            raise _modern_401("AUTH_USER_DISABLED", "用户已被封禁")
        return user

    user = site.user_by_session(req.cookies.get("session"))
    if user is None:
        if cookie_only or not token:
            raise Reject(fail("无权进行此操作，未登录且未提供 access token", 401))
        user = site.user_by_pat(token)
        if user is None:
            raise Reject(fail("无权进行此操作，access token 无效"))
    header = d.user_id_header
    if header:
        raw = req.headers.get(header.lower(), "")
        if raw == "":
            raise Reject(fail(f"无权进行此操作，未提供 {header}", 401))
        try:
            claimed = int(raw)
        except ValueError:
            raise Reject(fail(f"无权进行此操作，{header} 格式错误", 401)) from None
        if claimed != user.id:
            raise Reject(fail(f"无权进行此操作，{header} 与登录用户不匹配", 401))
    if user.disabled:
        raise Reject(fail("用户已被封禁"))
    return user


def turnstile_guard(site: SandboxSite, req: Req, user: SandboxUser | None = None) -> None:
    """New API ``TurnstileCheck`` middleware messages."""
    if not (site.turnstile or (user is not None and user.turnstile)):
        return
    value = req.query.get("turnstile", "")
    if not value:
        raise Reject(fail("Turnstile token 为空"))
    if value != TURNSTILE_OK:
        raise Reject(fail("Turnstile 校验失败，请刷新重试！"))


# ----- public --------------------------------------------------------------------------------

def index_page(site: SandboxSite, req: Req) -> Response:
    return html(
        f'<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>{site.name}</title>'
        f'</head><body><div id="root"></div></body></html>'
    )


def status(site: SandboxSite, req: Req) -> Response:
    d = site.spec
    data: dict[str, Any] = {
        "system_name": site.name, "logo": "", "footer_html": "",
        "quota_per_unit": QUOTA_PER_USD, "display_in_currency": True,
        "turnstile_check": site.turnstile, "turnstile_site_key": "1x00000000000000000000AA" if site.turnstile else "",
        "top_up_link": "", "version": "v0.6.0-sandbox", "start_time": START_TIME,
        "server_address": site.url,
    }
    if d.status_flavour == "newapi":
        data.update({
            "price": 7.3, "stripe_unit_price": 0, "usd_exchange_rate": 7.3,
            "quota_display_type": "USD", "checkin_enabled": site.checkin_enabled,
            "docs_link": "", "setup": True,
            "version": "v1.0.0-rc.22-sandbox" if d.modern_auth else "v0.9.0-sandbox",
        })
    elif d.status_flavour == "veloera":
        data.update({"price": 7.3, "stripe_unit_price": 0, "check_in_enabled": site.checkin_enabled})
    return ok(data)


def notice(site: SandboxSite, req: Req) -> Response:
    return ok(site.notice)  # the site's notice, "" by default (sandbox/_notices.py)


def login(site: SandboxSite, req: Req) -> Response:
    body = req.json_object()
    turnstile_guard(site, req)
    username, password = str(body.get("username", "")), str(body.get("password", ""))
    if not username or not password:
        return fail("无效的参数")
    user = next((u for u in site.users if u.username == username), None)
    if user is None or user.password != password or user.disabled:
        return fail("用户名或密码错误，或用户已被封禁")
    turnstile_guard(site, req, user)
    if user.two_factor:
        return ok({"require_2fa": True}, "请输入两步验证码")
    credit_login(site, user)
    if site.spec.modern_auth:
        response = ok(_auth_bundle(site, user))
        response.set_cookie("refresh_token", site.issue_refresh_token(user), path="/api/user/auth",
                            httponly=True, samesite="strict")
        return response
    response = ok({"id": user.id, "username": user.username, "display_name": user.username,
                   "role": 1, "status": 1, "group": user.group})
    response.set_cookie("session", site.new_session(user), path="/", httponly=True,
                        max_age=30 * 86400, samesite="strict")
    return response


def credit_login(site: SandboxSite, user: SandboxUser) -> None:
    """AgentRouter-like sites (``site.login_reward``): the day's first login credits the reward,
    logged as income; a second login the same day credits nothing."""
    today = local_date()
    if site.login_reward <= 0 or today in user.login_credits:
        return
    user.login_credits[today] = site.login_reward
    user.quota += site.login_reward
    add_log(site, user, 4, site.login_reward, f"登录奖励 ${site.login_reward / QUOTA_PER_USD:.6f} 额度")


def _auth_bundle(site: SandboxSite, user: SandboxUser) -> dict[str, Any]:
    jwt = site.issue_jwt(user)
    now = int(time.time())
    return {
        "access_token": jwt, "token_type": "Bearer", "access_expires_at": int(site.jwts[jwt][1]),
        "user": self_json(site.spec, user),
        "session": {"sid": f"sid-{user.id}", "current": True, "created_at": now,
                    "last_seen_at": now, "user_agent": "", "ip": "127.0.0.1"},
    }


def auth_refresh(site: SandboxSite, req: Req) -> Response:
    """Modern New API: rotate the refresh cookie, hand out a new AuthBundle."""
    rt = req.cookies.get("refresh_token", "")
    uid = site.refresh_tokens.get(rt)
    if uid is None:
        return JSONResponse({"success": False, "code": "AUTH_SESSION_REVOKED",
                             "message": "会话已失效，请重新登录"}, 401)
    user = site.user(uid)
    response = ok(_auth_bundle(site, user))
    response.set_cookie("refresh_token", site.issue_refresh_token(user), path="/api/user/auth",
                        httponly=True, samesite="strict")
    return response


def logout(site: SandboxSite, req: Req) -> Response:
    site.sessions.pop(req.cookies.get("session", ""), None)
    response = ok(None)
    response.delete_cookie("session")
    return response


# ----- user ------------------------------------------------------------------------------------

def self_json(d: Dialect, u: SandboxUser) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": u.id, "username": u.username, "display_name": u.username, "role": 1,
        "status": 2 if u.disabled else 1, "email": u.email, "github_id": "", "oidc_id": "",
        "wechat_id": "", "group": u.group, "quota": u.quota, "used_quota": u.used_quota,
        "request_count": u.request_count, "aff_code": u.aff_code, "inviter_id": 0,
    }
    if d.self_has_access_token_field:
        base.update({"lark_id": "", "access_token": ""})
    else:
        base.update({
            "discord_id": "", "telegram_id": "", "aff_count": 0, "aff_quota": 0,
            "aff_history_quota": 0, "linux_do_id": "", "setting": "", "stripe_customer": "",
            "sidebar_modules": "", "permissions": {"can_view_logs": True, "can_manage_tokens": True},
        })
    return base


def get_self(site: SandboxSite, req: Req) -> Response:
    return ok(self_json(site.spec, require_user(site, req)))


def subscription_self(site: SandboxSite, req: Req) -> Response:
    """Newer New API (``controller/subscription.go``): the user's plans, active first."""
    user = require_user(site, req)
    return ok({"billing_preference": "subscription_first",
               "subscriptions": [{"subscription": s} for s in user.subscriptions if s["status"] == "active"],
               "all_subscriptions": [{"subscription": s} for s in user.subscriptions]})


def generate_access_token(site: SandboxSite, req: Req) -> Response:
    return ok(site.rotate_access_token(require_user(site, req)))


def aff(site: SandboxSite, req: Req) -> Response:
    return ok(require_user(site, req).aff_code)


def topup(site: SandboxSite, req: Req) -> Response:
    user = require_user(site, req)
    key = str(req.json_object().get("key", "")).strip()
    if not key:
        return fail("请输入兑换码！")
    if key in site.used_codes:
        return fail("该兑换码已被使用")
    if key not in site.redemption_codes:
        return fail("无效的兑换码")
    quota = site.redemption_codes[key]
    site.used_codes.add(key)
    user.quota += quota
    add_log(site, user, 1, quota, f"通过兑换码充值 ${quota / QUOTA_PER_USD:.6f} 额度")
    if site.spec.topup_style == "veloera":
        return ok({"quota": quota, "is_gift": False}, "兑换成功")
    return ok(quota, "兑换成功")


def add_log(site: SandboxSite, user: SandboxUser, type_: int, quota: int, content: str) -> None:
    user.logs.append(LogRow(id=site.ids.next_log(), user_id=user.id, username=user.username,
                            created_at=int(time.time()), type=type_, content=content, quota=quota))


# ----- logs -----------------------------------------------------------------------------------

def _filtered_logs(user: SandboxUser, req: Req, type_param: str = "type") -> list[LogRow]:
    log_type = req.int_arg(type_param, req.int_arg("type", 0))
    start, end = req.int_arg("start_timestamp", 0), req.int_arg("end_timestamp", 0)
    token_name, model_name = req.query.get("token_name", ""), req.query.get("model_name", "")
    group = req.query.get("group", "")
    rows = [
        r for r in user.logs
        if (not log_type or r.type == log_type)
        and (not start or r.created_at >= start) and (not end or r.created_at <= end)
        and (not token_name or r.token_name == token_name)
        and (not model_name or r.model_name == model_name)
        and (not group or r.group == group)
    ]
    rows.sort(key=lambda r: (r.created_at, r.id), reverse=True)
    return rows


def logs_self(site: SandboxSite, req: Req) -> Response:
    user = require_user(site, req)
    style = site.spec.log_pages
    if style == "oneapi":  # 0-based p, fixed 10 per page, bare array
        rows = _filtered_logs(user, req)
        p = max(0, req.int_arg("p", 0))
        return ok([r.to_json() for r in rows[p * 10:(p + 1) * 10]])
    if style == "onehub":  # page/size/log_type (p/page_size/type accepted too)
        rows = _filtered_logs(user, req, "log_type")
        page = max(1, req.int_arg("page", req.int_arg("p", 1)))
        size = min(100, max(1, req.int_arg("size", req.int_arg("page_size", 10))))
        items = rows[(page - 1) * size:page * size]
        return ok({"data": [r.to_json() for r in items], "page": page, "size": size,
                   "total_count": len(rows)})
    rows = _filtered_logs(user, req)
    page = max(1, req.int_arg("p", 1))
    size = min(100, max(1, req.int_arg("page_size", 10)))
    items = rows[(page - 1) * size:page * size]
    return ok({"page": page, "page_size": size, "total": len(rows),
               "items": [r.to_json() for r in items]})


def logs_self_stat(site: SandboxSite, req: Req) -> Response:
    """Sum of consumption (type 2) in the window, like New API ``SumUsedQuota``."""
    user = require_user(site, req)
    start, end = req.int_arg("start_timestamp", 0), req.int_arg("end_timestamp", 0)
    token_name, model_name = req.query.get("token_name", ""), req.query.get("model_name", "")
    rows = [r for r in user.logs if r.type == 2
            and (not start or r.created_at >= start) and (not end or r.created_at <= end)
            and (not token_name or r.token_name == token_name)
            and (not model_name or r.model_name == model_name)]
    quota = sum(r.quota for r in rows)
    if site.spec.status_flavour == "oneapi":
        return ok({"quota": quota})
    tokens = sum(r.prompt_tokens + r.completion_tokens for r in rows)
    return ok({"quota": quota, "rpm": 0, "tpm": 0, "total_requests": len(rows),
               "total_quota": quota, "total_tokens": tokens})


def data_self(site: SandboxSite, req: Req) -> Response:
    """New API's hourly usage (``QuotaData``): type-2 logs summed per hour and model in the window."""
    user = require_user(site, req)
    start, end = req.int_arg("start_timestamp", 0), req.int_arg("end_timestamp", 0)
    cells: dict[tuple[int, str], dict[str, Any]] = {}
    for r in user.logs:
        if r.type != 2 or (start and r.created_at < start) or (end and r.created_at > end):
            continue
        hour = r.created_at - r.created_at % 3600
        cell = cells.setdefault((hour, r.model_name), {
            "id": 0, "user_id": user.id, "username": user.username, "model_name": r.model_name,
            "created_at": hour, "token_used": 0, "count": 0, "quota": 0})
        cell["token_used"] += r.prompt_tokens + r.completion_tokens
        cell["count"] += 1
        cell["quota"] += r.quota
    return ok([cells[k] for k in sorted(cells)])


def routes(d: Dialect) -> list[tuple[str, str, Any]]:
    from allhub_core.sandbox._newapi_models import (  # noqa: PLC0415 - it imports require_user from here
        available_model,
        pricing,
        self_groups,
        user_group_map,
        user_models,
    )

    table: list[tuple[str, str, Any]] = [
        ("GET", "/", index_page),
        ("GET", "/api/status", status),
        ("GET", "/api/notice", notice),
        ("POST", "/api/user/login", login),
        ("GET", "/api/user/logout", logout),
        ("GET", "/api/user/self", get_self),
        ("GET", "/api/user/token", generate_access_token),
        ("GET", "/api/user/aff", aff),
        ("POST", "/api/user/topup", topup),
        ("GET", "/api/log/self", logs_self),
        ("GET", "/api/log/self/stat", logs_self_stat),
    ]
    if d.site_type == "new-api":  # the hourly usage of New API proper (not of its forks)
        table.append(("GET", "/api/data/self", data_self))
    if d.modern_auth:
        table.append(("POST", "/api/user/auth/refresh", auth_refresh))
    if d.subscriptions:
        table.append(("GET", "/api/subscription/self", subscription_self))
    for route in (d.user_models_route, d.extra_models_route):
        if route:
            table.append(("GET", route, user_models))
    if d.pricing in ("newapi", "vapi"):
        table += [("GET", "/api/pricing", pricing), ("GET", "/api/user/self/groups", self_groups)]
    elif d.pricing == "onehub":
        table += [("GET", "/api/available_model", available_model),
                  ("GET", "/api/user_group_map", user_group_map)]
    return table
