"""Prices as SQL over the stored rows: every model of every account, priced per usable group.

Each account's offers are priced when its models are stored (``prices.offers``: the groups, the
formulas below, the best group); one query (``_SQL``) adds what changes without a sync (the
account's rate and balance, the cheapest mark across sites) and cuts the page in SQL. All of it
follows the extension's model list
(``src/services/models/utils/modelPricing.ts``, ``features/ModelList/groupContext.ts``,
``hooks/useFilteredModels.ts``, ``priceComparison.ts``):

- **Groups.** A model is supported in its ``enable_groups`` (empty: every group of the account).
  The account's usable groups are those its site marked usable; the priceable ones also have a
  ratio. An account with no usable group at all falls back to any group with a ratio. An account
  whose site told no group ratio at all prices at ratio 1 in its own group (``""``), so its models
  still show. A negative ratio counts as 1, as the extension's ``effectiveGroupMultiplier``.
- **Per token.** input USD per 1M = ``model_ratio × 2 × group_ratio`` (500,000 quota = 1 USD);
  output = that × ``completion_ratio`` (1 when the site gives none); cache read / write = input ×
  ``cache_ratio`` / ``create_cache_ratio`` where those are ≥ 0. A site's own USD prices replace
  the ratio result (and are not multiplied by a group ratio).
- **Per call.** USD per call = ``model_price × group_ratio``, or the site's own USD per call.
- **Tiered and unknown** prices have no number: ``comparable`` false, never ``cheapest``.
- **What you really pay** (``effective_*``): the extension's "real recharge amount" is the price
  × the account's top-up rate (CNY paid per USD of quota, ``exchange_rate``); we say it in USD at
  the default rate, ``price × exchange_rate / 7.2``, so a site selling quota at 1 CNY per USD
  shows what it costs in real dollars.
- **Best group**: the account's cheapest priceable group for the model, ties by group name.
- **Cheapest**: per model (case-insensitive name) and billing, across all accounts, the rows
  whose comparison key equals the minimum among comparable rows. The key for tokens is the
  extension's default weighted blend (input 84.54 / output 15.46); per call, the call price.
  It is computed before the account, tag, group, vendor and text filters, so a filtered list
  still says whether a row is the cheapest of all your sites.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import duckdb

from allhub_core.accounts import effective_quota_sql
from allhub_core.errors import ValidationError
from allhub_core.prices import memo
from allhub_core.prices.cache import BILLINGS
from allhub_core.prices.offers import TOKEN_WEIGHTS
from allhub_core.store import Store
from allhub_core.vocab import DEFAULT_EXCHANGE_RATE, QUOTA_PER_USD

# The frames come from DuckDB's .df(): pandas loads only when one is asked for, never in a
# command that only syncs (`allhub refresh`, `models sync`: tests/cli/test_cli_single_actions.py).
if TYPE_CHECKING:
    import pandas as pd

__all__ = ["BILLINGS", "MODEL_COLUMNS", "SORTS", "TOKEN_WEIGHTS", "model_count", "model_frame", "model_rows",
           "model_sites"]


#: each row's keys, in order: cli.md's contract first, then what the Models page needs
MODEL_COLUMNS = [
    "model", "account_id", "site_name", "group", "billing", "input_usd_per_1m", "output_usd_per_1m", "call_usd",
    "effective_input_usd_per_1m", "comparable", "cheapest",
    "vendor", "group_ratio", "cache_read_usd_per_1m", "cache_write_usd_per_1m", "effective_output_usd_per_1m",
    "effective_call_usd", "best_group", "balance_usd", "exchange_rate", "fetched_at", "tags",
]

#: the orders a list can take: name -> the sort key before the cheapest-first order ({scale}: the
#: price basis, 1 or the account's rate); rows without that price go last
SORTS = {
    "cheapest": "",
    "input": "m.inp * {scale} ASC NULLS LAST,",
    "output": "m.outp * {scale} ASC NULLS LAST,",
    "call": "m.per_call * {scale} ASC NULLS LAST,",
    "cache_read": "m.cache_read * {scale} ASC NULLS LAST,",
    "model": "",
    "site": "lower(m.site_name), m.site_name,",
    "balance": "m.balance_usd DESC NULLS LAST,",
}
_CHEAPEST_ORDER = ("m.model_key, m.model, m.nominal_key IS NOT NULL DESC, m.billing, m.cmp_key ASC NULLS LAST, "
                   "m.site_name, m.account_id, m.grp")
#: each sort's leading key (the first of its order) and whether it runs downwards: a page's last
#: row's value of it bounds the rows that can be on the page (``_cut``)
_LEADS = {
    "cheapest": ("m.model_key", False), "model": ("m.model_key", False),
    "input": ("m.inp * {scale}", False), "output": ("m.outp * {scale}", False),
    "call": ("m.per_call * {scale}", False), "cache_read": ("m.cache_read * {scale}", False),
    "site": ("lower(m.site_name)", False), "balance": ("m.balance_usd", True),
}
_RATE = f"CASE WHEN a.exchange_rate > 0 THEN a.exchange_rate ELSE {DEFAULT_EXCHANGE_RATE} END"

# The offers (``prices.offers``, priced when stored) with their account's rate and balance.
# {model_where}: on the model name only (the partition of ``cheapest``, so safe before it);
# {key_scale}: 1 or the account's real-pay factor (an expression on ``a``).
_OFFERS = f"""
k AS (
    SELECT o.*, a.site_name, {_RATE} AS rate,
           {effective_quota_sql("a")} / {float(QUOTA_PER_USD)} AS balance_usd,
           round(o.nominal_key * {{key_scale}}, 9) AS cmp_key
    FROM model_offers o JOIN accounts a ON a.id = o.account_id
    WHERE {{model_where}} AND {{best_pre}}
)"""

#: ``MODEL_COLUMNS`` from an offer ``m`` of ``k`` and its model's lowest key ``l``
_COLUMNS = f"""m.model, m.account_id, m.site_name, m.grp AS "group", m.billing,
       m.inp AS input_usd_per_1m, m.outp AS output_usd_per_1m, m.per_call AS call_usd,
       m.inp * m.rate / {DEFAULT_EXCHANGE_RATE} AS effective_input_usd_per_1m, m.nominal_key IS NOT NULL AS comparable,
       coalesce(m.cmp_key = l.low, false) AS cheapest, m.vendor, m.group_ratio,
       m.cache_read AS cache_read_usd_per_1m, m.cache_write AS cache_write_usd_per_1m,
       m.outp * m.rate / {DEFAULT_EXCHANGE_RATE} AS effective_output_usd_per_1m,
       m.per_call * m.rate / {DEFAULT_EXCHANGE_RATE} AS effective_call_usd,
       m.best AS best_group, m.balance_usd, m.rate AS exchange_rate, {{fetched}} AS fetched_at, {{tags}} AS tags"""

# {where}: every other filter; {cut}: the page's bound on its leading sort key (``_cut``);
# {page}: LIMIT/OFFSET. The page is picked once (``sel``, materialised: it is read twice), and
# ``low``, each of its models' lowest key over every account's best offers (the cheapest mark),
# reads only the offers of the models on the page, not the page's whole query again.
_SQL = f"""
WITH {_OFFERS},
sel AS MATERIALIZED (
    SELECT * FROM k m WHERE {{best}} AND {{where}} AND {{cut}}
    ORDER BY {{order}} {{page}}
),
low AS (
    SELECT o.model_key, o.billing, min(round(o.nominal_key * {{key_scale}}, 9)) AS low
    FROM model_offers o JOIN accounts a ON a.id = o.account_id
    WHERE o.best AND o.model_key IN (SELECT model_key FROM sel)
    GROUP BY o.model_key, o.billing
)
SELECT {_COLUMNS}
FROM sel m LEFT JOIN low l ON l.model_key = m.model_key AND l.billing = m.billing
ORDER BY {{order}}
"""

# The value of the leading sort key ({lead}, {direction}) on the page's last row ({last}: its
# place, from 0), with the same filters: no row after it in that key can be on the page.
_CUT_SQL = f"""
WITH {_OFFERS}
SELECT {{lead}} FROM k m WHERE {{best}} AND {{where}}
ORDER BY 1 {{direction}} NULLS LAST LIMIT 1 OFFSET {{last}}
"""

# One model's best offers ({model_where}: its name), a row per site (origin): the site's cheapest
# account by its blended price ({site_scale}: 1 or the rate on ``a``), how many accounts there and
# their balances summed; ``low`` over the same offers, as the page's query has it for that model.
# ``j`` reads only what ranks the offers (tens of thousands of them for a model every account
# sells); each site's winner is its smallest (no price last, key, account, model, group), the
# window's order, found by a GROUP BY; only those winners' full rows are read (``k``).
_SITES_SQL = f"""
WITH j AS (
    SELECT o.account_id, o.model, o.model_key, o.grp, o.billing, a.site_url, {effective_quota_sql("a")} AS quota,
           round(o.nominal_key * {{key_scale}}, 9) AS cmp_key,
           coalesce(o.inp * {TOKEN_WEIGHTS[0]} + o.outp * {TOKEN_WEIGHTS[1]}, o.per_call) * {{site_scale}} AS site_key
    FROM model_offers o JOIN accounts a ON a.id = o.account_id
    WHERE {{model_where}} AND o.best
),
low AS (SELECT model_key, billing, min(cmp_key) AS low FROM j GROUP BY model_key, billing),
s AS (
    SELECT site_url, count(*) AS accounts, sum(quota) / {float(QUOTA_PER_USD)} AS site_balance,
           min(struct_pack(none := site_key IS NULL, key := coalesce(site_key, 0), id := account_id, model := model,
                           grp := grp)) AS pick
    FROM j GROUP BY site_url
),
{_OFFERS}
SELECT {_COLUMNS.replace("m.balance_usd", "s.site_balance AS balance_usd")}, s.site_url, s.accounts
FROM s JOIN k m ON m.account_id = s.pick.id AND m.model = s.pick.model AND m.grp = s.pick.grp
LEFT JOIN low l ON l.model_key = m.model_key AND l.billing = m.billing
ORDER BY comparable DESC, s.pick.none, s.pick.key, lower(m.site_name), s.site_url
"""

# The counts in one pass over the filtered offers: per model (name in any case once) its rows and
# its first spelling; the accounts apart. The spellings come from the rows ``{best_pre}`` keeps
# (each account's best groups are all of its models, once each: the same spellings as every row).
_COUNT_SQL = """
WITH named AS (
    SELECT o.*, a.site_name FROM model_offers o JOIN accounts a ON a.id = o.account_id
    WHERE {model_where} AND {best_pre}
),
f AS (SELECT m.account_id, m.model, m.model_key, {where} AS hit FROM named m),
per AS (SELECT model_key, min(model) AS name, count(*) FILTER (hit) AS n FROM f GROUP BY model_key)
SELECT (SELECT coalesce(sum(n), 0) FROM per), (SELECT count(*) FROM per WHERE n > 0),
       (SELECT count(DISTINCT account_id) FROM f WHERE hit),
       (SELECT list(name ORDER BY model_key) FILTER (n > 0) FROM per)
"""


#: each row's tags (names, by name); the chart's query leaves them out (``[]``): a model sold on
#: 50,000 accounts would ask this for every one of them
_TAGS = ("coalesce((SELECT list(t.name ORDER BY t.name_key) FROM account_tags lk JOIN tags t ON t.id = lk.tag_id "
         "WHERE lk.account_id = m.account_id), [])")

#: ``fetched_at`` as ISO text in UTC (as ``datetime.isoformat`` writes it), made by DuckDB: a Python
#: datetime with a time zone per row costs more than the whole query at 100,000 rows
_ISO_UTC = ("regexp_replace(strftime(timezone('UTC', m.fetched_at), '%Y-%m-%dT%H:%M:%S.%f'), '[.]000000$', '')"
            " || '+00:00'")


def _frozen(value: Any) -> Any:
    """A parameter as part of a ``prices.memo`` key (lists as tuples)."""
    return tuple(value) if isinstance(value, list) else value


def _clean(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


def _filters(*, model: str | None, exact: bool, account_ids: Iterable[Any] | None, tags: Iterable[str] | None,
             vendor: str | None, billing: str | None, group: str | None,
             text: str | None) -> tuple[str, list[Any], str, list[Any]]:
    """The model-name condition and the other conditions, each with its parameters; bad input is
    one sentence before anything runs."""
    model_where, model_params = "true", []
    if _clean(model):
        model_where = "o.model_key = ?" if exact else "contains(o.model_key, ?)"
        model_params.append(_clean(model).lower())  # type: ignore[union-attr]
    where: list[str] = ["true"]
    params: list[Any] = []
    if account_ids is not None:
        try:
            ids = [int(i) for i in account_ids]
        except (TypeError, ValueError) as exc:
            raise ValidationError("An account id must be a whole number.") from exc
        where.append("list_contains(?, m.account_id)")
        params.append(ids)
    tag_keys = [t.strip().casefold() for t in tags or () if t and t.strip()]
    if tag_keys:
        where.append("m.account_id IN (SELECT lk.account_id FROM account_tags lk JOIN tags t ON t.id = lk.tag_id "
                     "WHERE list_contains(?, t.name_key))")
        params.append(tag_keys)
    if _clean(vendor):
        where.append("lower(m.vendor) = ?")
        params.append(_clean(vendor).lower())  # type: ignore[union-attr]
    if billing is not None:
        if billing not in BILLINGS:
            raise ValidationError(f"A billing mode is one of {', '.join(BILLINGS)}.")
        where.append("m.billing = ?")
        params.append(billing)
    if group is not None:
        where.append("m.grp = ?")
        params.append(group.strip())
    if _clean(text):
        where.append("(contains(m.model_key, ?) OR contains(lower(m.vendor), ?) OR contains(lower(m.site_name), ?))")
        params += [_clean(text).lower()] * 3  # type: ignore[union-attr]
    return model_where, model_params, " AND ".join(where), params


def _query(*, model: str | None, exact: bool = False, account_ids: Iterable[Any] | None, tags: Iterable[str] | None,
           vendor: str | None, billing: str | None, group: str | None, text: str | None,
           real: bool, best_only: bool, iso_times: bool = False, sort: str = "cheapest",
           limit: int | None = None, offset: int = 0, tags_too: bool = True,
           con: duckdb.DuckDBPyConnection | None = None) -> tuple[str, list[Any]]:
    """The one query with its filters, order and page; with ``con``, a page's bound on its
    leading sort key is asked first (``_cut``)."""
    if sort not in SORTS:
        raise ValidationError(f"A sort is one of {', '.join(SORTS)}.")
    model_where, model_params, where, params = _filters(
        model=model, exact=exact, account_ids=account_ids, tags=tags, vendor=vendor, billing=billing, group=group,
        text=text)
    scale = "m.rate" if real else "1"
    parts = {"model_where": model_where, "where": where, "best": "m.best" if best_only else "true",
             "best_pre": "o.best" if best_only else "true",
             "key_scale": f"{_RATE} / {DEFAULT_EXCHANGE_RATE}" if real else "1"}
    args = [*model_params, *params]
    cut = "true"
    if con is not None and limit is not None and limit > 0:
        cut = _cut(con, parts, args, sort=sort, scale=scale, last=max(0, int(offset)) + int(limit) - 1)
    order = SORTS[sort].format(scale=scale) + " " + _CHEAPEST_ORDER
    page = f"LIMIT {max(0, int(limit))} OFFSET {max(0, int(offset))}" if limit is not None else ""
    sql = _SQL.format(**parts, cut=cut, fetched=_ISO_UTC if iso_times else "m.fetched_at", order=order, page=page,
                      tags=_TAGS if tags_too else "[]::VARCHAR[]")
    return sql, args


def _cut(con: duckdb.DuckDBPyConnection, parts: dict[str, str], args: list[Any], *, sort: str, scale: str,
         last: int) -> str:
    """The condition that keeps only the rows that can be on a page ending at row ``last`` (from
    0), its value appended to ``args``: at least ``last + 1`` rows come no later than that row's
    leading key, so no row past it in that key can be on the page. The order then sorts a page's
    worth of rows (one model's, sorted cheapest first) instead of every account's offers. No
    bound ("true") when that row does not exist or its key is empty (the page reaches the rows
    without that price, which sort last)."""
    lead, down = _LEADS[sort]
    lead = lead.format(scale=scale)
    row = con.execute(_CUT_SQL.format(**parts, lead=lead, direction="DESC" if down else "ASC", last=last),
                      args).fetchone()
    if row is None or row[0] is None:
        return "true"
    args.append(row[0])
    return f"{lead} {'>=' if down else '<='} ?"


def model_rows(store: Store, *, model: str | None = None, account_ids: Iterable[Any] | None = None,
               tags: Iterable[str] | None = None, vendor: str | None = None, billing: str | None = None,
               group: str | None = None, text: str | None = None) -> list[dict[str, Any]]:
    """What ``allhub models --json`` prints: one row per model, account and priceable group,
    cheapest first for each model, with ``MODEL_COLUMNS`` as keys (money in USD, times ISO).
    ``cheapest`` compares the sites' prices as they state them (the extension's default)."""
    sql, params = _query(model=model, account_ids=account_ids, tags=tags, vendor=vendor, billing=billing,
                         group=group, text=text, real=False, best_only=False, iso_times=True)
    with store.read() as con:
        rows = con.execute(sql, params).fetchall()
    return [dict(zip(MODEL_COLUMNS, r, strict=True)) for r in rows]


def model_frame(store: Store, *, model: str | None = None, account_ids: Iterable[Any] | None = None,
                tags: Iterable[str] | None = None, vendor: str | None = None, billing: str | None = None,
                group: str | None = None, text: str | None = None, real: bool = False,
                best_only: bool = False, sort: str = "cheapest", limit: int | None = None,
                offset: int = 0) -> pd.DataFrame:
    """The same rows as ``model_rows`` as a frame, for the Models page: ``best_only`` keeps each
    account's best group per model; ``real`` marks ``cheapest`` on what each account really pays
    (after its top-up rate) instead of the stated prices, and sorts prices on that basis; ``sort``
    one of ``SORTS``; ``limit``/``offset`` a page of them, cut in SQL (``model_count`` tells how
    many there are)."""
    ids = None if account_ids is None else tuple(account_ids)
    tag_names = None if tags is None else tuple(tags)
    args = dict(model=model, account_ids=ids, tags=tag_names, vendor=vendor, billing=billing, group=group, text=text,
                real=real, best_only=best_only, sort=sort, limit=limit, offset=offset)

    def compute() -> pd.DataFrame:
        sql, params = _query(**args, con=con)  # type: ignore[arg-type]
        return con.execute(sql, params).df().reindex(columns=MODEL_COLUMNS)

    with store.read() as con:
        return memo.remembered(memo.data_key(con, store.path, "frame", *sorted(args.items())), compute)


def model_count(store: Store, *, model: str | None = None, account_ids: Iterable[Any] | None = None,
                tags: Iterable[str] | None = None, vendor: str | None = None, billing: str | None = None,
                group: str | None = None, text: str | None = None, best_only: bool = False) -> dict[str, Any]:
    """How many rows ``model_frame`` has with these filters: ``rows``, ``models`` (names in any
    case once) and ``accounts``; and ``names``, those models' names (in any case once, sorted)."""
    model_where, model_params, where, params = _filters(
        model=model, exact=False, account_ids=account_ids, tags=tags, vendor=vendor, billing=billing, group=group,
        text=text)
    sql = _COUNT_SQL.format(model_where=model_where, where=where, best_pre="o.best" if best_only else "true")
    args = [*model_params, *params]

    def compute() -> dict[str, Any]:
        rows, models, accounts, names = con.execute(sql, args).fetchone() or (0, 0, 0, [])
        return {"rows": int(rows), "models": int(models), "accounts": int(accounts), "names": list(names or ())}

    with store.read() as con:
        return memo.remembered(memo.data_key(con, store.path, sql, *map(_frozen, args), tags="account_tags" in sql),
                               compute)


def model_sites(store: Store, model: str, *, real: bool = False) -> pd.DataFrame:
    """One model (its name in any case) on every site where one of your accounts can use it: a row
    per site (origin), cheapest first, with that site's cheapest account in its best group (its
    prices, group, rate, ``cheapest`` mark), ``accounts`` there and ``balance_usd``, the balances of
    all of them summed: what the Models page's chart draws, one bar per site however many
    accounts you hold there."""
    model_where, model_params, _, _ = _filters(model=model, exact=True, account_ids=None, tags=None, vendor=None,
                                               billing=None, group=None, text=None)
    sql = _SITES_SQL.format(model_where=model_where, best_pre="o.best",
                            key_scale=f"{_RATE} / {DEFAULT_EXCHANGE_RATE}" if real else "1",
                            site_scale=_RATE if real else "1", fetched="m.fetched_at", tags="[]::VARCHAR[]")
    args = [*model_params, *model_params]  # j and k each name the model

    def compute() -> pd.DataFrame:
        return con.execute(sql, args).df().reindex(columns=[*MODEL_COLUMNS, "site_url", "accounts"])

    with store.read() as con:
        return memo.remembered(memo.data_key(con, store.path, sql, *args, tags=False), compute)
