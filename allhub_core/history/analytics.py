"""Balance analytics over the snapshots, as SQL: the Overview, history, a day's spread, sparklines.

Money comes back in USD floats (quota / ``QUOTA_PER_USD``); frames are pandas DataFrames; every
filter is applied in SQL with parameters. A balance on a day is the account's latest snapshot
on or before that day (an ASOF join), so a day without a refresh does not dip the sum; before
an account's first snapshot it has no balance. Income and expense of a day are that day's
snapshot figures only. Which accounts count:

- ``account_ids`` given: exactly those;
- otherwise the enabled accounts (with ``tag``: those carrying it, ignoring case), and a summed
  balance leaves out the accounts excluded from the total balance, a summed income those
  excluded from today's income.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from allhub_core.accounts import AccountFilter, attention_page, checkin_state_sql, totals
from allhub_core.errors import ValidationError
from allhub_core.history import memo
from allhub_core.history.trend import daily_sum_sql, linked_ok
from allhub_core.store import Store
from allhub_core.vocab import QUOTA_PER_USD

if TYPE_CHECKING:  # pandas is imported where a frame is built: refresh and the CLI need not pay for it
    import pandas as pd


def _first(con: Any) -> tuple[Any, ...]:
    """The one row of a statement that always yields one, fetched to the end (DuckDB 2 wants that
    before the connection runs the next statement)."""
    rows = con.fetchall()
    assert rows, "this statement always yields a row"
    return tuple(rows[0])

__all__ = ["Overview", "balance_history", "balance_table", "day_distribution", "overview", "sparklines"]

Q = float(QUOTA_PER_USD)
MAX_RANGE_DAYS = 3660
#: the Overview's extra fact about an account that needs attention: its check-in is still to do
NOT_CHECKED_IN, NOT_CHECKED_IN_TEXT = "not_checked_in", "Not checked in today"


@dataclass
class Overview:
    """What the Overview page shows; money in USD."""

    total_balance_usd: float
    total_subscription_usd: float | None
    today_consumption_usd: float
    today_income_usd: float
    complete: int
    partial: int
    by_health: dict[str, int]
    by_checkin: dict[str, int]
    trend: pd.DataFrame
    """day, balance_usd: the summed balance of the last 30 days that have one (oldest first)."""
    attention: list[dict[str, Any]] = field(default_factory=list)
    """One row per account that needs the user (``accounts.attention_rows``): id, site_name,
    kinds (``vocab.Attention`` values, plus ``not_checked_in`` when its check-in is still to do
    today) and reason (the sentences, "; " between)."""
    has_history: bool = False
    attention_total: int = 0
    """How many accounts need attention in all (``attention`` may hold only the first of them)."""
    accounts: int = 0
    """Accounts in the store, disabled ones included (0: the page says how to add one)."""


def _range(start: date, end: date) -> tuple[date, date]:
    if not isinstance(start, date) or not isinstance(end, date):
        raise ValidationError("A date range needs a start and an end date.")
    if end < start:
        raise ValidationError("The end of the date range is before its start.")
    if (end - start).days >= MAX_RANGE_DAYS:
        raise ValidationError(f"A date range may span at most {MAX_RANGE_DAYS} days.")
    return start, end


def _ids(account_ids: list[int] | None) -> list[int] | None:
    if account_ids is None:
        return None
    try:
        return [int(i) for i in account_ids]
    except (TypeError, ValueError) as exc:
        raise ValidationError("Account ids are whole numbers.") from exc


def _accounts_cte(account_ids: list[int] | None, tag: str | None, params: list[Any], *, rated: bool = False) -> str:
    """``sel``: the accounts in scope (id, site_name, in_balance, in_income). ``rated``: and
    ``w``, the account's CNY rate, as the page converted per account before summing: each enabled
    account at its own rate, a chosen disabled one at their average (1 when there is none) and
    left out of the balance and the income (the page counted the chosen accounts it had a rate for)."""
    if account_ids is not None:
        where = "list_contains(?, a.id)"
        params.append(account_ids)
        in_balance = in_income = "NOT a.disabled" if rated else "true"
    else:
        where = "NOT a.disabled"
        in_balance, in_income = "NOT a.exclude_from_total_balance", "NOT a.exclude_from_today_income"
    if tag:
        where += (" AND EXISTS (SELECT 1 FROM account_tags lk JOIN tags t ON t.id = lk.tag_id "
                  "WHERE lk.account_id = a.id AND t.name_key = ?)")
        params.append(tag.strip().casefold())
    cols = f"a.id, a.site_name, {in_balance} AS in_balance, {in_income} AS in_income"
    if not rated:
        return f"sel AS (SELECT {cols} FROM accounts a WHERE {where})"
    return (f"sel0 AS (SELECT {cols}, CASE WHEN NOT a.disabled THEN a.exchange_rate END AS rate "
            f"FROM accounts a WHERE {where}), "
            "sel AS (SELECT id, site_name, in_balance, in_income, "
            "coalesce(rate, (SELECT coalesce(avg(rate), 1.0) FROM sel0)) AS w FROM sel0)")


def _frame(con: Any, sql: str, params: list[Any]) -> pd.DataFrame:
    return con.execute(sql, params).df()


def _rated(currency: str) -> bool:
    if currency not in ("USD", "CNY"):
        raise ValidationError(f"'{currency}' is not a currency here: USD or CNY.")
    return currency == "CNY"


def _converted(frame: pd.DataFrame, rated: bool) -> pd.DataFrame:
    """Every ``*_usd`` column times the row's rate ``w`` (then dropped), as the pages convert a
    frame with an account per row (the columns keep their names)."""
    if rated:
        w = frame.pop("w").astype("float64")
        for c in [c for c in frame.columns if str(c).endswith("_usd")]:
            frame[c] = frame[c].astype("float64") * w
    return frame


def _daily(store: Store, start: date, end: date, account_ids: list[int] | None, tag: str | None,
           per_account: bool, currency: str = "USD") -> pd.DataFrame:
    if not per_account:
        return _daily_sum(store, start, end, account_ids, tag, rated=currency == "CNY")
    params: list[Any] = []
    sel = _accounts_cte(account_ids, tag, params)
    params += [start, end]
    sql = f"""
    WITH {sel},
    days AS (SELECT CAST(d AS DATE) AS day FROM generate_series(CAST(? AS DATE), CAST(? AS DATE), INTERVAL 1 DAY) g(d)),
    grid AS (SELECT days.day, sel.id AS account_id, sel.site_name, sel.in_balance, sel.in_income FROM days, sel),
    mine AS (SELECT account_id, day, quota FROM balance_snapshots
             WHERE account_id IN (SELECT id FROM sel) AND day <= (SELECT max(day) FROM days)),
    -- the range itself, plus each account's last snapshot before it (what the first days carry)
    snaps AS (SELECT * FROM mine WHERE day >= (SELECT min(day) FROM days)
              UNION ALL
              SELECT account_id, max(day), arg_max(quota, day) FROM mine
              WHERE day < (SELECT min(day) FROM days) GROUP BY account_id),
    bal AS (
        SELECT g.day, g.account_id, g.site_name, g.in_balance, g.in_income, s.quota
        FROM grid g ASOF LEFT JOIN snaps s ON g.account_id = s.account_id AND g.day >= s.day
    )
    SELECT b.day, b.account_id, b.site_name, b.in_balance, b.in_income,
           b.quota / {Q} AS balance_usd, t.income / {Q} AS income_usd, t.consumption / {Q} AS expense_usd
    FROM bal b LEFT JOIN balance_snapshots t ON t.account_id = b.account_id AND t.day = b.day
    """
    sql = f"""SELECT day, account_id, site_name, balance_usd, income_usd, expense_usd,
                     CASE WHEN income_usd IS NOT NULL OR expense_usd IS NOT NULL
                          THEN coalesce(income_usd, 0) - coalesce(expense_usd, 0) END AS net_usd
              FROM ({sql}) ORDER BY day, account_id"""
    with store.read() as con:
        frame = _frame(con, sql, params)
    return _as_dates(frame)


def _as_dates(frame: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd  # noqa: PLC0415 - loaded by .df() already; refresh and the CLI need not pay for it

    frame["day"] = pd.to_datetime(frame["day"]).dt.date
    return frame


def _daily_sum(store: Store, start: date, end: date, account_ids: list[int] | None,
               tag: str | None, *, linked: bool | None = None, rated: bool = False) -> pd.DataFrame:
    """The summed daily figures without building the day x account grid (issue 18: 30 days of
    100,000 accounts was 3 million joined rows): the running sum of the linked snapshots'
    changes, or each account's snapshots walked where one was written without its link
    (``trend``). ``linked``: force one way (the tests compare them; never remembered). The same
    figures as the per-account grid; remembered until the snapshots or the accounts in scope
    change (``memo``). ``rated``: each account's figures at its CNY rate (``sel.w``)."""
    params: list[Any] = []
    sel = _accounts_cte(account_ids, tag, params, rated=rated)
    scope = list(params)
    params += [start, end]
    with store.read() as con:
        def compute() -> pd.DataFrame:
            use_linked = linked_ok(con) if linked is None else linked
            return _as_dates(_frame(con, daily_sum_sql(sel, start, end, linked=use_linked, weighted=rated), params))

        if linked is not None:
            return compute()
        key = memo.result_key("trend", store, con, sel, scope, start, end)
        return memo.remembered(key, compute)


def balance_history(store: Store, *, start: date, end: date, account_ids: list[int] | None = None,
                    tag: str | None = None, per_account: bool = False, currency: str = "USD") -> pd.DataFrame:
    """Daily balance, income, expense and net (income - expense) in USD, from ``start`` to ``end``.

    Summed: one row per day (``day, balance_usd, income_usd, expense_usd, net_usd``); a column
    is NaN on a day no account had a figure (net counts a missing income or expense as 0, and is
    NaN when both are missing). ``per_account``:
    one row per day and account, with ``account_id`` and ``site_name``. ``currency`` "CNY"
    (summed only): each account's figures at its own exchange rate before they are summed (the
    columns keep their names), what converting the per-account rows and summing them gives,
    without the day x account grid (3 million rows at 100,000 accounts).
    """
    start, end = _range(start, end)
    if _rated(currency) and per_account:
        raise ValidationError("The history per account is in USD (the page converts each row).")
    return _daily(store, start, end, _ids(account_ids), tag, per_account, currency)


def balance_table(store: Store, *, start: date, end: date, account_ids: list[int] | None = None,
                  tag: str | None = None, currency: str = "USD") -> pd.DataFrame:
    """Per account: balance at the start and at the end of the range (the latest snapshot on or
    before each day), the change, and how many days of the range have a snapshot. ``currency``
    "CNY": the money at each account's rate (``_accounts_cte``). Remembered until the snapshots
    or the accounts in scope change (``memo``: at 100,000 accounts each computation groups
    every snapshot)."""
    start, end = _range(start, end)
    rated = _rated(currency)
    params: list[Any] = []
    sel = _accounts_cte(_ids(account_ids), tag, params, rated=rated)
    scope = list(params)
    params += [start, end, start, end, (end - start).days + 1]
    sql = f"""
    WITH {sel},
    s AS (SELECT account_id,
                 arg_max(quota, day) FILTER (WHERE day <= ?) AS q_start,
                 arg_max(quota, day) FILTER (WHERE day <= ?) AS q_end,
                 count(*) FILTER (WHERE day BETWEEN ? AND ?) AS covered
          FROM balance_snapshots b JOIN sel ON sel.id = b.account_id GROUP BY account_id)
    SELECT sel.id AS account_id, sel.site_name, s.q_start / {Q} AS start_usd, s.q_end / {Q} AS end_usd,
           coalesce(s.covered, 0) AS days_covered, ? AS days_in_range{", sel.w" if rated else ""}
    FROM sel LEFT JOIN s ON s.account_id = sel.id ORDER BY sel.id"""

    def compute() -> pd.DataFrame:
        frame = _frame(con, sql, params)
        frame.insert(4, "net_usd", frame["end_usd"] - frame["start_usd"])
        frame["days_covered"] = frame["days_covered"].astype("int64")
        frame["days_in_range"] = frame["days_in_range"].astype("int64")
        return _converted(frame, rated)

    with store.read() as con:
        key = memo.result_key("table", store, con, sel, scope, start, end)
        return memo.remembered(key, compute)


def day_distribution(store: Store, day: date, *, tag: str | None = None, currency: str = "USD") -> pd.DataFrame:
    """Each enabled account's balance on ``day`` (its latest snapshot on or before it), largest
    (in USD) first; accounts with no snapshot by then are left out. ``currency`` and remembered
    like ``balance_table``."""
    if not isinstance(day, date):
        raise ValidationError("Pick a day.")
    rated = _rated(currency)
    params: list[Any] = []
    sel = _accounts_cte(None, tag, params, rated=rated)
    scope = list(params)
    params.append(day)
    w = ", sel.w" if rated else ""
    sql = f"""
    WITH {sel}
    SELECT sel.id AS account_id, sel.site_name, arg_max(s.quota, s.day) / {Q} AS balance_usd{w}
    FROM sel JOIN balance_snapshots s ON s.account_id = sel.id AND s.day <= ?
    GROUP BY ALL ORDER BY balance_usd DESC, account_id"""
    with store.read() as con:
        key = memo.result_key("spread", store, con, sel, scope, day)
        return memo.remembered(key, lambda: _converted(_frame(con, sql, params), rated))


def sparklines(store: Store, *, days: int = 30, account_ids: list[int] | None = None) -> dict[int, list[float]]:
    """Account id -> its daily balance in USD over the last ``days`` days, oldest first (days
    before its first snapshot are left out; accounts without any snapshot are absent); only the
    ``account_ids`` given (a grid page's rows), else every account."""
    if not 1 <= int(days) <= MAX_RANGE_DAYS:
        raise ValidationError(f"Sparklines cover 1 to {MAX_RANGE_DAYS} days.")
    ids = _ids(account_ids)
    end = date.today()
    start = end - timedelta(days=int(days) - 1)
    which = "SELECT id FROM accounts" if ids is None else "SELECT id FROM accounts WHERE list_contains(?, id)"
    sql = f"""
    WITH days AS (SELECT CAST(d AS DATE) AS day
                  FROM generate_series(CAST(? AS DATE), CAST(? AS DATE), INTERVAL 1 DAY) g(d)),
    acc AS (SELECT DISTINCT account_id FROM balance_snapshots WHERE day <= ?
            AND account_id IN ({which})),
    snaps AS (SELECT * FROM balance_snapshots WHERE account_id IN (SELECT account_id FROM acc)),
    grid AS (SELECT days.day, acc.account_id FROM days, acc)
    SELECT g.account_id, list(s.quota / {Q} ORDER BY g.day) FILTER (WHERE s.quota IS NOT NULL) AS values
    FROM grid g ASOF LEFT JOIN snaps s ON g.account_id = s.account_id AND g.day >= s.day
    GROUP BY g.account_id"""
    params: list[Any] = [start, end, end] + ([] if ids is None else [ids])
    with store.read() as con:
        rows = con.execute(sql, params).fetchall()
    return {int(aid): [float(v) for v in values] for aid, values in rows if values}


def overview(store: Store, *, attention_limit: int | None = None) -> Overview:
    """Totals of today (the same rules as the Accounts page's totals), counts by health and by
    check-in state of the enabled accounts, the 30-day balance trend, and the accounts that
    need attention (``accounts.attention_rows``: the one rule every surface uses, with the saved
    low-balance line), each once with all its reasons; the Overview adds one fact of its own to
    an account listed there: its check-in still to do today. ``attention_limit``: list only the
    most pressing that many (``attention_total`` counts them all); 0 asks nothing of it (the
    Overview page, which shows the attention queue instead: ``automation.attention_queue``)."""
    t = totals(store, AccountFilter(status="enabled"))
    today = date.today()
    checkin_today = checkin_state_sql("a")  # the one rule, as the Accounts and Check-in pages show it
    with store.read() as con:
        by_health = dict(con.execute(
            "SELECT health_status, count(*) FROM accounts WHERE NOT disabled GROUP BY 1 ORDER BY 1").fetchall())
        by_checkin = dict(con.execute(
            f"SELECT {checkin_today}, count(*) FROM accounts a WHERE NOT a.disabled GROUP BY 1 ORDER BY 1").fetchall())
        complete, partial = _first(con.execute("""
            WITH f AS (
                SELECT CASE WHEN stats_date = current_date THEN consumption_availability ELSE 'unavailable' END AS c,
                       CASE WHEN exclude_from_today_income THEN NULL
                            WHEN stats_date = current_date THEN income_availability ELSE 'unavailable' END AS i
                FROM accounts WHERE NOT disabled)
            SELECT count(*) FILTER (WHERE c = 'complete' AND coalesce(i, 'complete') = 'complete'),
                   count(*) FILTER (WHERE NOT (c = 'complete' AND coalesce(i, 'complete') = 'complete')
                                    AND (c <> 'unavailable' OR coalesce(i, 'unavailable') <> 'unavailable'))
            FROM f"""))
        has_history = bool(_first(con.execute("SELECT count(*) > 0 FROM balance_snapshots"))[0])
        accounts = int(_first(con.execute("SELECT count(*) FROM accounts"))[0])
    attention = []
    rows, attention_total = attention_page(store, attention_limit) if attention_limit != 0 else ([], 0)
    for row in rows:
        kinds, reason = list(row["kinds"]), row["reason"]
        if row["checkin_due"]:
            kinds.append(NOT_CHECKED_IN)
            reason += f"; {NOT_CHECKED_IN_TEXT}"
        attention.append({"id": row["id"], "site_name": row["site_name"], "kinds": kinds, "reason": reason})
    trend = balance_history(store, start=today - timedelta(days=29), end=today)[["day", "balance_usd"]]
    trend = trend.dropna(subset=["balance_usd"])  # days before the first snapshot
    return Overview(
        total_balance_usd=float(t["balance_usd"] or 0.0),
        total_subscription_usd=float(t["subscription_usd"]) if t.get("subscription_covered") else None,
        today_consumption_usd=float(t["consumption_usd"] or 0.0),
        today_income_usd=float(t["income_usd"] or 0.0),
        complete=int(complete), partial=int(partial),
        by_health={str(k): int(v) for k, v in by_health.items()},
        by_checkin={str(k): int(v) for k, v in by_checkin.items()},
        trend=trend.reset_index(drop=True), attention=attention, has_history=has_history,
        attention_total=attention_total, accounts=accounts)
