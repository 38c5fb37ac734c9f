"""Issue 21: every check-in result carries a reason code with its retryable flag.

Over real HTTP against the sandbox's New API site: each reason comes from the fault or switch
that causes it on a real site (a rejected token, a Turnstile wall, check-in switched off, a 5xx,
a 429, a timeout, a status that cannot be read), is stored in the check-in log, shown by the
Check-in page's rows and in ``allhub checkin --json``'s rows; a row written before reasons reads
"unclassified".
"""

from __future__ import annotations

import pytest
from shared import add_demo_account, fast_politeness, shared_sandbox

from allhub_core.accounts import checkin_page
from allhub_core.accounts.status import checkin_retry_plan
from allhub_core.sync import checkin, todays_checkins
from allhub_core.vocab import UNCLASSIFIED, UNCLASSIFIED_LABEL, CheckInReason, CheckInResult

CHECKIN = "/api/user/checkin"


@pytest.fixture(scope="module")
def sandbox():
    return shared_sandbox(dialects=["new-api"], users_per_site=2, seed=21)


pytestmark = pytest.mark.usefixtures("fresh_sites")


@pytest.fixture
def account(store, sandbox):
    aid, site, user = add_demo_account(store, sandbox, "new-api")
    site.clear_requests()
    return aid, site, user


def _posts(site) -> int:
    return sum(1 for r in site.requests if r.method == "POST" and r.path == CHECKIN)


def _stored_reasons(store, aid) -> list[str | None]:
    with store.read() as con:
        return [r[0] for r in con.execute("SELECT reason FROM checkin_log WHERE account_id = ? ORDER BY id",
                                          [aid]).fetchall()]


def _one(store, aid, **politeness):
    [row] = checkin(store, [aid], politeness=fast_politeness(**politeness)).rows()
    return row


def test_success_then_already_checked(store, account):
    aid, site, _ = account
    first = _one(store, aid)
    second = _one(store, aid)
    assert (first["result"], first["reason"], first["retryable"]) == ("success", "checked_in", False)
    assert (second["result"], second["reason"], second["retryable"]) == ("already_checked", "already_checked", False)
    assert _stored_reasons(store, aid) == ["checked_in", "already_checked"]
    assert _posts(site) == 1  # the second run read "already" from the status and never posted


@pytest.mark.parametrize(("fault", "result", "reason", "retryable"), [
    ({"kind": "401"}, "failed", "token_rejected", False),
    ({"kind": "403_json"}, "failed", "token_rejected", False),
    ({"kind": "500"}, "failed", "site_error_5xx", True),
    ({"kind": "429"}, "failed", "rate_limited", True),
    ({"kind": "business_error", "message": "签到失败，请稍后再试"}, "failed", "unknown", True),
])
def test_a_failed_post_gets_the_reason_of_its_fault(store, account, fault, result, reason, retryable):
    aid, site, user = account
    site.inject(path=CHECKIN, method="POST", **fault)
    row = _one(store, aid, retries=0)
    assert (row["result"], row["reason"], row["retryable"]) == (result, reason, retryable), row["message"]
    assert _stored_reasons(store, aid) == [reason]
    assert not user.checkins, "the site did not check the account in"
    assert CheckInReason(reason).retryable is retryable


def test_turnstile_wall_is_turnstile_required(store, account):
    aid, site, _ = account
    site.turnstile = True
    row = _one(store, aid)
    assert (row["result"], row["reason"], row["retryable"]) == ("needs_browser", "turnstile_required", False)


def test_check_in_switched_off_is_not_enabled(store, account):
    aid, site, _ = account
    site.checkin_enabled = False
    row = _one(store, aid)
    assert (row["result"], row["reason"], row["retryable"]) == ("unsupported", "not_enabled", False)
    assert _posts(site) == 0


def test_a_post_that_times_out_is_network_timeout(store, account):
    aid, site, _ = account
    # the POST hangs past the client's timeout, then fails (so it never lands in a later test)
    site.inject("slow", path=CHECKIN, method="POST", ms=1500, times=1)
    site.inject("500", path=CHECKIN, method="POST", times=1)
    row = _one(store, aid, read_timeout=0.3, retries=0)
    assert (row["result"], row["reason"], row["retryable"]) == ("failed", "network_timeout", True), row["message"]
    assert _posts(site) == 1  # ambiguous: re-read, never resent


def test_a_5xx_post_whose_status_cannot_be_reread_is_status_unavailable(store, account):
    aid, site, _ = account
    site.inject("500", path=CHECKIN)  # the status GET and the POST alike
    row = _one(store, aid, retries=0)
    assert (row["result"], row["reason"], row["retryable"]) == ("failed", "status_unavailable", True), row["message"]
    assert _posts(site) == 1


def test_page_rows_and_filters_show_the_reason(store, account):
    aid, site, _ = account
    site.inject("401", path=CHECKIN, method="POST")
    _one(store, aid, retries=0)
    [row] = [r for r in todays_checkins(store) if r["id"] == aid]
    assert row["reason"] == "token_rejected"
    page = checkin_page(store, reason="token_rejected")
    assert [r["id"] for r in page.rows] == [aid] and page.matching == 1
    assert checkin_page(store, reason="site_error_5xx").rows == []
    assert [r["id"] for r in checkin_page(store, result="failed").rows] == [aid]
    plan = checkin_retry_plan(store)
    assert plan.retry == [] and plan.left == {aid: "Token or login rejected"}
    assert "leaving 1" in plan.summary()


def test_an_old_row_without_a_reason_reads_unclassified_and_is_retried(store, account):
    aid, _, _ = account
    with store.write() as con:  # as written before reasons were kept
        con.execute("INSERT INTO checkin_log (account_id, result, message) VALUES (?, 'failed', 'HTTP 502')", [aid])
    [row] = [r for r in todays_checkins(store) if r["id"] == aid]
    assert row["reason"] is None and CheckInReason.label_of(row["reason"]) == UNCLASSIFIED_LABEL == "Unclassified"
    assert [r["id"] for r in checkin_page(store, reason=UNCLASSIFIED).rows] == [aid]
    assert checkin_retry_plan(store).retry == [aid]


def test_result_categories_are_unchanged(store, account):
    aid, site, _ = account
    site.inject("401", path=CHECKIN, method="POST")
    [res] = checkin(store, [aid], politeness=fast_politeness(retries=0))
    assert CheckInResult(res.result) is CheckInResult.FAILED and res.reason == "token_rejected"


@pytest.fixture(scope="module")
def voapi():
    return shared_sandbox(dialects=["voapi-v2"], users_per_site=2, seed=2124)


@pytest.mark.parametrize(("fault", "switch", "result", "reason"), [
    (None, None, "success", "checked_in"),
    ({"kind": "500"}, None, "failed", "site_error_5xx"),
    ({"kind": "401"}, None, "failed", "token_rejected"),
    (None, "off", "unsupported", "not_enabled"),
])
def test_voapi_v2_reasons_come_from_the_shared_reading(store, voapi, fault, switch, result, reason):
    voapi.site("voapi-v2").reset()  # today's check-in of the previous case undone
    aid, site, _ = add_demo_account(store, voapi, "voapi-v2")
    if fault:
        site.inject(path="/api/check_in", method="POST", **fault)
    if switch == "off":
        site.checkin_enabled = False
    try:
        row = _one(store, aid, retries=0)
    finally:
        site.clear_faults()
        site.checkin_enabled = True
    assert (row["result"], row["reason"]) == (result, reason), row["message"]
    assert _stored_reasons(store, aid) == [reason]
