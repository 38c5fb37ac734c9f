"""Each account's priced offers, computed when its models are stored (issue 18: the Models page at
100,000 accounts).

An *offer* is one model of one account in one of its priceable groups, priced by the formulas of
``prices.query`` (the extension's): input and output USD per 1M tokens, per call, cache read and
write, the comparison key (``nominal_key``: the default 84.54/15.46 blend, or the call price) and
whether the group is the account's best for the model (``best``: the lowest key, ties by group
name). Nothing here depends on another account or on the account's top-up rate, so one account's
sync rewrites only its own rows (``rebuild_offers``), and the page's query reads them instead of
pricing 900,000 rows on every run. The cross-site ``cheapest`` mark, the rate and the balance stay
in the query: they change without a models sync.

Migration 19 filled the table once from the rows stored before it, with a frozen copy of this
SQL; a change of formula here needs a migration that rebuilds every account.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import duckdb

from allhub_core.prices.memo import mark_written

__all__ = ["OFFER_COLUMNS", "TOKEN_WEIGHTS", "rebuild_offers"]

#: the extension's default comparison preset (azure-conversation): input and output shares
TOKEN_WEIGHTS = (84.54, 15.46)

OFFER_COLUMNS = ("account_id", "model", "model_key", "vendor", "billing", "grp", "group_ratio", "inp", "outp",
                 "per_call", "cache_read", "cache_write", "nominal_key", "best", "fetched_at")

# {acct}: a condition on account_id (the accounts to price, or every one)
_OFFERS_SQL = f"""
WITH grp AS (
    SELECT account_id, grp, CASE WHEN ratio >= 0 THEN ratio ELSE 1.0 END AS ratio,
           ratio IS NOT NULL AND (usable OR NOT bool_or(usable) OVER (PARTITION BY account_id)) AS priceable
    FROM account_groups WHERE {{acct}}
),
mp AS (
    SELECT account_id, model, lower(model) AS model_key, vendor, billing, model_ratio, completion_ratio, model_price,
           cache_ratio, create_cache_ratio, input_usd_per_1m, output_usd_per_1m, call_usd, fetched_at, enable_groups
    FROM model_prices WHERE {{acct}}
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
    SELECT p.*,
           CASE WHEN p.billing = 'tokens' THEN coalesce(p.input_usd_per_1m, p.model_ratio * 2 * p.ratio) END AS inp,
           CASE WHEN p.billing = 'tokens' THEN coalesce(p.output_usd_per_1m,
                p.model_ratio * 2 * p.ratio * coalesce(p.completion_ratio, 1)) END AS outp,
           CASE WHEN p.billing = 'call' THEN coalesce(p.call_usd, p.model_price * p.ratio) END AS per_call
    FROM pairs p
),
keyed AS (
    SELECT *,
           CASE WHEN billing = 'tokens' AND inp >= 0 AND outp >= 0
                THEN inp * {TOKEN_WEIGHTS[0]} + outp * {TOKEN_WEIGHTS[1]}
                WHEN billing = 'call' AND per_call >= 0 THEN per_call END AS nominal_key
    FROM priced
),
best AS (
    SELECT account_id, model, min(struct_pack(k := coalesce(nominal_key, 'Infinity'::DOUBLE), g := grp)) AS pick
    FROM keyed GROUP BY account_id, model
)
SELECT k.account_id, k.model, k.model_key, k.vendor, k.billing, k.grp, k.ratio AS group_ratio, k.inp, k.outp,
       k.per_call, CASE WHEN k.cache_ratio >= 0 THEN k.inp * k.cache_ratio END AS cache_read,
       CASE WHEN k.create_cache_ratio >= 0 THEN k.inp * k.create_cache_ratio END AS cache_write,
       k.nominal_key, b.pick.g = k.grp AS best, k.fetched_at
FROM keyed k JOIN best b ON b.account_id = k.account_id AND b.model = k.model
"""


def rebuild_offers(con: duckdb.DuckDBPyConnection, account_ids: Iterable[Any] | None = None) -> None:
    """Price the stored models of these accounts (every account when None) again, inside the
    caller's write transaction; rows of accounts that no longer exist go too. The results
    ``prices.memo`` keeps are stale from then on."""
    mark_written(con)
    if account_ids is None:
        con.execute("DELETE FROM model_offers")
        con.execute(f"INSERT INTO model_offers ({', '.join(OFFER_COLUMNS)}) {_OFFERS_SQL.format(acct='true')}")
        return
    ids = [int(i) for i in account_ids]
    con.execute("DELETE FROM model_offers WHERE list_contains(?, account_id) "
                "OR account_id NOT IN (SELECT id FROM accounts)", [ids])
    con.execute(f"INSERT INTO model_offers ({', '.join(OFFER_COLUMNS)}) "
                f"{_OFFERS_SQL.format(acct='list_contains($ids, account_id)')}", {"ids": ids})
