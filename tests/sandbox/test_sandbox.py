"""The sandbox relay sites, exercised over real loopback HTTP with httpx.

One sandbox with every dialect serves the whole module; each test starts from the
seeded state (``reset`` after each test). Tests assert behaviour, never timing,
except that a "slow"/"latency" response takes at least its delay.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from allhub_core.sandbox import (
    DIALECTS,
    FAULT_KINDS,
    QUOTA_PER_USD,
    TURNSTILE_OK,
    USER_ID_HEADERS,
    SandboxSite,
    get_dialect,
    start_sandbox,
    today_window,
)

EXPECTED_SITE_TYPE = {
    "new-api": "new-api", "new-api-modern": "new-api", "one-api": "one-api",
    "veloera": "Veloera", "one-hub": "one-hub", "done-hub": "done-hub",
    "anyrouter": "anyrouter", "wong-gongyi": "wong-gongyi", "sub2api": "sub2api",
    "v-api": "v-api", "voapi": "VoAPI", "super-api": "Super-API", "rix-api": "Rix-Api",
    "neo-api": "neo-Api", "voapi-v2": "voapi-v2", "unknown": "unknown",
}
HEADER_DIALECTS = {
    "new-api": "New-Api-User", "veloera": "Veloera-User", "anyrouter": "New-Api-User",
    "wong-gongyi": "New-Api-User", "v-api": "X-Api-User", "voapi": "voapi-user",
    "super-api": "User-id", "rix-api": "Rix-Api-User", "neo-api": "neo-api-user",
}
NEWAPI_FAMILY = [d for d, spec in DIALECTS.items() if spec.family == "newapi"]


@pytest.fixture(scope="module")
def sb():
    with start_sandbox(users_per_site=3, seed=7) as sandbox:
        yield sandbox


@pytest.fixture(autouse=True)
def _fresh(request):
    yield
    if "sb" in request.fixturenames:
        sandbox = request.getfixturevalue("sb")
        for s in sandbox.sites:
            s.reset()
        sandbox.redirect_sink.clear_requests()


def client(site) -> httpx.Client:
    return httpx.Client(base_url=site.url, timeout=10)


def creds(user, **extra) -> dict[str, str]:
    """What the extension sends: Bearer PAT plus the user id under every header name."""
    headers = {"Authorization": f"Bearer {user.access_token}"}
    headers.update({name: str(user.id) for name in USER_ID_HEADERS})
    headers.update(extra)
    return headers


def get(site, path, user=None, **kw):
    headers = kw.pop("headers", None) or (creds(user) if user else {})
    with client(site) as c:
        return c.get(path, headers=headers, **kw)


def post(site, path, user=None, **kw):
    headers = kw.pop("headers", None) or (creds(user) if user else {})
    kw.setdefault("json", {})
    with client(site) as c:
        return c.post(path, headers=headers, **kw)


# ----- detection signals (site-api.md 1.1) ----------------------------------------------

TITLE_RULES = [  # per-type title regexes, as the extension builds them
    ("anyrouter", r"any\s*router"), ("wong-gongyi", r"wong\s*公益站"), ("new-api", r"\bnew[-_ ]?api\b"),
    ("one-api", r"\bone[-_ ]?api\b"), ("Veloera", r"\bveloera\b"), ("one-hub", r"\bone[-_ ]?hub\b"),
    ("done-hub", r"\bdone[-_ ]?hub\b"), ("v-api", r"\bv[-_ ]?api\b"), ("VoAPI", r"\bvoapi\b"),
    ("Super-API", r"\bsuper[-_ ]?api\b"), ("Rix-Api", r"\brix[-_ ]?api\b"), ("neo-Api", r"\bneo[-_ ]?api\b"),
]
HEADER_RULES = [("Veloera-User", "Veloera"), ("New-Api-User", "new-api"), ("X-Api-User", "v-api"),
                ("voapi-user", "VoAPI"), ("Rix-Api-User", "Rix-Api"), ("neo-api-user", "neo-Api")]


def detect(site) -> str:
    """A miniature of the extension's detection order, using only the sandbox's signals."""
    with client(site) as c:
        info = c.get("/api/user/info")
        try:
            body = info.json()
            if isinstance(body.get("code"), int) and body.get("data") is None \
                    and re.search(r"unauthorized|auth expire|token|jwt", body.get("msg", ""), re.I):
                return "voapi-v2"
        except ValueError:
            pass
        me = c.get("/api/v1/auth/me")
        try:
            if isinstance(me.json().get("code"), str):
                return "sub2api"
        except ValueError:
            pass
        title = re.search(r"<title>(.*?)</title>", c.get("/").text).group(1)
        for site_type, rule in TITLE_RULES:
            if re.search(rule, title, re.I):
                return site_type
        msg = c.get("/api/user/self", headers={"Cookie": site.users[0].cookie}).json().get("message", "")
        for header, site_type in HEADER_RULES:
            if header in msg:
                return site_type
    return "unknown"


@pytest.mark.parametrize("dialect", list(DIALECTS))
def test_site_type_and_detection_signals(sb, dialect):
    site = sb.site(dialect)
    assert site.site_type == EXPECTED_SITE_TYPE[dialect] == get_dialect(dialect).site_type
    assert site.dialect == dialect and site.url.startswith("http://127.0.0.1:")
    assert detect(site) == site.site_type


@pytest.mark.parametrize("dialect", NEWAPI_FAMILY)
def test_status_fields_per_flavour(sb, dialect):
    site = sb.site(dialect)
    r = get(site, "/api/status")
    assert r.status_code == 200 and r.json()["success"] is True
    data = r.json()["data"]
    assert data["system_name"] == site.name and data["quota_per_unit"] == 500000
    assert data["turnstile_check"] is False
    if dialect in ("one-api", "one-hub", "done-hub"):
        assert "price" not in data and "checkin_enabled" not in data
    elif dialect == "veloera":
        assert data["price"] == 7.3 and data["check_in_enabled"] is True and "checkin_enabled" not in data
    else:
        assert data["price"] == 7.3 and data["checkin_enabled"] is True
    assert get(site, "/api/status", headers={"Authorization": "x"}).status_code == 200
    assert get(site, "/api/notice").json()["data"] == ""


def test_sub2api_public_signals(sb):
    site = sb.site("sub2api")
    r = get(site, "/api/v1/auth/me")
    assert r.status_code == 401 and isinstance(r.json()["code"], str)
    assert get(site, "/api/v1/settings/public").json()["data"]["site_name"] == "Sub2API"
    assert "<title>Sub2API</title>" in get(site, "/").text


def test_voapi_v2_protocol(sb):
    """Raw JWT, ``{code,data,msg}``, balances as USD strings, check-in once a day (site-api.md 2.6, 6.5)."""
    site = sb.site("voapi-v2")
    u = site.users[0]
    raw = {"Authorization": u.access_token}
    assert re.fullmatch(r"^(?:.* - )?VoAPI公益站$", re.search(r"<title>(.*?)</title>", get(site, "/").text).group(1))
    assert get(site, "/api/status").status_code == 404
    anon = get(site, "/api/user/info").json()
    assert anon["code"] == 2 and anon["data"] is None and "unauthorized" in anon["msg"]
    assert get(site, "/api/user/info", headers={"Authorization": f"Bearer {u.access_token}"}).json()["code"] == 2
    info = get(site, "/api/user/info", headers=raw).json()
    assert info["code"] == 0 and info["data"]["id"] == u.id and info["data"]["username"] == u.username
    assert round(float(info["data"]["basicBalance"]) * QUOTA_PER_USD) == u.quota
    start, end = today_window()
    d = get(site, "/api/dash/statistics", headers=raw,
            params={"t": "h", "s": start * 1000, "e": end * 1000 + 999}).json()["data"]["d"]
    assert round(float(d["usedBasicBalance"]) * QUOTA_PER_USD) == u.today_consumption
    assert d["requests"] == len([r for r in u.logs if r.type == 2 and start <= r.created_at <= end])
    assert get(site, "/api/check_in/stats", headers=raw).json()["data"]["todaySigned"] is False
    before = u.quota
    first = post(site, "/api/check_in", headers=raw).json()
    assert first["code"] == 0 and u.quota == before + round(float(first["data"]["amount"]) * QUOTA_PER_USD)
    again = post(site, "/api/check_in", headers=raw).json()
    assert again["code"] == 1 and "signed" in again["msg"]
    assert get(site, "/api/check_in/stats", headers=raw).json()["data"]["todaySigned"] is True
    site.checkin_enabled = False
    off = post(site, "/api/check_in", headers={"Authorization": site.users[1].access_token}).json()
    assert off["code"] not in (0, 1) and "not enabled" in off["msg"]


# ----- auth rules ----------------------------------------------------------------------------

@pytest.mark.parametrize("dialect", list(HEADER_DIALECTS))
def test_user_id_header_is_required_and_checked(sb, dialect):
    site, header = sb.site(dialect), HEADER_DIALECTS[dialect]
    u, other = site.users[0], site.users[1]
    bearer = {"Authorization": f"Bearer {u.access_token}"}
    cases = [
        ({}, f"无权进行此操作，未提供 {header}"),
        ({header: "abc"}, f"无权进行此操作，{header} 格式错误"),
        ({header: str(other.id)}, f"无权进行此操作，{header} 与登录用户不匹配"),
    ]
    for extra, message in cases:
        r = get(site, "/api/user/self", headers={**bearer, **extra})
        assert r.status_code == 401 and r.json() == {"success": False, "message": message}
    r = get(site, "/api/user/self", headers={**bearer, header: str(u.id)})
    assert r.status_code == 200 and r.json()["data"]["id"] == u.id


@pytest.mark.parametrize("dialect", ["new-api", "one-api", "veloera"])
def test_missing_and_invalid_access_token(sb, dialect):
    site = sb.site(dialect)
    r = get(site, "/api/user/self")
    assert r.status_code == 401
    assert r.json() == {"success": False, "message": "无权进行此操作，未登录且未提供 access token"}
    r = get(site, "/api/user/self", headers=creds(site.users[0], Authorization="Bearer nope"))
    assert r.status_code == 200
    assert r.json() == {"success": False, "message": "无权进行此操作，access token 无效"}


def test_classic_accepts_bare_token_and_session_cookie(sb):
    site = sb.site("new-api")
    u = site.users[1]
    r = get(site, "/api/user/self", headers={"Authorization": u.access_token, "New-Api-User": str(u.id)})
    assert r.json()["data"]["username"] == u.username
    r = get(site, "/api/user/self", headers={"Cookie": u.cookie, "New-Api-User": str(u.id)})
    assert r.json()["data"]["id"] == u.id
    r = get(site, "/api/user/self", headers={"Cookie": u.cookie})
    assert r.status_code == 401 and "New-Api-User" in r.json()["message"]


@pytest.mark.parametrize("dialect", ["new-api-modern", "one-api", "one-hub", "done-hub", "unknown"])
def test_no_user_id_check(sb, dialect):
    site = sb.site(dialect)
    u = site.users[2]
    r = get(site, "/api/user/self", headers={"Authorization": f"Bearer {u.access_token}",
                                            "New-Api-User": str(site.users[0].id)})
    assert r.status_code == 200 and r.json()["data"]["id"] == u.id


def test_modern_new_api_auth_bundle_and_coded_401(sb):
    site = sb.site("new-api-modern")
    u = site.users[0]
    r = get(site, "/api/user/self", headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401 and r.json()["code"] == "AUTH_UNAUTHORIZED" and r.json()["success"] is False
    assert get(site, "/api/user/self").json()["code"] == "AUTH_UNAUTHORIZED"
    with client(site) as c:
        r = c.post("/api/user/login", json={"username": u.username, "password": u.password})
        bundle = r.json()["data"]
        assert bundle["token_type"] == "Bearer" and bundle["access_expires_at"] > time.time()
        assert bundle["session"]["current"] is True and bundle["session"]["sid"]
        assert bundle["user"]["id"] == u.id
        jwt = bundle["access_token"]
        old_cookie = c.cookies.get("refresh_token")
        assert old_cookie
        # the short-lived JWT works once, without any user-id header
        me = c.get("/api/user/self", headers={"Authorization": f"Bearer {jwt}"}).json()["data"]
        assert me["id"] == u.id and "access_token" not in me
        pat = c.get("/api/user/token", headers={"Authorization": f"Bearer {jwt}"}).json()["data"]
        assert pat == u.access_token
        r = c.post("/api/user/auth/refresh")
        assert r.json()["data"]["access_token"] != jwt
        assert c.cookies.get("refresh_token") != old_cookie
    r = post(site, "/api/user/auth/refresh", headers={"Cookie": f"refresh_token={old_cookie}"})
    assert r.status_code == 401 and r.json()["code"] == "AUTH_SESSION_REVOKED"
    site.expire_access_tokens()
    r = get(site, "/api/user/self", headers={"Authorization": f"Bearer {jwt}"})
    assert r.status_code == 401 and r.json()["code"] == "AUTH_TOKEN_EXPIRED"
    assert get(site, "/api/user/self", u).status_code == 200  # the PAT still works
    assert post(sb.site("new-api"), "/api/user/auth/refresh").status_code == 404


# ----- login and access-token rotation --------------------------------------------------------

def test_login_sets_session_and_special_users(sb):
    site = sb.site("new-api")
    u = site.users[0]
    with client(site) as c:
        r = c.post("/api/user/login", json={"username": u.username, "password": u.password})
        assert r.json()["success"] is True and r.json()["data"]["id"] == u.id
        assert c.cookies.get("session")
        me = c.get("/api/user/self", headers={"New-Api-User": str(u.id)})
        assert me.json()["data"]["username"] == u.username
    bad = post(site, "/api/user/login", json={"username": u.username, "password": "x"}).json()
    assert bad == {"success": False, "message": "用户名或密码错误，或用户已被封禁"}
    twofa = site.add_user(two_factor=True)
    r = post(site, "/api/user/login", json={"username": twofa.username, "password": twofa.password})
    assert r.json() == {"success": True, "message": "请输入两步验证码", "data": {"require_2fa": True}}
    assert "session" not in r.cookies
    ts = site.add_user(turnstile=True)
    body = {"username": ts.username, "password": ts.password}
    assert post(site, "/api/user/login", json=body).json()["message"] == "Turnstile token 为空"
    assert post(site, f"/api/user/login?turnstile={TURNSTILE_OK}", json=body).json()["success"] is True
    banned = site.add_user(disabled=True)
    r = post(site, "/api/user/login", json={"username": banned.username, "password": banned.password})
    assert r.json()["success"] is False


def test_access_token_rotation_invalidates_previous(sb):
    site = sb.site("new-api")
    u = site.users[0]
    old_headers = creds(u)
    r = get(site, "/api/user/token", u)
    new = r.json()["data"]
    assert isinstance(new, str) and new and new != old_headers["Authorization"][7:]
    assert u.access_token == new
    r = get(site, "/api/user/self", headers=old_headers)
    assert r.json() == {"success": False, "message": "无权进行此操作，access token 无效"}
    assert get(site, "/api/user/self", u).json()["data"]["id"] == u.id


@pytest.mark.parametrize("dialect", NEWAPI_FAMILY)
def test_self_balance(sb, dialect):
    site = sb.site(dialect)
    for u in site.users:
        data = get(site, "/api/user/self", u).json()["data"]
        assert data["quota"] == u.quota and data["username"] == u.username
    data = get(site, "/api/user/self", site.users[0]).json()["data"]
    if dialect == "one-api":
        assert data["access_token"] == ""
    else:
        assert "access_token" not in data


# ----- logs ------------------------------------------------------------------------------------

def _today_params(**kw):
    start, end = today_window()
    return {"start_timestamp": start, "end_timestamp": end, **kw}


@pytest.mark.parametrize("dialect", NEWAPI_FAMILY)
def test_stat_matches_today_consumption(sb, dialect):
    site = sb.site(dialect)
    u = site.users[0]
    r = get(site, "/api/log/self/stat", u, params=_today_params(type=2, p=1))
    assert r.json()["data"]["quota"] == u.today_consumption > 0
    all_time = get(site, "/api/log/self/stat", u, params={"type": 2}).json()["data"]["quota"]
    assert all_time > u.today_consumption  # yesterday's rows are outside the window


def _walk_newapi_logs(site, u, log_type):
    seen, page = [], 1
    while True:
        data = get(site, "/api/log/self", u,
                   params=_today_params(p=page, page_size=10, type=log_type)).json()["data"]
        assert data["page"] == page and data["page_size"] == 10
        seen += data["items"]
        if page * 10 >= data["total"]:
            return seen, data["total"]
        page += 1


def test_new_api_log_paging_and_types(sb):
    site = sb.site("new-api")
    u = site.users[0]
    rows, total = _walk_newapi_logs(site, u, 2)
    assert total == len(rows) > 20 and len({r["id"] for r in rows}) == total
    assert sum(r["quota"] for r in rows) == u.today_consumption
    assert all(r["type"] == 2 for r in rows)
    income = sum(r["quota"] for t in (1, 4) for r in _walk_newapi_logs(site, u, t)[0])
    assert income == u.today_income > 0
    # p < 1 is normalised to 1; page_size is capped at 100
    data = get(site, "/api/log/self", u, params={"p": 0, "page_size": 1000}).json()["data"]
    assert data["page"] == 1 and data["page_size"] == 100 and len(data["items"]) == data["total"]


def test_one_api_log_paging_is_zero_based_bare_arrays(sb):
    site = sb.site("one-api")
    u = site.users[0]
    pages, p = [], 0
    while True:
        items = get(site, "/api/log/self", u, params=_today_params(p=p, type=2)).json()["data"]
        assert isinstance(items, list) and len(items) <= 10
        if not items:
            break
        pages.append(items)
        p += 1
    assert len(pages) >= 3 and sum(r["quota"] for page in pages for r in page) == u.today_consumption


@pytest.mark.parametrize("dialect", ["done-hub", "one-hub"])
def test_hub_log_paging(sb, dialect):
    site = sb.site(dialect)
    u = site.users[0]
    data = get(site, "/api/log/self", u, params=_today_params(page=2, size=10, log_type=2)).json()["data"]
    assert set(data) == {"data", "page", "size", "total_count"}
    assert data["page"] == 2 and len(data["data"]) == 10 and data["total_count"] > 20


# ----- check-in --------------------------------------------------------------------------------

def test_new_api_checkin_twice(sb):
    site = sb.site("new-api")
    u = site.users[0]
    status = get(site, "/api/user/checkin", u, params={"month": time.strftime("%Y-%m")}).json()
    assert "message" not in status and status["data"]["stats"]["checked_in_today"] is False
    before = u.quota
    first = post(site, "/api/user/checkin", u).json()
    assert first["success"] is True and first["message"] == "签到成功"
    assert u.quota == before + first["data"]["quota_awarded"]
    assert first["data"]["checkin_date"] == time.strftime("%Y-%m-%d")
    assert post(site, "/api/user/checkin", u).json() == {"success": False, "message": "今日已签到"}
    stats = get(site, "/api/user/checkin", u).json()["data"]["stats"]
    assert stats["checked_in_today"] is True and stats["checkin_count"] == 1
    # the reward is a system (type 4) log row of today
    rows = get(site, "/api/log/self", u, params=_today_params(type=4, page_size=100)).json()["data"]["items"]
    assert first["data"]["quota_awarded"] in [r["quota"] for r in rows]


def test_veloera_checkin_twice(sb):
    site = sb.site("veloera")
    u = site.users[1]
    assert get(site, "/api/user/check_in_status", u).json()["data"] == {"can_check_in": True}
    first = post(site, "/api/user/check_in", u).json()
    assert first["success"] is True and first["data"]["quota"] > 0
    again = post(site, "/api/user/check_in", u).json()
    assert again["success"] is False and "已经签到" in again["message"]
    assert get(site, "/api/user/check_in_status", u).json()["data"] == {"can_check_in": False}


def test_anyrouter_sign_in_needs_cookie_and_repeats_with_empty_message(sb):
    site = sb.site("anyrouter")
    u = site.users[0]
    headers = {"Cookie": u.cookie, "New-Api-User": str(u.id), "X-Requested-With": "XMLHttpRequest"}
    assert post(site, "/api/user/sign_in", headers={"Authorization": f"Bearer {u.access_token}",
                                                   "New-Api-User": str(u.id)}).status_code == 401
    first = post(site, "/api/user/sign_in", headers=headers).json()
    assert first["success"] is True and "签到成功" in first["message"]
    again = post(site, "/api/user/sign_in", headers=headers).json()
    assert again["success"] is True and again["message"] == ""
    assert get(site, "/api/user/checkin", u).status_code == 404


def test_wong_checkin_payload(sb):
    site = sb.site("wong-gongyi")
    u = site.users[0]
    status = get(site, "/api/user/checkin", u).json()["data"]
    assert status["checked_in"] is False and status["enabled"] is True
    assert {"checked_at", "max_quota", "min_quota", "quota"} <= set(status)
    first = post(site, "/api/user/checkin", u).json()
    assert first["success"] is True and first["data"]["checked_in"] is True
    again = post(site, "/api/user/checkin", u).json()
    assert again["success"] is False and again["message"] == "今日已签到" and again["data"]["checked_in"]


@pytest.mark.parametrize("dialect", ["one-api", "one-hub", "done-hub"])
def test_no_checkin_routes(sb, dialect):
    site = sb.site(dialect)
    assert post(site, "/api/user/checkin", site.users[0]).status_code == 404


def test_turnstile_mode_and_disabled_checkin(sb):
    site = sb.site("new-api")
    u = site.users[2]
    site.turnstile = True
    assert get(site, "/api/status").json()["data"]["turnstile_check"] is True
    assert post(site, "/api/user/checkin", u).json() == {"success": False, "message": "Turnstile token 为空"}
    bad = post(site, "/api/user/checkin?turnstile=forged", u).json()
    assert bad["success"] is False and "Turnstile 校验失败" in bad["message"]
    assert post(site, f"/api/user/checkin?turnstile={TURNSTILE_OK}", u).json()["success"] is True
    site.turnstile, site.checkin_enabled = False, False
    assert post(site, "/api/user/checkin", site.users[1]).json()["message"] == "签到功能未启用"


# ----- tokens ----------------------------------------------------------------------------------

def list_all_tokens(site, u) -> list[dict]:
    """Walk the token list the way the extension does for this dialect (site-api.md 7.1)."""
    style, out = site.spec.token_pages, []
    if style == "onehub":
        page = 1
        while True:
            data = get(site, "/api/token/", u, params={"page": page, "size": 5}).json()["data"]
            out += data["data"]
            if (page - 1) * data["size"] + len(data["data"]) >= data["total_count"]:
                return out
            page += 1
    if style in ("oneapi", "veloera"):
        p = 0
        while True:
            items = get(site, "/api/token/", u, params={"p": p, "size": 5}).json()["data"]
            assert isinstance(items, list)
            out += items
            if not items or (style == "veloera" and len(items) < 5):
                return out
            assert style == "veloera" or len(items) <= 10
            p += 1
    p = 1
    while True:
        data = get(site, "/api/token/", u, params={"p": p, "page_size": 5, "size": 100}).json()["data"]
        out += data["items"]
        if (data["page"] - 1) * data["page_size"] + len(data["items"]) >= data["total"]:
            return out
        p += 1


@pytest.mark.parametrize("dialect", NEWAPI_FAMILY)
def test_token_list_create_update_reveal_delete(sb, dialect):
    site = sb.site(dialect)
    u = site.users[0]
    listed = list_all_tokens(site, u)
    assert sorted(t["id"] for t in listed) == sorted(t.id for t in u.tokens) and len(listed) == 12
    masked = all("*" in t["key"] for t in listed)
    assert masked == site.spec.masks_keys
    assert ("group" in listed[0]) == (dialect != "one-api")
    body = {"name": "user group (auto)", "remain_quota": 0, "expired_time": -1, "unlimited_quota": True,
            "model_limits_enabled": False, "model_limits": "", "allow_ips": "", "group": ""}
    r = post(site, "/api/token/", u, json=body).json()
    assert r["success"] is True
    assert ("data" in r) == (dialect == "one-api")
    new_ids = {t["id"] for t in list_all_tokens(site, u)} - {t["id"] for t in listed}
    assert len(new_ids) == 1
    new_id = new_ids.pop()
    full = next(t.key for t in u.tokens if t.id == new_id)
    if site.spec.reveal_method:
        with client(site) as c:
            r = c.request(site.spec.reveal_method, f"/api/token/{new_id}/key", headers=creds(u))
        assert r.json()["data"] == {"key": full}
    else:
        assert post(site, f"/api/token/{new_id}/key", u).status_code == 404
    with client(site) as c:
        r = c.put("/api/token/", headers=creds(u), json={**body, "id": new_id, "name": "renamed"})
        assert r.json()["data"]["name"] == "renamed"
        assert c.get(f"/api/token/{new_id}", headers=creds(u)).json()["data"]["name"] == "renamed"
        assert c.delete(f"/api/token/{new_id}", headers=creds(u)).json()["success"] is True
        assert c.delete(f"/api/token/{new_id}", headers=creds(u)).json()["success"] is False


def test_token_pagination_shapes(sb):
    u0 = lambda d: (sb.site(d), sb.site(d).users[0])  # noqa: E731
    site, u = u0("new-api")
    data = get(site, "/api/token/", u, params={"p": 0, "size": 100}).json()["data"]
    assert data["page"] == 1 and data["page_size"] == 10 and data["total"] == 12  # size ignored
    site, u = u0("one-api")
    assert len(get(site, "/api/token/", u, params={"p": 0, "size": 100}).json()["data"]) == 10
    assert len(get(site, "/api/token/", u, params={"p": 1}).json()["data"]) == 2
    assert get(site, "/api/token/", u, params={"p": 2}).json()["data"] == []
    site, u = u0("veloera")
    assert len(get(site, "/api/token/", u, params={"p": 0, "size": 100}).json()["data"]) == 12
    site, u = u0("done-hub")
    data = get(site, "/api/token/", u, params={"page": 1, "size": 100}).json()["data"]
    assert data["total_count"] == 12 and data["size"] == 100 and len(data["data"]) == 12


def test_token_name_limits(sb):
    site = sb.site("veloera")
    r = post(site, "/api/token/", site.users[0], json={"name": "x" * 31}).json()
    assert r == {"success": False, "message": "令牌名称过长"}
    assert post(site, "/api/token/", site.users[0], json={"name": "x" * 30}).json()["success"]


# ----- models, pricing, redemption -----------------------------------------------------------

def test_models_groups_pricing(sb):
    site = sb.site("new-api")
    u = site.users[0]
    assert "gpt-4o" in get(site, "/api/user/models", u).json()["data"]
    groups = get(site, "/api/user/self/groups", u).json()["data"]
    assert groups["default"] == {"desc": "默认分组", "ratio": 1.0}
    pricing = get(site, "/api/pricing").json()
    assert "message" not in pricing and pricing["success"] is True
    assert isinstance(pricing["group_ratio"], dict) and isinstance(pricing["usable_group"], dict)
    assert {"model_name", "quota_type", "model_ratio", "completion_ratio", "enable_groups"} <= set(pricing["data"][0])
    vapi = sb.site("v-api")
    vu = vapi.users[0]
    assert get(vapi, "/api/user/available_models", vu).json()["data"]
    assert get(vapi, "/api/user/self/groups", vu).json()["data"]["vip"] == "VIP 分组=x 0.8倍"
    assert "group_names" in get(vapi, "/api/pricing").json()
    one = sb.site("one-api")
    assert get(one, "/api/user/models", one.users[0]).status_code == 404
    assert get(one, "/api/user/available_models", one.users[0]).json()["data"]
    assert get(one, "/api/pricing").status_code == 404
    hub = sb.site("one-hub")
    model = get(hub, "/api/available_model").json()["data"]["gpt-4o"]
    assert model["price"]["type"] == "tokens" and "groups" in model
    assert get(hub, "/api/user_group_map", hub.users[0]).json()["data"]["vip"]["ratio"] == 0.8


@pytest.mark.parametrize("dialect", ["new-api", "veloera", "one-api"])
def test_redemption(sb, dialect):
    site = sb.site(dialect)
    u = site.users[0]
    code, value = next(iter(site.redemption_codes.items()))
    before = u.quota
    r = post(site, "/api/user/topup", u, json={"key": code}).json()
    assert r["success"] is True
    assert r["data"] == ({"quota": value, "is_gift": False} if dialect == "veloera" else value)
    assert u.quota == before + value
    assert post(site, "/api/user/topup", u, json={"key": code}).json() == {"success": False, "message": "该兑换码已被使用"}
    assert post(site, "/api/user/topup", u, json={"key": "nope"}).json()["success"] is False


# ----- sub2api ------------------------------------------------------------------------------------

def s2(user) -> dict[str, str]:
    return {"Authorization": f"Bearer {user.access_token}"}


def test_sub2api_me_balance_usage_keys(sb):
    site = sb.site("sub2api")
    u = site.users[0]
    me = get(site, "/api/v1/auth/me", headers=s2(u)).json()
    assert me["code"] == 0 and me["message"] == "success"
    assert me["data"]["balance"] == u.balance_usd and round(me["data"]["balance"] * QUOTA_PER_USD) == u.quota
    stats = get(site, "/api/v1/usage/stats", headers=s2(u), params={"period": "today"}).json()["data"]
    assert round(stats["total_actual_cost"] * QUOTA_PER_USD) == u.today_consumption
    keys = get(site, "/api/v1/keys", headers=s2(u), params={"page": 1, "page_size": 100}).json()["data"]
    assert keys["total"] == 12 and all(k["key"].startswith("sk-") and "*" not in k["key"] for k in keys["items"])
    with client(site) as c:
        r = c.post("/api/v1/keys", headers=s2(u), json={"name": "k", "group_id": 1, "quota": 2.5, "ip_whitelist": []})
        new = r.json()["data"]
        assert new["quota"] == 2.5 and new["group_id"] == 1 and new["expires_at"] is None
        r = c.put(f"/api/v1/keys/{new['id']}", headers=s2(u), json={"name": "k2"})
        assert r.json()["data"]["name"] == "k2"
        assert c.delete(f"/api/v1/keys/{new['id']}", headers=s2(u)).json()["code"] == 0
        assert c.get(f"/api/v1/keys/{new['id']}", headers=s2(u)).status_code == 404
        assert c.get("/v1/models", headers={"Authorization": f"Bearer {keys['items'][0]['key']}"}).json()["data"]
    groups = get(site, "/api/v1/groups/available", headers=s2(u)).json()["data"]
    rates = get(site, "/api/v1/groups/rates", headers=s2(u)).json()["data"]
    assert {str(g["id"]) for g in groups} == set(rates)


def test_sub2api_refresh_rotation_and_expiry(sb):
    site = sb.site("sub2api")
    u = site.users[1]
    old_access, old_refresh = u.access_token, u.refresh_token
    assert u.token_expires_at > time.time() * 1000
    r = post(site, "/api/v1/auth/refresh", json={"refresh_token": old_refresh}, headers=s2(u))
    pair = r.json()["data"]
    assert r.json()["code"] == 0 and pair["refresh_token"] != old_refresh and pair["expires_in"] > 0
    assert (u.access_token, u.refresh_token) == (pair["access_token"], pair["refresh_token"])
    r = post(site, "/api/v1/auth/refresh", json={"refresh_token": old_refresh})
    assert r.status_code == 401 and r.json()["code"] not in (0, None)
    site.expire_access_tokens(u.id)
    r = get(site, "/api/v1/auth/me", headers={"Authorization": f"Bearer {old_access}"})
    assert r.status_code == 401 and r.json()["code"] == "TOKEN_EXPIRED"
    assert get(site, "/api/v1/auth/me", headers={"Authorization": f"Bearer {pair['access_token']}"}).status_code == 401
    pair2 = post(site, "/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}).json()["data"]
    assert get(site, "/api/v1/auth/me", headers={"Authorization": f"Bearer {pair2['access_token']}"}).json()["data"]["id"] == u.id


def test_sub2api_login(sb):
    site = sb.site("sub2api")
    u = site.users[2]
    r = post(site, "/api/v1/auth/login", json={"email": u.email, "password": u.password}).json()
    assert r["code"] == 0 and r["data"]["user"]["id"] == u.id and r["data"]["refresh_token"] == u.refresh_token
    r = post(site, "/api/v1/auth/login", json={"email": u.email, "password": "bad"})
    assert r.status_code == 401 and isinstance(r.json()["code"], str)


# ----- faults -------------------------------------------------------------------------------------

def test_fault_kinds_are_documented():
    assert set(FAULT_KINDS) == {"latency", "slow", "429", "403_html", "403_json", "html_200", "401", "500",
                                "business_error", "malformed_json", "redirect", "echo_secret", "session_limit"}
    with pytest.raises(ValueError):
        SandboxSite(get_dialect("new-api")).inject("teapot")
    with pytest.raises(ValueError):
        SandboxSite(get_dialect("new-api")).inject("echo_secret", alter="shuffle")
    with pytest.raises(ValueError):
        SandboxSite(get_dialect("new-api")).inject("500", alter="drop_last")


def test_echo_secret_fault_quotes_the_credential_altered(sb):
    site = sb.site("new-api")
    u = site.users[0]
    site.inject("echo_secret", times=1)
    r = get(site, "/api/user/self", u)
    assert r.status_code == 401 and r.json() == {"success": False, "message": f"access token {u.access_token[:-1]} 无效"}
    site.inject("echo_secret", alter="change_one", status=200, message="bad {secret}!", times=1)
    msg = get(site, "/api/user/self", u).json()["message"]
    assert msg.startswith("bad ") and msg != f"bad {u.access_token}!" and len(msg) == len(u.access_token) + 5
    site.inject("echo_secret", alter="none", path="/api/user/login", times=1)
    r = post(site, "/api/user/login", json={"username": u.username, "password": u.password})
    assert u.password in r.json()["message"]
    sub = sb.site("sub2api")
    sub.inject("echo_secret", times=1)
    r = get(sub, "/api/v1/auth/me", headers=s2(sub.users[0]))
    assert r.status_code == 401 and r.json()["code"] == "INVALID_TOKEN"


def test_checkin_message_and_name_knobs_are_reset(sb):
    site = sb.site("veloera")
    u = site.users[1]
    site.checkin_message, site.name = "custom \x1b[2J message", "Renamed"
    assert get(site, "/api/status").json()["data"]["system_name"] == "Renamed"
    r = post(site, "/api/user/check_in", u)
    assert r.json()["message"] == "custom \x1b[2J message"
    site.reset()
    assert site.checkin_message is None and site.name == "Veloera"


def test_429_with_retry_after_first_k_then_ok(sb):
    site = sb.site("new-api")
    u = site.users[0]
    site.inject("429", retry_after=2, times=2)
    for _ in range(2):
        r = get(site, "/api/user/self", u)
        assert r.status_code == 429 and r.headers["retry-after"] == "2"
        assert r.headers["content-type"].startswith("application/json")
    assert get(site, "/api/user/self", u).status_code == 200
    site.inject("429")
    r = get(site, "/api/status")
    assert r.status_code == 429 and "retry-after" not in r.headers
    assert get(site, "/api/status").status_code == 429  # times=None: every request
    site.clear_faults()
    assert get(site, "/api/status").status_code == 200


def test_html_and_error_faults(sb):
    site = sb.site("one-api")
    u = site.users[0]
    site.inject("403_html", times=1)
    r = get(site, "/api/user/self", u)
    assert r.status_code == 403 and r.headers["content-type"].startswith("text/html")
    assert "Just a moment" in r.text and r.headers["server"] == "cloudflare"
    site.inject("html_200", times=1)
    r = get(site, "/api/user/self", u)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    site.inject("401", times=1)
    r = get(site, "/api/user/self", u)
    assert r.status_code == 401 and r.json()["success"] is False
    site.inject("500", times=2)
    assert [get(site, "/api/user/self", u).status_code for _ in range(3)] == [500, 500, 200]
    site.inject("malformed_json", times=1)
    r = get(site, "/api/user/self", u)
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        r.json()
    site.inject("business_error", times=1, message="boom")
    assert get(site, "/api/user/self", u).json() == {"success": False, "message": "boom"}
    site.inject("403_json", times=1)
    r = get(site, "/api/user/self", u)
    assert r.status_code == 403 and r.json()["success"] is False
    assert get(site, "/api/user/self", u).status_code == 200
    assert [x.fault for x in site.requests][:7] == ["403_html", "html_200", "401", "500", "500", None, "malformed_json"]


def test_faults_in_sub2api_and_modern_bodies(sb):
    site = sb.site("sub2api")
    site.inject("401", times=1)
    r = get(site, "/api/v1/auth/me", headers=s2(site.users[0]))
    assert r.status_code == 401 and isinstance(r.json()["code"], str)
    modern = sb.site("new-api-modern")
    modern.inject("401", times=1)
    assert get(modern, "/api/user/self", modern.users[0]).json()["code"] == "AUTH_UNAUTHORIZED"


def test_user_and_path_scoped_faults(sb):
    site = sb.site("veloera")
    a, b = site.users[0], site.users[1]
    site.inject("401", user_id=a.id)
    site.inject("500", path="/api/log/")
    assert get(site, "/api/user/self", a).status_code == 401
    assert get(site, "/api/user/self", b).status_code == 200
    assert get(site, "/api/log/self/stat", b).status_code == 500
    # a session cookie identifies the user as well
    assert get(site, "/api/user/self", headers={"Cookie": a.cookie, "Veloera-User": str(a.id)}).status_code == 401


def test_slow_and_latency(sb):
    site = sb.site("new-api")
    site.inject("slow", ms=600, times=1)
    with client(site) as c:
        t0 = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            c.get("/api/status", timeout=0.2)
    site.inject("latency", ms=150, times=1)
    t0 = time.monotonic()
    assert get(site, "/api/status").status_code == 200
    assert time.monotonic() - t0 >= 0.15
    site.set_latency(120)
    t0 = time.monotonic()
    assert get(site, "/api/status").status_code == 200
    assert time.monotonic() - t0 >= 0.12


def test_redirect_to_other_origin_records_headers(sb):
    site, sink = sb.site("new-api"), sb.redirect_sink
    u = site.users[0]
    assert sink.url != site.url
    site.inject("redirect", times=1)
    r = get(site, "/api/user/self?x=1", u)
    assert r.status_code == 302 and r.headers["location"] == f"{sink.url}/api/user/self?x=1"
    # a careless client replays the credentials: the sink sees them
    with httpx.Client(timeout=10) as c:
        c.get(r.headers["location"], headers={**creds(u), "Cookie": u.cookie})
    leaked = sink.requests[-1]
    assert leaked.header("Authorization") == f"Bearer {u.access_token}" and leaked.header("cookie") == u.cookie
    # httpx itself drops Authorization across origins
    other = sb.site("one-api")
    site.inject("redirect", status=307, target=other.url, times=1)
    with httpx.Client(timeout=10, follow_redirects=True) as c:
        r = c.get(f"{site.url}/api/status", headers=creds(u))
    assert r.status_code == 200 and r.json()["data"]["system_name"] == "One API"
    arrived = other.requests[-1]
    assert arrived.path == "/api/status" and arrived.header("authorization") is None


# ----- admin endpoints and request recording ---------------------------------------------------

def test_admin_http_endpoints(sb):
    site = sb.site("done-hub")
    u = site.users[0]
    with client(site) as c:
        info = c.get("/__sandbox/info").json()
        assert info["site_type"] == "done-hub" and info["users"][0]["access_token"] == u.access_token
        r = c.post("/__sandbox/faults", json={"kind": "429", "retry_after": 1, "times": 1, "user_id": u.id})
        assert r.json()["ok"] is True
        assert c.post("/__sandbox/faults", json={"kind": "teapot"}).status_code == 400
        assert c.get("/__sandbox/faults").json()["faults"][0]["kind"] == "429"
        assert c.get("/api/user/self", headers=creds(u)).status_code == 429
        assert c.get("/api/user/self", headers=creds(u)).status_code == 200
        reqs = c.get("/__sandbox/requests").json()
        assert [x["status"] for x in reqs] == [429, 200] and reqs[0]["user_id"] == u.id
        assert c.get("/__sandbox/requests", params={"limit": 1}).json()[0]["status"] == 200
        c.post("/__sandbox/faults", json={"kind": "500"})
        c.delete("/__sandbox/faults")
        assert c.get("/api/status").status_code == 200
        c.post("/__sandbox/latency", json={"ms": 50})
        assert site.latency_ms == 50
        c.post("/__sandbox/turnstile", json={"enabled": True})
        assert c.get("/api/status").json()["data"]["turnstile_check"] is True
        added = c.post("/__sandbox/users", json={"two_factor": True}).json()["user"]
        assert added["two_factor"] is True and len(site.users) == 4
        c.post("/__sandbox/reset")
        assert len(site.users) == 3 and site.latency_ms == 0 and site.requests == []
        c.delete("/__sandbox/requests")


def test_request_recording(sb):
    site = sb.site("rix-api")
    u = site.users[1]
    post(site, "/api/token/?x=1", u, json={"name": "abc"})
    rec = site.requests[-1]
    assert (rec.method, rec.path, rec.query) == ("POST", "/api/token/", "x=1")
    assert rec.header("Rix-Api-User") == str(u.id) and rec.header("new-api-user") == str(u.id)
    assert rec.json() == {"name": "abc"} and rec.user_id == u.id and rec.status == 200
    assert rec.to_json()["headers"]["authorization"] == f"Bearer {u.access_token}"


def test_request_log_is_capped():
    with start_sandbox(dialects=["one-api"], users_per_site=1, request_log_cap=5) as small:
        site = small.site("one-api")
        with client(site) as c:
            for i in range(12):
                c.get(f"/api/status?i={i}")
        assert [r.query for r in site.requests] == [f"i={i}" for i in range(7, 12)]


# ----- scale, determinism, demo, serve ---------------------------------------------------------

def test_fifty_sites_thousand_accounts_concurrently():
    with start_sandbox(sites=50, users_per_site=20, latency_ms=100) as big:
        assert len(big.sites) == 50 and len({s.url for s in big.sites}) == 50
        accounts = big.demo_accounts()
        assert len(accounts) == 1000

        async def hit_all():
            async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=100)) as c:
                async def one(s):
                    path = {"sub2api": "/api/v1/settings/public", "voapi-v2": "/"}.get(s.spec.family, "/api/status")
                    return (await c.get(s.url + path)).status_code
                return await asyncio.gather(*(one(s) for s in big.sites * 2))

        t0 = time.monotonic()
        codes = asyncio.run(hit_all())
        assert codes == [200] * 100 and time.monotonic() - t0 >= 0.1


def test_seed_is_deterministic():
    def fingerprint(seed):
        site = SandboxSite(get_dialect("new-api"), users=3, seed=seed)
        return [(u.id, u.username, u.password, u.access_token, u.quota, [t.key for t in u.tokens],
                 [(r.type, r.quota) for r in u.logs]) for u in site.users]

    assert fingerprint(1) == fingerprint(1)
    assert fingerprint(1) != fingerprint(2)


def test_demo_accounts(sb):
    rows = sb.demo_accounts()
    assert len(rows) == 3 * len(DIALECTS)
    anyrouter = next(r for r in rows if r["site_type"] == "anyrouter")
    assert anyrouter["auth_type"] == "cookie" and anyrouter["cookie"].startswith("session=")
    sub = next(r for r in rows if r["site_type"] == "sub2api")
    assert sub["auth_type"] == "access_token" and sub["refresh_token"]
    first = rows[0]
    assert set(first) >= {"site_url", "site_type", "user_id", "username", "access_token", "cookie", "auth_type"}
    assert isinstance(first["user_id"], str)
    site = sb.site_by_url(first["site_url"])
    u = site.user(int(first["user_id"]))
    assert get(site, "/api/user/self", u).json()["data"]["username"] == first["username"]


def _free_port_run(n: int) -> int:
    """A port P such that P..P+n-1 are free right now (other processes may race us)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        try:
            held = []
            for k in range(n):
                sock = socket.socket()
                held.append(sock)
                sock.bind(("127.0.0.1", base + k))
            return base
        except OSError:
            continue
        finally:
            for sock in held:
                sock.close()
    raise RuntimeError("no free port run")


def test_serve_foreground_until_interrupted():
    for _attempt in range(3):
        port = _free_port_run(3)  # two sites + the redirect sink
        code = f"from allhub_core.sandbox import serve; serve(port={port}, sites=2, users_per_site=1)"
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                                stderr=subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        first = proc.stdout.readline()
        if first:
            break
        proc.wait(timeout=10)  # lost a race for the port: try another one
    try:
        lines = [first] + [proc.stdout.readline() for _ in range(3)]
        assert lines[0].split()[:3] == ["new-api", "new-api", f"http://127.0.0.1:{port}"]
        assert lines[2].split()[:3] == ["new-api-modern", "new-api", f"http://127.0.0.1:{port + 1}"]
        assert "user 1001 user1" in lines[1]
        deadline = time.monotonic() + 10
        while True:
            try:
                assert httpx.get(f"http://127.0.0.1:{port + 1}/api/status").json()["success"]
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0, proc.stderr.read()
