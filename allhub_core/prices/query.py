"""Prices as SQL over the stored rows: every model of every account, priced per usable group.

One query (``_SQL``) does all of it, in DuckDB, the way the extension's model list does it
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

from allhub_core.accounts import effective_quota_sql
from allhub_core.errors import ValidationError
from allhub_core.prices.cache import BILLINGS
from allhub_core.store import Store
from allhub_core.vocab import DEFAULT_EXCHANGE_RATE, QUOTA_PER_USD

# The frames come from DuckDB's .df(): pandas loads only when one is asked for, never in a
# command that only syncs (`allhub refresh`, `models sync`: tests/cli/test_cli_single_actions.py).
if TYPE_CHECKING:
    import pandas as pd

__all__ = ["BILLINGS", "MODEL_COLUMNS", "TOKEN_WEIGHTS", "model_facets", "model_frame", "model_rows", "model_sites",
           "model_syncs"]


#: the extension's default comparison preset (azure-conversation): input and output shares
TOKEN_WEIGHTS = (84.54, 15.46)

#: each row's keys, in order: cli.md's contract first, then what the Models page needs
MODEL_COLUMNS = [
    "model", "account_id", "site_name", "group", "billing", "input_usd_per_1m", "output_usd_per_1m", "call_usd",
    "effective_input_usd_per_1m", "comparable", "cheapest",
    "vendor", "group_ratio", "cache_read_usd_per_1m", "cache_write_usd_per_1m", "effective_output_usd_per_1m",
    "effective_call_usd", "best_group", "balance_usd", "exchange_rate", "fetched_at", "tags",
]

# {model_where}: filters on the model name only (the partition of ``cheapest``), so safe before it;
# {where}: every other filter, after the windows; {key_scale}: 1 or the account's real-pay factor.
_SQL = f"""
WITH acc AS (
    SELECT a.id, a.site_name,
           CASE WHEN a.exchange_rate > 0 THEN a.exchange_rate ELSE {DEFAULT_EXCHANGE_RATE} END AS rate,
           {effective_quota_sql("a")} / {float(QUOTA_PER_USD)} AS balance_usd,
           coalesce((SELECT list(t.name ORDER BY t.name_key) FROM account_tags lk JOIN tags t ON t.id = lk.tag_id
                     WHERE lk.account_id = a.id), []) AS tags,
           coalesce((SELECT list(t.name_key) FROM account_tags lk JOIN tags t ON t.id = lk.tag_id
                     WHERE lk.account_id = a.id), []) AS tag_keys
    FROM accounts a
),
grp AS (
    SELECT account_id, grp, CASE WHEN ratio >= 0 THEN ratio ELSE 1.0 END AS ratio,
           ratio IS NOT NULL AND (usable OR NOT bool_or(usable) OVER (PARTITION BY account_id)) AS priceable
    FROM account_groups
),
mp AS (
    SELECT account_id, model, lower(model) AS model_key, vendor, billing, model_ratio, completion_ratio, model_price,
           cache_ratio, create_cache_ratio, input_usd_per_1m, output_usd_per_1m, call_usd, fetched_at, enable_groups
    FROM model_prices WHERE {{model_where}}
),
pairs AS (
    SELECT mp.* EXCLUDE (enable_groups), g.grp, g.ratio
    FROM mp JOIN grp g ON g.account_id = mp.account_id AND g.priceable
     AND (len(coalesce(mp.enable_groups, [])) = 0 OR list_contains(mp.enable_groups, g.grp))
    UNION ALL
    SELECT mp.* EXCLUDE (enable_groups), '' AS grp, 1.0 AS ratio
    FROM mp WHERE mp.account_id NOT IN (SELECT account_id FROM grp WHERE priceable)
),
priced AS (
    SELECT p.*, acc.rate,
           CASE WHEN p.billing = 'tokens' THEN coalesce(p.input_usd_per_1m, p.model_ratio * 2 * p.ratio) END AS inp,
           CASE WHEN p.billing = 'tokens' THEN coalesce(p.output_usd_per_1m,
                p.model_ratio * 2 * p.ratio * coalesce(p.completion_ratio, 1)) END AS outp,
           CASE WHEN p.billing = 'call' THEN coalesce(p.call_usd, p.model_price * p.ratio) END AS per_call
    FROM pairs p JOIN acc ON acc.id = p.account_id
),
keyed AS (
    SELECT *,
           CASE WHEN billing = 'tokens' AND inp >= 0 AND outp >= 0
                THEN inp * {TOKEN_WEIGHTS[0]} + outp * {TOKEN_WEIGHTS[1]}
                WHEN billing = 'call' AND per_call >= 0 THEN per_call END AS nominal_key
    FROM priced
),
best AS (
    SELECT account_id, model, model_key, billing,
           min(struct_pack(k := coalesce(nominal_key, 'Infinity'::DOUBLE), g := grp)) AS pick,
           min(round(nominal_key * {{key_scale}}, 9)) AS cmp_low
    FROM keyed GROUP BY account_id, model, model_key, billing
),
lowest AS (
    SELECT model_key, billing, min(cmp_low) AS low FROM best GROUP BY model_key, billing
),
marked AS (
    SELECT k.*, k.nominal_key IS NOT NULL AS comparable, round(k.nominal_key * {{key_scale}}, 9) AS cmp_key,
           b.account_id IS NOT NULL AS best,
           coalesce(round(k.nominal_key * {{key_scale}}, 9) = l.low, false) AS cheapest
    FROM keyed k
    {{best_join}} best b ON b.account_id = k.account_id AND b.model = k.model AND b.pick.g = k.grp
    JOIN lowest l ON l.model_key = k.model_key AND l.billing = k.billing
)
SELECT m.model, m.account_id, acc.site_name, m.grp AS "group", m.billing,
       m.inp AS input_usd_per_1m, m.outp AS output_usd_per_1m, m.per_call AS call_usd,
       m.inp * m.rate / {DEFAULT_EXCHANGE_RATE} AS effective_input_usd_per_1m, m.comparable, m.cheapest,
       m.vendor, m.ratio AS group_ratio,
       CASE WHEN m.cache_ratio >= 0 THEN m.inp * m.cache_ratio END AS cache_read_usd_per_1m,
       CASE WHEN m.create_cache_ratio >= 0 THEN m.inp * m.create_cache_ratio END AS cache_write_usd_per_1m,
       m.outp * m.rate / {DEFAULT_EXCHANGE_RATE} AS effective_output_usd_per_1m,
       m.per_call * m.rate / {DEFAULT_EXCHANGE_RATE} AS effective_call_usd,
       m.best AS best_group, acc.balance_usd, m.rate AS exchange_rate, {{fetched}} AS fetched_at, acc.tags
FROM marked m JOIN acc ON acc.id = m.account_id
WHERE {{where}}
ORDER BY m.model_key, m.model, m.comparable DESC, m.billing, m.cmp_key ASC NULLS LAST, acc.site_name, m.account_id,
         m.grp
"""


#: ``fetched_at`` as ISO text in UTC (as ``datetime.isoformat`` writes it), made by DuckDB: a Python
#: datetime with a time zone per row costs more than the whole query at 100,000 rows
_ISO_UTC = ("regexp_replace(strftime(timezone('UTC', m.fetched_at), '%Y-%m-%dT%H:%M:%S.%f'), '[.]000000$', '')"
            " || '+00:00'")


def _clean(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


def _query(*, model: str | None, exact: bool = False, account_ids: Iterable[Any] | None, tags: Iterable[str] | None,
           vendor: str | None, billing: str | None, group: str | None, text: str | None,
           real: bool, best_only: bool, iso_times: bool = False) -> tuple[str, list[Any]]:
    """The one query with its filters; bad input is one sentence before anything runs."""
    model_where, params = "true", []
    if _clean(model):
        model_where = "lower(model) = ?" if exact else "contains(lower(model), ?)"
        params.append(_clean(model).lower())  # type: ignore[union-attr]
    where: list[str] = ["true"]
    if account_ids is not None:
        try:
            ids = [int(i) for i in account_ids]
        except (TypeError, ValueError) as exc:
            raise ValidationError("An account id must be a whole number.") from exc
        where.append("list_contains(?, m.account_id)")
        params.append(ids)
    tag_keys = [t.strip().casefold() for t in tags or () if t and t.strip()]
    if tag_keys:
        where.append("len(list_intersect(acc.tag_keys, ?)) > 0")
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
        where.append("(contains(m.model_key, ?) OR contains(lower(m.vendor), ?) OR contains(lower(acc.site_name), ?))")
        params += [_clean(text).lower()] * 3  # type: ignore[union-attr]
    scale = f"rate / {DEFAULT_EXCHANGE_RATE}" if real else "1"
    fetched = _ISO_UTC if iso_times else "m.fetched_at"
    return _SQL.format(model_where=model_where, where=" AND ".join(where), key_scale=scale, fetched=fetched,
                       best_join="JOIN" if best_only else "LEFT JOIN"), params


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
                best_only: bool = False) -> pd.DataFrame:
    """The same rows as ``model_rows`` as a frame, for the Models page: ``best_only`` keeps each
    account's best group per model; ``real`` marks ``cheapest`` on what each account really pays
    (after its top-up rate) instead of the stated prices."""
    sql, params = _query(model=model, account_ids=account_ids, tags=tags, vendor=vendor, billing=billing,
                         group=group, text=text, real=real, best_only=best_only)
    with store.read() as con:
        frame = con.execute(sql, params).df()
    return frame.reindex(columns=MODEL_COLUMNS)


def model_sites(store: Store, model: str, *, real: bool = False) -> pd.DataFrame:
    """One model (its name in any case) on every site where one of your accounts can use it: a row
    per site (origin), cheapest first, with that site's cheapest account in its best group (its
    prices, group, rate, ``cheapest`` mark), ``accounts`` there and ``balance_usd``, the balances of
    all of them summed: what the Models page's chart draws, one bar per site however many
    accounts you hold there."""
    sql, params = _query(model=model, exact=True, account_ids=None, tags=None, vendor=None, billing=None,
                         group=None, text=None, real=real, best_only=True)
    w_in, w_out = TOKEN_WEIGHTS
    per_site = f"""
        WITH m AS ({sql}),
        j AS (
            SELECT m.*, a.site_url,
                   coalesce(m.input_usd_per_1m * {w_in} + m.output_usd_per_1m * {w_out}, m.call_usd)
                       * CASE WHEN ? THEN m.exchange_rate ELSE 1 END AS site_key
            FROM m JOIN accounts a ON a.id = m.account_id
        ),
        s AS (
            SELECT *, row_number() OVER (PARTITION BY site_url ORDER BY site_key ASC NULLS LAST, account_id) AS nth,
                   count(*) OVER (PARTITION BY site_url) AS accounts,
                   sum(balance_usd) OVER (PARTITION BY site_url) AS site_balance
            FROM j
        )
        SELECT * EXCLUDE (nth, site_key) REPLACE (site_balance AS balance_usd)
        FROM s WHERE nth = 1
        ORDER BY comparable DESC, site_key ASC NULLS LAST, lower(site_name), site_url"""
    with store.read() as con:
        frame = con.execute(per_site, [*params, bool(real)]).df()
    return frame.reindex(columns=[*MODEL_COLUMNS, "site_url", "accounts"])


def model_facets(store: Store) -> dict[str, list[Any]]:
    """What the Models page's filters offer, from the stored rows: ``vendors``, ``groups``
    (priceable or not), ``accounts`` (``{"id", "site_name"}`` of accounts with models), ``tags``
    (of those accounts) and ``models`` (names, in any case once)."""
    with store.read() as con:
        vendors = [r[0] for r in con.execute(
            "SELECT DISTINCT vendor FROM model_prices WHERE vendor <> '' ORDER BY lower(vendor), vendor").fetchall()]
        groups = [r[0] for r in con.execute("SELECT DISTINCT grp FROM account_groups ORDER BY grp").fetchall()]
        accounts = [{"id": r[0], "site_name": r[1]} for r in con.execute(
            "SELECT id, site_name FROM accounts WHERE id IN (SELECT DISTINCT account_id FROM model_prices) "
            "ORDER BY lower(site_name), id").fetchall()]
        tags = [r[0] for r in con.execute(
            "SELECT DISTINCT t.name FROM tags t JOIN account_tags lk ON lk.tag_id = t.id "
            "WHERE lk.account_id IN (SELECT DISTINCT account_id FROM model_prices) ORDER BY t.name").fetchall()]
        models = [r[0] for r in con.execute(
            "SELECT min(model) FROM model_prices GROUP BY lower(model) ORDER BY lower(min(model))").fetchall()]
    return {"vendors": vendors, "groups": groups, "accounts": accounts, "tags": tags, "models": models}


def model_syncs(store: Store) -> pd.DataFrame:
    """When each account's models were last fetched (``fetched_at``, NaT: never), how many, and
    whether its site told their prices, by site name."""
    with store.read() as con:
        return con.execute("""
            SELECT a.id AS account_id, a.site_name, s.fetched_at, s.models, s.priced
            FROM accounts a LEFT JOIN (
                SELECT account_id, max(fetched_at) AS fetched_at, arg_max(models, fetched_at) AS models,
                       arg_max(priced, fetched_at) AS priced
                FROM model_syncs GROUP BY account_id) s ON s.account_id = a.id
            ORDER BY lower(a.site_name), a.id""").df()
