"""Redeeming top-up codes against the sandbox relay sites over real HTTP: a good code is credited
(in USD) and the balance refreshed, a used code and a wrong code keep the site's message, each
sent exactly once (counted at the site), and never again on a second run; a code the site did not
answer (HTTP 500) is kept retryable and ``retry_redemptions`` sends it once more; Veloera's
``{quota, is_gift}`` answer; a site without redemption fails in one sentence; no code in plain text
in the rows, the summary, the store's readable columns or the log."""

from __future__ import annotations

import logging
import socket

import pytest
from shared import add_demo_account, fast_politeness

from allhub_core.accounts import AccountInput, add_account, get_account
from allhub_core.errors import ValidationError
from allhub_core.redeem import list_redemptions, mask_code, retryable_redemptions
from allhub_core.sync.redeem import redeem_codes, retry_redemptions
from allhub_core.vocab import QUOTA_PER_USD

FAST = fast_politeness(read_timeout=2.0, retries=0, retries_429=0)
WRONG = "0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=["new-api", "veloera", "sub2api"], users_per_site=2, seed=20)


pytestmark = pytest.mark.usefixtures("fresh_sites")


def _topups(site) -> int:
    return sum(1 for r in site.requests if r.path == "/api/user/topup")


def _codes(site, n: int) -> list[str]:
    return sorted(set(site.redemption_codes) - site.used_codes)[:n]


def test_success_used_and_wrong_code_each_sent_once_and_never_again(store, sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    aid, site, user = add_demo_account(store, sandbox, "new-api")
    good, spent = _codes(site, 2)
    site.used_codes.add(spent)
    before = user.quota
    site.clear_requests()
    report = redeem_codes(store, aid, [good, spent, WRONG], politeness=FAST)

    rows = {r["code"]: r for r in report.rows()}
    worth = site.redemption_codes[good] / QUOTA_PER_USD
    assert rows[mask_code(good)]["ok"] is True and rows[mask_code(good)]["credited_usd"] == pytest.approx(worth)
    assert rows[mask_code(spent)]["status"] == "used" and rows[mask_code(spent)]["ok"] is False
    assert "已被使用" in rows[mask_code(spent)]["message"]
    assert rows[mask_code(WRONG)]["status"] == "invalid" and "无效" in rows[mask_code(WRONG)]["message"]
    assert _topups(site) == 3 and report.exit_code() == 1
    assert user.quota == before + site.redemption_codes[good]
    # the balance refreshed after the success: the store holds the site's new figure
    assert report.refreshed is not None and not report.refreshed.failed
    assert get_account(store, aid)["quota"] == user.quota
    assert rows[mask_code(good)]["balance_usd"] == pytest.approx(user.quota / QUOTA_PER_USD)

    site.clear_requests()
    again = redeem_codes(store, aid, [good, spent, WRONG], politeness=FAST)
    assert _topups(site) == 0 and {r["status"] for r in again.rows()} == {"skipped"}
    assert all("Not sent again" in r["message"] for r in again.rows())

    shown = repr(report.rows()) + report.summary() + repr(again.rows()) + repr(list_redemptions(store)) + caplog.text
    for code in (good, spent, WRONG):
        assert code not in shown
    assert {r["outcome"] for r in list_redemptions(store)} == {"credited", "used", "invalid"}


def test_same_code_twice_in_one_run_is_sent_once(store, sandbox):
    aid, site, _ = add_demo_account(store, sandbox, "new-api")
    [code] = _codes(site, 1)
    site.clear_requests()
    report = redeem_codes(store, aid, [code, code, f" {code} "], politeness=FAST, refresh_after=False)
    assert len(report.rows()) == 1 and report.rows()[0]["ok"] is True and _topups(site) == 1


def test_no_answer_is_retryable_and_a_retry_sends_it_once_more(store, sandbox):
    aid, site, _user = add_demo_account(store, sandbox, "new-api")
    [code] = _codes(site, 1)
    site.inject("500", path="/api/user/topup", times=1)
    site.clear_requests()
    first = redeem_codes(store, aid, [code], politeness=FAST, refresh_after=False)
    [row] = first.rows()
    assert row["status"] == "network" and row["retryable"] is True and _topups(site) == 1
    assert code in site.redemption_codes and code not in site.used_codes  # the site never took it
    [stored] = list_redemptions(store)
    assert stored["retryable"] is True and stored["code"] == mask_code(code)

    site.clear_requests()
    retried = retry_redemptions(store, politeness=FAST, refresh_after=False)
    assert [r["status"] for r in retried.rows()] == ["credited"] and _topups(site) == 1
    assert code in site.used_codes
    [stored] = list_redemptions(store)
    assert stored["outcome"] == "credited" and stored["retryable"] is False
    site.clear_requests()
    assert retry_redemptions(store, politeness=FAST).rows() == [] and _topups(site) == 0


def test_veloera_quota_object_is_credited(store, sandbox):
    aid, site, _ = add_demo_account(store, sandbox, "veloera")
    [code] = _codes(site, 1)
    [row] = redeem_codes(store, aid, [code], politeness=FAST, refresh_after=False).rows()
    assert row["ok"] is True and row["credited_usd"] == pytest.approx(site.redemption_codes[code] / QUOTA_PER_USD)


def test_a_site_without_redemption_fails_in_one_sentence_and_is_not_settled(store, sandbox):
    aid, _site, _ = add_demo_account(store, sandbox, "sub2api")
    [row] = redeem_codes(store, aid, [WRONG], politeness=FAST).rows()
    assert row["status"] == "error" and row["retryable"] is False and row["message"]
    assert "\n" not in row["message"] and "Traceback" not in row["message"]
    [again] = redeem_codes(store, aid, [WRONG], politeness=FAST).rows()
    assert again["status"] == "error"  # not settled: asked again, never "not sent again"


def test_bad_input_is_one_sentence_and_changes_nothing(store, sandbox):
    aid, site, _ = add_demo_account(store, sandbox, "new-api")
    site.clear_requests()
    with pytest.raises(ValidationError, match="not a redemption code"):
        redeem_codes(store, aid, ["short"], politeness=FAST)
    with pytest.raises(ValidationError, match="No redemption code"):
        redeem_codes(store, aid, [], politeness=FAST)
    assert _topups(site) == 0 and list_redemptions(store) == []


def test_a_site_that_cannot_be_reached_keeps_the_code_retryable_and_unlogged(store, caplog):
    caplog.set_level(logging.DEBUG)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    aid = add_account(store, AccountInput(site_url=f"http://127.0.0.1:{port}", site_name="gone", site_type="new-api",
                                          user_id="1", username="u", access_token="tok-gone-0123456789"))
    code = "Q" * 32
    [row] = redeem_codes(store, aid, [code], politeness=FAST).rows()
    assert row["status"] == "network" and row["retryable"] is True and row["ok"] is False
    [pending] = retryable_redemptions(store)
    assert pending.code == code  # kept sealed for the retry
    assert code not in repr(row) + caplog.text and code not in repr(list_redemptions(store))
