"""Reading the announcements: the rows ``allhub notices`` prints and the Announcements page shows.

Unread first, then the newest (changed, else first seen); only those in their site's latest
answer unless asked. ``title`` is the site's, else the first line of the text (``text``); ``text``
is the announcement as the site sent it (the CLI prints it as plain text, the page makes it safe).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from allhub_core.notices.cache import site_states
from allhub_core.notices.text import display_title
from allhub_core.origin import origin_key
from allhub_core.store import Store

__all__ = [
    "NOTICE_COLUMNS", "notice_details", "notice_rows", "notice_sites", "notices_since", "unread_by_site",
    "unread_count",
]

#: cli.md's keys of one row, in order.
NOTICE_COLUMNS = ["notice_id", "account_id", "site_name", "title", "text", "first_seen", "read"]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def notice_details(store: Store, unread_only: bool = False, *, include_gone: bool = False) -> list[dict[str, Any]]:
    """Every stored announcement (see the module) with its site: cli.md's keys, then ``origin``,
    ``published_at``, ``changed_at``, ``last_seen``, ``source``, ``active``."""
    where = ["true"]
    if unread_only:
        where.append("NOT n.read")
    if not include_gone:
        where.append("n.active")
    sql = f"""
        SELECT n.notice_id, n.account_id,
               coalesce(a.site_name, (SELECT max(b.site_name) FROM accounts b WHERE b.site_url = n.origin), n.origin),
               n.title, n.text, n.first_seen, n.read, n.origin, n.published_at, n.changed_at, n.last_seen,
               n.source, n.active
        FROM notices n LEFT JOIN accounts a ON a.id = n.account_id
        WHERE {' AND '.join(where)}
        ORDER BY n.read, coalesce(n.changed_at, n.first_seen) DESC, n.published_at DESC NULLS LAST, n.notice_id"""
    with store.read() as con:
        rows = con.execute(sql).fetchall()
    return [{"notice_id": r[0], "account_id": r[1], "site_name": r[2], "title": display_title(r[3], r[4]),
             "text": r[4], "first_seen": _iso(r[5]), "read": bool(r[6]), "origin": r[7], "published_at": _iso(r[8]),
             "changed_at": _iso(r[9]), "last_seen": _iso(r[10]), "source": r[11], "active": bool(r[12])}
            for r in rows]


def notice_rows(store: Store, unread_only: bool = False) -> list[dict[str, Any]]:
    """The announcements as ``allhub notices --json`` prints them: exactly cli.md's keys."""
    return [{k: row[k] for k in NOTICE_COLUMNS} for row in notice_details(store, unread_only)]


def unread_count(store: Store) -> int:
    """How many announcements (in their site's latest answer) are unread."""
    with store.read() as con:
        row = con.execute("SELECT count(*) FROM notices WHERE NOT read AND active").fetchone()
    return int(row[0]) if row else 0


def notice_sites(store: Store) -> list[dict[str, Any]]:
    """Every site of an account or of a stored announcement: ``origin``, ``site_name``, whether its
    announcements are fetched (``enabled``), ``last_synced``, ``last_error``, ``unread``, ``total``
    (those in its latest answer); sites with unread ones first, then by name."""
    with store.read() as con:
        accounts = con.execute("SELECT site_url, min(site_name) FROM accounts GROUP BY site_url").fetchall()
        counts = con.execute("""SELECT origin, count(*) FILTER (WHERE NOT read), count(*) FROM notices
                                WHERE active GROUP BY origin""").fetchall()
        states = site_states(con)
    names: dict[str, str] = {}
    for url, name in accounts:
        names.setdefault(origin_key(url) or url, name or "")
    tally = {o: (int(u), int(t)) for o, u, t in counts}
    out = []
    for origin in dict.fromkeys([*names, *tally, *states]):
        state = states.get(origin, {"enabled": True, "last_synced": None, "last_error": ""})
        unread, total = tally.get(origin, (0, 0))
        out.append({"origin": origin, "site_name": names.get(origin) or origin, "enabled": state["enabled"],
                    "last_synced": _iso(state["last_synced"]), "last_error": state["last_error"],
                    "unread": unread, "total": total})
    return sorted(out, key=lambda r: (r["unread"] == 0, r["site_name"].casefold(), r["origin"]))


def notices_since(store: Store, since: datetime) -> list[dict[str, Any]]:
    """The unread announcements that became new or changed after ``since`` (the rule "new
    announcement"), oldest first, as ``notice_details`` gives them plus ``seen_at`` (a datetime)."""
    with store.read() as con:
        rows = con.execute("""SELECT notice_id, coalesce(changed_at, first_seen) FROM notices
                              WHERE active AND NOT read AND coalesce(changed_at, first_seen) > ?
                              ORDER BY 2, notice_id""", [since]).fetchall()
    if not rows:
        return []
    by_id = {r["notice_id"]: r for r in notice_details(store, unread_only=True)}
    return [{**by_id[nid], "seen_at": at} for nid, at in rows if nid in by_id]


def unread_by_site(store: Store, limit: int | None = None,
                   ids_per_site: int = 50) -> tuple[list[dict[str, Any]], int]:
    """The sites with unread announcements (the attention queue, issue 21), the most unread
    first: ``origin``, ``account_id`` (an account on the site) and its ``site_name``, ``unread`` and
    ``notice_ids`` (the first ``ids_per_site`` of them, to mark read); at most ``limit`` sites
    (all when None), and how many sites there are in all."""
    cut = f"LIMIT {int(limit)}" if limit is not None else ""
    sql = f"""
        SELECT n.origin, min(n.account_id) AS account_id, count(*) AS unread,
               list(n.notice_id ORDER BY n.notice_id)[1:{int(ids_per_site)}] AS ids, count(*) OVER () AS n_all
        FROM notices n WHERE NOT n.read AND n.active
        GROUP BY n.origin ORDER BY unread DESC, n.origin {cut}"""
    with store.read() as con:
        rows = con.execute(sql).fetchall()
        names = dict(con.execute("SELECT id, site_name FROM accounts WHERE list_contains(?, id)",
                                 [[r[1] for r in rows]]).fetchall()) if rows else {}
    out = [{"origin": o, "site_name": names.get(aid) or o, "account_id": int(aid), "unread": int(n),
            "notice_ids": list(ids)} for o, aid, n, ids, _ in rows]
    return out, int(rows[0][4]) if rows else 0
