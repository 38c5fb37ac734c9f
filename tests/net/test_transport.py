"""Transport behaviour over real loopback HTTP: retries, Retry-After, redirects,
challenge pages, limiter slots, headers and secret hygiene.

A tiny Starlette app runs under uvicorn in a thread (as httpx's own suite does);
every test counts what the server saw rather than timing anything.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import socket
import threading
import time
from collections import defaultdict

import pytest
import uvicorn
from shared import fast_politeness
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from allhub_core.net import (
    USER_ID_HEADERS,
    Auth,
    BadResponseError,
    ChallengeError,
    HttpStatusError,
    NetworkError,
    Politeness,
    RedirectError,
    Transport,
    is_log_path,
    normalize_site_url,
    parse_retry_after,
)

SECRET = "tok-SUPERSECRET-123456"
COOKIE = "session=COOKIESECRET-abcdef"
FAST = fast_politeness(read_timeout=2.0, connect_timeout=1.0)


class State:
    def __init__(self) -> None:
        self.hits: dict[str, int] = defaultdict(int)
        self.headers: dict[str, list[dict[str, str]]] = defaultdict(list)
        self.bodies: dict[str, list[str]] = defaultdict(list)
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()


STATE = State()


def _app() -> Starlette:
    async def record(request: Request) -> str:
        name = request.path_params.get("name", request.url.path)
        with STATE.lock:
            STATE.hits[name] += 1
            STATE.headers[name].append({k.lower(): v for k, v in request.headers.items()})
        return name

    async def ok(request: Request) -> Response:
        await record(request)
        return JSONResponse({"success": True, "message": "", "data": {"hello": "world"}})

    async def flaky429(request: Request) -> Response:
        name = await record(request)
        if STATE.hits[name] <= 1:
            return JSONResponse({"success": False, "message": "slow down"}, 429, headers={"Retry-After": "0"})
        return JSONResponse({"success": True, "message": "", "data": 1})

    async def date429(request: Request) -> Response:
        name = await record(request)
        if STATE.hits[name] <= 1:
            past = email.utils.formatdate(time.time() - 5, usegmt=True)
            return JSONResponse({"success": False, "message": "later"}, 429, headers={"Retry-After": past})
        return JSONResponse({"success": True, "message": "", "data": 2})

    async def always429(request: Request) -> Response:
        await record(request)
        return JSONResponse({"message": "rate limited"}, 429, headers={"Retry-After": "0"})

    async def flaky500(request: Request) -> Response:
        name = await record(request)
        if STATE.hits[name] <= 2:
            return JSONResponse({"success": False, "message": "boom"}, 502)
        return JSONResponse({"success": True, "message": "", "data": 3})

    async def always500(request: Request) -> Response:
        await record(request)
        return JSONResponse({"error": {"message": "internal trouble"}}, 500)

    async def slow(request: Request) -> Response:
        await record(request)
        await asyncio.sleep(1.0)
        return JSONResponse({"success": True, "message": "", "data": None})

    async def busy(request: Request) -> Response:
        await record(request)
        with STATE.lock:
            STATE.in_flight += 1
            STATE.max_in_flight = max(STATE.max_in_flight, STATE.in_flight)
        await asyncio.sleep(0.05)
        with STATE.lock:
            STATE.in_flight -= 1
        return JSONResponse({"success": True, "message": "", "data": None})

    async def redirect_same(request: Request) -> Response:
        await record(request)
        return RedirectResponse("/api/echo/after-redirect", 302)

    async def redirect_cross(request: Request) -> Response:
        await record(request)
        port = request.url.port
        return RedirectResponse(f"http://localhost:{port}/api/echo/cross-target", 302)

    async def redirect_post(request: Request) -> Response:
        await record(request)
        code = int(request.path_params["code"])
        host = "localhost" if request.path_params["where"] == "cross" else "127.0.0.1"
        return RedirectResponse(f"http://{host}:{request.url.port}/api/sink/{code}-{request.path_params['where']}", code)

    async def sink(request: Request) -> Response:
        name = await record(request)
        with STATE.lock:
            STATE.bodies[name].append((await request.body()).decode())
        return JSONResponse({"success": True, "message": "sink", "data": None})

    async def echo(request: Request) -> Response:
        await record(request)
        return JSONResponse({"success": True, "message": "", "data": None})

    async def challenge403(request: Request) -> Response:
        await record(request)
        return HTMLResponse("<html><title>Just a moment...</title><script>_cf_chl_opt={}</script></html>", 403)

    async def challenge200(request: Request) -> Response:
        await record(request)
        return HTMLResponse("<!doctype html><html><title>Just a moment...</title>"
                            "<div class='cf-browser-verification'></div></html>")

    async def plain_html(request: Request) -> Response:
        await record(request)
        return HTMLResponse("<!doctype html><html><title>Welcome</title><body>hi</body></html>")

    async def html404(request: Request) -> Response:
        await record(request)
        return HTMLResponse("<html><body>not here</body></html>", 404)

    async def not_json(request: Request) -> Response:
        await record(request)
        return Response(b'{"success": true, "data": {', media_type="application/json")

    async def echo_secret_401(request: Request) -> Response:
        await record(request)
        auth = request.headers.get("authorization", "")
        return JSONResponse({"success": False, "message": f"token {auth} is invalid; cookie "
                             f"{request.headers.get('cookie', '')} rejected"}, 401)

    async def echo_secret_200(request: Request) -> Response:
        await record(request)
        auth = request.headers.get("authorization", "")[7:]
        return JSONResponse({"success": False, "message": f"access token {auth} 无效"})

    async def post500(request: Request) -> Response:
        await record(request)
        return JSONResponse({"success": False, "message": "gateway"}, 502)

    async def set_cookie(request: Request) -> Response:
        await record(request)
        response = JSONResponse({"success": True, "message": "", "data": None})
        response.set_cookie("session", "SESSION-OF-ACCOUNT-A", path="/")
        return response

    async def post429(request: Request) -> Response:
        name = await record(request)
        if STATE.hits[name] <= 1:
            return JSONResponse({"success": False, "message": "too many"}, 429, headers={"Retry-After": "0"})
        return JSONResponse({"success": True, "message": "done", "data": None})

    return Starlette(routes=[
        Route("/api/ok", ok), Route("/api/flaky429", flaky429), Route("/api/date429", date429),
        Route("/api/always429", always429), Route("/api/flaky500", flaky500), Route("/api/always500", always500),
        Route("/api/slow", slow, methods=["GET", "POST"]), Route("/api/busy/{n}", busy), Route("/api/log/self", busy),
        Route("/api/redirect-same", redirect_same), Route("/api/redirect-cross", redirect_cross),
        Route("/api/redirect-post/{code}/{where}", redirect_post, methods=["GET", "POST", "PUT"]),
        Route("/api/sink/{name}", sink, methods=["GET", "POST", "PUT"]),
        Route("/api/echo/{name}", echo), Route("/api/challenge403", challenge403),
        Route("/api/challenge200", challenge200), Route("/api/plain-html", plain_html),
        Route("/api/html404", html404), Route("/api/not-json", not_json),
        Route("/api/echo-secret-401", echo_secret_401), Route("/api/echo-secret-200", echo_secret_200),
        Route("/api/set-cookie", set_cookie), Route("/api/post500", post500, methods=["POST"]), Route("/api/post429", post429, methods=["POST"]),
    ])


@pytest.fixture(scope="module")
def server_url():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(_app(), lifespan="off", log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(5)


@pytest.fixture(autouse=True)
def fresh_state():
    STATE.__init__()
    yield


def run(coro_fn, politeness: Politeness = FAST):
    async def main():
        async with Transport.open(politeness) as t:
            return await coro_fn(t)
    return asyncio.run(main())


# -- pure helpers --------------------------------------------------------------------

def test_parse_retry_after_seconds_date_and_cap():
    assert parse_retry_after("2", 30) == 2.0
    assert parse_retry_after("120", 30) == 30.0
    assert parse_retry_after(email.utils.formatdate(time.time() - 60, usegmt=True), 30) == 0.0
    assert 0 < parse_retry_after(email.utils.formatdate(time.time() + 600, usegmt=True), 30) <= 30
    assert parse_retry_after("soon", 30) is None
    assert parse_retry_after(None, 30) is None


def test_normalize_site_url():
    assert normalize_site_url("HTTPS://A.com:443/panel?x=1") == "https://a.com"
    assert normalize_site_url("a.com") == "https://a.com"
    assert normalize_site_url("http://a.com:8080/") == "http://a.com:8080"


def test_is_log_path():
    assert is_log_path("/api/log/self/stat") and is_log_path("/api/log") and is_log_path("/api/log/self?p=1")
    assert not is_log_path("/api/logout") and not is_log_path("/api/user/self")


# -- retries ------------------------------------------------------------------------------

def test_429_retry_after_is_honoured_then_succeeds(server_url):
    reply = run(lambda t: t.session(server_url).get("/api/flaky429"))
    assert reply.envelope() == 1
    assert STATE.hits["/api/flaky429"] == 2


def test_429_retry_after_http_date(server_url):
    reply = run(lambda t: t.session(server_url).get("/api/date429"))
    assert reply.envelope() == 2
    assert STATE.hits["/api/date429"] == 2


def test_429_gives_up_after_configured_retries_with_warning(server_url):
    with pytest.raises(HttpStatusError) as info:
        run(lambda t: t.session(server_url).get("/api/always429"))
    assert STATE.hits["/api/always429"] == FAST.retries_429 + 1
    assert info.value.health_status == "warning"
    assert str(info.value) == "HTTP 429: rate limited"


def test_5xx_on_get_is_retried_with_backoff(server_url):
    reply = run(lambda t: t.session(server_url).get("/api/flaky500"))
    assert reply.envelope() == 3
    assert STATE.hits["/api/flaky500"] == 3


def test_5xx_exhausted_is_warning_with_server_message(server_url):
    with pytest.raises(HttpStatusError) as info:
        run(lambda t: t.session(server_url).get("/api/always500"))
    assert str(info.value) == "HTTP 500: internal trouble"
    assert info.value.health_status == "warning"
    assert STATE.hits["/api/always500"] == FAST.retries + 1


def test_post_5xx_is_not_retried_and_is_ambiguous(server_url):
    with pytest.raises(HttpStatusError) as info:
        run(lambda t: t.session(server_url).post("/api/post500", json={}))
    assert STATE.hits["/api/post500"] == 1
    assert info.value.ambiguous


def test_post_429_is_a_clear_rejection_and_is_retried(server_url):
    reply = run(lambda t: t.session(server_url).post("/api/post429", json={}))
    assert reply.json_object()["message"] == "done"
    assert STATE.hits["/api/post429"] == 2


def test_read_timeout_is_error_and_get_is_retried(server_url):
    p = Politeness(per_site_rpm=0, backoff_base=0.01, read_timeout=0.2, retries=1)
    with pytest.raises(NetworkError) as info:
        run(lambda t: t.session(server_url).get("/api/slow"), p)
    assert info.value.health_status == "error" and info.value.kind == "timeout"
    assert STATE.hits["/api/slow"] == 2


def test_post_read_timeout_is_ambiguous_and_not_resent(server_url):
    p = Politeness(per_site_rpm=0, backoff_base=0.01, read_timeout=0.2, retries=2)
    with pytest.raises(NetworkError) as info:
        run(lambda t: t.session(server_url).post("/api/slow", json={}), p)
    assert info.value.ambiguous
    assert STATE.hits["/api/slow"] == 1


def test_connection_refused_is_error():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with pytest.raises(NetworkError) as info:
        run(lambda t: t.session(f"http://127.0.0.1:{port}").get("/api/status"))
    assert info.value.health_status == "error" and info.value.kind == "connect"


def test_dns_failure_is_error():
    with pytest.raises(NetworkError) as info:
        run(lambda t: t.session("http://no-such-host.invalid").get("/api/status"))
    assert info.value.health_status == "error"
    assert info.value.kind in ("dns", "connect")


# -- response classification -------------------------------------------------------------

def test_html_403_is_a_browser_check_warning(server_url):
    with pytest.raises(ChallengeError) as info:
        run(lambda t: t.session(server_url).get("/api/challenge403"))
    assert info.value.health_status == "warning"
    assert "browser check" in str(info.value)


def test_challenge_looking_200_is_a_browser_check_warning(server_url):
    reply = run(lambda t: t.session(server_url).get("/api/challenge200"))
    with pytest.raises(ChallengeError):
        reply.envelope()


def test_plain_html_200_is_unknown(server_url):
    reply = run(lambda t: t.session(server_url).get("/api/plain-html"))
    with pytest.raises(BadResponseError) as info:
        reply.envelope()
    assert info.value.health_status == "unknown"


def test_html_404_is_http_warning(server_url):
    with pytest.raises(HttpStatusError) as info:
        run(lambda t: t.session(server_url).get("/api/html404"))
    assert str(info.value) == "HTTP 404: Not Found"


def test_truncated_json_is_unknown(server_url):
    reply = run(lambda t: t.session(server_url).get("/api/not-json"))
    with pytest.raises(BadResponseError) as info:
        reply.envelope()
    assert info.value.health_status == "unknown"


# -- redirects -------------------------------------------------------------------------------

def test_same_origin_redirect_keeps_credentials(server_url):
    auth = Auth(access_token=SECRET, user_id="7")
    run(lambda t: t.session(server_url, auth).get("/api/redirect-same"))
    seen = STATE.headers["after-redirect"][0]
    assert seen["authorization"] == f"Bearer {SECRET}"
    assert seen["new-api-user"] == "7"


def test_cross_origin_redirect_of_authenticated_call_is_refused(server_url):
    auth = Auth(access_token=SECRET, cookie=COOKIE, user_id="7")
    with pytest.raises(RedirectError) as info:
        run(lambda t: t.session(server_url, auth).get("/api/redirect-cross"))
    assert info.value.health_status == "error"
    assert "another origin" in str(info.value)
    assert STATE.hits["cross-target"] == 0


def test_cross_origin_redirect_of_public_call_carries_nothing(server_url):
    run(lambda t: t.session(server_url).get("/api/redirect-cross"))
    seen = STATE.headers["cross-target"][0]
    assert "authorization" not in seen and "cookie" not in seen
    assert not any(h.lower() in seen for h in USER_ID_HEADERS)


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
def test_post_with_a_password_never_follows_a_cross_origin_redirect(server_url, code, caplog):
    caplog.set_level(logging.DEBUG)
    password = "pw-Hunter2-Secret"
    with pytest.raises(RedirectError) as info:
        run(lambda t: t.send("POST", f"{server_url}/api/redirect-post/{code}/cross",
                             json_body={"username": "u", "password": password}, secrets=[password],
                             idempotent=False))
    assert STATE.hits[f"{code}-cross"] == 0 and not STATE.bodies
    message = str(info.value)
    port = server_url.rsplit(":", 1)[1]
    assert f"http://localhost:{port}" in message and "another origin" in message
    assert message.count(". ") == 0 and message.endswith(".")  # one sentence
    assert password not in message + caplog.text


@pytest.mark.parametrize("code", [307, 308])
def test_put_without_secrets_never_follows_a_cross_origin_redirect(server_url, code):
    with pytest.raises(RedirectError):
        run(lambda t: t.send("PUT", f"{server_url}/api/redirect-post/{code}/cross", json_body={"a": 1}))
    assert STATE.hits[f"{code}-cross"] == 0


def test_get_carrying_a_secret_in_its_query_never_follows_a_cross_origin_redirect(server_url):
    with pytest.raises(RedirectError):
        run(lambda t: t.send("GET", f"{server_url}/api/redirect-post/307/cross", params={"key": "code-SECRET-1"},
                             secrets=["code-SECRET-1"]))
    with pytest.raises(RedirectError):
        run(lambda t: t.send("GET", f"{server_url}/api/redirect-post/307/cross", headers={"Cookie": "a=b"}))
    with pytest.raises(RedirectError):
        run(lambda t: t.send("GET", f"{server_url}/api/redirect-post/307/cross?key=code-SECRET-1",
                             secrets=["code-SECRET-1"]))
    assert STATE.hits["307-cross"] == 0


@pytest.mark.parametrize("code", [307, 308])
def test_same_origin_307_308_resends_the_post_body(server_url, code):
    reply = run(lambda t: t.send("POST", f"{server_url}/api/redirect-post/{code}/same",
                                 json_body={"password": "pw-same-origin"}, secrets=["pw-same-origin"]))
    assert reply.json_object()["message"] == "sink"
    assert STATE.hits[f"{code}-same"] == 1 and "pw-same-origin" in STATE.bodies[f"{code}-same"][0]


def test_public_get_without_secrets_may_follow_a_cross_origin_redirect(server_url):
    reply = run(lambda t: t.send("GET", f"{server_url}/api/redirect-post/302/cross", secrets=["unused-secret"]))
    assert reply.json_object()["message"] == "sink" and STATE.hits["302-cross"] == 1


# -- headers ------------------------------------------------------------------------------------

def test_headers_for_token_cookie_and_user_id(server_url):
    auth = Auth(access_token=SECRET, cookie=COOKIE, user_id="42")
    run(lambda t: t.session(server_url, auth).get("/api/echo/h"))
    seen = STATE.headers["h"][0]
    assert seen["authorization"] == f"Bearer {SECRET}"
    assert seen["cookie"] == COOKIE
    for name in USER_ID_HEADERS:
        assert seen[name.lower()] == "42"
    assert seen["content-type"] == "application/json"
    assert seen["pragma"] == "no-cache"


def test_a_cookie_one_account_is_sent_never_reaches_another_account_of_the_site(server_url):
    """Accounts of one site share a client: a ``Set-Cookie`` answered to account A (a site's
    session after a cookie login) must not ride along on account B's requests, or a New API
    server (which reads its session before the access token) would answer B's calls as A."""
    async def go(t):
        await t.session(server_url, Auth(access_token="tok-a", user_id="1")).get("/api/set-cookie")
        await t.session(server_url, Auth(access_token="tok-b", user_id="2")).get("/api/echo/after-a")
        await t.session(server_url, Auth(access_token="tok-a", user_id="1")).get("/api/echo/a-again")
    run(go)
    assert STATE.hits["/api/set-cookie"] == 1
    assert "cookie" not in STATE.headers["after-a"][0]
    assert "cookie" not in STATE.headers["a-again"][0]  # nothing is kept for anyone


def test_raw_authorization_and_public_calls(server_url):
    async def go(t):
        await t.session(server_url, Auth(access_token=SECRET, raw_authorization=True)).get("/api/echo/raw")
        await t.session(server_url, Auth(access_token=SECRET, user_id="1")).get("/api/echo/pub", public=True)
    run(go)
    assert STATE.headers["raw"][0]["authorization"] == SECRET
    pub = STATE.headers["pub"][0]
    assert "authorization" not in pub and "new-api-user" not in pub


# -- limiter -------------------------------------------------------------------------------------

def test_per_site_concurrency_cap(server_url):
    p = Politeness(per_site_rpm=0, per_site_concurrency=2, log_spacing_ms=0)

    async def go(t):
        s = t.session(server_url)
        await asyncio.gather(*(s.get(f"/api/busy/{i}") for i in range(10)))
        return t.limiter.max_in_flight
    limiter_max = run(go, p)
    assert STATE.max_in_flight <= 2
    assert max(limiter_max.values()) == 2


def test_global_concurrency_cap(server_url):
    p = Politeness(per_site_rpm=0, per_site_concurrency=5, global_concurrency=1, log_spacing_ms=0)

    async def go(t):
        s = t.session(server_url)
        await asyncio.gather(*(s.get(f"/api/busy/{i}") for i in range(6)))
    run(go, p)
    assert STATE.max_in_flight == 1


def test_window_and_log_spacing_still_complete_every_request(server_url):
    p = Politeness(window_requests=2, window_s=0.2, log_spacing_ms=20)

    async def go(t):
        s = t.session(server_url)
        await asyncio.gather(*(s.get("/api/log/self") for _ in range(4)))
    run(go, p)
    assert STATE.hits["/api/log/self"] == 4


def test_request_counter_per_account(server_url):
    async def go(t):
        a, b = t.session(server_url), t.session(server_url)
        await a.get("/api/flaky429")
        await b.get("/api/ok")
        return a.requests_made, b.requests_made
    assert run(go) == (2, 1)


# -- secret hygiene --------------------------------------------------------------------------

def test_no_secret_in_logs_or_error_messages(server_url, caplog):
    caplog.set_level(logging.DEBUG)
    auth = Auth(access_token=SECRET, cookie=COOKIE, user_id="9")
    reasons = []

    async def go(t):
        s = t.session(server_url, auth)
        for path in ("/api/echo-secret-401", "/api/echo-secret-200", "/api/always500", "/api/redirect-cross",
                     "/api/challenge403"):
            try:
                (await s.get(path)).envelope()
            except Exception as exc:  # noqa: BLE001
                reasons.append(str(exc))
                reasons.append(repr(exc))
    run(go)
    assert len(reasons) == 10
    blob = "\n".join(reasons) + caplog.text
    assert "invalid" in blob  # the echoed messages are there ...
    for secret in (SECRET, "COOKIESECRET-abcdef", COOKIE):
        assert secret not in blob  # ... with the secrets scrubbed
