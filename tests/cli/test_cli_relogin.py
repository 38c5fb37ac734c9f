"""``allhub account set ID --checkin-method relogin --username U --password-stdin`` (issue 21) and
``--forget-login``, through the CLI against an AgentRouter-like sandbox site: the login is stored,
``allhub checkin`` reports what the login credited, the password shows nowhere in the output,
and the method cannot be chosen without a login."""

from __future__ import annotations

import io
import json
import sys

import pytest

from allhub_core.cli.main import main

REWARD = 250_000


@pytest.fixture
def sb(sandbox_factory):
    sb = sandbox_factory(dialects=["anyrouter"], users_per_site=2, seed=221)
    sb.site("anyrouter").login_reward = REWARD
    return sb


def run(capsys, monkeypatch, *argv, stdin: str = ""):
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _add(capsys, monkeypatch, site, user) -> str:
    code, out, err = run(capsys, monkeypatch, "account", "add", "--url", site.url, "--cookie", user.cookie,
                         "--user-id", str(user.id), "--site-type", site.site_type, "--name", "AgentRouter-like",
                         "--no-refresh", "--json")
    assert code == 0, err
    return json.loads(out)["id"]


def test_relogin_with_password_on_stdin_then_check_in(capsys, monkeypatch, sb):
    site = sb.site("anyrouter")
    user = site.users[0]
    aid = _add(capsys, monkeypatch, site, user)
    code, out, err = run(capsys, monkeypatch, "account", "set", aid, "--checkin-method", "relogin",
                         "--username", user.username, "--password-stdin", stdin=user.password + "\n")
    assert code == 0, err
    shown = json.loads(run(capsys, monkeypatch, "account", "show", aid, "--json")[1])
    assert shown["checkin_method"] == "relogin"
    start = user.quota
    code, out, err = run(capsys, monkeypatch, "checkin", aid, "--json")
    [row] = json.loads(out)
    assert code == 0, err
    assert (row["result"], row["reason"], row["message"]) == ("success", "checked_in", "+$0.50 on login")
    assert user.quota == start + REWARD
    code, out, _ = run(capsys, monkeypatch, "checkin", aid)
    assert code == 0 and "1 already checked in" in out
    assert user.quota == start + REWARD
    outputs = [run(capsys, monkeypatch, *argv) for argv in (
        ("account", "show", aid, "--json"), ("account", "list", "--json"), ("account", "show", aid),
        ("checkin", aid, "--json"))]
    assert all(user.password not in out + err for _c, out, err in outputs)


def test_wrong_password_exits_1_token_rejected(capsys, monkeypatch, sb):
    site = sb.site("anyrouter")
    user = site.users[1]
    aid = _add(capsys, monkeypatch, site, user)
    wrong = "wrong-Password-987"
    assert run(capsys, monkeypatch, "account", "set", aid, "--checkin-method", "relogin", "--username",
               user.username, "--password-stdin", stdin=wrong + "\n")[0] == 0
    site.clear_requests()
    code, out, err = run(capsys, monkeypatch, "checkin", aid, "--json")
    [row] = json.loads(out)
    assert code == 1
    assert (row["result"], row["reason"], row["retryable"]) == ("failed", "token_rejected", False)
    assert sum(r.path == "/api/user/login" for r in site.requests) == 1
    assert wrong not in out + err


def test_method_without_a_login_is_refused_and_changes_nothing(capsys, monkeypatch, sb):
    site = sb.site("anyrouter")
    aid = _add(capsys, monkeypatch, site, site.users[0])
    code, _out, err = run(capsys, monkeypatch, "account", "set", aid, "--checkin-method", "relogin")
    assert code == 2 and "username and password stored first" in err and "Traceback" not in err
    code, _out, err = run(capsys, monkeypatch, "account", "set", aid, "--checkin-method", "relogin",
                          "--username", "someone")
    assert code == 2 and "both --username and --password-stdin" in err
    code, _out, err = run(capsys, monkeypatch, "account", "set", aid, "--username", "someone", "--password-stdin",
                          stdin="pw-123456\n")
    assert code == 2 and "go with --checkin-method relogin" in err
    shown = json.loads(run(capsys, monkeypatch, "account", "show", aid, "--json")[1])
    assert shown["checkin_method"] == "auto"


def test_forget_login_goes_back_to_auto(capsys, monkeypatch, sb):
    site = sb.site("anyrouter")
    user = site.users[0]
    aid = _add(capsys, monkeypatch, site, user)
    run(capsys, monkeypatch, "account", "set", aid, "--checkin-method", "relogin", "--username", user.username,
        "--password-stdin", stdin=user.password + "\n")
    code, out, err = run(capsys, monkeypatch, "account", "set", aid, "--forget-login")
    assert code == 0, err
    assert "Forgot the stored login" in out and "auto" in out
    shown = json.loads(run(capsys, monkeypatch, "account", "show", aid, "--json")[1])
    assert shown["checkin_method"] == "auto"
    code, out, err = run(capsys, monkeypatch, "account", "set", aid, "--checkin-method", "relogin")
    assert code == 2  # the login is gone
