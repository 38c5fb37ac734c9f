"""Fault injection: what can go wrong between a client and a relay site.

A fault is matched per request (optionally only for one user, one path prefix or
one method) and may be limited to the first ``times`` matching requests, so retry
logic can be tested ("429 twice, then OK"). ``latency`` and ``slow`` delay the
response and let it proceed; every other kind answers instead of the site.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any

from starlette.responses import JSONResponse, Response

from allhub_core.sandbox._http import Req, html

FAULT_KINDS = {
    "latency": "delay every matching response by `ms` (default 100), then answer normally",
    "slow": "delay by `ms` (default 5000, longer than a client timeout), then answer normally",
    "429": "HTTP 429 JSON; `Retry-After: <retry_after>` only when retry_after is given",
    "403_html": "HTTP 403 Cloudflare-like HTML challenge page (text/html, server: cloudflare)",
    "403_json": "HTTP 403 JSON success:false (a real permission error, not a challenge)",
    "html_200": "HTTP 200 HTML page (text/html) where JSON was expected",
    "401": "HTTP 401 with the dialect's own unauthenticated body",
    "500": "HTTP 500 JSON error",
    "business_error": "HTTP 200 success:false (sub2api: code!=0) with `message`",
    "malformed_json": "HTTP 200 application/json whose body is truncated JSON",
    "redirect": "HTTP `status` (302 default, or 307) to `target` (default: the sandbox redirect "
    "sink, another origin) + the same path and query",
    "session_limit": "modern New API's login limit: HTTP 409 `AUTH_SESSION_LIMIT` (too many active "
    "sessions), or with status 429 `AUTH_SESSION_ISSUANCE_LIMIT` (too many new sessions; `Retry-After: 60`)",
    "echo_secret": "HTTP `status` (401 default) whose message quotes the credential the client sent "
    "(bearer token, else session cookie value, else JSON `password`), altered by `alter`: "
    "`drop_last` (default: all but its last character), `change_one` (its middle character "
    "changed) or `none`; `message` is a template with `{secret}` (default `access token {secret} 无效`)",
}
ALTERATIONS = ("drop_last", "change_one", "none")
_DELAY_KINDS = {"latency": 100, "slow": 5000}

CHALLENGE_PAGE = """<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8"></head>
<body><div class="main-wrapper" role="main"><div class="main-content">
<h1 class="zone-name-title h1">Checking if the site connection is secure</h1>
<noscript>Enable JavaScript and cookies to continue</noscript>
<script>window._cf_chl_opt={cvId:'3',cType:'managed'};</script></div></div></body></html>"""

HTML_200_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Please wait</title></head>
<body><p>This page is served instead of the API (CDN interstitial / maintenance).</p></body></html>"""


@dataclass
class Fault:
    """One injected fault; ``times=None`` means every matching request."""

    kind: str
    user_id: int | None = None
    times: int | None = None
    path: str | None = None
    """Only requests whose path starts with this."""
    method: str | None = None
    retry_after: int | float | None = None
    ms: int | None = None
    status: int | None = None
    target: str | None = None
    message: str | None = None
    alter: str | None = None
    """``echo_secret`` only: how the echoed credential is altered (``ALTERATIONS``)."""
    hits: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def matches(self, req: Req, user_id: int | None) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.user_id is not None and self.user_id != user_id:
            return False
        if self.path and not req.path.startswith(self.path):
            return False
        return not (self.method and self.method.upper() != req.method)


def make_fault(kind: str, **params: Any) -> Fault:
    """Validate and build a fault (used by the Python API and the admin endpoint)."""
    if kind not in FAULT_KINDS:
        raise ValueError(f"unknown fault kind {kind!r}; known: {', '.join(FAULT_KINDS)}")
    allowed = set(Fault.__dataclass_fields__) - {"kind", "hits"}
    unknown = set(params) - allowed
    if unknown:
        raise ValueError(f"unknown fault parameter(s): {', '.join(sorted(unknown))}")
    clean = {k: v for k, v in params.items() if v is not None}
    if "user_id" in clean:
        clean["user_id"] = int(clean["user_id"])
    if kind in _DELAY_KINDS:
        clean.setdefault("ms", _DELAY_KINDS[kind])
    if kind == "redirect" and clean.get("status", 302) not in (301, 302, 303, 307, 308):
        raise ValueError("redirect status must be 301, 302, 303, 307 or 308")
    if "alter" in clean and (kind != "echo_secret" or clean["alter"] not in ALTERATIONS):
        raise ValueError(f"alter applies to echo_secret only and is one of: {', '.join(ALTERATIONS)}")
    return Fault(kind=kind, **clean)


class FaultSet:
    """The faults of one site; safe to change from any thread."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def snapshot(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take(self, req: Req, user_id: int | None) -> tuple[int, Fault | None]:
        """Consume the faults that apply: total delay in ms, and the first answering fault."""
        delay = 0
        answer: Fault | None = None
        with self._lock:
            for f in self._faults:
                if not f.matches(req, user_id):
                    continue
                if f.kind in _DELAY_KINDS:
                    f.hits += 1
                    delay += int(f.ms or 0)
                elif answer is None:
                    f.hits += 1
                    answer = f
        return delay, answer


def fault_response(fault: Fault, req: Req, *, family: str, modern: bool, sink_url: str) -> Response:
    """The response a fault gives instead of the site's own."""
    k = fault.kind
    sub2 = family == "sub2api"
    if k == "429":
        headers = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
        msg = fault.message or "您的请求过于频繁，请稍后再试"
        body = {"code": 429, "message": msg} if sub2 else {"success": False, "message": msg}
        return JSONResponse(body, status_code=429, headers=headers)
    if k == "403_html":
        return html(CHALLENGE_PAGE, 403, {"server": "cloudflare", "cf-mitigated": "challenge"})
    if k == "403_json":
        msg = fault.message or "无权进行此操作，权限不足"
        body = {"code": 403, "message": msg} if sub2 else {"success": False, "message": msg}
        return JSONResponse(body, status_code=403)
    if k == "html_200":
        return html(HTML_200_PAGE, 200)
    if k == "401":
        if sub2:
            body = {"code": "UNAUTHORIZED", "message": fault.message or "Invalid or expired token"}
        elif modern:
            body = {"success": False, "code": "AUTH_UNAUTHORIZED",
                    "message": fault.message or "未登录或登录已过期"}
        else:
            body = {"success": False, "message": fault.message or "无权进行此操作，未登录且未提供 access token"}
        return JSONResponse(body, status_code=401)
    if k == "500":
        msg = fault.message or "服务器内部错误"
        body = {"code": 500, "message": msg} if sub2 else {"success": False, "message": msg}
        return JSONResponse(body, status_code=fault.status or 500)
    if k == "business_error":
        msg = fault.message or "操作失败（sandbox 注入的业务错误）"
        body = {"code": 1, "message": msg} if sub2 else {"success": False, "message": msg}
        return JSONResponse(body, status_code=200)
    if k == "malformed_json":
        return Response(b'{"success": true, "message": "", "data": {"quota": 12', 200,
                        media_type="application/json")
    if k == "redirect":
        base = (fault.target or sink_url).rstrip("/")
        location = base + req.path + (f"?{req.query_string}" if req.query_string else "")
        return Response(b"", status_code=fault.status or 302, headers={"Location": location})
    if k == "session_limit":
        if fault.status == 429:
            return JSONResponse({"success": False, "code": "AUTH_SESSION_ISSUANCE_LIMIT",
                                 "message": fault.message or "登录过于频繁，请稍后再试"},
                                status_code=429, headers={"Retry-After": "60"})
        return JSONResponse({"success": False, "code": "AUTH_SESSION_LIMIT",
                             "message": fault.message or "活跃会话数量已达上限，请先退出其他设备"}, status_code=409)
    if k == "echo_secret":
        secret = _altered(_sent_secret(req), fault.alter or "drop_last")
        msg = (fault.message or "access token {secret} 无效").replace("{secret}", secret)
        status = fault.status or 401
        body = {"code": "INVALID_TOKEN", "message": msg} if sub2 else {"success": False, "message": msg}
        return JSONResponse(body, status_code=status)
    raise AssertionError(k)  # make_fault validated the kind


def _sent_secret(req: Req) -> str:
    """The credential a request carried: bearer token, else session cookie, else a JSON password."""
    auth = req.headers.get("authorization", "").strip()
    if auth:
        return auth[7:].strip() if auth[:7].lower() == "bearer " else auth
    if req.cookies:
        return req.cookies.get("session") or next(iter(req.cookies.values()))
    return str(req.json_object().get("password") or "")


def _altered(secret: str, how: str) -> str:
    """What a careless site echoes: the secret cut short, or with one character changed."""
    if how == "drop_last":
        return secret[:-1]
    if how == "change_one" and secret:
        mid = len(secret) // 2
        return secret[:mid] + ("X" if secret[mid] != "X" else "Y") + secret[mid + 1:]
    return secret
