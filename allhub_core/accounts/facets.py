"""The Accounts page's facet counts: how many accounts each filter value would show, with all the
*other* filters applied (as upstream), in one pass over the accounts (issue 18)."""

from __future__ import annotations

from typing import Any

from allhub_core.accounts.query import CHECKIN_FILTER_STATES, AccountFilter, account_view, where_sql
from allhub_core.store import Store

__all__ = ["facet_counts"]

#: the filter kinds that have facet counts, each counted with all the *other* filters applied
_FACET_KINDS = ("tags", "status", "site_types", "health", "checkin", "attention")


def _kind_sql(f: AccountFilter, kind: str, params: list[Any]) -> str:
    """One filter kind of ``f`` alone as a boolean SQL expression (true: it does not filter)."""
    fields: dict[str, dict[str, Any]] = {
        "tags": {"tags": f.tags}, "status": {"status": f.status}, "site_types": {"site_types": f.site_types},
        "health": {"health": f.health}, "checkin": {"checkin": f.checkin}, "attention": {"attention": f.attention},
        "rest": {"search": f.search, "ids": f.ids}}
    only = AccountFilter(**fields[kind])
    where = where_sql(only, params)
    return f"coalesce({where[len('WHERE '):]}, false)" if where else "true"


def facet_counts(store: Store, f: AccountFilter | None) -> dict[str, dict[str, int]]:
    """Per-value counts for each filter kind, with all *other* filters applied (as upstream).

    One pass over the accounts (issue 18; it was one query per kind, each building the view
    with today's check-in state and attention again): every account's facet values and whether
    it passes each filter kind, grouped; a kind's counts are the groups that pass every other
    kind. The tag counts join the tag links of the accounts that pass every kind but tags."""
    f = f or AccountFilter()
    params: list[Any] = []
    passes = {kind: _kind_sql(f, kind, params) for kind in (*_FACET_KINDS, "rest")}
    cols = ", ".join(f"{sql} AS p_{kind}" for kind, sql in passes.items())
    tag_params: list[Any] = []
    w = where_sql(f, tag_params, skip="tags")
    body = (f"SELECT v.site_type, v.health_status, v.disabled, v.checkin_today, "
            f"coalesce(v.needs_attention, false) AS attention, {cols}, count(*) AS n FROM v GROUP BY ALL")
    # Counted per tag id, then named (a tag's name is as unique as its id), over the links joined
    # to the passing accounts: at 100,000 accounts, half the CPU of grouping the joined names of
    # the links ``IN`` them (issue 18); count(DISTINCT) keeps an account once per tag either way.
    tag_body = (f"SELECT t.name, c.n FROM (SELECT lk.tag_id, count(DISTINCT lk.account_id) AS n "
                f"FROM account_tags lk JOIN (SELECT v.id FROM v {w}) pass ON pass.id = lk.account_id "
                f"GROUP BY lk.tag_id) c JOIN tags t ON t.id = c.tag_id")
    with store.read() as con:
        groups = con.execute(account_view(body) + body, params).fetchall()
        tags = dict(con.execute(account_view(tag_body) + tag_body, tag_params).fetchall())
    names = (*_FACET_KINDS, "rest")
    out: dict[str, dict[str, int]] = {"tags": tags, "site_types": {}, "health": {}, "status": {}}
    checkin_raw: dict[str, int] = {}
    attention = 0
    for site_type, health, disabled, checkin_today, needs, *flags, n in groups:
        # a kind counts the groups that pass every *other* kind: none fails, or only it does
        failing = [kind for kind, ok in zip(names, flags, strict=True) if not ok]
        if len(failing) > 1:
            continue
        miss = failing[0] if failing else None
        if miss in (None, "site_types"):
            out["site_types"][site_type] = out["site_types"].get(site_type, 0) + n
        if miss in (None, "health"):
            out["health"][health] = out["health"].get(health, 0) + n
        if miss in (None, "status"):
            key = "disabled" if disabled else "enabled"
            out["status"][key] = out["status"].get(key, 0) + n
        if miss in (None, "checkin"):
            checkin_raw[checkin_today] = checkin_raw.get(checkin_today, 0) + n
        if needs and miss in (None, "attention"):
            attention += n
    out["checkin"] = {key: checkin_raw.get(state.value, 0) for key, state in CHECKIN_FILTER_STATES.items()}
    out["attention"] = {"attention": attention}
    return out
