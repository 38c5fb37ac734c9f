"""A check-in request the user writes, for forks whose check-in no built-in method knows.

Over real HTTP against the sandbox: every New API family site there also has a fork's own
check-in (``POST /api/fork/sign`` with an ``X-Sign-Token`` header and ``{"uid": ...}``, and a
plain-text ``GET /fork/checkin.php?uid=`` behind the session cookie) that the built-in method
never calls. The account's own request, with its placeholders filled, checks in; its rules say
what a success and an "already checked in" look like.
"""

from __future__ import annotations

import json
import logging

import pytest

from allhub_core.accounts import AccountInput, add_account, get_account
from allhub_core.errors import ValidationError
from allhub_core.sync import checkin, refresh, set_checkin_method, todays_checkins
from allhub_core.vocab import CheckInResult

SIGN = {"url": "/api/fork/sign", "method": "POST", "headers": {"X-Sign-Token": "{access_token}"},
        "body": {"uid": "{user_id}"}, "success": {"path": "code", "equals": 0},
        "already": {"contains": "today signed"}}
PAGE = {"url": "/fork/checkin.php?uid={user_id}", "method": "GET", "headers": {"Cookie": "{cookie}"},
        "success": {"contains": "签到成功"}, "already": {"contains": "已签到"}}


@pytest.fixture
def site(sandbox_factory):
    return sandbox_factory(dialects=["one-api"], users_per_site=4, seed=41).site("one-api")


def _add(store, site, user, **kw) -> int:
    return add_account(store, AccountInput(site_url=site.url, site_name="Fork", site_type=site.site_type, user_id=str(user.id),
                                           access_token=user.access_token, **kw))


def _signs(site):
    return [r for r in site.requests if r.path == "/api/fork/sign"]


def test_custom_request_checks_in_then_reads_already(store, site, fast, caplog):
    user = site.users[0]
    aid = _add(store, site, user)
    # one-api has no built-in check-in at all: the custom request makes it possible.
    assert checkin(store, [aid], politeness=fast)[0].result == CheckInResult.UNSUPPORTED
    set_checkin_method(store, [aid], "custom", json.dumps(SIGN))
    site.clear_requests()
    caplog.set_level(logging.DEBUG)
    [first] = checkin(store, [aid], politeness=fast)
    assert first.result == CheckInResult.SUCCESS, first.message
    assert first.message == "sign ok"
    assert user.checkins, "the site recorded today's check-in"
    [sent] = _signs(site)
    assert sent.header("x-sign-token") == user.access_token  # the placeholder was filled
    assert sent.json() == {"uid": str(user.id)}
    assert sent.header("authorization") is None, "only what the request says is sent"
    [again] = checkin(store, [aid], politeness=fast)
    assert again.result == CheckInResult.ALREADY_CHECKED and again.message == "today signed"
    assert len(_signs(site)) == 2
    assert user.access_token not in caplog.text
    today = {r["id"]: r for r in todays_checkins(store)}[aid]
    assert today["state"] == "checked" and today["checkin_method"] == "custom"


def test_text_rule_with_the_cookie_placeholder(store, site, fast):
    user = site.users[1]
    aid = add_account(store, AccountInput(site_url=site.url, site_name="Fork", site_type=site.site_type, user_id=str(user.id),
                                          auth_type="cookie", cookie=f"session={user.session}"))
    set_checkin_method(store, [aid], "custom", PAGE)
    [res] = checkin(store, [aid], politeness=fast)
    assert res.result == CheckInResult.SUCCESS and res.message.startswith("签到成功")
    [res] = checkin(store, [aid], politeness=fast)
    assert res.result == CheckInResult.ALREADY_CHECKED and res.message == "今日已签到"


def test_refused_request_is_failed_with_the_site_reason_and_no_secret(store, site, fast):
    user = site.users[2]
    aid = _add(store, site, user)
    wrong = dict(SIGN, body={"uid": "999"})
    set_checkin_method(store, [aid], "custom", wrong)
    [res] = checkin(store, [aid], politeness=fast)
    assert res.result == CheckInResult.FAILED
    assert "bad sign token" in res.message and user.access_token not in res.message
    assert not user.checkins


def test_a_request_without_the_needed_secret_fails_without_sending(store, site, fast):
    user = site.users[3]
    aid = _add(store, site, user)  # no cookie stored
    set_checkin_method(store, [aid], "custom", PAGE)
    site.clear_requests()
    [res] = checkin(store, [aid], politeness=fast)
    assert res.result == CheckInResult.FAILED and "session cookie" in res.message
    assert not [r for r in site.requests if r.path.startswith("/fork/")]


@pytest.mark.parametrize("request_, words", [
    ({"url": "/x", "headers": {"Authorization": "Bearer sk-typed-in-secret"}}, "placeholder"),
    ({"url": "/x?token={access_token}"}, "not in the address"),
    ({"url": "https://elsewhere.example/sign", "headers": {"X-Sign-Token": "{access_token}"}}, "own site"),
    ({"url": "/x", "body": {"t": "{password}"}}, "Unknown placeholder"),
    ("{not json", "not valid JSON"),
    ({"url": "/x", "success": {"path": "code"}}, "equals"),
    ({"url": "/x", "method": "DELETE"}, "method must be one of"),
])
def test_bad_requests_are_one_sentence_and_change_nothing(store, site, request_, words):
    aid = _add(store, site, site.users[0])
    with pytest.raises(ValidationError) as exc:
        set_checkin_method(store, [aid], "custom", request_ if isinstance(request_, str) else json.dumps(request_))
    assert words in str(exc.value) and "\n" not in str(exc.value)
    assert "sk-typed-in-secret" not in str(exc.value)
    acc = get_account(store, aid)
    assert acc["checkin_method"] == "auto" and acc["checkin_request"] == ""


def test_back_to_auto_keeps_the_request_for_later(store, site, fast):
    aid = _add(store, site, site.users[0])
    set_checkin_method(store, [aid], "custom", SIGN)
    set_checkin_method(store, [aid], "auto")
    acc = get_account(store, aid)
    assert acc["checkin_method"] == "auto" and json.loads(acc["checkin_request"])["url"] == "/api/fork/sign"


def test_a_chosen_built_in_checks_in_a_fork_its_type_does_not(store, sandbox_factory, fast):
    """A New API clone recognised as "unknown" has no check-in of its own type; choosing New API's
    daily check-in (the extension's method id) makes it check in, and refresh reads its state."""

    site = sandbox_factory(dialects=["unknown"], users_per_site=1, seed=45).site("unknown")
    user = site.users[0]
    aid = _add(store, site, user)
    assert checkin(store, [aid], politeness=fast)[0].result == CheckInResult.UNSUPPORTED
    set_checkin_method(store, [aid], "new-api:daily-checkin")
    [res] = checkin(store, [aid], politeness=fast)
    assert res.result == CheckInResult.SUCCESS, res.message
    assert user.checkins
    refresh(store, [aid], force=True, politeness=fast)
    assert get_account(store, aid)["checkin_status"] == "checked"


@pytest.mark.parametrize("method, words", [("voapi-v2:daily-checkin", "only on VoAPI v2 sites"),
                                           ("bogus:daily", "is one of")])
def test_a_built_in_that_cannot_suit_the_site_is_refused(store, site, method, words):
    aid = _add(store, site, site.users[0])
    with pytest.raises(ValidationError) as exc:
        set_checkin_method(store, [aid], method)
    assert words in str(exc.value)
    assert get_account(store, aid)["checkin_method"] == "auto"
