"""Issue 21 on the Check-in page: each row's reason, filters by result and by reason, and "Retry
failed" that retries only what a retry can fix (and says how many it leaves).

Three New API accounts on the sandbox: one whose token the site rejects, one that met a site
error (5xx) once, and one whose failure was logged before reasons were kept ("Unclassified").
"""

from __future__ import annotations

import pytest
from appsupport import start, texts
from shared import add_demo_account, fast_politeness

from allhub_core.accounts import set_preference
from allhub_core.sync import checkin

CHECKIN = "/api/user/checkin"


@pytest.fixture
def accounts(store, sandbox_factory):
    sandbox = sandbox_factory(dialects=["new-api"], users_per_site=3, seed=2122)
    set_preference(store, "per_site_rpm", 0)
    rows = [add_demo_account(store, sandbox, "new-api", i) for i in range(3)]
    site = rows[0][1]
    (rejected, _, r_user), (busy, _, b_user), (old, _, o_user) = rows
    site.inject("401", user_id=r_user.id, path=CHECKIN, method="POST")
    site.inject("500", user_id=b_user.id, path=CHECKIN, method="POST", times=1)
    checkin(store, [rejected, busy], politeness=fast_politeness(retries=0))
    with store.write() as con:  # a failure logged before reasons were kept
        con.execute("INSERT INTO checkin_log (account_id, result, message) VALUES (?, 'failed', 'HTTP 502')", [old])
    site.clear_requests()
    return site, {"rejected": (rejected, r_user), "busy": (busy, b_user), "old": (old, o_user)}


def _table(at):
    return {r["ID"]: r for r in at.dataframe[0].value.to_dict("records")} if at.dataframe else {}


def _posts(site, user) -> int:
    return sum(1 for r in site.requests if r.method == "POST" and r.path == CHECKIN and r.user_id == user.id)


def test_reasons_shown_filtered_and_only_retryable_ones_retried(accounts):
    site, acc = accounts
    (rejected, r_user), (busy, b_user), (old, o_user) = acc["rejected"], acc["busy"], acc["old"]
    at = start("pages/checkin.py")
    table = _table(at)
    assert table[rejected]["Reason"] == "Token or login rejected"
    assert table[busy]["Reason"] == "Site error (5xx)"
    assert table[old]["Reason"] == "Unclassified"
    assert all(table[i]["Last result"] == "❌ Failed" for i in (rejected, busy, old))

    at.selectbox(key="ci_reason").set_value("token_rejected").run()
    assert not at.exception
    assert list(_table(at)) == [rejected]
    at.selectbox(key="ci_reason").set_value("unclassified").run()
    assert list(_table(at)) == [old]
    at.selectbox(key="ci_reason").set_value("rate_limited").run()
    assert _table(at) == {} and "No account matches these filters." in texts(at.success)
    at.selectbox(key="ci_reason").set_value("").run()
    at.selectbox(key="ci_result").set_value("failed").run()
    assert sorted(_table(at)) == sorted([rejected, busy, old])
    at.selectbox(key="ci_result").set_value("success").run()
    assert _table(at) == {}
    at.selectbox(key="ci_result").set_value("").run()

    at.button(key="checkin_page_retry").click().run()
    assert not at.exception
    said = texts(at.success) + texts(at.warning) + texts(at.info)
    assert any("Retrying 2 failed check-in(s); leaving 1 that a retry cannot fix (Token or login rejected)." in t
               for t in said), said
    assert (_posts(site, r_user), _posts(site, b_user), _posts(site, o_user)) == (0, 1, 1)
    table = _table(at)
    assert table[busy]["Last result"] == "✅ Checked in now" and table[busy]["Reason"] == "Checked in"
    assert table[old]["Last result"] == "✅ Checked in now"
    assert table[rejected]["Reason"] == "Token or login rejected"

    # only the rejected token is left: the button says so and sends nothing
    at.button(key="checkin_page_retry").click().run()
    said = texts(at.success) + texts(at.warning) + texts(at.info)
    assert ("Nothing to retry: leaving 1 failed check-in(s) that a retry cannot fix (Token or login rejected)."
            in said), said
    assert _posts(site, r_user) == 0
