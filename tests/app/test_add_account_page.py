"""Add account page wiring: the form saves a clean account, bad input is one sentence, duplicate gate.

Saving refreshes the new account over the network; the ``refreshes`` fixture stands in for
``sync.onboarding.refresh`` (the page imports it on every run) so these tests stay offline, and one
test goes through a sandbox relay site over real loopback HTTP.
"""

from __future__ import annotations

import pytest
from appsupport import button, seed, snapshot, start, texts

from allhub_core import sync as services
from allhub_core.accounts import get_preferences, get_secrets, set_preference
from allhub_core.net import Politeness
from allhub_core.sandbox import start_sandbox
from allhub_core.sites._types import RefreshResult
from allhub_core.sync import onboarding

PAGE = "pages/add_account.py"
TOKEN = "ey-access-TOKEN-never-in-clear-0123456789"


@pytest.fixture(autouse=True)
def refreshes(monkeypatch, request) -> list[list[int]]:
    """Record the ids the page refreshes after a save; each refresh "succeeds" without a site."""
    calls: list[list[int]] = []
    if "real_refresh" in request.keywords:
        return calls

    def fake(store, ids=None, *, force=False, politeness=None, on_result=None, seen=None):
        calls.append([int(i) for i in ids])
        return services.RefreshReport([RefreshResult(str(i), True, "healthy", "") for i in ids], [])

    monkeypatch.setattr(onboarding, "refresh", fake)
    return calls


def dup_warnings(at) -> list[str]:
    return [w for w in texts(at.warning) if w.startswith("**Duplicate account**")]


def fill(at, url="https://Relay.Example.com:443/panel/login?x=1", name="My relay", user_id="42",
         username="alice", token=TOKEN, rate=None, auth=None, tags=None):
    if auth is not None:
        at.radio(key="add_auth").set_value(auth)
    at.text_input(key="add_url").input(url)
    at.text_input(key="add_name").input(name)
    at.text_input(key="add_user_id").input(user_id)
    at.text_input(key="add_username").input(username)
    at.text_input(key="add_secret").input(token)
    if rate is not None:
        at.text_input(key="add_rate").input(rate)
    for t in tags or []:
        at.multiselect(key="add_tags").select(t)
    return at


def submit(at):
    """Inputs and the submit click go in one run (a run in between loses form values)."""
    return button(at, "Save account").click().run()


def test_a_valid_form_saves_the_origin_and_an_encrypted_token(store, db_path, refreshes):
    at = start(PAGE)
    submit(fill(at, rate="7.3"))

    assert not at.exception
    assert not at.error and not at.warning, (texts(at.error), texts(at.warning))
    [row] = snapshot(store).values()
    assert texts(at.success) == [f"Account saved (id {row['id']}) and refreshed."]
    assert refreshes == [[row["id"]]]
    assert row["site_url"] == "https://relay.example.com"
    assert (row["site_name"], row["user_id"], row["username"]) == ("My relay", "42", "alice")
    assert row["exchange_rate"] == 7.3 and row["site_type"] == "new-api" and row["health_status"] == "unknown"
    assert row["secret_hint"] == "ey-…6789"
    assert TOKEN.encode() not in bytes(row["access_token_enc"])
    assert get_secrets(store, [row["id"]])[row["id"]]["access_token"] == TOKEN
    del at  # the app released the file; everything DuckDB wrote must be free of the token
    for f in db_path.parent.iterdir():
        if f.name.startswith(db_path.name):
            assert b"TOKEN-never-in-clear" not in f.read_bytes(), f.name


def test_cookie_mode_and_tags(store):
    at = start(PAGE)
    submit(fill(at, auth="cookie", token="session=abc; other=1", tags=[]))
    [row] = snapshot(store).values()
    assert row["auth_type"] == "cookie" and row["access_token_enc"] is None
    assert get_secrets(store, [row["id"]])[row["id"]]["cookie"] == "session=abc; other=1"


@pytest.mark.parametrize(("changes", "message"), [
    ({"url": "/relative/path"}, "'/relative/path' is not a valid site URL; use the form https://example.com."),
    ({"url": "ftp://relay.example.com"},
     "'ftp://relay.example.com' is not a valid site URL: only http:// and https:// addresses can be relay sites; "
     "use the form https://example.com."),
    ({"url": "javascript:alert(1)"}, "'javascript:alert(1)' is not a valid site URL: only http:// and https:// "
                                     "addresses can be relay sites; use the form https://example.com."),
    ({"url": "   "}, "Site URL cannot be empty."),
    ({"name": ""}, "Please fill in all account information: the site name is empty."),
    ({"name": "   "}, "Please fill in all account information: the site name is empty."),
    ({"user_id": ""}, "Please fill in all account information: the user ID is empty."),
    ({"token": ""}, "Please fill in all account information: the access token is empty."),
    ({"token": "", "auth": "cookie"}, "Please fill in all account information: the session cookie is empty."),
    ({"rate": "0"}, "Please enter a valid exchange rate, greater than 0."),
    ({"rate": "-3"}, "Please enter a valid exchange rate, greater than 0."),
    ({"rate": "seven"}, "Please enter a valid exchange rate, greater than 0."),
    ({"rate": ""}, "Please enter a valid exchange rate, greater than 0."),
])
def test_each_bad_input_is_one_sentence_and_adds_nothing(store, refreshes, changes, message):
    at = start(PAGE)
    submit(fill(at, **changes))

    assert not at.exception
    assert texts(at.error) == [message]
    assert not at.success and not at.warning
    assert snapshot(store) == {} and refreshes == []
    # the form keeps what was typed so it can be fixed
    assert at.text_input(key="add_name").value == changes.get("name", "My relay")


def test_fixing_the_input_after_an_error_saves(store):
    at = start(PAGE)
    submit(fill(at, rate="0"))
    assert len(at.error) == 1
    at.text_input(key="add_rate").input("6.9")
    submit(at)
    assert not at.error
    [row] = snapshot(store).values()
    assert row["exchange_rate"] == 6.9


# ---- duplicate gate ----------------------------------------------------------------------
@pytest.fixture
def existing(store):
    return seed(store, "Old relay", url="https://relay.example.com/console", user_id="42", username="bob")


def test_same_origin_and_user_id_warns_and_saves_nothing_yet(store, existing, refreshes):
    at = start(PAGE)
    submit(fill(at))

    assert not at.exception
    assert dup_warnings(at) == [
        f"**Duplicate account** · An account for https://relay.example.com with user ID 42 already exists "
        f"(bob) (id {existing})."]
    assert {b.key for b in at.button} >= {"dup_continue", "dup_never", "dup_cancel"}
    assert list(snapshot(store)) == [existing] and refreshes == []


def test_duplicate_continue_saves_and_keeps_the_preference(store, existing):
    at = start(PAGE)
    submit(fill(at))
    at.button(key="dup_continue").click().run()

    assert not at.exception
    assert not dup_warnings(at)
    assert len(at.success) == 1
    rows = snapshot(store)
    assert len(rows) == 2
    new = rows[max(rows)]
    assert (new["site_url"], new["user_id"], new["site_name"]) == ("https://relay.example.com", "42", "My relay")
    assert get_preferences(store)["warn_on_duplicate"] is True


def test_duplicate_cancel_saves_nothing(store, existing):
    at = start(PAGE)
    submit(fill(at))
    at.button(key="dup_cancel").click().run()

    assert not at.exception
    assert not dup_warnings(at) and not at.success
    assert list(snapshot(store)) == [existing]
    at.run()  # nothing pending comes back
    assert not dup_warnings(at) and list(snapshot(store)) == [existing]


def test_dont_warn_again_saves_and_turns_the_preference_off(store, existing):
    at = start(PAGE)
    submit(fill(at))
    at.button(key="dup_never").click().run()

    assert not at.exception
    assert len(snapshot(store)) == 2
    assert get_preferences(store)["warn_on_duplicate"] is False
    # the next duplicate goes straight in
    submit(fill(at, name="Third"))
    assert not dup_warnings(at)
    assert len(snapshot(store)) == 3


def test_no_warning_when_the_preference_is_off(store, existing):
    set_preference(store, "warn_on_duplicate", False)
    at = start(PAGE)
    submit(fill(at))

    assert not at.exception
    assert not dup_warnings(at)
    assert len(at.success) == 1
    assert len(snapshot(store)) == 2


def test_another_site_is_not_a_duplicate(store, existing):
    at = start(PAGE)
    submit(fill(at, url="https://relay.example.com:8443"))
    assert not dup_warnings(at)
    assert len(snapshot(store)) == 2


def test_same_origin_with_a_different_user_id_is_not_a_duplicate(store, existing):
    at = start(PAGE)
    submit(fill(at, user_id="43"))
    assert not dup_warnings(at)
    assert len(snapshot(store)) == 2


def test_a_failed_refresh_after_saving_keeps_the_account_and_says_why(store, monkeypatch):
    def failing(store, ids=None, **kw):
        return services.RefreshReport([RefreshResult(str(ids[0]), False, "error", "Connection refused.")], [])

    monkeypatch.setattr(onboarding, "refresh", failing)
    at = start(PAGE)
    submit(fill(at))

    assert not at.exception and not at.error
    [row] = snapshot(store).values()
    assert texts(at.warning) == [f"Account saved (id {row['id']}), but the latest balance and today's usage "
                                 "could not be fetched: Connection refused."]


def test_auth_none_saves_without_a_refresh(store, refreshes):
    at = start(PAGE)
    submit(fill(at, auth="none", user_id="", token=""))
    assert not at.exception and not at.error
    [row] = snapshot(store).values()
    assert texts(at.success) == [f"Account saved (id {row['id']}); with no credentials it cannot be refreshed."]
    assert refreshes == []


@pytest.mark.real_refresh
def test_recognise_then_save_against_a_sandbox_site(store, monkeypatch):

    # A loopback site needs no token bucket. Refresh reads the saved preference; recognition uses
    # the default politeness (18 rpm, ~7 s for its 6 requests), so give it the same setting here.
    set_preference(store, "per_site_rpm", 0)
    recognize = services.recognize_input
    monkeypatch.setattr(services, "recognize_input", lambda data, *, politeness=None, **kw: recognize(
        data, politeness=politeness or Politeness(per_site_rpm=0), **kw))
    with start_sandbox(dialects=["new-api"], users_per_site=1, seed=5) as sb:
        site = sb.site("new-api")
        user = site.users[0]
        at = start(PAGE)
        at.text_input(key="rec_url").input(site.url + "/console")
        at.radio(key="rec_how").set_value("access_token")
        at.text_input(key="rec_secret").input(user.access_token)
        at.text_input(key="rec_user_id").input(str(user.id))
        button(at, "Recognise").click().run()

        assert not at.exception and not at.error, texts(at.error)
        assert len(at.success) == 1 and texts(at.success)[0].startswith("Recognised ")
        assert at.text_input(key="add_url").value == site.url
        assert at.text_input(key="add_user_id").value == str(user.id)
        assert at.text_input(key="add_secret").value == ""  # the token stays on the server

        button(at, "Save account").click().run()

        assert not at.exception and not at.error and not at.warning, (texts(at.error), texts(at.warning))
        [row] = snapshot(store).values()
        assert texts(at.success) == [f"Account saved (id {row['id']}) and refreshed."]
        assert row["site_url"] == site.url and row["user_id"] == str(user.id)
        assert row["health_status"] == "healthy" and row["last_sync_time"] is not None
        assert get_secrets(store, [row["id"]])[row["id"]]["access_token"] == user.access_token


# ---- the Recognise step: a login stops at the duplicate rule ------------------------------
@pytest.fixture
def login_site(store, sandbox_factory):
    set_preference(store, "per_site_rpm", 0)  # our own loopback site
    site = sandbox_factory(dialects=["new-api"], users_per_site=1, seed=13).site("new-api")
    user = site.users[0]
    aid = seed(store, "Stored", url=site.url, user_id=str(user.id), username=user.username,
               token=user.access_token)
    site.clear_requests()
    return site, user, aid


def recognise_by_login(at, site, user):
    at.text_input(key="rec_url").input(site.url)
    at.radio(key="rec_how").set_value("login")
    at.text_input(key="rec_username").input(user.username)
    at.text_input(key="rec_secret").input(user.password)
    return button(at, "Recognise").click().run()


@pytest.mark.real_refresh
def test_recognise_by_login_of_a_stored_account_asks_before_the_token_is_rotated(store, login_site):
    site, user, aid = login_site
    token = user.access_token
    at = recognise_by_login(start(PAGE), site, user)

    assert not at.exception and not at.error, texts(at.error)
    assert dup_warnings(at) == [f"**Duplicate account** · An account for {site.url} with user ID {user.id} "
                                f"already exists ({user.username}) (id {aid})."]
    assert "/api/user/token" not in [r.path for r in site.requests]
    assert user.access_token == token and get_secrets(store, [aid])[aid]["access_token"] == token
    assert at.text_input(key="add_user_id").value == ""  # nothing recognised yet
    asked = len(site.requests)
    at.run()  # a rerun while the question is open does not log in again
    assert len(site.requests) == asked and len(dup_warnings(at)) == 1

    at.button(key="rec_dup_cancel").click().run()
    assert not dup_warnings(at) and list(snapshot(store)) == [aid] and user.access_token == token


@pytest.mark.real_refresh
def test_recognise_continue_logs_in_and_the_save_does_not_ask_again(store, login_site):
    site, user, _aid = login_site
    at = recognise_by_login(start(PAGE), site, user)
    at.button(key="rec_dup_continue").click().run()

    assert not at.exception and not at.error, texts(at.error)
    assert not dup_warnings(at) and texts(at.success)[0].startswith("Recognised ")
    assert at.text_input(key="add_user_id").value == str(user.id)
    button(at, "Save account").click().run()
    assert not dup_warnings(at) and not at.exception
    assert len(snapshot(store)) == 2
