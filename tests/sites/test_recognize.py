"""Adding an account (product.md "Adding an account"): login, token, cookie, and
one clear sentence for every kind of bad input."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import pytest
import uvicorn
from shared import fast_politeness
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from allhub_core.sites import recognize

FAST = fast_politeness(retries=0)


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=["new-api", "new-api-modern", "one-api", "veloera", "sub2api", "anyrouter"], users_per_site=3, seed=3)


@pytest.fixture(scope="module")
def brochure_site():
    """A plain web site: HTML at /, 404 everywhere else."""
    app = Starlette(routes=[Route("/", lambda r: HTMLResponse("<html><title>My blog</title></html>"))])
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(5)


def rec(url, **kw):
    return asyncio.run(recognize(url, politeness=FAST, **kw))


@pytest.mark.parametrize("dialect", ["new-api", "new-api-modern", "one-api", "veloera"])
def test_login_with_password_gets_a_fresh_access_token(sandbox, dialect):
    site = sandbox.site(dialect)
    user = site.users[1]
    r = rec(site.url + "/login?x=1", username=user.username, password=user.password)
    assert r.ok, r.message
    assert r.site_url == site.url and r.site_type == site.site_type
    assert r.user_id == str(user.id) and r.username == user.username
    assert r.auth_type == "access_token" and r.access_token == user.access_token  # the rotated one
    assert r.quota == user.quota and r.exchange_rate > 0


def test_sub2api_login_returns_jwt_and_refresh_token(sandbox):
    site = sandbox.site("sub2api")
    user = site.users[1]
    r = rec(site.url, username=user.email or user.username, password=user.password)
    assert r.ok, r.message
    assert r.site_type == "sub2api" and r.refresh_token == user.refresh_token
    assert r.checkin_supported is False


def test_two_factor_and_turnstile_say_use_token_mode(sandbox):
    site = sandbox.site("new-api")
    tfa = site.add_user(two_factor=True)
    ts = site.add_user(turnstile=True)
    r1 = rec(site.url, username=tfa.username, password=tfa.password)
    r2 = rec(site.url, username=ts.username, password=ts.password)
    assert not r1.ok and "two-factor" in r1.message and "token" in r1.message
    assert not r2.ok and "Turnstile" in r2.message and "token" in r2.message


def test_wrong_password(sandbox):
    site = sandbox.site("new-api")
    r = rec(site.url, username=site.users[0].username, password="wrong-password")
    assert not r.ok and r.message.startswith("Login failed")
    assert "wrong-password" not in r.message


def test_token_asks_for_user_id_only_when_the_site_says_so(sandbox):
    site = sandbox.site("new-api")
    user = site.users[0]
    first = rec(site.url, access_token=user.access_token)
    assert not first.ok and first.needs_user_id and "user id" in first.message
    wrong = rec(site.url, access_token=user.access_token, user_id=str(user.id + 1))
    assert not wrong.ok and "does not match" in wrong.message
    right = rec(site.url, access_token=user.access_token, user_id=str(user.id))
    assert right.ok and right.user_id == str(user.id)
    modern = sandbox.site("new-api-modern")
    no_id_needed = rec(modern.url, access_token=modern.users[0].access_token)
    assert no_id_needed.ok and not no_id_needed.needs_user_id


def test_wrong_token(sandbox):
    site = sandbox.site("one-api")
    r = rec(site.url, access_token="definitely-not-a-token")
    assert not r.ok and "rejected the access token" in r.message
    assert "definitely-not-a-token" not in r.message


def test_cookie_mode(sandbox):
    site = sandbox.site("anyrouter")
    user = site.users[0]
    r = rec(site.url, cookie=user.cookie, user_id=str(user.id))
    assert r.ok, r.message
    assert r.auth_type == "cookie" and r.cookie == user.cookie and r.access_token is None
    assert r.checkin_supported is True and r.site_type == "anyrouter"


def test_html_answer_is_one_sentence(sandbox):
    site = sandbox.site("veloera")
    site.inject("html_200")
    try:
        r = rec(site.url, access_token=site.users[0].access_token, user_id=str(site.users[0].id))
    finally:
        site.clear_faults()
    assert not r.ok and "relay-site API" in r.message


def test_challenge_page(sandbox):
    site = sandbox.site("veloera")
    site.inject("403_html")
    try:
        r = rec(site.url, access_token=site.users[0].access_token)
    finally:
        site.clear_faults()
    assert not r.ok and "browser check" in r.message


def test_not_a_relay_site(brochure_site):
    r = rec(brochure_site, access_token="abc12345")
    assert not r.ok and "does not look like a relay site" in r.message


def test_unreachable_and_dns_and_bad_url():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    down = rec(f"http://127.0.0.1:{port}", access_token="abc12345")
    assert not down.ok and "could not be reached" in down.message
    dns = rec("https://no-such-relay.invalid", access_token="abc12345")
    assert not dns.ok and ("DNS" in dns.message or "could not be reached" in dns.message)
    bad = rec("ftp://example.com", access_token="abc12345")
    assert not bad.ok and "http" in bad.message
    empty = rec("https://example.com")
    assert not empty.ok and "access token" in empty.message
