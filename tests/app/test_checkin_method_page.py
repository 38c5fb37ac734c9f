"""Choosing how an account checks in on the Check-in page, and seeing the result category.

The one-api sandbox site has no built-in check-in, but (like every New API family site in the
sandbox) a fork's own ``POST /api/fork/sign``: the custom request typed on the page reaches it.
"""

from __future__ import annotations

import json

import pytest
from appsupport import start, texts

from allhub_core import accounts as acc
from allhub_core.accounts import AccountInput, add_account, set_preference
from allhub_core.sync import set_checkin_method

REQUEST = {"url": "/api/fork/sign", "headers": {"X-Sign-Token": "{access_token}"}, "body": {"uid": "{user_id}"},
           "success": {"path": "code", "equals": 0}, "already": {"contains": "today signed"}}


@pytest.fixture
def account(store, sandbox_factory):
    site = sandbox_factory(dialects=["one-api"], users_per_site=2, seed=43).site("one-api")
    set_preference(store, "per_site_rpm", 0)
    user = site.users[0]
    aid = add_account(store, AccountInput(site_url=site.url, site_name="Fork site", site_type="one-api",
                                          user_id=str(user.id), access_token=user.access_token))
    return aid, site, user


def _table(at):
    return {r["ID"]: r for r in at.dataframe[0].value.to_dict("records")}


def test_choose_custom_request_then_check_in_and_see_the_category(store, account):
    aid, _site, user = account
    at = start("pages/checkin.py")
    assert not at.exception
    at.selectbox(key="cm_account").set_value(aid).run()
    at.selectbox(key=f"cm_{aid}").set_value("custom").run()
    at.text_area(key=f"cm_req_{aid}").input(json.dumps(REQUEST)).run()
    at.button(key="cm_save").click().run()
    assert not at.exception
    assert any("custom request" in t for t in texts(at.success)), texts(at.success)
    assert acc.get_account(store, aid)["checkin_method"] == "custom"
    assert _table(at)[aid]["Method"] == "custom"

    at.button(key="cm_test").click().run()
    assert not at.exception
    assert _table(at)[aid]["Last result"] == "✅ Checked in now"
    assert user.checkins, "the fork's own check-in was called"
    at.button(key="cm_test").click().run()
    assert _table(at)[aid]["Last result"] == "☑️ Already checked in"


def test_a_request_with_a_typed_secret_is_refused_in_one_sentence(store, account):
    aid, _site, user = account
    at = start("pages/checkin.py")
    at.selectbox(key="cm_account").set_value(aid).run()
    at.selectbox(key=f"cm_{aid}").set_value("custom").run()
    bad = dict(REQUEST, headers={"Authorization": f"Bearer {user.access_token}"})
    at.text_area(key=f"cm_req_{aid}").input(json.dumps(bad)).run()
    at.button(key="cm_save").click().run()
    assert not at.exception
    errors = texts(at.error)
    assert len(errors) == 1 and "placeholder" in errors[0] and user.access_token not in errors[0]
    assert acc.get_account(store, aid)["checkin_method"] == "auto"


def test_failed_check_in_shows_failed_with_the_reason_and_needs_attention(store, account):
    aid, _site, _user = account

    set_checkin_method(store, [aid], "custom", dict(REQUEST, body={"uid": "nobody"}))
    at = start("pages/checkin.py")
    at.button(key="cm_test").click().run()
    row = _table(at)[aid]
    assert row["Last result"] == "❌ Failed" and "bad sign token" in row["Message"]
    at.toggle(key="ci_attention").set_value(True).run()
    assert list(_table(at)) == [aid]
    assert acc.account_records(store, f=acc.AccountFilter(attention=True))[0]["id"] == str(aid)


def test_the_account_picker_finds_by_name_or_id_and_lists_only_enabled_accounts(store, account):
    aid, _site, _user = account
    other = add_account(store, AccountInput(site_url="https://other.example.com", site_name="Another place",
                                            site_type="one-api", user_id="9", access_token="tok-abcdefghijklmnop"))
    off = add_account(store, AccountInput(site_url="https://off.example.com", site_name="Another off",
                                          site_type="one-api", user_id="8", access_token="tok-abcdefghijklmnop"))
    acc.set_disabled(store, [off], True)
    at = start("pages/checkin.py")
    assert at.selectbox(key="cm_account").options == [f"{aid} · Fork site", f"{other} · Another place"]
    at.text_input(key="cm_find").input("another").run()  # the account shown stays listed, first
    assert at.selectbox(key="cm_account").options == [f"{aid} · Fork site", f"{other} · Another place"]
    at.selectbox(key="cm_account").set_value(other).run()
    at.text_input(key="cm_find").input(f"#{aid}").run()
    assert at.selectbox(key="cm_account").options == [f"{other} · Another place", f"{aid} · Fork site"]
    at.text_input(key="cm_find").input("nothing like it").run()
    assert not at.exception and at.selectbox(key="cm_account").options == [f"{other} · Another place"]
    assert at.selectbox(key="cm_account").value == other
