"""The Check-in page's rows and counts in SQL (issue 18): one row per enabled account with today's
check-in state, the latest attempt and its attention reasons, the same SQL fragments as
``status.todays_checkins`` (``checkin_today``, ``attention``); counted over every enabled account,
listed one page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from allhub_core.accounts.attention import needs_attention_sql
from allhub_core.accounts.checkin_today import checkin_state_sql, todays_log_join
from allhub_core.accounts.status import todays_checkin_sql
from allhub_core.store import Store, one_row
from allhub_core.vocab import UNCLASSIFIED, CheckInReason, CheckInResult, CheckInState

__all__ = ["CheckInPage", "checkin_page", "checkin_row"]

_LIGHT = f"""
WITH light AS (
    SELECT a.id, a.site_name, {checkin_state_sql("a", ck="ck")} AS state, ck.last_result AS result,
           ck.last_reason AS reason, coalesce(nullif(a.checkin_url, ''), ck.last_url) AS checkin_url,
           {needs_attention_sql("a", ck="ck")} AS needs
    FROM accounts a {todays_log_join("a", detail=True)}
    WHERE NOT a.disabled)
"""
"""What the counts and the filters read of every enabled account: today's state and latest attempt,
and whether it needs attention (one boolean, not the list of reasons: ``attention`` says they agree)."""


def _rows_sql(where: str = "") -> str:
    """The page's full rows (every column of ``status.todays_checkins``) as the CTE ``r``, only for
    the enabled accounts that also meet ``where`` (a condition on ``a``)."""
    return f"WITH r AS ({todays_checkin_sql(where)})\n"


_CHECKIN_ROWS = _rows_sql()
"""Every enabled account's full row (``checkin_row``, and the paged path's test)."""

@dataclass
class CheckInPage:
    """What the Check-in page shows, counted over every enabled account and listed one page at a
    time (issue 18: building 100,000 rows in Python cost more than a second)."""

    rows: list[dict[str, Any]]
    """The requested page of rows (``status.todays_checkins``' columns), by id."""
    total: int
    """Enabled accounts."""
    matching: int
    """Rows before paging (all enabled accounts, or those that need attention)."""
    results: dict[str, int]
    """``CheckInResult`` value -> accounts whose latest attempt today came to it; ``unsupported``
    also counts the accounts known to have no check-in and not attempted."""
    attention: int
    """Accounts that need attention."""
    by_hand: dict[int, str]
    """Accounts with a check-in page not checked in today: id -> site name (the first
    ``hand_limit`` of them by id whose name holds ``hand_find``, the ``hand_keep`` ones first)."""
    by_hand_total: int = 0
    """Accounts with a check-in page not checked in today, all of them."""


def _filters(attention_only: bool, result: str | None, reason: str | None) -> tuple[str, list[Any]]:
    """The ``WHERE`` condition on ``light`` (empty: none) and its parameters."""
    where: list[str] = []
    params: list[Any] = []
    if attention_only:
        where.append("needs")
    if result:
        where.append("result = ?")
        params.append(CheckInResult(result).value)
    if reason == UNCLASSIFIED:
        where.append("result IS NOT NULL AND reason IS NULL")
    elif reason:
        where.append("reason = ?")
        params.append(CheckInReason(reason).value)
    return " AND ".join(where), params


def _hand_list(find: str, keep: list[int] | None, limit: int | None) -> tuple[str, list[Any]]:
    """The ``by_hand`` list's aggregate over ``light`` (a list of (id, name)), and its parameters:
    ``keep``'s ids first, then the others whose name holds ``find`` (or whose id it is), by id."""
    hand = f"coalesce(checkin_url, '') <> '' AND state <> '{CheckInState.CHECKED.value}'"
    kept: list[Any] = [[int(i) for i in keep or []]]
    match, found = "true", list[Any]()
    text = (find or "").strip()
    if text:
        match, found = "contains(lower(site_name), ?)", [text.lower()]
        if text.lstrip("#").isdigit():
            match, found = f"({match} OR id = ?)", [*found, int(text.lstrip("#"))]
    cut = f"[1:{int(limit)}]" if limit is not None else ""
    keep_sql = "list_contains(?::BIGINT[], id)"
    return (f"count(*) FILTER (WHERE {hand}) AS hand_total, "
            f"list([id::VARCHAR, site_name] ORDER BY NOT {keep_sql}, id) "
            f"FILTER (WHERE {hand} AND ({match} OR {keep_sql})){cut} AS hand", kept + found + kept)


def checkin_page(store: Store, *, attention_only: bool = False, limit: int | None = None,
                 offset: int = 0, result: str | None = None, reason: str | None = None,
                 hand_limit: int | None = None, hand_find: str = "", hand_keep: list[int] | None = None,
                 ) -> CheckInPage:
    """The Check-in page's figures in SQL: the counts over every enabled account, and only the
    rows of one page (``limit`` from ``offset``, by id; only those needing attention with
    ``attention_only``; only today's latest ``result`` (a ``CheckInResult`` value) and ``reason``
    (a ``CheckInReason`` value, or ``UNCLASSIFIED``: attempted today with no reason, older rows)).

    The page's ids are chosen first (over the light columns the filters need), and the full rows
    (the message, the list of attention reasons) are worked out for those ids only (issue 18: for
    every enabled account it was half a second at 100,000). The accounts to mark checked in by
    hand are capped the same way: ``hand_limit`` of them (all when None) whose name holds
    ``hand_find`` (or whose id it is), the ``hand_keep`` ones (already chosen) first, and counted."""
    counted = ", ".join(
        f"count(*) FILTER (WHERE result = '{r.value}'"
        + (f" OR (result IS NULL AND state = '{CheckInState.UNSUPPORTED.value}')" if r is CheckInResult.UNSUPPORTED
           else "") + f") AS \"{r.value}\"" for r in CheckInResult)
    cond, params = _filters(attention_only, result, reason)
    hand_sql, hand_params = _hand_list(hand_find, hand_keep, hand_limit)
    window, paging = ("LIMIT ? OFFSET ?", [int(limit), int(offset)]) if limit is not None else ("", [])
    with store.read() as con:
        cur = con.execute(f"""{_LIGHT}
            SELECT count(*) AS total, count(*) FILTER (WHERE needs) AS attention, {counted},
                   count(*) FILTER ({cond or "true"}) AS matching, {hand_sql}
            FROM light""", params + hand_params)
        head = dict(zip([d[0] for d in cur.description], one_row(cur), strict=True))
        if cond:
            ids = [i for (i,) in con.execute(f"{_LIGHT} SELECT id FROM light WHERE {cond} ORDER BY id {window}",
                                             params + paging).fetchall()]
        else:
            ids = [i for (i,) in con.execute(f"SELECT id FROM accounts WHERE NOT disabled ORDER BY id {window}",
                                             paging).fetchall()]
        cur = con.execute(f"{_rows_sql('AND a.id IN (SELECT unnest(?::BIGINT[]))')} SELECT * FROM r ORDER BY id",
                          [ids])
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    return CheckInPage(
        rows=rows, total=int(head["total"]), matching=int(head["matching"]),
        results={r.value: int(head[r.value]) for r in CheckInResult}, attention=int(head["attention"]),
        by_hand={int(i): str(name) for i, name in head["hand"] or []}, by_hand_total=int(head["hand_total"]))


def checkin_row(store: Store, account_id: int) -> dict[str, Any] | None:
    """One enabled account's row of the Check-in page (None: no such enabled account)."""
    with store.read() as con:
        cur = con.execute(f"{_CHECKIN_ROWS} SELECT * FROM r WHERE id = ?", [int(account_id)])
        names = [d[0] for d in cur.description]
        rows = cur.fetchall()
    return dict(zip(names, rows[0], strict=True)) if rows else None
