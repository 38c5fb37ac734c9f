"""The summed daily balance, income and expense of a set of accounts, as SQL (``analytics``' trend).

A balance on a day is each account's latest snapshot on or before it, summed. Two ways to the
same figures:

- *linked* (``LINKED_SQL``): every snapshot written by ``snapshots.record_snapshots`` carries the
  quota of the account's snapshot before it (``prev_quota``, Migration 20), so a day's balance is
  the running sum of the changes of the days up to it: one pass over the snapshots grouped by
  day (issue 18: the trend of 100,000 accounts without looking up each account's latest
  snapshot, which was half a second of the Overview);
- *full* (``FULL_SQL``): each account's snapshots walked as they are, for a store holding a
  snapshot written another way (``linked`` false: a bulk insert of a benchmark or a test), and
  the reference the linked way is tested against.

``linked_ok`` says which applies. Both take the ``sel`` CTE of ``analytics`` (id, site_name,
in_balance, in_income) and the range as parameters ``(start, end)`` after its own. ``weighted``:
every account's figures times its ``sel.w`` (its CNY rate: the sum of each account at its own
rate, as the page's CNY trend shows it), whose money comes back as floats.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from allhub_core.vocab import QUOTA_PER_USD

__all__ = ["daily_sum_sql", "linked_ok"]

Q = float(QUOTA_PER_USD)


def linked_ok(con: Any) -> bool:
    """Every stored snapshot's ``prev_quota`` is kept by ``record_snapshots`` (so the linked way applies)."""
    rows = con.execute("SELECT count(*) FROM balance_snapshots WHERE NOT linked").fetchall()
    return not rows[0][0]


def _money(weighted: bool) -> tuple[str, str, str, str]:
    """The snapshot's quota, link, income and consumption, each times the account's rate when ``weighted``."""
    cols = ("b.quota", "b.prev_quota", "b.income", "b.consumption")
    return tuple(f"{c} * sel.w" if weighted else c for c in cols)  # type: ignore[return-value]


def _linked_sql(sel: str, lo: str, hi: str, weighted: bool = False) -> str:
    """A snapshot changes its account's balance by its quota minus the one before it (a NULL
    quota as 0, with the count of accounts that have a balance moving by one). Plain sums per
    day and kind of account first (few groups, no expression per row), then the changes before
    the range land on its first day and income and expense count within it."""
    quota, prev, income, consumption = _money(weighted)
    return f"""
    WITH {sel},
    days AS (SELECT CAST(d AS DATE) AS day FROM generate_series(CAST(? AS DATE), CAST(? AS DATE), INTERVAL 1 DAY) g(d)),
    k AS (SELECT b.day, sel.in_balance, sel.in_income, sum({quota}) AS q, sum({prev}) AS pq,
                 count(b.quota) AS nq, count(b.prev_quota) AS npq, sum({income}) AS inc, count(b.income) AS n_inc,
                 sum({consumption}) AS exp, count(b.consumption) AS n_exp
          FROM balance_snapshots b JOIN sel ON sel.id = b.account_id WHERE b.day <= {hi} GROUP BY ALL),
    g AS (SELECT greatest(day, {lo}) AS day,
                 sum(coalesce(q, 0) - coalesce(pq, 0)) FILTER (WHERE in_balance) AS dq,
                 sum(nq - npq) FILTER (WHERE in_balance) AS dn,
                 sum(inc) FILTER (WHERE in_income AND day >= {lo}) AS inc,
                 sum(n_inc) FILTER (WHERE in_income AND day >= {lo}) AS n_inc,
                 sum(exp) FILTER (WHERE day >= {lo}) AS exp, sum(n_exp) FILTER (WHERE day >= {lo}) AS n_exp
          FROM k GROUP BY 1),
    run AS (SELECT days.day, coalesce(sum(g.dq) OVER w, 0) AS q, coalesce(sum(g.dn) OVER w, 0) AS n,
                   g.inc, g.n_inc, g.exp, g.n_exp
            FROM days LEFT JOIN g ON g.day = days.day WINDOW w AS (ORDER BY days.day))
    SELECT day, CASE WHEN n > 0 THEN q / {Q} END AS balance_usd,
           inc / {Q} AS income_usd, exp / {Q} AS expense_usd,
           CASE WHEN coalesce(n_inc, 0) + coalesce(n_exp, 0) > 0
                THEN coalesce(inc, 0) / {Q} - coalesce(exp, 0) / {Q} END AS net_usd
    FROM run ORDER BY day"""


def _full_sql(sel: str, lo: str, hi: str, weighted: bool = False) -> str:
    """An account refreshed every day of the range from its first snapshot in it to its last (the
    usual case) adds that day's quota on each of those days, the balance it came in with (its
    latest snapshot before the range) on the days before, and its last one on the days after: a
    sum per day plus a few steps per account. Only an account with a gap in the range is walked
    snapshot by snapshot (each changes its balance by its quota minus the previous one). Income
    and expense are the day's own snapshots summed. The same figures as the per-account grid."""
    no_gap = "(n_in = 0 OR n_in = date_diff('day', first_in, last_in) + 1)"
    quota, _, income, consumption = _money(weighted)
    return f"""
    WITH {sel},
    days AS (SELECT CAST(d AS DATE) AS day FROM generate_series(CAST(? AS DATE), CAST(? AS DATE), INTERVAL 1 DAY) g(d)),
    -- not materialized: three readers each scanning the snapshots is cheaper than storing the join
    s AS NOT MATERIALIZED (SELECT b.account_id, b.day, {quota} AS quota, {income} AS income,
                                  {consumption} AS consumption, sel.in_balance, sel.in_income
          FROM balance_snapshots b JOIN sel ON sel.id = b.account_id WHERE b.day <= {hi}),
    b AS (SELECT account_id, day, quota FROM s WHERE in_balance),
    acc AS (SELECT account_id, min(day) FILTER (WHERE day >= {lo}) AS first_in,
                   max(day) FILTER (WHERE day >= {lo}) AS last_in, count(*) FILTER (WHERE day >= {lo}) AS n_in,
                   count(*) FILTER (WHERE day < {lo}) > 0 AS has_pre,
                   arg_max_null(quota, day) FILTER (WHERE day < {lo}) AS pre_q,
                   arg_max_null(quota, day) FILTER (WHERE day >= {lo}) AS last_q
            FROM b GROUP BY account_id),
    levels AS (SELECT day, sum(quota) AS q, count(quota) AS n FROM b
               WHERE day >= {lo} AND account_id IN (SELECT account_id FROM acc WHERE {no_gap}) GROUP BY day),
    steps AS (
        SELECT {lo} AS day, coalesce(pre_q, 0) AS dq, CAST(pre_q IS NOT NULL AS INTEGER) AS dn
        FROM acc WHERE {no_gap} AND has_pre
        UNION ALL
        SELECT first_in, -coalesce(pre_q, 0), -CAST(pre_q IS NOT NULL AS INTEGER)
        FROM acc WHERE {no_gap} AND has_pre AND n_in > 0
        UNION ALL
        SELECT CAST(last_in + 1 AS DATE), coalesce(last_q, 0), CAST(last_q IS NOT NULL AS INTEGER)
        FROM acc WHERE {no_gap} AND n_in > 0 AND last_in < {hi}
        UNION ALL
        SELECT greatest(day, {lo}), coalesce(quota, 0) - coalesce(lag(quota) OVER w, 0),
               CAST(quota IS NOT NULL AS INTEGER) - CAST(coalesce(lag(quota) OVER w IS NOT NULL, false) AS INTEGER)
        FROM b WHERE account_id IN (SELECT account_id FROM acc WHERE NOT {no_gap})
        WINDOW w AS (PARTITION BY account_id ORDER BY day)),
    bal AS (SELECT days.day, coalesce(sum(sum(st.dq)) OVER (ORDER BY days.day), 0) AS q,
                   coalesce(sum(sum(st.dn)) OVER (ORDER BY days.day), 0) AS n
            FROM days LEFT JOIN steps st ON st.day = days.day GROUP BY days.day),
    flow AS (SELECT day, sum(income) FILTER (WHERE in_income) AS inc, count(income) FILTER (WHERE in_income) AS n_inc,
                    sum(consumption) AS exp, count(consumption) AS n_exp
             FROM s WHERE day >= {lo} GROUP BY day)
    SELECT bal.day, CASE WHEN bal.n + coalesce(lv.n, 0) > 0 THEN (bal.q + coalesce(lv.q, 0)) / {Q} END AS balance_usd,
           f.inc / {Q} AS income_usd, f.exp / {Q} AS expense_usd,
           CASE WHEN coalesce(f.n_inc, 0) + coalesce(f.n_exp, 0) > 0
                THEN coalesce(f.inc, 0) / {Q} - coalesce(f.exp, 0) / {Q} END AS net_usd
    FROM bal LEFT JOIN flow f ON f.day = bal.day LEFT JOIN levels lv ON lv.day = bal.day ORDER BY bal.day"""


def daily_sum_sql(sel: str, start: date, end: date, *, linked: bool, weighted: bool = False) -> str:
    """The trend's statement over ``sel`` from ``start`` to ``end``, the linked way or the full one
    (``weighted``: each account's figures times its ``sel.w``)."""
    lo, hi = f"DATE '{start.isoformat()}'", f"DATE '{end.isoformat()}'"
    return _linked_sql(sel, lo, hi, weighted) if linked else _full_sql(sel, lo, hi, weighted)
