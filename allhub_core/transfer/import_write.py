"""Writing an import's plan (``importer``) inside its one transaction: accounts deleted, updated
and inserted (set-based), tags with the backup's times, bookmarks, pins and manual order, and the
deletion records (tombstones) merged or replaced. Only ``importer`` and ``csv_import`` call here.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import duckdb

from allhub_core.accounts import delete_rows
from allhub_core.store import SecretBox, mask_secret, one_row, rows_table
from allhub_core.transfer.bundle import SECRET_FIELDS, Bundle, IncomingAccount, IncomingBookmark, Tombstone, ms_to_iso
from allhub_core.transfer.snapshot import SKIP_COLUMNS, account_columns

if TYPE_CHECKING:
    from allhub_core.transfer.importer import ImportReport

__all__ = ["insert_accounts", "local_tombstones", "merged_tombstones", "write_plan"]


def local_tombstones(con: duckdb.DuckDBPyConnection) -> dict[str, Tombstone]:
    return {r[0]: Tombstone(r[1], int(r[2]), int(r[3])) for r in con.execute(
        "SELECT id, kind, deleted_at, entry_updated_at FROM tombstones").fetchall()}


def merged_tombstones(local: dict[str, Tombstone], incoming: dict[str, Tombstone]) -> dict[str, Tombstone]:
    out = dict(local)
    for tid, t in incoming.items():
        if tid not in out or t.deleted_at > out[tid].deleted_at:
            out[tid] = t
    return out



def _tag_ids(con: duckdb.DuckDBPyConnection, names: list[str],
             times: dict[str, tuple[int, int]] | None = None) -> list[int]:
    ids: list[int] = []
    for name in names:
        row = con.execute("SELECT id FROM tags WHERE name_key = ?", [name.casefold()]).fetchone()
        created, updated = (times or {}).get(name, (0, 0))
        tid = row[0] if row else one_row(con.execute(
            "INSERT INTO tags (name, name_key, created_at, updated_at) VALUES (?, ?, "
            "coalesce(CAST(? AS TIMESTAMPTZ), now()), coalesce(CAST(? AS TIMESTAMPTZ), now())) RETURNING id",
            [name, name.casefold(), ms_to_iso(created) if created > 0 else None,
             ms_to_iso(updated or created) if (updated or created) > 0 else None]))[0]
        if tid not in ids:
            ids.append(tid)
    return ids


def _set_tags(con: duckdb.DuckDBPyConnection, aid: int, names: list[str]) -> None:
    con.execute("DELETE FROM account_tags WHERE account_id = ?", [aid])
    for tid in _tag_ids(con, names):
        con.execute("INSERT INTO account_tags VALUES (?, ?)", [aid, tid])


def _secret_params(box: SecretBox, secrets: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {SECRET_FIELDS[k]: box.encrypt(v) for k, v in secrets.items() if v}
    hint = secrets.get("access_token") or secrets.get("cookie")
    if hint:
        out["secret_hint"] = mask_secret(hint)
    return out


def insert_accounts(con: duckdb.DuckDBPyConnection, box: SecretBox, accounts: list[IncomingAccount]) -> list[int]:
    """Insert accounts (values, ext id, secrets, tags) inside the caller's transaction; new ids.

    Set-based, so 5,000 accounts take one statement per group of accounts with the same columns
    rather than 5,000 (``store.rows_table``): ids come from the account sequence first, so each
    row keeps its own; tags are resolved once and linked in one INSERT.
    """
    if not accounts:
        return []
    cols = account_columns(con)
    rows: list[dict[str, Any]] = []
    for acc in accounts:
        values = {c: v for c, v in acc.values.items() if c in cols and c not in SKIP_COLUMNS}
        if acc.ext_id:
            values["ext_id"] = acc.ext_id
        rows.append({**values, **_secret_params(box, acc.secrets)})
    ids = [r[0] for r in con.execute("SELECT nextval('account_id_seq') FROM range(?)", [len(rows)]).fetchall()]
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for aid, row in zip(ids, rows, strict=True):
        groups.setdefault(tuple(row), []).append({"id": aid, **row})
    for keys, members in groups.items():
        types = {"id": "BIGINT", **{c: cols[c] for c in keys}}
        rows_table(con, "incoming_accounts", types, members)
        names = ", ".join(f'"{c}"' for c in types)
        con.execute(f"INSERT INTO accounts ({names}) SELECT {names} FROM incoming_accounts")
        con.execute("DROP TABLE incoming_accounts")
    all_names = list(dict.fromkeys(n for acc in accounts for n in acc.tags))
    tag_of = {n: _tag_ids(con, [n])[0] for n in all_names}  # one lookup per distinct tag name
    links = [{"account_id": aid, "tag_id": tag_of[n]} for aid, acc in zip(ids, accounts, strict=True)
             for n in dict.fromkeys(acc.tags)]
    if links:
        rows_table(con, "incoming_tags", {"account_id": "BIGINT", "tag_id": "BIGINT"}, links)
        con.execute("INSERT INTO account_tags SELECT DISTINCT account_id, tag_id FROM incoming_tags")
        con.execute("DROP TABLE incoming_tags")
    return ids


def _update_account(con: duckdb.DuckDBPyConnection, box: SecretBox, aid: int, acc: IncomingAccount,
                    cols: dict[str, str]) -> None:
    values = {c: v for c, v in acc.values.items() if c in cols and c not in SKIP_COLUMNS}
    params = {**values, **_secret_params(box, acc.secrets)}
    if params:
        sets = ", ".join(f'"{c}" = CAST(? AS {cols[c]})' if c in values else f'"{c}" = ?' for c in params)
        con.execute(f"UPDATE accounts SET {sets} WHERE id = ?", [*params.values(), aid])
    _set_tags(con, aid, acc.tags)


def write_plan(con: duckdb.DuckDBPyConnection, box: SecretBox, report: ImportReport) -> None:
    """Write ``report``'s plan with the caller's connection (its open transaction)."""
    bundle, mode = report.bundle, report.mode
    cols = account_columns(con)
    accounts = [r for r in report.plan if r.kind == "account"]
    gone = [r.local_id for r in accounts if r.action == "delete" and r.local_id is not None]
    delete_rows(con, gone, tombstone=False)  # the tombstones are settled below, all at once
    _tag_ids(con, report.new_tags, bundle.tag_times)  # first, so they keep the backup's times
    for r in accounts:
        if r.action == "update" and r.local_id is not None and isinstance(r.incoming, IncomingAccount):
            _update_account(con, box, r.local_id, r.incoming, cols)
    new_rows = [r for r in accounts if r.action == "new" and isinstance(r.incoming, IncomingAccount)]
    for r, aid in zip(new_rows, insert_accounts(con, box, [r.incoming for r in new_rows  # type: ignore[misc]
                                                          ]), strict=True):
        r.local_id = aid
    if mode == "replace":
        con.execute("DELETE FROM tags WHERE id NOT IN (SELECT tag_id FROM account_tags) AND NOT list_contains(?, "
                    "name_key)", [[t.casefold() for t in bundle.tags]])
    _write_bookmarks(con, report)
    _write_pins_and_order(con, bundle, mode)
    _write_tombstones(con, bundle, mode)
    if bundle.preferences is not None and mode == "replace":
        con.execute("DELETE FROM preferences WHERE NOT starts_with(key, 'webdav_')")  # this device's own
        for key, value in bundle.preferences.items():
            if str(key).startswith("webdav_"):
                continue
            con.execute("INSERT INTO preferences VALUES (?, ?)", [str(key), json.dumps(value)])


def _write_bookmarks(con: duckdb.DuckDBPyConnection, report: ImportReport) -> None:
    for r in report.plan:
        if r.kind != "bookmark":
            continue
        if r.action in ("delete", "update"):
            con.execute("DELETE FROM bookmarks WHERE id = ?", [r.entry_id])
        if r.action in ("new", "update") and isinstance(r.incoming, IncomingBookmark):
            b = r.incoming
            con.execute("INSERT INTO bookmarks (id, name, url, notes, tags, created_at, updated_at) "
                        "VALUES (?, ?, ?, ?, ?, CAST(? AS TIMESTAMPTZ), CAST(? AS TIMESTAMPTZ))",
                        [b.id, b.name, b.url, b.notes, b.tags, ms_to_iso(b.created_ms or b.updated_ms),
                         ms_to_iso(b.updated_ms or b.created_ms)])


def _entries(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, int], set[str]]:
    accounts = {r[0]: r[1] for r in con.execute("SELECT ext_id, id FROM accounts WHERE ext_id IS NOT NULL").fetchall()}
    bookmarks = {r[0] for r in con.execute("SELECT id FROM bookmarks").fetchall()}
    return accounts, bookmarks


def _write_pins_and_order(con: duckdb.DuckDBPyConnection, bundle: Bundle, mode: str) -> None:
    accounts, bookmarks = _entries(con)
    valid = set(accounts) | bookmarks
    local_pins = [r[0] for r in con.execute(
        "SELECT e, s FROM (SELECT a.ext_id AS e, max(p.seq) AS s FROM pins p JOIN accounts a ON a.id = p.account_id "
        "GROUP BY a.ext_id UNION ALL SELECT id, pin_seq FROM bookmarks WHERE pin_seq IS NOT NULL) ORDER BY s DESC"
    ).fetchall()]
    local_order = [r[0] for r in con.execute(
        "SELECT e, p FROM (SELECT a.ext_id AS e, min(m.position) AS p FROM manual_order m JOIN accounts a "
        "ON a.id = m.account_id GROUP BY a.ext_id UNION ALL SELECT id, position FROM bookmarks "
        "WHERE position IS NOT NULL) ORDER BY p").fetchall()]
    base_pins, base_order = (local_pins, local_order) if mode == "merge" else ([], [])
    pins = [i for i in dict.fromkeys(base_pins + bundle.pinned) if i in valid]
    order = [i for i in dict.fromkeys(base_order + bundle.ordered) if i in valid]
    con.execute("DELETE FROM pins")
    con.execute("UPDATE bookmarks SET pin_seq = NULL, position = NULL")
    for eid in reversed(pins):  # newest pin first = highest sequence number
        if eid in accounts:
            con.execute("INSERT INTO pins VALUES (?, nextval('pin_seq'))", [accounts[eid]])
        else:
            con.execute("UPDATE bookmarks SET pin_seq = nextval('pin_seq') WHERE id = ?", [eid])
    con.execute("DELETE FROM manual_order")
    for pos, eid in enumerate(order, start=1):
        if eid in accounts:
            con.execute("INSERT INTO manual_order VALUES (?, ?)", [accounts[eid], pos])
        else:
            con.execute("UPDATE bookmarks SET position = ? WHERE id = ?", [pos, eid])


def _write_tombstones(con: duckdb.DuckDBPyConnection, bundle: Bundle, mode: str) -> None:
    local = local_tombstones(con)
    tombs = merged_tombstones(local, bundle.tombstones) if mode == "merge" else dict(bundle.tombstones)
    accounts, bookmarks = _entries(con)
    con.execute("DELETE FROM tombstones")
    for tid, t in tombs.items():
        if tid in accounts or tid in bookmarks:  # the entry lives: its old deletion no longer applies
            continue
        con.execute("INSERT INTO tombstones VALUES (?, ?, ?, ?)", [tid, t.kind, t.deleted_at, t.entry_updated_at])
