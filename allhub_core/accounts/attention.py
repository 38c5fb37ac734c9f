"""The one answer to "does this account need the user?" and to "what is its balance?" (issue 17).

An enabled account *needs attention* for each of these reasons (``vocab.Attention``, most
pressing first):

- its health is an error or a warning (a site down, a rejected token, a challenge page);
- today's latest check-in attempt failed, or needs the user (a browser check, Turnstile, a
  custom page);
- its balance is under the saved low-balance line (``low_balance_usd``, 0 = off), when it has
  been refreshed at least once and counts in the total balance.

The Accounts page (its "Needs attention" filter and count, through ``query.ACCOUNT_VIEW``), the
Check-in page, the Overview, the daily summary and ``allhub account list --needs-attention``
all use this rule, so they name the same accounts. A check-in still to do is not a reason of
its own (the daily run takes it); the Overview shows it as an extra fact.

The *effective balance* is the user's manual balance when set, else the site's.
"""

from __future__ import annotations

from typing import Any

from allhub_core.accounts.checkin_today import (
    able_to_check_in_sql,
    checkin_due_sql,
    last_result_sql,
    sql_list,
    todays_log_join,
)
from allhub_core.accounts.preferences import DEFAULTS
from allhub_core.store import Store
from allhub_core.vocab import (
    QUOTA_PER_USD,
    Attention,
    AttentionCategory,
    CheckInReason,
    CheckInResult,
    Health,
)

__all__ = [
    "LOW_BALANCE_USD_SQL",
    "attention_kinds_sql",
    "attention_page",
    "attention_queue_rows",
    "attention_rows",
    "effective_quota_sql",
    "needs_attention_sql",
]


def effective_quota_sql(a: str = "a") -> str:
    """The account's balance in quota units: its manual balance (USD) when set, else the site's."""
    return (f"(CASE WHEN {a}.manual_balance_usd IS NOT NULL "
            f"THEN CAST(round({a}.manual_balance_usd * {QUOTA_PER_USD}) AS BIGINT) ELSE {a}.quota END)")


#: the saved low-balance line in USD (0: off), read from the preferences table by the query itself
LOW_BALANCE_USD_SQL = ("coalesce((SELECT TRY_CAST(value AS DOUBLE) FROM preferences "
                       f"WHERE key = 'low_balance_usd'), {float(DEFAULTS['low_balance_usd'])})")


def _last(a: str, ck: str | None) -> str:
    """Today's latest ``CheckInResult`` value of ``a``: the joined ``todays_log_join`` aliased ``ck``
    where the statement has one (one look at the log, not one more per use), else a subquery."""
    return f"{ck}.last_result" if ck else last_result_sql(a)


def _reasons(a: str, ck: str | None = None) -> dict[Attention, str]:
    """Each reason as a boolean SQL condition on the account row ``a`` (``ck``: see ``_last``)."""
    low = LOW_BALANCE_USD_SQL
    last = _last(a, ck)
    return {
        Attention.ERROR: f"{a}.health_status = '{Health.ERROR.value}'",
        Attention.WARNING: f"{a}.health_status = '{Health.WARNING.value}'",
        Attention.CHECKIN_FAILED: f"{last} = '{CheckInResult.FAILED.value}'",
        Attention.CHECKIN_NEEDS_YOU: f"{last} = '{CheckInResult.NEEDS_BROWSER.value}'",
        Attention.LOW_BALANCE: (f"NOT {a}.exclude_from_total_balance AND {a}.last_sync_time IS NOT NULL "
                                f"AND {low} > 0 AND {effective_quota_sql(a)} < {low} * {QUOTA_PER_USD}"),
    }


def attention_kinds_sql(a: str = "a", *, ck: str | None = None) -> str:
    """The account's ``Attention`` values as a ``VARCHAR[]``, most pressing first (empty: it
    needs nothing; always empty for a disabled account). ``ck``: the alias of today's
    ``todays_log_join`` where the statement has one (the latest result read from it)."""
    cases = ", ".join(f"CASE WHEN {cond} THEN '{kind.value}' END" for kind, cond in _reasons(a, ck).items())
    return f"(CASE WHEN {a}.disabled THEN []::VARCHAR[] ELSE list_filter([{cases}], lambda k: k IS NOT NULL) END)"


def needs_attention_sql(a: str = "a", *, ck: str | None = None) -> str:
    """A boolean SQL expression: the account needs attention (the same reasons as
    ``attention_kinds_sql``, to filter and count on: the two check-in reasons share one look at
    the log; ``ck`` as in ``attention_kinds_sql``)."""
    reasons = _reasons(a, ck)
    checkin = (f"{_last(a, ck)} IN "
               f"{sql_list((CheckInResult.FAILED.value, CheckInResult.NEEDS_BROWSER.value))}")
    conds = [reasons[Attention.ERROR], reasons[Attention.WARNING], checkin, reasons[Attention.LOW_BALANCE]]
    return f"(NOT {a}.disabled AND ({' OR '.join(f'coalesce({c}, false)' for c in conds)}))"


def _why(kind: Attention, row: dict[str, Any]) -> str:
    detail = {Attention.ERROR: row["health_reason"], Attention.WARNING: row["health_reason"],
              Attention.CHECKIN_FAILED: row["last_message"], Attention.CHECKIN_NEEDS_YOU: row["last_message"],
              Attention.LOW_BALANCE: f"${row['balance_usd']:,.2f}"}[kind]
    return f"{kind.label}: {detail}" if detail else kind.label


def attention_rows(store: Store) -> list[dict[str, Any]]:
    """Every account that needs attention, once, most pressing first (then the lowest balance,
    then id): ``id``, ``site_name``, ``kinds`` (``Attention`` values), ``reason`` (their
    sentences, "; " between), ``balance_usd`` and ``checkin_due`` (the daily check-in still
    takes it today)."""
    return attention_page(store)[0]


def attention_page(store: Store, limit: int | None = None) -> tuple[list[dict[str, Any]], int]:
    """The first ``limit`` rows of ``attention_rows`` (all when None), and how many there are in
    all: the order is decided in SQL, so a page showing the most pressing few of 40,000 builds
    only those (issue 18)."""
    rank = " ".join(f"WHEN '{k.value}' THEN {i}" for i, k in enumerate(Attention))
    sql = f"""
    WITH r AS (
        SELECT a.id, a.site_name, a.health_reason, ck.last_message,
               {effective_quota_sql("a")} / {float(QUOTA_PER_USD)} AS balance_usd,
               {checkin_due_sql("a", ck="ck")} AS checkin_due, {attention_kinds_sql("a", ck="ck")} AS kinds
        FROM accounts a {todays_log_join("a", detail=True)}
        WHERE {needs_attention_sql("a", ck="ck")})
    SELECT *, count(*) OVER () AS n_all FROM r
    ORDER BY CASE kinds[1] {rank} END,
             CASE WHEN kinds[1] = '{Attention.LOW_BALANCE.value}' THEN balance_usd ELSE 0.0 END, id
    {"LIMIT " + str(int(limit)) if limit is not None else ""}"""
    with store.read() as con:
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    n_all = int(rows[0]["n_all"]) if rows else 0
    kind_of = {k.value: k for k in Attention}
    return [{"id": int(r["id"]), "site_name": r["site_name"], "kinds": [str(k) for k in r["kinds"]],
             "reason": "; ".join(_why(kind_of[k], r) for k in r["kinds"]),
             "balance_usd": None if r["balance_usd"] is None else float(r["balance_usd"]),
             "checkin_due": bool(r["checkin_due"])} for r in rows], n_all


# -- the attention queue's account entries (issue 21) ------------------------------------------

#: a refusal of the account's token or login: an auth refusal (``Site refused:`` is a warning
#: only for those), an HTTP 401/403, or today's check-in refused the token
def _credential_sql(b: str = "b") -> str:
    return (f"(({b}.health_status = '{Health.WARNING.value}' AND ({b}.health_reason LIKE 'Site refused:%' "
            f"OR {b}.health_reason LIKE 'HTTP 401%' OR {b}.health_reason LIKE 'HTTP 403%')) "
            f"OR coalesce({b}.last_reason = '{CheckInReason.TOKEN_REJECTED.value}', false))")


def _queue_parts() -> dict[AttentionCategory, tuple[str, str, str]]:
    """Each account category of the queue: (condition, detail, sort key) on the row ``b``."""
    low = LOW_BALANCE_USD_SQL
    cred = _credential_sql("b")
    return {
        AttentionCategory.CREDENTIAL_REJECTED: (
            cred, "CASE WHEN b.health_reason <> '' THEN b.health_reason ELSE b.last_message END", "0"),
        AttentionCategory.SITE_DOWN: (f"b.health_status = '{Health.ERROR.value}'", "b.health_reason", "0"),
        AttentionCategory.CHECKIN_FAILED: (
            f"b.last_result = '{CheckInResult.FAILED.value}' AND NOT {cred}", "b.last_message", "0"),
        AttentionCategory.CHECKIN_NEEDS_YOU: (
            f"b.last_result = '{CheckInResult.NEEDS_BROWSER.value}'", "b.last_message", "0"),
        # a warning that today's failed check-in left is that check-in's entry, not a second one
        AttentionCategory.SITE_WARNING: (
            f"b.health_status = '{Health.WARNING.value}' AND NOT {cred} AND b.last_result IS DISTINCT FROM "
            f"'{CheckInResult.FAILED.value}' AND b.last_result IS DISTINCT FROM '{CheckInResult.NEEDS_BROWSER.value}'",
            "b.health_reason", "0"),
        AttentionCategory.LOW_BALANCE: (
            f"NOT b.exclude_from_total_balance AND b.last_sync_time IS NOT NULL AND {low} > 0 "
            f"AND b.quota_eff < {low} * {QUOTA_PER_USD}", "NULL", "b.quota_eff"),
        AttentionCategory.LEFT_OUT: (
            f"NOT b.auto_checkin AND {able_to_check_in_sql('b')}",
            "NULL", "0"),
    }


#: what the queue's conditions read of today's latest check-in attempt: whether it failed or needs
#: the user, and whether the site refused the token; any other latest result reads as none
_TOLD = (f"(l.result IN {sql_list((CheckInResult.FAILED.value, CheckInResult.NEEDS_BROWSER.value))} "
         f"OR l.reason = '{CheckInReason.TOKEN_REJECTED.value}')")


def _queue_sql(parts: dict[AttentionCategory, tuple[str, str, str]], limit: int | None) -> str:
    """The queue's statement: each category's entries over the enabled accounts read once (``b``),
    with its total. Cut to ``limit``: each category's first entries by a top-N of its own and
    the totals by one count per category (a row number over every entry sorted the 50,000
    entries of 100,000 accounts to keep 35).

    ``b`` holds only what the conditions read (issue 18): of today's log, the latest attempt of an
    account (its highest id) where it failed, needs the user or had the token refused (``told``:
    the conditions only ask that, and "is distinct from failed" holds for none as for any other
    result); the names, addresses, the latest reason and message are read for the entries picked."""
    union = " UNION ALL ".join(
        f"SELECT b.id, '{cat.value}' AS category, {rank} AS cat_rank, "
        f"CAST({key} AS DOUBLE) AS sort_key FROM b WHERE coalesce({cond}, false)"
        for rank, (cat, (cond, _detail, key)) in enumerate(parts.items()))
    if limit is None:
        picked = "SELECT *, count(*) OVER (PARTITION BY category) AS n_all FROM c"
    else:
        tops = " UNION ALL ".join(
            f"(SELECT * FROM c WHERE category = '{cat.value}' ORDER BY sort_key, id LIMIT {int(limit)})"
            for cat in parts)
        picked = (f"SELECT t.*, n.n_all FROM ({tops}) t "
                  "JOIN (SELECT category, count(*) AS n_all FROM c GROUP BY category) n USING (category)")
    details = " ".join(f"WHEN '{cat.value}' THEN {detail}" for cat, (_cond, detail, _key) in parts.items())
    return f"""
    WITH latest AS (SELECT account_id, max(id) AS last_id FROM checkin_log WHERE day = current_date
                    GROUP BY account_id),
    told AS (
        SELECT l.account_id, l.result AS last_result, l.reason AS last_reason
        FROM checkin_log l JOIN latest ON l.id = latest.last_id
        WHERE l.day = current_date AND {_TOLD}),
    b AS (
        SELECT a.id, a.health_status, a.health_reason, a.auto_checkin, a.checkin_method, a.checkin_supported,
               a.exclude_from_total_balance, a.last_sync_time, {effective_quota_sql("a")} AS quota_eff,
               ck.last_result, ck.last_reason
        FROM accounts a LEFT JOIN told ck ON ck.account_id = a.id
        WHERE NOT a.disabled),
    c AS ({union}),
    p AS MATERIALIZED ({picked}),
    shown AS (
        SELECT a.id, a.site_name, a.site_url, a.checkin_url, a.auth_type, a.health_reason,
               {effective_quota_sql("a")} AS quota_eff, ck.last_reason, ck.last_message
        FROM accounts a LEFT JOIN (
            SELECT account_id, arg_max_null(reason, id) AS last_reason, arg_max_null(message, id) AS last_message
            FROM checkin_log WHERE day = current_date AND account_id IN (SELECT id FROM p) GROUP BY account_id
        ) ck ON ck.account_id = a.id
        WHERE a.id IN (SELECT id FROM p))
    SELECT p.category, p.id, b.site_name, b.site_url, b.checkin_url, b.auth_type,
           CASE p.category {details} END AS detail, b.last_reason,
           b.quota_eff / {float(QUOTA_PER_USD)} AS balance_usd, p.n_all
    FROM p JOIN shown b ON b.id = p.id
    ORDER BY p.cat_rank, p.sort_key, p.id"""


def attention_queue_rows(store: Store, limit: int | None = None) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The attention queue's entries about enabled accounts, by ``AttentionCategory``: at most
    ``limit`` a category (all when None; the most pressing: the lowest balance first, then id),
    and how many each category has in all. A row: ``category``, ``account_id``, ``site_name``,
    ``site_url``, ``checkin_url``, ``auth_type``, ``detail`` (the site's or the check-in's words),
    ``last_reason`` (today's check-in ``CheckInReason`` value) and ``balance_usd``. SQL does the
    counting and the cut, so 100,000 accounts build only the rows shown."""
    with store.read() as con:
        rows = con.execute(_queue_sql(_queue_parts(), limit)).fetchall()
    totals: dict[str, int] = {}
    out = []
    for cat, aid, name, url, ck_url, auth, detail, reason, bal, n_all in rows:
        totals[cat] = int(n_all)
        out.append({"category": cat, "account_id": int(aid), "site_name": name or "", "site_url": url,
                    "checkin_url": ck_url or "", "auth_type": auth, "detail": detail or "",
                    "last_reason": reason, "balance_usd": None if bal is None else float(bal)})
    return out, totals
