"""Issue 21: the attention queue: every kind appears from a real cause (the sandbox over HTTP, a
real DuckDB file), with its reason and the action that fixes it, and doing that action clears it.
Grouped by severity then category; each category cut to ``limit`` with its total; the daily
summary says the same."""

from __future__ import annotations

import pytest
from shared import add_demo_account, fast_politeness, shared_sandbox

from allhub_core.accounts import set_preference, set_secrets, update_accounts
from allhub_core.automation import save_settings
from allhub_core.automation.attention import attention_queue, fix_attention
from allhub_core.automation.notify.messages import summary_message
from allhub_core.automation.notify.summary import _summary_facts
from allhub_core.store import Store
from allhub_core.sync import checkin, refresh, sync_keys, sync_notices
from allhub_core.vocab import AttentionCategory as C
from allhub_core.vocab import AttentionSeverity as S

CHECKIN = "/api/user/checkin"
FAST = fast_politeness(retries=0)


@pytest.fixture(scope="module")
def sandbox():
    return shared_sandbox(dialects=["new-api"], users_per_site=6, seed=2121)


pytestmark = pytest.mark.usefixtures("fresh_sites")


def _entries(store, category, **kw):
    return [e for e in attention_queue(store, **kw).entries if e.category is category]


def _one(store, category, aid):
    found = [e for e in _entries(store, category) if e.account_id == aid]
    assert len(found) == 1, f"{category} for {aid}: {found}"
    return found[0]


def _store(db_path) -> Store:
    store = Store(db_path)
    set_preference(store, "per_site_rpm", 0)
    return store


def test_rejected_credential_is_critical_and_a_new_token_clears_it(db_path, sandbox):
    store = _store(db_path)
    aid, _site, user = add_demo_account(store, sandbox, "new-api", 0)
    good = user.access_token
    set_secrets(store, aid, access_token="revoked-token-0000000000")
    refresh(store, [aid], politeness=FAST)
    e = _one(store, C.CREDENTIAL_REJECTED, aid)
    assert e.severity is S.CRITICAL and e.page_action == "token"
    assert e.action == f"allhub account set {aid} --token -"
    assert "refused the account's token" in e.reason and "access token" in e.reason
    assert "revoked-token" not in repr(attention_queue(store).rows())  # the secret never shows
    assert not _entries(store, C.SITE_WARNING)  # the same refusal is not counted twice
    set_secrets(store, aid, access_token=good)  # the action's own: a new token, then a refresh
    refresh(store, [aid], force=True, politeness=FAST)
    assert not _entries(store, C.CREDENTIAL_REJECTED)


def test_retryable_checkin_failure_is_retried_by_its_action(db_path, sandbox):
    store = _store(db_path)
    aid, site, user = add_demo_account(store, sandbox, "new-api", 1)
    site.inject("500", user_id=user.id, path=CHECKIN, method="POST", times=1)
    checkin(store, [aid], politeness=FAST)
    e = _one(store, C.CHECKIN_FAILED, aid)
    assert e.severity is S.WARNING and e.action == f"allhub checkin {aid}" and e.page_action == "checkin"
    assert "Site error (5xx)".lower() in e.reason.lower()
    fix_attention(store, e, politeness=FAST)
    assert user.checkins and not _entries(store, C.CHECKIN_FAILED)


def test_turnstile_checkin_needs_you_and_points_at_the_site(db_path, sandbox):
    store = _store(db_path)
    aid, site, user = add_demo_account(store, sandbox, "new-api", 2)
    site.inject("business_error", user_id=user.id, path=CHECKIN, method="POST", message="Turnstile token 为空")
    checkin(store, [aid], politeness=FAST)
    e = next(e for e in attention_queue(store).entries if e.account_id == aid)
    assert e.category in (C.CHECKIN_NEEDS_YOU, C.CHECKIN_FAILED)
    # a Turnstile wall is not retryable: its fix is the site in a browser, never a retry
    assert e.page_action == "open_site" and e.url.startswith(site.url) and e.action == f"open {e.url}"


def test_left_out_low_balance_notices_usage_and_keys(db_path, sandbox):
    store = _store(db_path)
    ids = [add_demo_account(store, sandbox, "new-api", i)[0] for i in range(3, 6)]
    left, poor, keyless = ids
    site = sandbox.site("new-api")
    refresh(store, ids, politeness=FAST)
    assert not attention_queue(store).groups  # a healthy store: nothing to do

    update_accounts(store, {left: {"auto_checkin": False}, poor: {"manual_balance_usd": 0.5}})
    set_preference(store, "low_balance_usd", 1)
    site.notice = "## Maintenance tonight"
    sync_notices(store, ids, politeness=FAST)
    user = next(u for u in site.users if str(u.id) == str(_user_id(store, keyless)))
    for t in user.tokens:
        t.status = 3  # expired on the site
    sync_keys(store, [keyless], politeness=FAST)
    save_settings(store, usage_sync_enabled=True, usage_sync_interval_s=3600)

    q = attention_queue(store)
    assert [g.severity for g in q.groups] == sorted((g.severity for g in q.groups), key=list(S).index)
    e = _one(store, C.LEFT_OUT, left)
    assert e.severity is S.INFO and e.action == f"allhub account set {left} --auto-checkin"
    low = _one(store, C.LOW_BALANCE, poor)
    assert "$0.50" in low.reason and low.page_action == "open_site"
    [notice] = _entries(store, C.UNREAD_NOTICES)
    assert "1 unread announcement" in notice.reason and notice.action.startswith("allhub notices read ")
    key = _one(store, C.KEY_UNUSABLE, keyless)
    assert "expired" in key.reason and key.action == f"allhub keys create --account {keyless}"
    assert {e.account_id for e in _entries(store, C.USAGE_OVERDUE)} == set(ids)
    usage = _one(store, C.USAGE_OVERDUE, poor)
    assert usage.action == f"allhub usage sync {poor}" and "never synced" in usage.reason

    # each fix clears its own entry and nothing else
    for entry in (e, notice, key, usage):
        fix_attention(store, entry, politeness=FAST)
    after = attention_queue(store)
    assert not [x for x in after.entries if x.category in (C.LEFT_OUT, C.UNREAD_NOTICES, C.KEY_UNUSABLE)]
    assert {x.account_id for x in after.entries if x.category is C.USAGE_OVERDUE} == {left, keyless}
    assert _one(store, C.LOW_BALANCE, poor)

    # the daily summary carries the queue: counts by severity and category, then the entries
    msg = summary_message(_summary_facts(store, "2026-12-06"))
    assert "Attention queue: Warning · Low balance 1" in msg.text and "Needs attention:" in msg.text and f"allhub usage sync {left}" in msg.text


def test_each_category_is_cut_to_the_limit_with_its_total(db_path, sandbox):
    store = _store(db_path)
    ids = [add_demo_account(store, sandbox, "new-api", i)[0] for i in range(4)]
    update_accounts(store, {i: {"auto_checkin": False} for i in ids})
    q = attention_queue(store, limit=2)
    [group] = [g for g in q.groups if g.category is C.LEFT_OUT]
    assert group.total == 4 and [e.account_id for e in group.entries] == sorted(ids)[:2]
    assert q.total == 4 and "4 things need attention: 4 info" in q.summary()
    update_accounts(store, {ids[0]: {"disabled": True}})  # a disabled account needs nothing
    assert attention_queue(store).total == 3


def _user_id(store, aid):
    with store.read() as con:
        return con.execute("SELECT user_id FROM accounts WHERE id = ?", [aid]).fetchone()[0]
