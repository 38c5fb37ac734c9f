"""What the Models page's filters offer and when each account's models were fetched: small
reads beside ``prices.query``'s prices (``model_facets`` and ``model_accounts`` kept by
``prices.memo`` like them)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from allhub_core.errors import ValidationError
from allhub_core.prices import memo
from allhub_core.store import Store

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["model_accounts", "model_facets", "model_syncs"]


def _clean(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


def model_accounts(store: Store, text: str | None = None, chosen: Iterable[Any] = (),
                   limit: int = 200) -> dict[int, str]:
    """The accounts the Models page's account filter offers: ``{id: site_name}``, the ``chosen``
    ones first, then at most ``limit`` accounts with models whose name holds ``text``, by name
    (100,000 names a run would cost more than the prices)."""
    try:
        picked = [int(i) for i in chosen]
    except (TypeError, ValueError) as exc:
        raise ValidationError("An account id must be a whole number.") from exc
    find, most = (_clean(text) or "").lower(), max(0, int(limit))

    def compute() -> dict[int, str]:
        rows = con.execute(_PICKER_SQL, [picked, picked, find, most]).fetchall()
        return {int(i): str(n or "") for i, n in rows}

    with store.read() as con:  # model_syncs is written beside the offers: the memo's token covers it
        return memo.remembered(memo.data_key(con, store.path, "accounts", tuple(picked), find, most, tags=False),
                               compute)


_PICKER_SQL = """
SELECT id, site_name FROM accounts WHERE list_contains(?, id)
UNION ALL
(SELECT id, site_name FROM accounts
 WHERE id IN (SELECT account_id FROM model_syncs WHERE models > 0) AND NOT list_contains(?, id)
   AND contains(lower(site_name), ?)
 ORDER BY lower(site_name), id LIMIT ?)"""


def model_facets(store: Store, *, accounts: bool = True, models: bool = True) -> dict[str, Any]:
    """What the Models page's filters offer, from the stored rows: ``vendors``, ``groups``
    (priceable or not), ``accounts`` (``{"id", "site_name"}`` of accounts with models; empty when
    not asked for: the page asks ``model_accounts`` for a few), ``tags`` (of those accounts),
    ``models`` (names, in any case once; empty when not asked for: the page's model picker takes
    ``model_count``'s names) and ``stored``, whether any model is stored at all."""
    with store.read() as con:
        return memo.remembered(memo.data_key(con, store.path, "facets", accounts, models),
                               lambda: _facets(con, accounts=accounts, models=models))


def _facets(con: Any, *, accounts: bool, models: bool) -> dict[str, Any]:
    stored = bool(con.execute("SELECT EXISTS (SELECT 1 FROM model_prices)").fetchone()[0])
    vendors = [r[0] for r in con.execute(
        "SELECT DISTINCT vendor FROM model_prices WHERE vendor <> '' ORDER BY lower(vendor), vendor").fetchall()]
    groups = [r[0] for r in con.execute("SELECT DISTINCT grp FROM account_groups ORDER BY grp").fetchall()]
    listed = [{"id": r[0], "site_name": r[1]} for r in con.execute(
        "SELECT id, site_name FROM accounts WHERE id IN (SELECT DISTINCT account_id FROM model_prices) "
        "ORDER BY lower(site_name), id").fetchall()] if accounts else []
    tags = [r[0] for r in con.execute(
        "SELECT DISTINCT t.name FROM tags t JOIN account_tags lk ON lk.tag_id = t.id "
        "WHERE lk.account_id IN (SELECT DISTINCT account_id FROM model_prices) ORDER BY t.name").fetchall()]
    names = [r[0] for r in con.execute(
        "SELECT min(model) FROM model_prices GROUP BY lower(model) ORDER BY lower(min(model))"
    ).fetchall()] if models else []
    return {"vendors": vendors, "groups": groups, "accounts": listed, "tags": tags, "models": names, "stored": stored}


def model_syncs(store: Store, limit: int | None = None) -> pd.DataFrame:
    """When each account's models were last fetched (``fetched_at``, NaT: never), how many, and
    whether its site told their prices, by site name; the first ``limit`` (all when None)."""
    cut = f" LIMIT {max(0, int(limit))}" if limit is not None else ""
    with store.read() as con:
        return con.execute("""
            SELECT a.id AS account_id, a.site_name, s.fetched_at, s.models, s.priced
            FROM accounts a LEFT JOIN (
                SELECT account_id, max(fetched_at) AS fetched_at, arg_max(models, fetched_at) AS models,
                       arg_max(priced, fetched_at) AS priced
                FROM model_syncs GROUP BY account_id) s ON s.account_id = a.id
            ORDER BY lower(a.site_name), a.id""" + cut).df()
