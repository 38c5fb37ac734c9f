"""``allhub account set --checkin-method`` / ``--checkin-request``, ``account list --needs-attention``,
and a login that meets the site's session limit, through the CLI against the sandbox."""

from __future__ import annotations

import json

import pytest

from allhub_core.cli.main import main

REQUEST = {"url": "/api/fork/sign", "headers": {"X-Sign-Token": "{access_token}"}, "body": {"uid": "{user_id}"},
           "success": {"path": "code", "equals": 0}, "already": {"contains": "today signed"}}


@pytest.fixture
def sb(sandbox_factory):
    return sandbox_factory(dialects=["one-api", "new-api-modern"], users_per_site=2, seed=47)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _add(capsys, site, user) -> str:
    code, out, err = run(capsys, "account", "add", "--url", site.url, "--token", user.access_token,
                         "--user-id", str(user.id), "--site-type", site.site_type, "--name", "Fork",
                         "--no-refresh", "--json")
    assert code == 0, err
    return json.loads(out)["id"]


def test_set_custom_method_from_a_file_then_check_in(capsys, sb, tmp_path):
    site = sb.site("one-api")
    aid = _add(capsys, site, site.users[0])
    path = tmp_path / "sign.json"
    path.write_text(json.dumps(REQUEST))
    code, out, err = run(capsys, "account", "set", aid, "--checkin-method", "custom", "--checkin-request", f"@{path}")
    assert code == 0, err
    shown = json.loads(run(capsys, "account", "show", aid, "--json")[1])
    assert shown["checkin_method"] == "custom" and json.loads(shown["checkin_request"])["url"] == "/api/fork/sign"
    code, out, err = run(capsys, "checkin", aid, "--json")
    assert code == 0 and json.loads(out)[0]["result"] == "success", (out, err)
    code, out, _ = run(capsys, "checkin", aid)
    assert code == 0 and "1 already checked in" in out


def test_bad_request_is_exit_2_one_sentence_and_changes_nothing(capsys, sb):
    site = sb.site("one-api")
    user = site.users[1]
    aid = _add(capsys, site, user)
    bad = json.dumps(dict(REQUEST, headers={"Authorization": f"Bearer {user.access_token}"}))
    code, out, err = run(capsys, "account", "set", aid, "--name", "Renamed", "--checkin-request", bad)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "placeholder" in err
    assert user.access_token not in err + out
    shown = json.loads(run(capsys, "account", "show", aid, "--json")[1])
    assert shown["site_name"] == "Fork" and shown["checkin_method"] == "auto"
    code, _, err = run(capsys, "account", "set", aid, "--checkin-method", "custom")
    assert code == 2 and "--checkin-request" in err


def test_list_needs_attention(capsys, sb):
    site = sb.site("one-api")
    ok_id = _add(capsys, site, site.users[0])
    bad_id = _add(capsys, site, site.users[1])
    run(capsys, "account", "set", bad_id, "--checkin-request", json.dumps(dict(REQUEST, body={"uid": "0"})))
    code, out, _ = run(capsys, "checkin", bad_id)
    assert code == 1 and "1 failed" in out
    listed = [r["id"] for r in json.loads(run(capsys, "account", "list", "--json", "--needs-attention")[1])]
    assert listed == [bad_id] and ok_id not in listed


def test_session_limit_at_login_is_exit_1_and_not_retried(capsys, sb):
    site = sb.site("new-api-modern")
    user = site.users[0]
    site.inject("session_limit", path="/api/user/login")
    site.clear_requests()
    code, out, err = run(capsys, "account", "add", "--url", site.url, "--username", user.username,
                         "--password", user.password)
    assert code == 1 and "active login sessions" in err and len(err.strip().splitlines()) == 1
    assert user.password not in err + out
    assert len([r for r in site.requests if r.path == "/api/user/login"]) == 1
