"""A second add by password of an account already stored (issue 16): refused as a duplicate before
the site is asked for an access token, so the stored account's token keeps working.

New API's ``GET /api/user/token`` hands out a new access token and the old one stops working (the
sandbox does the same: ``tests/sandbox/test_sandbox.py::test_access_token_rotation_invalidates_previous``).
Against sandbox sites over real loopback HTTP, through the CLI in-process and the library.
"""

from __future__ import annotations

import json

import pytest

from allhub_core.accounts import AccountInput, get_secrets, set_preference
from allhub_core.cli.main import main
from allhub_core.errors import DuplicateAccount
from allhub_core.store import Store
from allhub_core.sync import onboard

DIALECTS = ["new-api", "new-api-modern", "sub2api"]


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=DIALECTS, users_per_site=2, seed=11)


pytestmark = pytest.mark.usefixtures("fresh_sites")


@pytest.fixture(autouse=True)
def no_bucket():
    set_preference(Store(), "per_site_rpm", 0)  # our own loopback sites: no need to be polite


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def login_args(site, user) -> list[str]:
    return ["account", "add", "--url", site.url, "--username", user.username, "--password", user.password]


def usable(site):
    return next(u for u in site.users if not (u.two_factor or u.turnstile or u.disabled))


@pytest.mark.parametrize("dialect", ["new-api", "new-api-modern"])
def test_a_second_add_by_password_is_refused_before_the_token_rotates(capsys, sandbox, dialect):
    site = sandbox.site(dialect)
    user = usable(site)
    code, out, err = run(capsys, *login_args(site, user), "--json")
    assert code == 0, err
    first = json.loads(out)
    aid = int(first["id"])
    stored = get_secrets(Store(), [aid])[aid]["access_token"]
    assert stored == user.access_token  # the token the login obtained is the one that works now

    site.clear_requests()
    code, out, err = run(capsys, *login_args(site, user))
    assert code == 1 and out == ""
    assert err.strip() == (f"allhub: An account for {site.url} with user ID {user.id} already exists ({user.username}) "
                           f"(id {aid}). Use --allow-duplicate to add it anyway.")
    assert user.password not in err and stored not in err
    paths = [r.path for r in site.requests]
    assert "/api/user/token" not in paths and paths, paths  # logged in, then stopped
    assert user.access_token == stored  # not rotated

    code, out, err = run(capsys, "refresh", str(aid), "--json")
    assert code == 0, err
    assert [(r["id"], r["ok"]) for r in json.loads(out)] == [(str(aid), True)]
    code, out, _ = run(capsys, "account", "list", "--json")
    assert [a["id"] for a in json.loads(out)] == [first["id"]]


def test_a_typed_user_id_refuses_the_duplicate_before_any_request(capsys, sandbox):
    site = sandbox.site("new-api")
    user = usable(site)
    assert run(capsys, *login_args(site, user))[0] == 0
    site.clear_requests()
    code, _, err = run(capsys, *login_args(site, user), "--user-id", str(user.id))
    assert code == 1 and "already exists" in err
    assert site.requests == []


def test_allow_duplicate_still_adds_a_second_account(capsys, sandbox):
    site = sandbox.site("new-api")
    user = usable(site)
    assert run(capsys, *login_args(site, user))[0] == 0
    code, _, err = run(capsys, *login_args(site, user), "--allow-duplicate")
    assert code == 0, err
    code, out, _ = run(capsys, "account", "list", "--json")
    assert [a["user_id"] for a in json.loads(out)] == [str(user.id)] * 2


def test_the_preference_off_lets_the_login_go_on(capsys, sandbox):
    site = sandbox.site("new-api")
    user = usable(site)
    assert run(capsys, *login_args(site, user))[0] == 0
    set_preference(Store(), "warn_on_duplicate", False)
    assert run(capsys, *login_args(site, user))[0] == 0


def test_sub2api_second_login_is_refused_as_soon_as_the_user_is_known(capsys, sandbox):
    site = sandbox.site("sub2api")
    user = usable(site)
    code, _, err = run(capsys, *login_args(site, user), "--site-type", "sub2api")
    assert code == 0, err
    site.clear_requests()
    code, _, err = run(capsys, *login_args(site, user), "--site-type", "sub2api")
    assert code == 1 and "already exists" in err
    paths = [r.path for r in site.requests]
    assert paths[-1] == "/api/v1/auth/login" and paths.count(paths[-1]) == 1, paths  # nothing after the login


def test_onboard_raises_the_duplicate_with_the_existing_account(store, sandbox, fast):
    site = sandbox.site("new-api-modern")
    user = usable(site)
    data = AccountInput(site_url=site.url, username=user.username)
    first = onboard(store, data, password=user.password, politeness=fast)
    token = user.access_token
    with pytest.raises(DuplicateAccount) as caught:
        onboard(store, data, password=user.password, politeness=fast)
    assert [d["id"] for d in caught.value.existing] == [first.account_id]
    assert user.access_token == token
