"""Issue 21: the re-login check-in, over real HTTP against an AgentRouter-like sandbox site (an
AnyRouter site whose day's first password login credits ``login_reward``).

A login is credited once a day (balance before and after, the amount reported), a second run the
same day credits nothing and says so, a wrong password is ``token_rejected`` and sent once, the
new session cookie replaces the stored one, the password never appears in the check-in log, the
run's rows, the account lists or the exports, and the method cannot be chosen without a login.
"""

from __future__ import annotations

import json
import logging

import pytest
from shared import add_demo_account, fast_politeness, shared_sandbox

from allhub_core.accounts import AccountInput, account_records, add_account, delete_accounts, get_secrets
from allhub_core.accounts.logins import clear_login, has_login, login_usernames
from allhub_core.errors import ValidationError
from allhub_core.sync import checkin, diagnose, refresh, set_checkin_method
from allhub_core.transfer import export_file
from allhub_core.vocab import QUOTA_PER_USD

LOGIN = "/api/user/login"
REWARD = 250_000  # $0.50


@pytest.fixture(scope="module")
def sandbox():
    return shared_sandbox(dialects=["anyrouter", "one-api"], users_per_site=2, seed=121)


pytestmark = pytest.mark.usefixtures("fresh_sites")


@pytest.fixture
def account(store, sandbox):
    aid, site, user = add_demo_account(store, sandbox, "anyrouter")
    site.login_reward = REWARD
    site.clear_requests()
    return aid, site, user


def _logins(site) -> int:
    return sum(1 for r in site.requests if r.method == "POST" and r.path == LOGIN)


def _log(store, aid) -> list[tuple[str, str, str]]:
    with store.read() as con:
        return con.execute("SELECT result, reason, message FROM checkin_log WHERE account_id = ? ORDER BY id",
                           [aid]).fetchall()


def _run(store, aid):
    [row] = checkin(store, [aid], politeness=fast_politeness()).rows()
    return row


def test_credited_once_a_day_with_the_amount(store, account):
    aid, site, user = account
    set_checkin_method(store, [aid], "relogin", username=user.username, password=user.password)
    start = user.quota
    first = _run(store, aid)
    assert (first["result"], first["reason"]) == ("success", "checked_in")
    assert first["message"] == f"+${REWARD / QUOTA_PER_USD:.2f} on login" == "+$0.50 on login"
    assert user.quota == start + REWARD
    second = _run(store, aid)
    assert (second["result"], second["reason"]) == ("already_checked", "already_checked")
    assert "nothing credited" in second["message"]
    assert user.quota == start + REWARD  # credited once
    assert [r[:2] for r in _log(store, aid)] == [("success", "checked_in"), ("already_checked", "already_checked")]
    assert _logins(site) == 2


def test_the_new_session_replaces_the_stored_cookie(store, account):
    aid, site, user = account
    old = get_secrets(store, [aid])[aid]["cookie"]
    set_checkin_method(store, [aid], "relogin", username=user.username, password=user.password)
    assert _run(store, aid)["result"] == "success"
    new = get_secrets(store, [aid])[aid]["cookie"]
    assert new and new != old
    assert site.user_by_session(old.split("=", 1)[1]) is None  # the old session was ended
    [row] = refresh(store, [aid], politeness=fast_politeness()).rows()
    assert row["ok"] is True  # the account goes on with the new session


def test_wrong_password_is_token_rejected_and_sent_once(store, account):
    aid, site, user = account
    set_checkin_method(store, [aid], "relogin", username=user.username, password="not-the-password-123")
    old = get_secrets(store, [aid])[aid]["cookie"]
    start = user.quota
    row = _run(store, aid)
    assert (row["result"], row["reason"], row["retryable"]) == ("failed", "token_rejected", False)
    assert row["message"].startswith("Login failed")
    assert _logins(site) == 1  # never retried
    assert user.quota == start
    # a refused login changes nothing: the stored session still works
    assert get_secrets(store, [aid])[aid]["cookie"] == old
    assert refresh(store, [aid], politeness=fast_politeness()).rows()[0]["ok"] is True


def test_two_factor_needs_the_user_and_is_not_looped(store, account):
    aid, site, user = account
    set_checkin_method(store, [aid], "relogin", username=user.username, password=user.password)
    user.two_factor = True
    row = _run(store, aid)
    assert (row["result"], row["reason"]) == ("needs_browser", "browser_required")
    assert "two-factor" in row["message"]
    assert _logins(site) == 1


def test_the_password_is_never_shown(store, account, caplog):
    aid, site, user = account
    secret = "s3cret-Pa55word-xyz"
    user.password = secret
    caplog.set_level(logging.DEBUG)
    set_checkin_method(store, [aid], "relogin", username=user.username, password=secret)
    report = checkin(store, [aid], politeness=fast_politeness())
    site.login_reward = 0
    user.password = "changed-on-the-site"  # a refusal quoting the site's words
    failed = checkin(store, [aid], politeness=fast_politeness())
    texts = [json.dumps(report.rows()), json.dumps(failed.rows()), report.summary(), failed.summary(),
             caplog.text, json.dumps(account_records(store, [aid]), default=str), json.dumps(_log(store, aid)),
             export_file(store, "allhub", include_secrets=True).text,
             export_file(store, "own", include_secrets=True).text]
    assert all(secret not in t for t in texts)
    assert login_usernames(store, [aid]) == {aid: user.username}
    with store.read() as con:
        [(blob,)] = con.execute("SELECT password_enc FROM account_logins WHERE account_id = ?", [aid]).fetchall()
    assert secret.encode() not in bytes(blob)  # sealed


def test_the_method_needs_a_stored_login(store, account, sandbox):
    aid, _site, user = account
    with pytest.raises(ValidationError, match="username and password stored first"):
        set_checkin_method(store, [aid], "relogin")
    assert account_records(store, [aid])[0]["checkin_method"] == "auto"
    with pytest.raises(ValidationError, match="only for the re-login"):
        set_checkin_method(store, [aid], "auto", username=user.username, password=user.password)
    assert not has_login(store, aid)
    set_checkin_method(store, [aid], "relogin", username=user.username, password=user.password)
    assert account_records(store, [aid])[0]["checkin_method"] == "relogin"
    set_checkin_method(store, [aid], "auto")
    set_checkin_method(store, [aid], "relogin")  # the stored login is enough now
    # "Forget the password": the login goes, and the account back to the automatic check-in
    assert clear_login(store, aid) is True
    assert not has_login(store, aid)
    assert account_records(store, [aid])[0]["checkin_method"] == "auto"


def test_sites_that_cannot_log_in_refuse_the_method(store, sandbox):
    aid = add_account(store, AccountInput(site_url="https://sub.example.com", site_name="s", site_type="sub2api",
                                          user_id="1", username="u", auth_type="access_token",
                                          access_token="x" * 40))
    with pytest.raises(ValidationError, match="only on New API family sites"):
        set_checkin_method(store, [aid], "relogin", username="u", password="p" * 8)
    assert not has_login(store, aid)


def test_a_site_s_logins_go_one_at_a_time_beside_other_check_ins(store, sandbox):
    site = sandbox.site("anyrouter")
    site.login_reward = REWARD
    ids = []
    for i in range(2):
        aid, _s, user = add_demo_account(store, sandbox, "anyrouter", i)
        set_checkin_method(store, [aid], "relogin", username=user.username, password=user.password)
        ids.append(aid)
    other, _s2, _u2 = add_demo_account(store, sandbox, "one-api")
    site.clear_requests()
    report = checkin(store, [*ids, other], politeness=fast_politeness())
    rows = {r["id"]: r for r in report.rows()}
    assert [rows[str(a)]["message"] for a in ids] == ["+$0.50 on login"] * 2
    assert rows[str(other)]["result"] == "unsupported"  # One API: no check-in, run beside them
    paths = [r.path for r in site.requests]
    logins = [i for i, p in enumerate(paths) if p == LOGIN]
    logouts = [i for i, p in enumerate(paths) if p == "/api/user/logout"]
    assert len(logins) == len(logouts) == 2
    assert logouts[0] < logins[1]  # the second account logs in once the first is done


def test_diagnose_names_the_method_and_logs_nothing_in(store, account):
    aid, site, user = account
    set_checkin_method(store, [aid], "relogin", username=user.username, password=user.password)
    site.clear_requests()
    text = diagnose(store, aid, politeness=fast_politeness()).text()
    assert "log in again" in text and user.password not in text
    assert _logins(site) == 0  # read-only: a diagnosis never logs in


def test_deleting_the_account_deletes_its_login(store, account):
    aid, _site, user = account
    set_checkin_method(store, [aid], "relogin", username=user.username, password=user.password)
    delete_accounts(store, [aid])
    with store.read() as con:
        assert con.execute("SELECT count(*) FROM account_logins").fetchone() == (0,)
