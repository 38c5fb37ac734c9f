"""The re-login check-in on the Check-in page (issue 21): choosing "Log in again" shows a username,
a password input and the opt-in box; without a stored login the method is refused in one
sentence; with the box ticked the login is stored (the password never shown again), "Check in
this account now" reports what the login credited, and "Forget the password" goes back to
automatic."""

from __future__ import annotations

import pytest
from appsupport import start, texts
from shared import add_demo_account

from allhub_core import accounts as acc
from allhub_core.accounts import set_preference
from allhub_core.sync import login_usernames

REWARD = 250_000


@pytest.fixture
def account(store, sandbox_factory):
    sb = sandbox_factory(dialects=["anyrouter"], users_per_site=2, seed=321)
    set_preference(store, "per_site_rpm", 0)
    aid, site, user = add_demo_account(store, sb, "anyrouter")
    site.login_reward = REWARD
    return aid, site, user


def _table(at):
    return {r["ID"]: r for r in at.dataframe[0].value.to_dict("records")}


def _choose_relogin(at, aid):
    at.selectbox(key="cm_account").set_value(aid).run()
    at.selectbox(key=f"cm_{aid}").set_value("relogin").run()


def test_without_a_stored_login_the_method_is_refused(store, account):
    aid, _site, user = account
    at = start("pages/checkin.py")
    _choose_relogin(at, aid)
    assert not at.exception
    at.text_input(key=f"cm_user_{aid}").input(user.username)
    at.text_input(key=f"cm_pw_{aid}").input(user.password).run()
    assert any("Tick the box" in t for t in texts(at.info))
    at.button(key="cm_save").click().run()  # the box not ticked: nothing stored
    assert not at.exception
    errors = texts(at.error)
    assert len(errors) == 1 and "stored first" in errors[0] and user.password not in errors[0]
    assert acc.get_account(store, aid)["checkin_method"] == "auto"
    assert login_usernames(store, [aid]) == {}


def test_store_the_login_check_in_then_forget_it(store, account):
    aid, _site, user = account
    start_quota = user.quota
    at = start("pages/checkin.py")
    _choose_relogin(at, aid)
    at.text_input(key=f"cm_user_{aid}").input(user.username)
    at.text_input(key=f"cm_pw_{aid}").input(user.password)
    at.checkbox(key=f"cm_keep_{aid}").check().run()
    at.button(key="cm_save").click().run()
    assert not at.exception
    assert any("log in again" in t.lower() for t in texts(at.success)), texts(at.success)
    assert acc.get_account(store, aid)["checkin_method"] == "relogin"
    assert login_usernames(store, [aid]) == {aid: user.username}
    assert any(user.username in c for c in texts(at.caption))  # whose login is stored
    assert at.text_input(key=f"cm_pw_{aid}").value == ""  # the typed password left the page
    assert _table(at)[aid]["Method"] == "log in again"

    at.button(key="cm_test").click().run()
    assert not at.exception
    row = _table(at)[aid]
    assert row["Last result"] == "✅ Checked in now" and row["Message"] == "+$0.50 on login"
    assert user.quota == start_quota + REWARD
    page_text = " ".join(texts(at.caption) + texts(at.success) + texts(at.markdown)) + str(_table(at))
    assert user.password not in page_text

    at.button(key=f"cm_forget_{aid}").click().run()
    assert not at.exception
    assert login_usernames(store, [aid]) == {}
    assert acc.get_account(store, aid)["checkin_method"] == "auto"
    assert any("forgotten" in t for t in texts(at.success))
