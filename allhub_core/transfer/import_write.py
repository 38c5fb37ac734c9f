"""Writing an import's plan (``importer``) inside its one transaction: accounts deleted, updated
and inserted, tags with the backup's times, pins and manual order, all by the accounts' one
writer (``accounts.write``: ``write_many``, ``ensure_tags``, ``replace_pins_and_order``), which
this module feeds; then bookmarks and the deletion records (tombstones), merged or replaced, and
the backup's new API credentials (``import_credentials``).
Only ``importer`` and ``csv_import`` call here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

from allhub_core.accounts import AccountRow, delete_rows, ensure_tags, replace_pins_and_order, write_many
from allhub_core.store import PREFERENCES, SecretBox, delete_settings, write_settings
from allhub_core.transfer.bundle import Bundle, IncomingAccount, IncomingBookmark, Tombstone, ms_to_iso
from allhub_core.transfer.import_credentials import write_credentials
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



def _row(acc: IncomingAccount, cols: dict[str, str], local_id: int | None = None) -> AccountRow:
    """What ``accounts.write_many`` writes of ``acc``: its values the table has, its secrets and
    tags; a new account also its extension id."""
    values = {c: v for c, v in acc.values.items() if c in cols and c not in SKIP_COLUMNS}
    if local_id is None and acc.ext_id:
        values["ext_id"] = acc.ext_id
    return AccountRow(values, dict(acc.secrets), list(acc.tags), local_id)


def insert_accounts(con: duckdb.DuckDBPyConnection, box: SecretBox, accounts: list[IncomingAccount]) -> list[int]:
    """Add ``accounts`` (values, ext id, secrets, tags) inside the caller's transaction; their new
    ids. The accounts' writer does it (``accounts.write_many``: set-based)."""
    if not accounts:
        return []
    cols = account_columns(con)
    return write_many(con, box, [_row(acc, cols) for acc in accounts], cols)


def _iso_times(created: int, updated: int) -> tuple[str | None, str | None]:
    updated = updated or created
    return (ms_to_iso(created) if created > 0 else None, ms_to_iso(updated) if updated > 0 else None)


def write_plan(con: duckdb.DuckDBPyConnection, box: SecretBox, report: ImportReport) -> None:
    """Write ``report``'s plan with the caller's connection (its open transaction)."""
    bundle, mode = report.bundle, report.mode
    cols = account_columns(con)
    accounts = [r for r in report.plan if r.kind == "account"]
    gone = [r.local_id for r in accounts if r.action == "delete" and r.local_id is not None]
    delete_rows(con, gone, tombstone=False)  # the tombstones are settled below, all at once
    times = {name: _iso_times(*t) for name, t in bundle.tag_times.items()}
    ensure_tags(con, report.new_tags, times)  # first, so they keep the backup's times
    todo = [(r, r.incoming) for r in accounts if isinstance(r.incoming, IncomingAccount)
            and (r.action == "new" or (r.action == "update" and r.local_id is not None))]
    rows = [_row(acc, cols, r.local_id if r.action == "update" else None) for r, acc in todo]
    for (r, _), aid in zip(todo, write_many(con, box, rows, cols), strict=True):
        r.local_id = aid
    if mode == "replace":
        con.execute("DELETE FROM tags WHERE id NOT IN (SELECT tag_id FROM account_tags) AND NOT list_contains(?, "
                    "name_key)", [[t.casefold() for t in bundle.tags]])
    _write_bookmarks(con, report)
    _write_pins_and_order(con, bundle, mode)
    _write_tombstones(con, bundle, mode)
    if bundle.preferences is not None and mode == "replace":
        delete_settings(con, PREFERENCES, keep_prefix="webdav_")  # this device's own stay
        write_settings(con, {str(k): v for k, v in bundle.preferences.items() if not str(k).startswith("webdav_")},
                       PREFERENCES)
    report.credentials = write_credentials(con, box, bundle)


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
    con.execute("UPDATE bookmarks SET pin_seq = NULL, position = NULL")
    seqs = sorted(r[0] for r in con.execute("SELECT nextval('pin_seq') FROM range(?)", [len(pins)]).fetchall())
    account_pins: dict[int, int] = {}
    for eid, seq in zip(reversed(pins), seqs, strict=True):  # newest pin first = highest sequence number
        if eid in accounts:
            account_pins[accounts[eid]] = seq
        else:
            con.execute("UPDATE bookmarks SET pin_seq = ? WHERE id = ?", [seq, eid])
    account_order: dict[int, int] = {}
    for pos, eid in enumerate(order, start=1):
        if eid in accounts:
            account_order[accounts[eid]] = pos
        else:
            con.execute("UPDATE bookmarks SET position = ? WHERE id = ?", [pos, eid])
    replace_pins_and_order(con, account_pins, account_order)


def _write_tombstones(con: duckdb.DuckDBPyConnection, bundle: Bundle, mode: str) -> None:
    local = local_tombstones(con)
    tombs = merged_tombstones(local, bundle.tombstones) if mode == "merge" else dict(bundle.tombstones)
    accounts, bookmarks = _entries(con)
    con.execute("DELETE FROM tombstones")
    for tid, t in tombs.items():
        if tid in accounts or tid in bookmarks:  # the entry lives: its old deletion no longer applies
            continue
        con.execute("INSERT INTO tombstones VALUES (?, ?, ?, ?)", [tid, t.kind, t.deleted_at, t.entry_updated_at])
