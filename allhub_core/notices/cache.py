"""The announcements in the store, their read state, and each site's announcement sync.

The identity of an announcement is the extension's (``AH:src/services/siteAnnouncements``): a
site key (``notice:<site type>:<origin>`` for the announcements every account of a site sees,
``sub2api:<account>:<origin>`` for Sub2API's per-account list) and the announcement's fingerprint
(the family puts it in ``Notice.id``: the text of a New API notice, id/type/date/content/extra of
a structured one, Sub2API's id). ``notice_id`` is a short digest of both, stable across syncs, so:

- an announcement seen for the first time is a new row, **unread**;
- one seen again is the same row: its read state holds, whatever the sync (and one that
  disappears and comes back is still the same row);
- one whose identity stayed but whose text changed (Sub2API edits an announcement in place) is
  **unread again**, once, with ``changed_at``; a New API notice whose text changed is a new one.

Rows missing from the site's latest answer stay (read state and all) with ``active`` false; the
list shows the active ones. ``notice_sites`` holds, per origin, whether its announcements are
fetched at all (``set_site_enabled``) and when they were last asked (the hourly limit,
``notices_interval_s``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb

from allhub_core.errors import NotFound, ValidationError
from allhub_core.origin import origin_key
from allhub_core.store import PREFERENCES, Store, read_settings, write_settings

__all__ = [
    "DEFAULT_INTERVAL_S",
    "INTERVAL_KEY",
    "NoticeRecord",
    "configure_notices",
    "due_origins",
    "mark_read",
    "mark_read_here",
    "notice_id",
    "notice_interval_s",
    "record_site_sync",
    "set_notice_interval",
    "set_site_enabled",
    "site_key",
    "site_of",
    "site_states",
    "store_notices",
]

#: At most once an hour per site by default (issue 21; the extension's own poll is every 6 hours).
DEFAULT_INTERVAL_S = 3600
MIN_INTERVAL_S, MAX_INTERVAL_S = 300, 7 * 86400
INTERVAL_KEY = "notices_interval_s"
#: Announcements a site no longer lists are kept (read state and all) up to this many per site,
#: the newest; the extension's identity ledger keeps as many (``identitiesPerSite``).
KEEP_GONE = 1000


@dataclass
class NoticeRecord:
    """One announcement as its site gave it (``fingerprint``: the family's identity of it)."""

    fingerprint: str
    title: str
    text: str
    source: str = "notice"
    upstream_id: str = ""
    published_at: datetime | None = None


def site_key(site_type: str, origin: str, account_id: int | None = None) -> str:
    """The extension's key of a site's announcements: per site, or per account (``account_id``)."""
    if account_id is not None:
        return f"{site_type}:{int(account_id)}:{origin}"
    return f"notice:{site_type}:{origin}"


def notice_id(key: str, fingerprint: str) -> str:
    """A short stable id: the first 12 hex digits of SHA-256 over site key and fingerprint."""
    return hashlib.sha256(f"{key}\n{fingerprint}".encode()).hexdigest()[:12]


@contextmanager
def _writing(store: Store, con: duckdb.DuckDBPyConnection | None) -> Iterator[duckdb.DuckDBPyConnection]:
    if con is not None:
        yield con
        return
    with store.write() as c:
        yield c


def store_notices(store: Store, key: str, origin: str, account_id: int, records: Iterable[NoticeRecord],
                  seen_at: datetime | None = None, *, complete: bool = True,
                  con: duckdb.DuckDBPyConnection | None = None) -> list[str]:
    """Keep what the site listed under ``key`` at ``seen_at`` (see the module); the ids of the
    announcements that are new or changed (unread now), in the site's order. ``complete``: the
    answer is the site's whole list, so what is missing from it is gone; Sub2API lists only what
    the account has not read on the site, and a missing one stays listed here."""
    when = seen_at or datetime.now(UTC)
    fresh: dict[str, NoticeRecord] = {}
    for r in records:
        if r.fingerprint and (r.text.strip() or r.title.strip()):
            fresh.setdefault(notice_id(key, r.fingerprint), r)
    with _writing(store, con) as c:
        known = {row[0]: (row[1], row[2]) for row in c.execute(
            "SELECT notice_id, title, text FROM notices WHERE site_key = ?", [key]).fetchall()}
        unread: list[str] = []
        for nid, r in fresh.items():
            if nid not in known:
                c.execute("""INSERT INTO notices (notice_id, site_key, origin, account_id, source, upstream_id, title,
                             text, published_at, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                          [nid, key, origin, int(account_id), r.source, r.upstream_id, r.title, r.text,
                           r.published_at, when, when])
                unread.append(nid)
            elif known[nid] != (r.title, r.text):
                c.execute("""UPDATE notices SET title = ?, text = ?, published_at = coalesce(?, published_at),
                             last_seen = ?, changed_at = ?, read = false, read_at = NULL, active = true
                             WHERE notice_id = ? AND site_key = ?""",
                          [r.title, r.text, r.published_at, when, when, nid, key])
                unread.append(nid)
            else:
                c.execute("UPDATE notices SET last_seen = ?, active = true WHERE notice_id = ? AND site_key = ?",
                          [when, nid, key])
        gone = [nid for nid in known if nid not in fresh] if complete else []
        if gone:
            c.execute("UPDATE notices SET active = false WHERE site_key = ? AND list_contains(?, notice_id)",
                      [key, gone])
        c.execute("""DELETE FROM notices WHERE site_key = ? AND notice_id IN (
                         SELECT notice_id FROM notices WHERE site_key = ? AND NOT active
                         ORDER BY last_seen DESC, notice_id OFFSET ?)""", [key, key, KEEP_GONE])
        return unread


def mark_read(store: Store, ids: Iterable[str] | None = None, *, all: bool = False) -> int:
    """Mark the announcements ``ids`` read (``all``: every unread one); how many were unread.

    An id that is not stored is refused before anything changes."""
    return mark_read_here(store, ids, all=all)[0]


def mark_read_here(store: Store, ids: Iterable[str] | None = None, *,
                   all: bool = False) -> tuple[int, dict[int, list[str]]]:
    """``mark_read``, and the site's own ids of those that were unread where the site keeps a read
    state too (Sub2API), by account: ``sync.read_notices`` tells those sites."""
    wanted = [str(i).strip().lower() for i in ids or [] if str(i).strip()]
    if not wanted and not all:
        raise ValidationError("Name the announcements to mark read, or mark them all read.")
    if wanted and all:
        raise ValidationError("Name the announcements to mark read, or mark them all read, not both.")
    with store.write() as con:
        if all:
            where, params = "NOT read", []
        else:
            sql = "SELECT DISTINCT notice_id FROM notices WHERE list_contains(?, notice_id)"
            found = {r[0] for r in con.execute(sql, [wanted]).fetchall()}
            missing = [i for i in dict.fromkeys(wanted) if i not in found]
            if missing:
                raise NotFound(f"No announcement with id {missing[0][:40]}.")
            where, params = "NOT read AND list_contains(?, notice_id)", [wanted]
        count = con.execute(f"SELECT count(*) FROM notices WHERE {where}", params).fetchone()
        on_site = con.execute(f"SELECT account_id, list(DISTINCT upstream_id ORDER BY upstream_id) FROM notices "
                              f"WHERE {where} AND upstream_id <> '' GROUP BY account_id", params).fetchall()
        con.execute(f"UPDATE notices SET read = true, read_at = now() WHERE {where}", params)
    return (int(count[0]) if count else 0), {int(a): list(u) for a, u in on_site}


# -- per-site sync state ---------------------------------------------------------------------------

def notice_interval_s(store: Store | duckdb.DuckDBPyConnection) -> int:
    """How long a site's announcements are left alone after they were asked (seconds)."""
    value = read_settings(store, PREFERENCES, [INTERVAL_KEY]).get(INTERVAL_KEY)
    if isinstance(value, int) and not isinstance(value, bool) and MIN_INTERVAL_S <= value <= MAX_INTERVAL_S:
        return value
    return DEFAULT_INTERVAL_S


def set_notice_interval(store: Store, seconds: Any) -> int:
    """Save the interval between two fetches of one site's announcements (5 minutes to 7 days)."""
    try:
        value = int(seconds)
    except (TypeError, ValueError):
        raise ValidationError("The announcement interval must be a whole number of seconds.") from None
    if isinstance(seconds, bool) or not MIN_INTERVAL_S <= value <= MAX_INTERVAL_S:
        raise ValidationError("The announcement interval must be between 5 minutes and 7 days.")
    write_settings(store, {INTERVAL_KEY: value}, PREFERENCES)
    return value


def _ensure_site(con: duckdb.DuckDBPyConnection, origin: str) -> None:
    if not con.execute("SELECT 1 FROM notice_sites WHERE origin = ?", [origin]).fetchone():
        con.execute("INSERT INTO notice_sites (origin) VALUES (?)", [origin])


def set_site_enabled(store: Store, origin: str, enabled: bool) -> None:
    """Fetch a site's announcements or not (on by default); what is stored stays."""
    if not origin:
        raise ValidationError("Which site? Its address is missing.")
    with store.write() as con:
        _ensure_site(con, origin)
        con.execute("UPDATE notice_sites SET enabled = ? WHERE origin = ?", [bool(enabled), origin])


def site_of(store: Store, ref: Any) -> str:
    """The site a user names: an account id (its site) or an address (its origin); else one sentence."""
    text = str(ref).strip()
    if text.isdigit():
        with store.read() as con:
            row = con.execute("SELECT site_url FROM accounts WHERE id = ?", [int(text)]).fetchone()
        if row is None:
            raise NotFound(f"Account {text} does not exist.")
        return origin_key(row[0]) or row[0]
    origin = origin_key(text) if text else None
    if not origin:
        raise ValidationError(f"{text[:60]!r} is neither an account id nor a site address.")
    return origin


def configure_notices(store: Store, *, interval_s: Any = None, on: Iterable[Any] = (),
                      off: Iterable[Any] = ()) -> dict[str, Any]:
    """``allhub notices config``: the interval between two fetches of a site, and sites switched on
    or off (account ids or addresses). Every value is checked before anything changes. What is
    set now: ``{"interval_s", "on": [origins], "off": [origins]}``."""
    on_sites = [site_of(store, r) for r in on]
    off_sites = [site_of(store, r) for r in off]
    both = set(on_sites) & set(off_sites)
    if both:
        raise ValidationError(f"{sorted(both)[0]} cannot be switched both on and off.")
    if interval_s is not None:
        set_notice_interval(store, interval_s)
    for origin in on_sites:
        set_site_enabled(store, origin, True)
    for origin in off_sites:
        set_site_enabled(store, origin, False)
    return {"interval_s": notice_interval_s(store), "on": on_sites, "off": off_sites}


def record_site_sync(con: duckdb.DuckDBPyConnection, origin: str, at: datetime, error: str = "") -> None:
    """A site's announcements were asked at ``at`` (``error``: why they were not had)."""
    _ensure_site(con, origin)
    con.execute("UPDATE notice_sites SET last_synced = ?, last_error = ? WHERE origin = ?", [at, error, origin])


def site_states(store: Store | duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    """``{origin: {enabled, last_synced, last_error}}`` of every site that has a state."""
    sql = "SELECT origin, enabled, last_synced, last_error FROM notice_sites"
    rows = store.execute(sql).fetchall() if isinstance(store, duckdb.DuckDBPyConnection) else _read(store, sql)
    return {r[0]: {"enabled": bool(r[1]), "last_synced": r[2], "last_error": r[3]} for r in rows}


def _read(store: Store, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with store.read() as con:
        return con.execute(sql, params or []).fetchall()


def due_origins(store: Store, origins: Iterable[str], *, now: datetime | None = None,
                due_only: bool = True) -> tuple[list[str], list[str]]:
    """``(to ask, left alone)`` of ``origins``: a disabled site is always left alone; with
    ``due_only`` so is one asked within the interval."""
    states, interval = site_states(store), timedelta(seconds=notice_interval_s(store))
    at = now or datetime.now(UTC)
    ask: list[str] = []
    skip: list[str] = []
    for origin in dict.fromkeys(origins):
        state = states.get(origin, {"enabled": True, "last_synced": None})
        last = state["last_synced"]
        recent = last is not None and at - last < interval
        (skip if not state["enabled"] or (due_only and recent) else ask).append(origin)
    return ask, skip
