"""Reading accounts: filters, free-text search, multi-level sort and totals, all in SQL.

The sort is the user's sorting priority turned into one ORDER BY (first criterion that
separates two accounts decides, ``id`` breaks the last tie so grid row positions are stable).
Every user choice is mapped through a whitelist; nothing user-typed is spliced into SQL.
Today's figures count only when they were collected today (``stats_date``); a check-in
status counts only for the day it was observed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from allhub_core.accounts.attention import effective_quota_sql, needs_attention_sql
from allhub_core.accounts.checkin_today import checkin_state_sql
from allhub_core.origin import origin_key
from allhub_core.store import Store, one_row
from allhub_core.vocab import HEALTH_VALUES, QUOTA_PER_USD, CheckInState

if TYPE_CHECKING:  # list_accounts returns a frame (DuckDB imports pandas when it makes one)
    import pandas as pd

__all__ = [
    "ACCOUNT_VIEW",
    "CHECKIN_FILTERS",
    "CHECKIN_FILTER_STATES",
    "HEALTH_VALUES",
    "QUOTA_PER_USD",
    "AccountFilter",
    "account_choices",
    "account_view",
    "count_accounts",
    "grid_page",
    "list_accounts",
    "order_by_sql",
    "totals",
    "where_sql",
]

#: check-in filter values -> the state each one shows (``checkin_today``)
CHECKIN_FILTER_STATES = {"checked": CheckInState.CHECKED, "not_checked": CheckInState.NOT_CHECKED,
                         "outdated": CheckInState.UNKNOWN, "unsupported": CheckInState.UNSUPPORTED}
#: check-in filter values -> label (the state's own)
CHECKIN_FILTERS = {key: state.label for key, state in CHECKIN_FILTER_STATES.items()}

# One row per account with derived columns. current_date follows the DuckDB TimeZone setting.
# Each derived column: its SQL and the join it needs (None: the account row alone).
_JOINS = {
    "pins": "LEFT JOIN (SELECT account_id, max(seq) AS seq FROM pins GROUP BY account_id) p ON p.account_id = a.id",
    "order": ("LEFT JOIN (SELECT account_id, min(position) AS position FROM manual_order GROUP BY account_id) mo "
              "ON mo.account_id = a.id"),
}
_DERIVED: dict[str, tuple[str, str | None]] = {
    "pin_seq": ("p.seq", "pins"),
    "pinned": ("(p.seq IS NOT NULL)", "pins"),
    "manual_position": ("mo.position", "order"),
    "eff_quota": (effective_quota_sql("a"), None),
    "stats_today": ("(a.stats_date = current_date)", None),
    "cons_today": ("CASE WHEN a.stats_date = current_date AND a.consumption_availability <> 'unavailable' "
                   "THEN a.today_consumption END", None),
    "inc_today": ("CASE WHEN a.stats_date = current_date AND a.income_availability <> 'unavailable' "
                  "THEN a.today_income END", None),
    "cons_avail": ("CASE WHEN a.stats_date = current_date THEN a.consumption_availability "
                   "ELSE 'unavailable' END", None),
    "inc_avail": ("CASE WHEN a.stats_date = current_date THEN a.income_availability ELSE 'unavailable' END", None),
    "checkin_today": (checkin_state_sql("a"), None),
    "needs_attention": (needs_attention_sql("a"), None),
}


def account_view(reads: str | None = None, where: str = "", ids: str | None = None) -> str:
    """``WITH v AS (...)``: one row per account (``a.*``) with the derived columns that ``reads``
    (the rest of the statement) names as ``v.<column>`` (all of them when None: ``ACCOUNT_VIEW``),
    restricted by the SQL condition ``where`` on ``a`` when given, and to the accounts whose ids
    the SQL list ``ids`` (e.g. ``$ids``) holds: joined to the table, so DuckDB reads those rows
    alone (a condition ``a.id IN (SELECT unnest($ids))`` read every column of all 100,000
    accounts, then dropped all but 100 of them: 7 times the work of a grid page, issue 18).

    Issue 18: DuckDB keeps the joins of a derived column nobody reads (the check-in log's latest
    attempt and the low-balance line behind ``needs_attention``, the pins, the manual order), so a
    statement builds only what it names: a sort, a count or a total that does not filter on
    attention never looks at the log for it."""
    names = [n for n in _DERIVED if reads is None or re.search(rf"\bv\.{n}\b", reads)]
    joins = dict.fromkeys(j for n in names if (j := _DERIVED[n][1]))
    cols = "".join(f",\n        {_DERIVED[n][0]} AS {n}" for n in names)
    cond = f"\n    WHERE {where}" if where else ""
    source = (f"(SELECT DISTINCT unnest({ids}) AS id) only_ids JOIN accounts a ON a.id = only_ids.id"
              if ids else "accounts a")
    return f"""
WITH v AS (
    SELECT a.*{cols}
    FROM {source} {" ".join(_JOINS[j] for j in joins)}{cond}
)
"""


ACCOUNT_VIEW = account_view()
# Tags are joined only where needed (a tag filter, search, or the rows of one page): building
# every account's tag list before filtering cost more than the rest of the query.
_HAS_TAG = ("EXISTS (SELECT 1 FROM account_tags lk JOIN tags t ON t.id = lk.tag_id "
            "WHERE lk.account_id = v.id AND {cond})")


@dataclass
class AccountFilter:
    """What the Accounts page and ``account list`` filter on; empty means "all"."""

    tags: list[str] = field(default_factory=list)       # OR over tag names (case-insensitive)
    status: str = "all"                                  # all | enabled | disabled
    site_types: list[str] = field(default_factory=list)
    health: list[str] = field(default_factory=list)      # healthy/warning/error/unknown/never_synced
    checkin: list[str] = field(default_factory=list)     # keys of CHECKIN_FILTERS
    search: str = ""
    ids: list[int] | None = None
    attention: bool = False                              # only accounts that need the user (``attention``)


#: the account needs the user (``attention``: the one rule)
ATTENTION_SQL = "v.needs_attention"


def _search_clause(text: str, params: list[Any]) -> list[str]:
    """Every space-separated token must match name, username, URL, tags, notes or URLs."""
    clauses = []
    for token in text.split():
        tok = token.casefold()
        parts = [
            "contains(lower(v.site_name), ?)", "contains(lower(v.username), ?)",
            "contains(v.site_url, ?)", _HAS_TAG.format(cond="contains(t.name_key, ?)"), "contains(lower(v.notes), ?)",
            "contains(lower(v.checkin_url), ?)", "contains(lower(v.redeem_url), ?)",
            "v.user_id = ?", "CAST(v.id AS VARCHAR) = ?",
        ]
        params.extend([tok] * 7 + [token, token])
        key = origin_key(token) if ("://" in token or "." in token) else None
        if key:
            parts.append("v.site_url = ?")
            params.append(key)
        clauses.append("(" + " OR ".join(parts) + ")")
    return clauses


def where_sql(f: AccountFilter | None, params: list[Any], skip: str | None = None) -> str:
    """The WHERE clause for a filter; ``skip`` leaves one filter kind out (faceted counts)."""
    f = f or AccountFilter()
    clauses: list[str] = []
    if f.ids is not None:
        clauses.append("list_contains(?, v.id)")
        params.append([int(i) for i in f.ids])
    if f.tags and skip != "tags":
        clauses.append(_HAS_TAG.format(cond="list_contains(?, t.name_key)"))
        params.append([t.casefold() for t in f.tags])
    if f.status == "enabled" and skip != "status":
        clauses.append("NOT v.disabled")
    elif f.status == "disabled" and skip != "status":
        clauses.append("v.disabled")
    if f.site_types and skip != "site_types":
        clauses.append("list_contains(?, v.site_type)")
        params.append(list(f.site_types))
    if f.health and skip != "health":
        parts = []
        plain = [h for h in f.health if h in HEALTH_VALUES]
        if plain:
            parts.append("list_contains(?, v.health_status)")
            params.append(plain)
        if "never_synced" in f.health:
            parts.append("v.last_sync_time IS NULL")
        clauses.append("(" + (" OR ".join(parts) or "false") + ")")
    if f.checkin and skip != "checkin":
        parts = [f"v.checkin_today = '{state.value}'"
                 for key, state in CHECKIN_FILTER_STATES.items() if key in f.checkin]
        clauses.append("(" + (" OR ".join(parts) or "false") + ")")
    if f.attention and skip != "attention":
        clauses.append(ATTENTION_SQL)
    if f.search and f.search.strip() and skip != "search":
        clauses.extend(_search_clause(f.search, params))
    return ("WHERE " + " AND ".join(clauses)) if clauses else ""


def _balance_expr(currency: str) -> str:
    usd = f"(v.eff_quota / {QUOTA_PER_USD})"
    return f"({usd} * v.exchange_rate)" if currency == "CNY" else usd


def order_by_sql(prefs: dict[str, Any]) -> str:
    """Build ORDER BY from the enabled criteria in priority order, ending with ``id``."""
    terms: list[str] = []
    today = "current_date"
    for crit in prefs.get("sorting_priority", []):
        if not crit.get("enabled"):
            continue
        cid = crit["id"]
        if cid == "disabled_account":
            terms.append("v.disabled ASC")
        elif cid == "pinned":
            terms.append("(v.pin_seq IS NULL) ASC, v.pin_seq DESC")
        elif cid == "user_sort_field":
            fld, direction = prefs.get("sort_field"), prefs.get("sort_order", "desc")
            d = "DESC" if direction == "desc" else "ASC"
            if fld == "balance":
                terms.append(f"{_balance_expr(prefs.get('currency', 'USD'))} {d}")
            elif fld == "name":
                terms.append(f"lower(v.site_name) {d}, lower(v.username) {d}")
            elif fld == "created_at":
                terms.append(f"v.created_at {d}")
            elif fld in ("consumption", "income"):
                col, av = ("v.cons_today", "v.cons_avail") if fld == "consumption" else ("v.inc_today", "v.inc_avail")
                # unavailable figures go last in both directions; complete beats partial on ties
                terms.append(f"({col} IS NULL) ASC, {col} {d}, ({av} = 'complete') DESC")
        elif cid == "manual_order":
            terms.append("(v.manual_position IS NULL) ASC, v.manual_position ASC")
        elif cid == "check_in_requirement":
            terms.append(
                f"(v.checkin_today = 'not_checked' OR (v.checkin_url <> '' AND "
                f"v.custom_checkin_date IS DISTINCT FROM {today})) DESC")
        elif cid == "health_status":
            terms.append("CASE v.health_status WHEN 'error' THEN 0 WHEN 'warning' THEN 1 "
                         "WHEN 'unknown' THEN 2 ELSE 3 END ASC")
        elif cid == "custom_check_in_url":
            terms.append("(v.checkin_url <> '') DESC")
        elif cid == "custom_redeem_url":
            terms.append("(v.redeem_url <> '') DESC")
    terms.append("v.id ASC")
    return "ORDER BY " + ", ".join(terms)


GRID_COLUMNS = f"""
    v.id, v.site_name, v.site_url, v.site_type, v.user_id, v.username, v.auth_type, v.secret_hint,
    v.pinned, v.disabled, v.health_status, v.health_reason,
    v.eff_quota AS quota,
    round(v.eff_quota / {QUOTA_PER_USD}, 6) AS balance_usd,
    round(v.eff_quota / {QUOTA_PER_USD} * v.exchange_rate, 6) AS balance_cny,
    round(v.subscription_quota / {QUOTA_PER_USD}, 6) AS subscription_usd,
    round(v.subscription_quota / {QUOTA_PER_USD} * v.exchange_rate, 6) AS subscription_cny,
    round(v.cons_today / {QUOTA_PER_USD}, 6) AS today_consumption_usd,
    round(v.inc_today / {QUOTA_PER_USD}, 6) AS today_income_usd,
    round(v.cons_today / {QUOTA_PER_USD} * v.exchange_rate, 6) AS today_consumption_cny,
    round(v.inc_today / {QUOTA_PER_USD} * v.exchange_rate, 6) AS today_income_cny,
    v.cons_avail AS consumption_availability, v.inc_avail AS income_availability,
    CASE WHEN v.stats_today THEN v.today_requests END AS today_requests,
    CASE WHEN v.stats_today THEN v.today_prompt_tokens END AS today_prompt_tokens,
    CASE WHEN v.stats_today THEN v.today_completion_tokens END AS today_completion_tokens,
    v.exchange_rate, v.checkin_today AS checkin_status, v.checkin_supported, v.auto_checkin,
    v.checkin_method, v.checkin_request, v.subscription_quota,
    v.checkin_url, v.redeem_url, v.notes,
    v.exclude_from_total_balance, v.exclude_from_today_income, v.manual_balance_usd,
    v.last_sync_time, v.created_at, v.updated_at, v.user_updated_at, v.manual_position
"""


def _ordered_ids(con: Any, f: AccountFilter | None, prefs: dict[str, Any], limit: int | None,
                 offset: int) -> list[int]:
    """The ids of the filtered accounts in the user's order (one page when ``limit`` is given):
    DuckDB's top-N over the sort keys alone, not a window over every grid column (issue 18: the
    window sorted 100,000 rows of 45 columns to keep 100)."""
    params: list[Any] = []
    body = f"SELECT v.id FROM v {where_sql(f, params)} {order_by_sql(prefs)}"
    if limit is not None:
        body += " LIMIT ? OFFSET ?"
        params += [int(limit), int(offset)]
    return [r[0] for r in con.execute(account_view(body) + body, params).fetchall()]


def _page_columns(currency: str) -> str:
    """What ``grid.grid_frame`` reads of a row, with money in ``currency`` alone."""
    cur, rate = ("cny", " * v.exchange_rate") if currency == "CNY" else ("usd", "")
    q = QUOTA_PER_USD
    return f"""
    v.id, v.site_name, v.site_url, v.site_type, v.username, v.secret_hint, v.pinned, v.disabled,
    v.health_status, v.health_reason,
    round(v.eff_quota / {q}{rate}, 6) AS balance_{cur},
    round(v.subscription_quota / {q}{rate}, 6) AS subscription_{cur},
    round(v.cons_today / {q}{rate}, 6) AS today_consumption_{cur},
    round(v.inc_today / {q}{rate}, 6) AS today_income_{cur},
    v.exchange_rate, v.checkin_today AS checkin_status, v.notes,
    v.exclude_from_total_balance, v.exclude_from_today_income, v.last_sync_time, v.manual_position
"""


def _grid_sql(columns: str = GRID_COLUMNS) -> str:
    """The ``columns`` (the grid's) and tags of the accounts ``$ids``, in that list's order: the
    derived columns are built for those accounts only."""
    body = f"""SELECT {columns}, coalesce(tg.tags, []::VARCHAR[]) AS tags
    FROM (SELECT unnest($ids) AS id, generate_subscripts($ids, 1) AS pos) ord JOIN v ON v.id = ord.id
    LEFT JOIN (SELECT lk.account_id, list(t.name ORDER BY t.name_key) AS tags
               FROM account_tags lk JOIN tags t ON t.id = lk.tag_id
               WHERE lk.account_id IN (SELECT unnest($ids)) GROUP BY lk.account_id) tg ON tg.account_id = v.id
    ORDER BY ord.pos"""
    return account_view(body, ids="$ids") + body


def _grid_frame(con: Any, f: AccountFilter | None, prefs: dict[str, Any], limit: int | None,
                offset: int, columns: str = GRID_COLUMNS) -> pd.DataFrame:
    """The ``columns`` and tags of the filtered accounts in the user's order, as a frame: their
    ids first, then the columns of those rows alone."""
    df = con.execute(_grid_sql(columns), {"ids": _ordered_ids(con, f, prefs, limit, offset)}).df()
    df["tags"] = df["tags"].map(lambda v: [] if v is None else [str(x) for x in v])
    return df


def list_accounts(store: Store, f: AccountFilter | None, prefs: dict[str, Any],
                  limit: int | None = None, offset: int = 0) -> pd.DataFrame:
    """The filtered, sorted accounts (one page when ``limit`` is given) as a DataFrame."""
    with store.read() as con:
        return _grid_frame(con, f, prefs, limit, offset)


def grid_page(store: Store, f: AccountFilter | None, prefs: dict[str, Any], currency: str,
              limit: int, offset: int = 0) -> pd.DataFrame:
    """One page of ``list_accounts`` with only the columns ``grid.grid_frame`` shows in
    ``currency``: ``grid_frame`` makes the same frame of it. Issue 18: the grid's 22 columns
    instead of 45 take DuckDB's read of the accounts a quarter less and its frame half the time."""
    with store.read() as con:
        return _grid_frame(con, f, prefs, limit, offset, _page_columns(currency))


def account_choices(store: Store, f: AccountFilter | None, prefs: dict[str, Any]) -> pd.DataFrame:
    """The filtered accounts in the user's order with only what a picker needs: ``id``,
    ``site_name``, ``exchange_rate``, ``exclude_from_total_balance``, ``exclude_from_today_income``
    (``list_accounts`` builds every grid column and the tags: seconds at 100,000 accounts)."""
    params: list[Any] = []
    body = (f"SELECT v.id, v.site_name, v.exchange_rate, v.exclude_from_total_balance, "
            f"v.exclude_from_today_income FROM v {where_sql(f, params)} {order_by_sql(prefs)}")
    with store.read() as con:
        return con.execute(account_view(body) + body, params).df()


def count_accounts(store: Store, f: AccountFilter | None) -> int:
    params: list[Any] = []
    body = f"SELECT count(*) FROM v {where_sql(f, params)}"
    with store.read() as con:
        return one_row(con.execute(account_view(body) + body, params))[0]


def totals(store: Store, f: AccountFilter | None) -> dict[str, Any]:
    """Totals of the filtered set, both currencies (CNY uses each account's own rate).

    Balance: the wallets of enabled accounts not excluded from the total. Subscription: what is
    left of New API plans on the same accounts, summed apart (``subscription_covered`` accounts
    have one), never added to the balance. Consumption: enabled, figures of today.
    Income: enabled, not excluded from income, figures of today. Coverage counts say how many
    accounts had figures at all.
    """
    params: list[Any] = []
    q = QUOTA_PER_USD
    bal = "NOT v.disabled AND NOT v.exclude_from_total_balance"
    inc = "NOT v.disabled AND NOT v.exclude_from_today_income"
    body = f"""SELECT count(*) AS accounts,
      count(*) FILTER (WHERE NOT v.disabled) AS enabled,
      coalesce(sum(v.eff_quota / {q}) FILTER (WHERE {bal}), 0) AS balance_usd,
      coalesce(sum(v.eff_quota / {q} * v.exchange_rate) FILTER (WHERE {bal}), 0) AS balance_cny,
      coalesce(sum(v.subscription_quota / {q}) FILTER (WHERE {bal}), 0) AS subscription_usd,
      coalesce(sum(v.subscription_quota / {q} * v.exchange_rate) FILTER (WHERE {bal}), 0) AS subscription_cny,
      count(v.subscription_quota) FILTER (WHERE {bal}) AS subscription_covered,
      coalesce(sum(v.cons_today / {q}) FILTER (WHERE NOT v.disabled), 0) AS consumption_usd,
      coalesce(sum(v.cons_today / {q} * v.exchange_rate) FILTER (WHERE NOT v.disabled), 0) AS consumption_cny,
      coalesce(sum(v.inc_today / {q}) FILTER (WHERE {inc}), 0) AS income_usd,
      coalesce(sum(v.inc_today / {q} * v.exchange_rate) FILTER (WHERE {inc}), 0) AS income_cny,
      count(v.cons_today) FILTER (WHERE NOT v.disabled) AS consumption_covered,
      count(v.inc_today) FILTER (WHERE NOT v.disabled AND NOT v.exclude_from_today_income) AS income_covered
    FROM v {where_sql(f, params)}"""
    with store.read() as con:
        cur = con.execute(account_view(body) + body, params)
        names = [d[0] for d in cur.description]
        row = one_row(cur)
    return dict(zip(names, row, strict=True))
