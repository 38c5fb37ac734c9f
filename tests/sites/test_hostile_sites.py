"""Sites that behave badly on purpose, against the sandbox over real HTTP:

* a login answered with 307/308 to another origin must not carry the password there;
* terminal control sequences in any remote text never reach the store;
* an altered echo of a token (one character short, one changed) is still scrubbed.
"""

from __future__ import annotations

import asyncio
import re
import unicodedata

import pytest
from shared import fast_politeness

from allhub_core.accounts import AccountInput, add_account
from allhub_core.errors import ValidationError
from allhub_core.net import scrub, strip_controls
from allhub_core.sites import recognize
from allhub_core.sync import checkin, recognize_and_fill, refresh

FAST = fast_politeness(read_timeout=2.0, retries=0, retries_429=0)
HOSTILE = "\x1b]0;PWNED\x07\x1b[2J\x1b[H all accounts healthy"
LOGIN_PATHS = {"new-api": "/api/user/login", "new-api-modern": "/api/user/login", "veloera": "/api/user/login",
               "sub2api": "/api/v1/auth/login"}


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=["new-api", "new-api-modern", "veloera", "sub2api", "anyrouter"], users_per_site=2, seed=5)


@pytest.fixture(autouse=True)
def clean(sandbox):
    for site in sandbox.sites:
        site.reset()
    sandbox.redirect_sink.clear_requests()
    yield
    for site in sandbox.sites:
        site.reset()


def has_controls(text: str) -> bool:
    return any(unicodedata.category(c) == "Cc" for c in text or "")


def runs(secret: str, n: int = 8) -> list[str]:
    return [secret[i:i + n] for i in range(len(secret) - n + 1)]


# -- 1. a password never follows a redirect to another origin ------------------------------------

@pytest.mark.parametrize("status", [307, 308])
@pytest.mark.parametrize("dialect", sorted(LOGIN_PATHS))
def test_login_redirected_to_another_origin_sends_nothing_there(sandbox, dialect, status):
    site, sink = sandbox.site(dialect), sandbox.redirect_sink
    user = site.users[0]
    site.inject("redirect", status=status, path=LOGIN_PATHS[dialect], method="POST")
    ident = user.email if dialect == "sub2api" else user.username
    result = asyncio.run(recognize(site.url, username=ident, password=user.password, politeness=FAST))
    assert [(r.method, r.path) for r in site.requests if r.path == LOGIN_PATHS[dialect]] == [
        ("POST", LOGIN_PATHS[dialect])]  # the site really answered the login with the redirect
    assert sink.requests == []
    assert not result.ok
    assert "another origin" in result.message and sink.url in result.message
    blob = " ".join(str(v) for v in vars(result).values())
    assert user.password not in blob


def test_login_redirect_through_services_raises_one_sentence_without_the_password(sandbox):
    site, sink = sandbox.site("new-api"), sandbox.redirect_sink
    user = site.users[1]
    site.inject("redirect", status=307, path="/api/user/login", method="POST")
    with pytest.raises(ValidationError) as info:
        recognize_and_fill(AccountInput(site_url=site.url, username=user.username), password=user.password,
                           politeness=FAST)
    assert sink.requests == []
    assert user.password not in str(info.value) and "another origin" in str(info.value)


def test_a_site_that_redirects_elsewhere_is_not_saved_as_merely_unreachable(sandbox):
    # With a token and a user id, an unreachable site is saved "without live data"; a site that
    # sends every call to another origin is not unreachable, so nothing is saved.
    site = sandbox.site("new-api")
    user = site.users[0]
    site.inject("redirect", status=302)
    with pytest.raises(ValidationError) as info:
        recognize_and_fill(AccountInput(site_url=site.url, user_id=str(user.id), access_token=user.access_token),
                           politeness=FAST)
    assert "another origin" in str(info.value)


def test_same_origin_login_redirect_still_works(sandbox):
    site = sandbox.site("new-api")
    user = site.users[0]
    site.inject("redirect", status=307, target=site.url, path="/api/user/login", method="POST", times=1)
    result = asyncio.run(recognize(site.url, username=user.username, password=user.password, politeness=FAST))
    assert result.ok, result.message
    assert result.user_id == str(user.id)


# -- 2. terminal control sequences never reach the store -------------------------------------------

def _add(store, site, user, **kw) -> int:
    return add_account(store, AccountInput(
        site_url=site.url, site_name=kw.pop("site_name", "x"), site_type=site.site_type, user_id=str(user.id),
        username=kw.pop("username", ""), auth_type="access_token", access_token=user.access_token,
        refresh_token=user.refresh_token or "", **kw))


def _stored(store) -> list[str]:
    with store.read() as con:
        rows = con.execute("SELECT site_name, username, user_id, health_reason, stats_reason FROM accounts").fetchall()
        rows += con.execute("SELECT message, coalesce(checkin_url, '') FROM checkin_log").fetchall()
    return [v for row in rows for v in row if isinstance(v, str)]


def test_control_sequences_in_site_name_and_username_are_stripped_at_add(store, sandbox):
    site = sandbox.site("new-api-modern")
    user = site.users[0]
    site.name = HOSTILE
    user.username = "bob" + HOSTILE
    filled, _ = recognize_and_fill(AccountInput(site_url=site.url, access_token=user.access_token,
                                                user_id=str(user.id)), politeness=FAST)
    assert not has_controls(filled.site_name) and not has_controls(filled.username)
    assert filled.site_name.endswith("all accounts healthy") and "PWNED" not in filled.site_name
    add_account(store, filled)
    texts = _stored(store)
    assert any(t.endswith("all accounts healthy") for t in texts)
    assert not any(has_controls(t) for t in texts), [t for t in texts if has_controls(t)]


def test_control_sequences_in_reasons_and_checkin_messages_are_stripped(store, sandbox):
    new_api, veloera = sandbox.site("new-api"), sandbox.site("veloera")
    sub2 = sandbox.site("sub2api")
    a, b = new_api.users
    _add(store, new_api, a)
    _add(store, new_api, b)
    _add(store, veloera, veloera.users[0])
    _add(store, sub2, sub2.users[0])
    a.username = HOSTILE
    new_api.inject("business_error", path="/api/log/self", user_id=a.id, message=HOSTILE)
    new_api.inject("500", path="/api/user/self", user_id=b.id, message=HOSTILE)
    sub2.inject("403_json", path="/api/v1/auth/me", message="banned" + HOSTILE)
    veloera.checkin_message = HOSTILE
    refresh(store, force=True, politeness=FAST)
    new_api.clear_faults()
    new_api.inject("business_error", path="/api/user/checkin", method="POST", message=HOSTILE)
    checkin(store, politeness=FAST)
    texts = _stored(store)
    assert not any(has_controls(t) for t in texts), [t for t in texts if has_controls(t)]
    assert sum("all accounts healthy" in t for t in texts) >= 4  # username, reasons, check-in messages
    assert not any("PWNED" in t or "[2J" in t for t in texts)


def test_strip_controls_keeps_visible_text():
    assert strip_controls(HOSTILE) == " all accounts healthy"
    assert strip_controls("a\tb\nc\r\nd") == "a b c  d"
    assert strip_controls("x\x00y\x7fz\x85w\x9b31mv") == "xyzwv"
    assert strip_controls("pay\u202egnp.exe\u2066\u200f") == "paygnp.exe"  # bidi controls too
    assert strip_controls("签到成功，获得 $1.00 额度") == "签到成功，获得 $1.00 额度"
    assert strip_controls("\x1b[31mred\x1b[0m \x1bPdcs\x1b\\ok \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\") == "red ok link"
    assert strip_controls("\x1b]0;never terminated") == "]0;never terminated"


# -- 3. altered echoes of a secret are scrubbed too -------------------------------------------------

@pytest.mark.parametrize("alter", ["drop_last", "change_one", "none"])
def test_altered_token_echo_is_not_stored(store, sandbox, alter):
    site = sandbox.site("new-api")
    user = site.users[0]
    token = user.access_token
    aid = _add(store, site, user)
    site.inject("echo_secret", path="/api/user/self", alter=alter)
    outcome = refresh(store, [aid], force=True, politeness=FAST)
    [result] = outcome.results
    assert not result.ok and "无效" in result.health_reason
    texts = [*_stored(store), result.health_reason]
    for run in runs(token):
        assert not any(run in t for t in texts), (alter, run)


def test_altered_password_echo_at_login_is_scrubbed(sandbox):
    site = sandbox.site("new-api")
    user = site.users[0]
    site.inject("echo_secret", path="/api/user/login", alter="drop_last", status=400,
                message="password {secret} is wrong")
    result = asyncio.run(recognize(site.url, username=user.username, password=user.password, politeness=FAST))
    assert not result.ok and "is wrong" in result.message
    blob = " ".join(str(v) for v in vars(result).values())
    for run in runs(user.password):
        assert run not in blob


def test_scrub_redacts_long_runs_only():
    secret = "tok-SUPERSECRET-123456"
    assert scrub(f"token {secret[:-1]} bad", [secret]) == "token *** bad"
    changed = secret[:10] + "#" + secret[11:]
    assert scrub(f"token {changed} bad", [secret]) == "token ***#*** bad"
    assert scrub(f"token {secret.upper()} bad", [secret]) == "token *** bad"
    assert scrub("tok-SUPE is 8 chars", [secret]) == "*** is 8 chars"
    assert scrub("tok-SUP is 7 chars", [secret]) == "tok-SUP is 7 chars"
    assert scrub("a short pin 4821 here", ["4821"]) == "a short pin *** here"
    assert scrub("Bearer abcdefghijkl", ["Bearer abcdefghijkl"]) == "Bearer ***"
    assert re.fullmatch(r"x+", scrub("x" * 100_000, [secret]))
