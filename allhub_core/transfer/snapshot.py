"""One consistent read of everything a backup holds: accounts (all columns), tags, pins, order,
bookmarks, tombstones, preferences. Both export formats are built from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb

from allhub_core.store import PREFERENCES, Damaged, Store, opened, read_settings
from allhub_core.transfer.bundle import SECRET_FIELDS, jsonable

__all__ = ["SKIP_COLUMNS", "Snapshot", "account_columns", "list_bookmarks", "read_snapshot"]

#: columns a backup never carries as values: the local row id, ciphertexts, the masked hint, the ext id
SKIP_COLUMNS = {"id", "secret_hint", "ext_id", *SECRET_FIELDS.values()}


def account_columns(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """column -> DuckDB type of the accounts table, in table order."""
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_catalog = current_database() "
        "AND table_schema = 'main' AND table_name = 'accounts' ORDER BY ordinal_position").fetchall()
    return {r[0]: r[1] for r in rows}


@dataclass
class Snapshot:
    accounts: list[dict[str, Any]] = field(default_factory=list)  # local_id, ext_id, values, tags, secrets
    tags: list[dict[str, Any]] = field(default_factory=list)  # name, created_at, updated_at (ISO)
    pinned: list[str] = field(default_factory=list)  # entry ids, newest pin first
    ordered: list[str] = field(default_factory=list)
    bookmarks: list[dict[str, Any]] = field(default_factory=list)
    tombstones: dict[str, dict[str, Any]] = field(default_factory=dict)
    preferences: dict[str, Any] = field(default_factory=dict)


def read_snapshot(store: Store, *, include_secrets: bool = False) -> Snapshot:
    snap = Snapshot()
    with store.read() as con:
        cols = [c for c in account_columns(con) if c not in SKIP_COLUMNS]
        sel = ", ".join(f'"{c}"' for c in cols)
        rows = con.execute(f"SELECT id, ext_id, access_token_enc, cookie_enc, refresh_token_enc, {sel} "
                           "FROM accounts ORDER BY id").fetchall()
        tag_rows = con.execute("SELECT lk.account_id, t.name FROM account_tags lk JOIN tags t ON t.id = lk.tag_id "
                               "ORDER BY t.name_key").fetchall()
        snap.tags = [{"name": r[0], "created_at": jsonable(r[1]), "updated_at": jsonable(r[2])} for r in con.execute(
            "SELECT name, created_at, updated_at FROM tags ORDER BY name_key").fetchall()]
        pins = con.execute("SELECT a.ext_id, max(p.seq) FROM pins p JOIN accounts a ON a.id = p.account_id "
                           "GROUP BY a.ext_id").fetchall()
        pins += con.execute("SELECT id, pin_seq FROM bookmarks WHERE pin_seq IS NOT NULL").fetchall()
        order = con.execute("SELECT a.ext_id, min(m.position) FROM manual_order m JOIN accounts a "
                            "ON a.id = m.account_id GROUP BY a.ext_id").fetchall()
        order += con.execute("SELECT id, position FROM bookmarks WHERE position IS NOT NULL").fetchall()
        snap.bookmarks = _bookmarks(con)
        snap.tombstones = {r[0]: {"kind": r[1], "deletedAt": int(r[2]), "entryUpdatedAt": int(r[3])}
                           for r in con.execute("SELECT id, kind, deleted_at, entry_updated_at FROM tombstones "
                                                "ORDER BY deleted_at, id").fetchall()}
        # This device's WebDAV settings and last result stay on this device (as in the extension).
        snap.preferences = {k: str(v) if isinstance(v, Damaged) else v for k, v in read_settings(
            con, PREFERENCES, skip_prefix="webdav_", keep_damaged=True).items()}
    tags_of: dict[int, list[str]] = {}
    for aid, name in tag_rows:
        tags_of.setdefault(aid, []).append(name)
    box = store.box
    for r in rows:
        secrets = {k: v for k, v in opened(box, SECRET_FIELDS, r[2:5]).items() if v} if include_secrets else {}
        values = dict(zip(cols, map(jsonable, r[5:]), strict=True))
        snap.accounts.append({"local_id": r[0], "ext_id": r[1], "values": values,
                              "tags": tags_of.get(r[0], []), "secrets": secrets})
    snap.pinned = [i for i, _ in sorted(pins, key=lambda p: -p[1])]
    snap.ordered = [i for i, _ in sorted(order, key=lambda p: p[1])]
    return snap


def _bookmarks(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    rows = con.execute("SELECT id, name, url, notes, tags, created_at, updated_at, pin_seq IS NOT NULL "
                       "FROM bookmarks ORDER BY coalesce(position, 2147483647), lower(name), id").fetchall()
    return [{"id": r[0], "name": r[1], "url": r[2], "notes": r[3], "tags": list(r[4] or []),
             "created_at": jsonable(r[5]), "updated_at": jsonable(r[6]), "pinned": bool(r[7])} for r in rows]


def list_bookmarks(store: Store) -> list[dict[str, Any]]:
    """The stored bookmarks (from imported backups): id, name, url, notes, tags, times, pinned."""
    with store.read() as con:
        return _bookmarks(con)
