"""``attention_queue_rows`` reads only what its conditions need of today's check-in log (issue 18:
the latest attempt where it failed, needs the user or had the token refused, and the names and
messages of the entries picked). It must return exactly what the statement it replaced returned
(kept below as the reference: every enabled account's row with today's latest attempt in full),
on a store holding every case, with later attempts changing the latest result, and under every cut."""

from __future__ import annotations

import pytest
from agreement_cases import build

from allhub_core import accounts as acc
from allhub_core.accounts.attention import _queue_parts, attention_queue_rows, effective_quota_sql
from allhub_core.accounts.checkin_today import todays_log_join
from allhub_core.accounts.status import record_checkins, write_refresh_rows
from allhub_core.vocab import QUOTA_PER_USD, CheckInReason, CheckInResult


def _reference_sql(limit: int | None) -> str:
    """The queue's statement before issue 18's cut (commit 4cded05), word for word."""
    parts = _queue_parts()
    union = " UNION ALL ".join(
        f"SELECT b.id, '{cat.value}' AS category, {rank} AS cat_rank, {detail} AS detail, "
        f"CAST({key} AS DOUBLE) AS sort_key FROM b WHERE coalesce({cond}, false)"
        for rank, (cat, (cond, detail, key)) in enumerate(parts.items()))
    if limit is None:
        picked = "SELECT *, count(*) OVER (PARTITION BY category) AS n_all FROM c"
    else:
        tops = " UNION ALL ".join(
            f"(SELECT * FROM c WHERE category = '{cat.value}' ORDER BY sort_key, id LIMIT {int(limit)})"
            for cat in parts)
        picked = (f"SELECT t.*, n.n_all FROM ({tops}) t "
                  "JOIN (SELECT category, count(*) AS n_all FROM c GROUP BY category) n USING (category)")
    return f"""
    WITH b AS (
        SELECT a.id, a.site_name, a.site_url, a.checkin_url, a.auth_type, a.health_status, a.health_reason,
               a.auto_checkin, a.checkin_method, a.checkin_supported, a.exclude_from_total_balance,
               a.last_sync_time, {effective_quota_sql("a")} AS quota_eff,
               ck.last_result, ck.last_reason, ck.last_message
        FROM accounts a {todays_log_join("a", detail=True)}
        WHERE NOT a.disabled),
    c AS ({union}),
    p AS ({picked})
    SELECT p.category, p.id, b.site_name, b.site_url, b.checkin_url, b.auth_type, p.detail, b.last_reason,
           b.quota_eff / {float(QUOTA_PER_USD)} AS balance_usd, p.n_all
    FROM p JOIN b ON b.id = p.id
    ORDER BY p.cat_rank, p.sort_key, p.id"""


def _reference(store, limit):
    with store.read() as con:
        rows = con.execute(_reference_sql(limit)).fetchall()
    totals, out = {}, []
    for cat, aid, name, url, ck_url, auth, detail, reason, bal, n_all in rows:
        totals[cat] = int(n_all)
        out.append({"category": cat, "account_id": int(aid), "site_name": name or "", "site_url": url,
                    "checkin_url": ck_url or "", "auth_type": auth, "detail": detail or "",
                    "last_reason": reason, "balance_usd": None if bal is None else float(bal)})
    return out, totals


def _attempt(store, aid, result, reason=None, message=""):
    record_checkins(store, [{"account_id": aid, "result": result.value, "reason": reason and reason.value,
                             "message": message}])


@pytest.fixture
def cases(store):
    ids = build(store)
    more = {name: acc.add_account(store, acc.AccountInput(
        site_url=f"https://{name}.example.com", site_name=name, user_id="1", access_token="tok-abcdefghijklmnop",
        quota=1_000_000)) for name in ("refused", "recovered", "relapsed", "warned_failed", "left_out", "off", "odd")}
    _attempt(store, more["refused"], CheckInResult.FAILED, CheckInReason.TOKEN_REJECTED, "token refused")
    _attempt(store, more["recovered"], CheckInResult.FAILED, CheckInReason.NETWORK_TIMEOUT, "slow")
    _attempt(store, more["recovered"], CheckInResult.SUCCESS, CheckInReason.CHECKED_IN, "ok")
    _attempt(store, more["relapsed"], CheckInResult.SUCCESS, CheckInReason.CHECKED_IN, "ok")
    _attempt(store, more["relapsed"], CheckInResult.NEEDS_BROWSER, None, "turnstile")
    _attempt(store, more["warned_failed"], CheckInResult.FAILED, CheckInReason.SITE_ERROR_5XX, "500")
    _attempt(store, ids["failed"], CheckInResult.FAILED, CheckInReason.SITE_ERROR_5XX, "again")
    # a refusal written with another result: the credential rule reads the reason alone
    _attempt(store, more["odd"], CheckInResult.UNSUPPORTED, CheckInReason.TOKEN_REJECTED, "odd")
    write_refresh_rows(store, [], [
        {"id": more["warned_failed"], "health_status": "warning", "health_reason": "Site refused: banned"},
        {"id": more["off"], "health_status": "error", "health_reason": "down"}])
    acc.update_accounts(store, {more["left_out"]: {"auto_checkin": False}, more["off"]: {"disabled": True},
                                more["recovered"]: {"auto_checkin": False}})  # listed, its latest attempt a success
    return ids | more


@pytest.mark.parametrize("limit", [None, 1, 2, 5])
def test_rows_and_totals_equal_the_full_statement(cases, store, limit):
    rows, totals = attention_queue_rows(store, limit)
    assert (rows, totals) == _reference(store, limit)
    assert len(totals) >= 6  # most categories hold an entry
    assert any(r["last_reason"] == CheckInReason.CHECKED_IN.value for r in _reference(store, None)[0])
