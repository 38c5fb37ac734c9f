"""A capped, searchable account picker: what a page's account multiselect lists.

Issue 18: the pickers listed every account (id, name, rate, flags of 100,000 accounts read and
turned into labels on every run) to show a capped list; this reads the capped list alone."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from allhub_core.accounts.query import AccountFilter, account_view, order_by_sql, where_sql
from allhub_core.store import Store

__all__ = ["account_picker"]


def _and(where: str, cond: str) -> str:
    """``where`` (a ``WHERE ...`` clause or nothing) with ``cond`` added."""
    return f"{where} AND {cond}" if where else f"WHERE {cond}"


def account_picker(store: Store, find: str, chosen: list[int] | None, limit: int = 200,
                   f: AccountFilter | None = None, prefs: dict[str, Any] | None = None) -> list[tuple[int, str]]:
    """(id, site_name) of the accounts a picker lists: the ``chosen`` ones first (in that order,
    those the filter ``f`` still holds), then the first ``limit`` of the filtered accounts whose
    name holds ``find`` (ignoring case) or whose id it is (``#12`` or ``12``), in the user's order
    (``prefs``' sort; by id without it). Each account once."""
    f = f or AccountFilter()
    text = (find or "").strip()
    order = order_by_sql(prefs or {})
    with store.read() as con:
        picked: dict[int, str] = {}
        if chosen:
            params: list[Any] = []
            body = f"SELECT v.id, v.site_name FROM v {where_sql(replace(f, ids=[int(i) for i in chosen]), params)}"
            found = dict(con.execute(account_view(body) + body, params).fetchall())
            picked = {int(i): str(found[int(i)]) for i in chosen if int(i) in found}
        params = []
        where = where_sql(f, params)
        if text:
            cond = "contains(lower(v.site_name), ?)"
            params.append(text.lower())
            if text.lstrip("#").isdigit():
                cond = f"({cond} OR v.id = ?)"
                params.append(int(text.lstrip("#")))
            where = _and(where, cond)
        body = f"SELECT v.id, v.site_name FROM v {where} {order} LIMIT ?"
        params.append(int(limit))
        rows = con.execute(account_view(body) + body, params).fetchall()
    for i, name in rows:
        picked.setdefault(int(i), str(name))
    return list(picked.items())
