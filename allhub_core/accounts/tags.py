"""The global tag list: names unique case-insensitively; rename and delete apply everywhere.

Accounts reference tags by id (``account_tags``), so a rename changes one row and every
account shows the new name. Names are trimmed and inner whitespace collapsed.
"""

from __future__ import annotations

import unicodedata

import duckdb

from allhub_core.errors import NotFound, ValidationError
from allhub_core.store import Store, one_row

__all__ = [
    "create_tag",
    "delete_tag",
    "list_tags",
    "normalize_tag_name",
    "rename_tag",
    "resolve_tag_ids",
    "tag_names",
]

MAX_TAG_LEN = 64
# Drawn as nothing: format characters (zero-width space and joiners, BOM, bidi marks), controls,
# separators, lone combining marks, and the Hangul fillers and the braille blank.
_UNSEEN_CATEGORIES = {"Cf", "Cc", "Zs", "Zl", "Zp", "Mn", "Me"}
_BLANK_LETTERS = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"}


def _visible(c: str) -> bool:
    return not (c.isspace() or c in _BLANK_LETTERS or unicodedata.category(c) in _UNSEEN_CATEGORIES)


def normalize_tag_name(name: str | None) -> str:
    text = " ".join((name or "").split())
    if not text:
        raise ValidationError("Tag name cannot be empty.")
    if not any(_visible(c) for c in text):
        raise ValidationError("Tag name has no visible character (only spaces or invisible characters).")
    if len(text) > MAX_TAG_LEN:
        raise ValidationError(f"Tag name is longer than {MAX_TAG_LEN} characters.")
    return text


def list_tags(store: Store) -> list[dict]:
    """All tags sorted by name (case-insensitive) with the number of accounts carrying each.

    The links are counted per tag id before the names join (issue 18: grouping 250,000 joined
    rows by name cost 0.1 s at 100,000 accounts); an account is counted once per tag."""
    with store.read() as con:
        rows = con.execute("""
            SELECT t.id, t.name, coalesce(lk.n, 0) AS n FROM tags t
            LEFT JOIN (SELECT tag_id, count(*) AS n
                       FROM (SELECT tag_id, account_id FROM account_tags GROUP BY tag_id, account_id)
                       GROUP BY tag_id) lk ON lk.tag_id = t.id
            ORDER BY t.name_key, t.id""").fetchall()
    return [{"id": r[0], "name": r[1], "count": r[2]} for r in rows]


def tag_names(store: Store) -> list[str]:
    """Every tag's name in ``list_tags``' order, without counting the accounts: what a tag picker
    offers."""
    with store.read() as con:
        return [r[0] for r in con.execute("SELECT name FROM tags ORDER BY name_key, id").fetchall()]


def _find(con: duckdb.DuckDBPyConnection, name: str) -> tuple[int, str] | None:
    row = con.execute("SELECT id, name FROM tags WHERE name_key = ?", [name.casefold()]).fetchone()
    return (row[0], row[1]) if row else None


def create_tag(store: Store, name: str) -> dict:
    name = normalize_tag_name(name)
    with store.write() as con:
        existing = _find(con, name)
        if existing:
            raise ValidationError(f"Tag name already exists: '{existing[1]}'.")
        tid = one_row(con.execute("INSERT INTO tags (name, name_key) VALUES (?, ?) RETURNING id",
                                  [name, name.casefold()]))[0]
    return {"id": tid, "name": name, "count": 0}


def rename_tag(store: Store, tag: int | str, new_name: str) -> dict:
    new_name = normalize_tag_name(new_name)
    with store.write() as con:
        tid = _tag_id(con, tag)
        clash = _find(con, new_name)
        if clash and clash[0] != tid:
            raise ValidationError(f"Tag name already exists: '{clash[1]}'.")
        # name_key is UNIQUE: DuckDB updates an indexed column as delete+insert, fine in one row.
        con.execute("UPDATE tags SET name = ?, name_key = ?, updated_at = now() WHERE id = ?",
                    [new_name, new_name.casefold(), tid])
    return {"id": tid, "name": new_name}


def delete_tag(store: Store, tag: int | str) -> int:
    """Delete a tag and remove it from every account; returns how many accounts had it."""
    with store.write() as con:
        tid = _tag_id(con, tag)
        n = one_row(con.execute("SELECT count(DISTINCT account_id) FROM account_tags WHERE tag_id = ?",
                                [tid]))[0]
        con.execute("DELETE FROM account_tags WHERE tag_id = ?", [tid])
        con.execute("DELETE FROM tags WHERE id = ?", [tid])
    return n


def _tag_id(con: duckdb.DuckDBPyConnection, tag: int | str) -> int:
    if isinstance(tag, int):
        row = con.execute("SELECT id FROM tags WHERE id = ?", [tag]).fetchone()
    else:
        row = con.execute("SELECT id FROM tags WHERE name_key = ?",
                          [normalize_tag_name(tag).casefold()]).fetchone()
    if not row:
        raise NotFound(f"Tag not found: {tag}.")
    return row[0]


def resolve_tag_ids(con: duckdb.DuckDBPyConnection, names: list[str], create: bool = True) -> list[int]:
    """Map names to tag ids case-insensitively, creating missing tags when ``create``.

    Used inside a write transaction (grid edits, ``account set --tag``): typing ``VIP`` where
    ``vip`` exists attaches the existing tag rather than failing.
    """
    ids: list[int] = []
    for raw in names:
        name = normalize_tag_name(raw)
        found = _find(con, name)
        if found:
            tid = found[0]
        elif create:
            tid = one_row(con.execute("INSERT INTO tags (name, name_key) VALUES (?, ?) RETURNING id",
                                      [name, name.casefold()]))[0]
        else:
            raise NotFound(f"Tag not found: {name}.")
        if tid not in ids:
            ids.append(tid)
    return ids
