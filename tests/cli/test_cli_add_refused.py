"""``allhub account add`` when the site says no: an item that failed (exit 1, one sentence), never
bad usage (exit 2), and nothing is added.  Bad input refused before any request stays exit 2.
Against the sandbox over real loopback HTTP (shared/spec/cli.md, exit status)."""

from __future__ import annotations

import json

import pytest

from allhub_core.cli.main import main

WRONG = "sk-WRONG-0123456789abcdefghij"


@pytest.fixture
def site(sandbox_factory):
    return sandbox_factory(dialects=["new-api", "sub2api"], users_per_site=2, seed=5).site("new-api")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def accounts(capsys) -> list[dict]:
    return json.loads(run(capsys, "account", "list", "--json", "--include-disabled")[1])


def _one_sentence(err: str) -> None:
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err and "internal error" not in err


@pytest.mark.parametrize("case", ["wrong token", "wrong user id", "login refused", "token without user id"])
def test_site_refusal_is_exit_1_one_sentence(capsys, site, case):
    user = site.users[0]
    auth = {
        "wrong token": ["--token", WRONG, "--user-id", str(user.id)],
        "wrong user id": ["--token", user.access_token, "--user-id", str(user.id + 999)],
        "login refused": ["--username", user.username, "--password", "not-the-password"],
        "token without user id": ["--token", user.access_token],
    }[case]
    code, out, err = run(capsys, "account", "add", "--url", site.url, *auth)
    assert code == 1, (code, err)
    _one_sentence(err)
    assert out == ""
    for secret in (WRONG, user.access_token, "not-the-password"):
        assert secret not in err
    assert accounts(capsys) == []


def test_sub2api_rejected_token_is_exit_1(capsys, sandbox_factory):
    site = sandbox_factory(dialects=["new-api", "sub2api"], users_per_site=2, seed=5).site("sub2api")
    code, _, err = run(capsys, "account", "add", "--url", site.url, "--site-type", "sub2api", "--token", WRONG)
    assert code == 1, err
    _one_sentence(err)
    assert WRONG not in err


@pytest.mark.parametrize("argv,needle", [
    (["--url", "http://exa mple.com", "--token", WRONG, "--user-id", "1"], "URL"),
    (["--token", "", "--user-id", "1"], "empty"),
])
def test_bad_input_stays_exit_2_and_sends_nothing(capsys, site, argv, needle):
    if argv[0] != "--url":
        argv = ["--url", site.url, *argv]
    site.clear_requests()
    code, _, err = run(capsys, "account", "add", *argv)
    assert code == 2, err
    assert needle in err
    _one_sentence(err)
    assert site.requests == []


def test_accepted_token_still_adds(capsys, site):
    user = site.users[1]
    code, out, err = run(capsys, "account", "add", "--url", site.url, "--token", user.access_token,
                         "--user-id", str(user.id), "--json")
    assert code == 0, err
    assert json.loads(out)["user_id"] == str(user.id)
