"""Where a statement already joins today's check-in log (``todays_log_join``, aliased ``ck``), the
check-in and attention rules read it (``ck=``) instead of looking at the log again (issue 18: the
Check-in page's counts read the day's log twice). Both forms must give every account the same
answer: on the store holding every case, with two attempts a day for some, and on another day."""

from __future__ import annotations

import pytest
from agreement_cases import build

from allhub_core.accounts.attention import attention_kinds_sql, needs_attention_sql
from allhub_core.accounts.checkin_today import (
    checked_today_sql,
    checkin_due_sql,
    checkin_state_sql,
    todays_log_join,
)
from allhub_core.accounts.status import record_checkins
from allhub_core.vocab import CheckInResult


def _both(store, day: str) -> tuple[list[tuple], list[tuple]]:
    """Each account's answers by the subquery form and by the joined log's."""
    def select(ck: str | None) -> str:
        if day == "current_date":  # the attention rule reads today's log only
            extra = (f", {needs_attention_sql('a', ck=ck)}, {attention_kinds_sql('a', ck=ck)}")
        else:
            extra = ""
        return (f"SELECT a.id, {checked_today_sql('a', day, ck=ck)}, {checkin_state_sql('a', day, ck=ck)}, "
                f"{checkin_due_sql('a', day, ck=ck)}{extra} "
                f"FROM accounts a {todays_log_join('a', day=day, detail=True)} ORDER BY a.id")
    with store.read() as con:
        return con.execute(select(None)).fetchall(), con.execute(select("ck")).fetchall()


@pytest.mark.parametrize("day", ["current_date", "current_date - 1"])
def test_joined_log_and_subqueries_agree_on_every_account(store, day):
    ids = build(store)
    # a later attempt changes the latest result (failed, then done; done, then failed)
    record_checkins(store, [{"account_id": ids["failed"], "result": CheckInResult.FAILED.value, "message": "again"},
                            {"account_id": ids["nothing"], "result": CheckInResult.SUCCESS.value, "message": "ok"},
                            {"account_id": ids["nothing"], "result": CheckInResult.FAILED.value, "message": "x"}])
    with store.write() as con:  # yesterday's log: a copy of today's, so the other day has rows too
        con.execute("INSERT INTO checkin_log (id, account_id, day, result, reason, message, checkin_url, attempted_at) "
                    "SELECT id + 1000000, account_id, day - 1, result, reason, message, checkin_url, "
                    "attempted_at - INTERVAL 1 DAY FROM checkin_log")
    by_subquery, by_join = _both(store, day)
    assert len(by_subquery) == len(ids) >= 10
    assert by_join == by_subquery
    assert any(r[1] for r in by_join) and any(not r[1] for r in by_join)


def test_todays_log_join_reads_the_latest_attempt_whole(store):
    """``ck``'s columns are those of the account's highest-id row of the day, ``done`` any success."""
    ids = build(store)
    record_checkins(store, [{"account_id": ids["failed"], "result": CheckInResult.SUCCESS.value, "message": "ok",
                             "checkin_url": "https://failed.example.com/c"},
                            {"account_id": ids["nothing"], "result": CheckInResult.NEEDS_BROWSER.value,
                             "message": "wall", "reason": None}])
    with store.read() as con:
        log = con.execute("SELECT account_id, id, result, reason, message, checkin_url, attempted_at FROM checkin_log "
                          "WHERE day = current_date ORDER BY id").fetchall()
        got = con.execute(f"SELECT a.id, ck.done, ck.last_result, ck.last_reason, ck.last_message, ck.last_url, "
                          f"ck.last_at FROM accounts a {todays_log_join('a', detail=True)} ORDER BY a.id").fetchall()
        short = con.execute(f"SELECT a.id, ck.done, ck.last_result FROM accounts a {todays_log_join('a')} "
                            "ORDER BY a.id").fetchall()
    want = {aid: (None, None, None, None, None, None) for aid in ids.values()}
    for aid, _id, result, reason, message, url, at in log:  # in id order: the last one stays
        done = bool(want[aid][0]) or result in ("success", "already_checked")
        want[aid] = (done, result, reason, message, url, at)
    assert len(log) >= 6 and {r[0] for r in got} == set(want)
    assert [(r[0], *r[1:]) for r in got] == [(aid, *want[aid]) for aid in sorted(want)]
    assert short == [(aid, *want[aid][:2]) for aid in sorted(want)]
