"""``checkin_page`` picks a page's ids over the light columns the filters need, then builds the
full rows of those ids only, and counts with the one-boolean attention rule (issue 18). On a store
holding every check-in and attention case, its counts, rows and page boundaries under every filter
must equal what the full rows of every enabled account give (the slow path it replaced)."""

from __future__ import annotations

from itertools import product

from agreement_cases import build

from allhub_core.accounts import checkin_page
from allhub_core.accounts.checkin_rows import _CHECKIN_ROWS
from allhub_core.vocab import UNCLASSIFIED, CheckInReason, CheckInResult, CheckInState


def _full(store):
    with store.read() as con:
        cur = con.execute(f"{_CHECKIN_ROWS} SELECT * FROM r ORDER BY id")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _keeps(row, attention_only, result, reason):
    if attention_only and not row["attention"]:
        return False
    if result and row["result"] != result:
        return False
    if reason == UNCLASSIFIED:
        return row["result"] is not None and row["reason"] is None
    return not reason or row["reason"] == reason


def test_paged_rows_and_counts_equal_the_full_rows_under_every_filter(store):
    build(store)
    full = _full(store)
    assert len(full) > 5 and any(r["attention"] for r in full) and any(r["result"] for r in full)
    results = {r.value: sum(1 for x in full if x["result"] == r.value or (
        r is CheckInResult.UNSUPPORTED and x["result"] is None and x["state"] == CheckInState.UNSUPPORTED.value))
        for r in CheckInResult}
    by_hand = {x["id"]: x["site_name"] for x in full if (x["checkin_url"] or "") and x["state"] != "checked"}
    reasons = [None, UNCLASSIFIED, *(r.value for r in CheckInReason)]
    # each result alone, each reason alone, and every (result, reason) pair the store holds plus
    # one it does not: the whole product (200 filters, 1,200 queries) took 2.5 minutes of CI
    held = {(x["result"], x["reason"] or UNCLASSIFIED) for x in full if x["result"]}
    pairs = {(res, None) for res in [None, *(r.value for r in CheckInResult)]} | {(None, rs) for rs in reasons}
    pairs |= held | {(CheckInResult.FAILED.value, CheckInReason.TOKEN_REJECTED.value)}
    seen_rows = 0
    for only, (result, reason) in product((False, True), sorted(pairs, key=str)):
        want = [x for x in full if _keeps(x, only, result, reason)]
        whole = checkin_page(store, attention_only=only, result=result, reason=reason)
        assert whole.rows == want, (only, result, reason)
        assert (whole.total, whole.matching, whole.attention) == (
            len(full), len(want), sum(1 for x in full if x["attention"]))
        assert whole.results == results and whole.by_hand == by_hand
        for limit, offset in {(1, 0), (2, 1), (2, max(0, len(want) - 1)), (3, len(want)), (2, len(want) + 1)}:
            page = checkin_page(store, attention_only=only, result=result, reason=reason,
                                    limit=limit, offset=offset)
            assert page.rows == want[offset:offset + limit], (only, result, reason, limit, offset)
            assert page.matching == len(want)
            seen_rows += len(page.rows)
    assert seen_rows > 0
