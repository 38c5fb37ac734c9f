"""Preview and apply an import: merge (by the extension's account id; the newer ``updated_at``
wins; tombstones honoured) or replace (the backup becomes the store), in ONE transaction.

The plan is computed inside the same transaction that writes it, so the preview a user saw and
what is written follow one rule; an error or a kill half way rolls everything back (DuckDB's
transaction), leaving the store exactly as it was. Rows and summaries never hold a secret.

Actions per entry: ``new``, ``update`` (with the fields that change), ``unchanged`` (this store's
copy is as new or newer), ``duplicate`` (another account here has the same site and user id; not
added), ``tombstoned`` (deleted before and not edited since; not brought back), ``delete``
(replace: not in the backup; merge: deleted in the backup), ``rejected`` (unreadable, with why).
The writing is ``import_write``; the API credentials a backup with secrets carries are counted
and added by ``import_credentials`` (new keys only, in either mode).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from typing import Any

import duckdb

from allhub_core.errors import ValidationError
from allhub_core.store import SecretBox, Store, open_one
from allhub_core.transfer.bundle import (
    SECRET_FIELDS,
    Bundle,
    IncomingAccount,
    IncomingBookmark,
    Tombstone,
    iso_to_ms,
    jsonable,
)
from allhub_core.transfer.import_credentials import CredentialCounts, plan_credentials
from allhub_core.transfer.import_write import local_tombstones, merged_tombstones, write_plan
from allhub_core.transfer.snapshot import SKIP_COLUMNS, account_columns

__all__ = [
    "MODES", "DeletionsNeedConfirmation", "ImportPreview", "ImportReport", "PlanRow", "add_bookmarks",
    "apply_import", "deletion_limit", "preview_import"
]

MODES = ("merge", "replace")
#: written but not listed as a change a person would notice
_QUIET = {"updated_at", "user_updated_at", "last_sync_time", "stats_date", "ext_extra", "created_at"}
_ORDER = ("new", "update", "unchanged", "duplicate", "tombstoned", "delete", "rejected")
_WORDS = {"new": "add {n}", "update": "update {n}", "unchanged": "leave {n} unchanged",
          "duplicate": "skip {n} duplicate(s)", "tombstoned": "skip {n} deleted earlier",
          "delete": "delete {n}", "rejected": "reject {n}"}
_DONE = {"new": "{n} added", "update": "{n} updated", "unchanged": "{n} unchanged",
         "duplicate": "{n} skipped as duplicate(s)", "tombstoned": "{n} skipped (deleted earlier)",
         "delete": "{n} deleted", "rejected": "{n} rejected"}


class DeletionsNeedConfirmation(ValidationError):
    """The import would delete more accounts than the caller allowed (``max_deletes``); nothing
    was written. ``count`` and ``names`` say which, so a surface can ask and try again."""

    title = "Deletions need your confirmation"

    def __init__(self, count: int, names: list[str]) -> None:
        self.count, self.names = count, names
        #: the first five names, then how many more: what every surface shows of the deletions
        self.listed = listed = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        super().__init__(f"This would delete {count} account{'s' if count != 1 else ''} ({listed}); nothing was "
                         "changed, and the deletions need your confirmation.")


def _deleted_why(ts: Tombstone) -> str:
    if ts.from_future:
        return "Deleted in the backup with a date in the future, read as now: check it before you confirm."
    return f"Deleted in the backup on {_day(ts.deleted_at)}."


def deletion_limit(bundle: Bundle, mode: str, allowed: int | None) -> int | None:
    """The ``max_deletes`` for importing ``bundle``: ``allowed`` (0 until a person confirmed; the
    count they confirmed; None: no limit) for a merge, whose deletions come from the file's
    deletion records, and for a replace by a file that holds no accounts (it would empty the
    list); no limit for a replace by a file with accounts (choosing replace says that file
    becomes the list, and the preview shows what goes)."""
    return None if mode == "replace" and bundle.accounts else allowed


@dataclass
class PlanRow:
    kind: str  # "account" or "bookmark"
    action: str
    entry_id: str
    name: str
    site_url: str = ""
    local_id: int | None = None
    changes: list[str] = field(default_factory=list)
    reason: str = ""
    incoming: IncomingAccount | IncomingBookmark | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "action": self.action, "id": self.entry_id,
                "account_id": str(self.local_id) if self.local_id is not None else None, "name": self.name,
                "site_url": self.site_url, "changes": list(self.changes), "reason": self.reason}


@dataclass
class ImportPreview:
    bundle: Bundle
    mode: str
    plan: list[PlanRow]
    new_tags: list[str] = field(default_factory=list)
    credentials: CredentialCounts = field(default_factory=CredentialCounts)

    def counts(self, kind: str = "account") -> dict[str, int]:
        out = {a: 0 for a in _ORDER}
        for r in self.plan:
            if r.kind == kind:
                out[r.action] += 1
        return out

    def _head(self) -> str:
        b = self.bundle
        n_acc = len(b.accounts)
        text = (f"{b.description} of {b.time_text}{' (encrypted)' if b.encrypted else ''}: {n_acc} account(s), "
                f"{len(b.tags)} tag(s), {len(b.bookmarks)} bookmark(s)")
        if b.upgraded:
            text += f"; {b.upgraded} account(s) upgraded from an older config version"
        return text + "."

    def deletions(self) -> list[PlanRow]:
        """The accounts this import deletes."""
        return [r for r in self.plan if r.kind == "account" and r.action == "delete"]

    def _notes(self) -> str:
        return "".join(f" {n[:1].upper()}{n[1:]}." for n in self.bundle.notes())

    def summary(self) -> str:
        c = self.counts()
        parts = [_WORDS[a].format(n=c[a]) for a in _ORDER if c[a]]
        plan = ", ".join(parts) if parts else "change no account"
        text = f"{self._head()} {self.mode.capitalize()} would {plan}"
        bc = self.counts("bookmark")
        if any(bc.values()):
            text += "; bookmarks: " + ", ".join(_WORDS[a].format(n=bc[a]) for a in _ORDER if bc[a])
        if self.new_tags:
            text += f"; create {len(self.new_tags)} tag(s)"
        return text + self.credentials.text(done=False) + "." + self._notes()

    def rows(self) -> list[dict[str, Any]]:
        return [r.as_dict() for r in self.plan]

    def exit_code(self) -> int:
        """1 when some entry is (or would be) rejected, else 0."""
        return 1 if any(r.action == "rejected" for r in self.plan) else 0

    def as_json(self, *, dry_run: bool) -> dict[str, Any]:
        """The ``allhub import --json`` object (shared/spec/cli.md): counts by what happens to
        the accounts and bookmarks, the tags created, then the summary and every row."""
        c, bc = self.counts(), self.counts("bookmark")
        return {"accounts": {"new": c["new"], "updated": c["update"], "duplicates": c["duplicate"],
                             "rejected": c["rejected"], "unchanged": c["unchanged"], "deleted": c["delete"],
                             "tombstoned": c["tombstoned"]},
                "tags": {"created": len(self.new_tags)}, "credentials": self.credentials.as_json(),
                "bookmarks": {"new": bc["new"], "updated": bc["update"], "deleted": bc["delete"]},
                "dry_run": dry_run, "mode": self.mode, "summary": self.summary(), "rows": self.rows(),
                "future_deletions": self.bundle.future_deletions, "notes": self.bundle.notes()}


@dataclass
class ImportReport(ImportPreview):
    def summary(self) -> str:
        c = self.counts()
        parts = [_DONE[a].format(n=c[a]) for a in _ORDER if c[a]]
        text = f"Import ({self.mode}) done: " + (", ".join(parts) if parts else "no account changed")
        bc = self.counts("bookmark")
        if any(bc.values()):
            text += "; bookmarks: " + ", ".join(_DONE[a].format(n=bc[a]) for a in _ORDER if bc[a])
        if self.new_tags:
            text += f"; {len(self.new_tags)} tag(s) created"
        text += self.credentials.text(done=True)
        if self.bundle.preferences is not None:
            text += "; preferences restored" if self.mode == "replace" else "; preferences left as they are"
        return text + "." + self._notes()


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ValidationError(f"The import mode must be merge or replace, not '{mode}'.")


def preview_import(store: Store, bundle: Bundle, mode: str = "merge") -> ImportPreview:
    """What ``apply_import`` would do, without writing anything."""
    _check_mode(mode)
    with store.read() as con:
        return _plan(con, store.box, bundle, mode)


def apply_import(store: Store, bundle: Bundle, mode: str = "merge", *, max_deletes: int | None = None) -> ImportReport:
    """Merge or replace in one transaction; any failure leaves the store as it was.

    ``max_deletes``: the most accounts this import may delete (None: no limit). When the plan,
    made inside the writing transaction, deletes more, ``DeletionsNeedConfirmation`` is raised
    and nothing is written (``deletion_limit`` says what the surfaces ask for)."""
    _check_mode(mode)
    with store.write() as con:
        preview = _plan(con, store.box, bundle, mode)
        gone = preview.deletions()
        if max_deletes is not None and len(gone) > max_deletes:
            raise DeletionsNeedConfirmation(len(gone), [r.name or f"account {r.local_id}" for r in gone])
        report = ImportReport(bundle, mode, preview.plan, preview.new_tags)
        write_plan(con, store.box, report)
    return report


def add_bookmarks(store: Store, items: list[dict[str, Any]]) -> int:
    """Store bookmarks given as ``{"id", "name", "url", "notes"?, "tags"?}`` (merged by id); how many were added."""
    marks = [IncomingBookmark(id=str(i["id"]), name=str(i["name"]), url=str(i["url"]), notes=str(i.get("notes", "")),
                              tags=[str(t) for t in i.get("tags", [])]) for i in items]
    bundle = Bundle(kind="allhub", version="1", description="bookmarks", bookmarks=marks,
                    tags=sorted({t for b in marks for t in b.tags}))
    return apply_import(store, bundle).counts("bookmark")["new"]


# -- planning -----------------------------------------------------------------------------------

def _same(a: Any, b: Any, col_type: str) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if "TIME ZONE" in col_type or col_type.startswith("TIMESTAMP"):
        return iso_to_ms(a) == iso_to_ms(b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return abs(float(a) - float(b)) < 1e-9
    return bool(a == b)


def _local_accounts(con: duckdb.DuckDBPyConnection, cols: dict[str, str]) -> list[dict[str, Any]]:
    names = [c for c in cols if c not in SKIP_COLUMNS]
    rows = con.execute(f"SELECT id, ext_id, access_token_enc, cookie_enc, refresh_token_enc, "
                       f"{', '.join(chr(34) + c + chr(34) for c in names)} FROM accounts ORDER BY id").fetchall()
    tags: dict[int, list[str]] = {}
    for aid, name in con.execute("SELECT lk.account_id, t.name FROM account_tags lk JOIN tags t "
                                 "ON t.id = lk.tag_id").fetchall():
        tags.setdefault(aid, []).append(name)
    return [{"id": r[0], "ext_id": r[1], "enc": dict(zip(SECRET_FIELDS, r[2:5], strict=True)),
             "values": dict(zip(names, map(jsonable, r[5:]), strict=True)), "tags": tags.get(r[0], [])} for r in rows]


def _day(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).strftime("%Y-%m-%d")


_INT64 = (-(2 ** 63), 2 ** 63 - 1)


def _wrong_type(values: dict[str, Any], cols: dict[str, str]) -> str:
    """Why a value of an account (our own backup's columns) cannot go into its column, or ''.
    A number where text belongs is read as its text; times and days are ``transfer.times``'."""
    for col, value in values.items():
        kind = cols.get(col)
        if value is None or kind is None or col in SKIP_COLUMNS:
            continue
        if kind == "VARCHAR" and isinstance(value, (int, float)) and not isinstance(value, bool):
            values[col] = str(value)
            continue
        whole = isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))
        fits = {"VARCHAR": isinstance(value, str),
                "BOOLEAN": isinstance(value, bool) or (isinstance(value, int) and value in (0, 1)),
                "BIGINT": whole and not isinstance(value, bool) and _INT64[0] <= value <= _INT64[1],
                "DOUBLE": isinstance(value, (int, float)) and not isinstance(value, bool)
                and math.isfinite(value) and abs(value) < 1e300}.get(kind, True)
        if not fits:
            shown = json.dumps(value, ensure_ascii=True, default=str)
            shown = shown if len(shown) <= 40 else shown[:39] + "…"
            what = {"VARCHAR": "text", "BOOLEAN": "true or false", "BIGINT": "a whole number that fits",
                    "DOUBLE": "a number"}[kind]
            return f"Its {col} is {shown}, which is not {what}."
    return ""


def _plan(con: duckdb.DuckDBPyConnection, box: SecretBox, bundle: Bundle, mode: str) -> ImportPreview:
    cols = account_columns(con)
    local = _local_accounts(con, cols)
    by_ext = {a["ext_id"]: a for a in local if a["ext_id"]}
    local_ts = local_tombstones(con)
    tombs = merged_tombstones(local_ts, bundle.tombstones) if mode == "merge" else dict(bundle.tombstones)
    plan: list[PlanRow] = []
    seen: set[str] = set()
    kept_local: set[int] = set()
    site_user = {(a["values"].get("site_url"), str(a["values"].get("user_id") or "").strip()): a["id"]
                 for a in local if str(a["values"].get("user_id") or "").strip()}
    for acc in bundle.accounts:
        row = PlanRow("account", "new", acc.ext_id, acc.name, str(acc.values.get("site_url") or ""), incoming=acc)
        plan.append(row)
        mine = by_ext.get(acc.ext_id)
        acc.problem = acc.problem or _wrong_type(acc.values, cols)
        if acc.problem:
            row.action, row.reason = "rejected", acc.problem
            if mine:
                kept_local.add(mine["id"])
            continue
        if acc.ext_id in seen:
            row.action, row.reason = "rejected", "The backup holds this account id twice; the first one is used."
            continue
        seen.add(acc.ext_id)
        ts = tombs.get(acc.ext_id)
        if ts and ts.kind == "account" and acc.user_updated_ms <= ts.point:
            where = "here" if acc.ext_id in local_ts else "in the backup"
            row.action, row.reason = "tombstoned", f"Deleted {where} on {_day(ts.deleted_at)} and not edited since."
            continue
        if mine:
            row.local_id = mine["id"]
            kept_local.add(mine["id"])
            row.changes = _changes(box, acc, mine, cols)
            if mode == "merge" and acc.updated_ms <= iso_to_ms(mine["values"].get("updated_at")):
                row.action, row.reason = "unchanged", "This store's copy is as new or newer."
            elif not row.changes:
                row.action, row.reason = "unchanged", "Nothing to change."
            else:
                row.action = "update"
            continue
        dup = site_user.get((acc.values.get("site_url"), str(acc.values.get("user_id") or "").strip()))
        if mode == "merge" and dup is not None:
            row.action, row.local_id = "duplicate", dup
            row.reason = f"Account {dup} here has the same site and user ID."
            continue
    for a in local:
        if a["id"] in kept_local:
            continue
        name = str(a["values"].get("site_name") or "")
        if mode == "replace":
            plan.append(PlanRow("account", "delete", a["ext_id"] or "", name, str(a["values"].get("site_url")),
                                local_id=a["id"], reason="Not in the backup."))
            continue
        ts = bundle.tombstones.get(a["ext_id"] or "")
        if ts and ts.kind == "account" and (iso_to_ms(a["values"].get("user_updated_at"))
                                            or iso_to_ms(a["values"].get("updated_at"))) <= ts.point:
            plan.append(PlanRow("account", "delete", a["ext_id"], name, str(a["values"].get("site_url")),
                                local_id=a["id"], reason=_deleted_why(ts)))
    plan += _plan_bookmarks(con, bundle, mode, tombs)
    have = {r[0].casefold() for r in con.execute("SELECT name FROM tags").fetchall()}
    wanted = list(bundle.tags) + [t for r in plan if r.action in ("new", "update") and r.incoming
                                  for t in r.incoming.tags]
    new_tags: list[str] = []
    for t in wanted:
        if t.casefold() not in have:
            have.add(t.casefold())
            new_tags.append(t)
    return ImportPreview(bundle, mode, plan, new_tags, plan_credentials(con, bundle))


def _changes(box: SecretBox, acc: IncomingAccount, mine: dict, cols: dict[str, str]) -> list[str]:
    out = [c for c, v in acc.values.items() if c in cols and c not in SKIP_COLUMNS and c not in _QUIET
           and not _same(mine["values"].get(c), v, cols[c])]
    if {t.casefold() for t in acc.tags} != {t.casefold() for t in mine["tags"]}:
        out.append("tags")
    for name, value in acc.secrets.items():
        if open_one(box, mine["enc"][name]) != value:
            out.append(name)
    return out


def _plan_bookmarks(con: duckdb.DuckDBPyConnection, bundle: Bundle, mode: str,
                    tombs: dict[str, Tombstone]) -> list[PlanRow]:
    local = {r[0]: (r[1], iso_to_ms(jsonable(r[2])), r[3], r[4], list(r[5] or [])) for r in con.execute(
        "SELECT id, name, updated_at, url, notes, tags FROM bookmarks").fetchall()}
    plan: list[PlanRow] = []
    seen: set[str] = set()
    for b in bundle.bookmarks:
        if b.id in seen:
            continue
        seen.add(b.id)
        row = PlanRow("bookmark", "new", b.id, b.name, b.url, incoming=b)
        plan.append(row)
        if b.problem:  # kept as it is here (seen: not deleted by a replace)
            row.action, row.reason = "rejected", b.problem
            continue
        ts = tombs.get(b.id)
        if ts and ts.kind == "bookmark" and b.updated_ms <= ts.point:
            row.action, row.reason = "tombstoned", f"Deleted on {_day(ts.deleted_at)} and not edited since."
            seen.discard(b.id)
            continue
        if b.id in local:
            name, updated, url, notes, tags = local[b.id]
            row.changes = [f for f, x, y in (("name", name, b.name), ("url", url, b.url), ("notes", notes, b.notes),
                                            ("tags", sorted(tags), sorted(b.tags))) if x != y]
            if (mode == "merge" and b.updated_ms <= updated) or not row.changes:
                row.action, row.reason = "unchanged", "This store's copy is as new or newer."
            else:
                row.action = "update"
    for bid, (name, updated, url, _notes, _tags) in local.items():
        if bid in seen:
            continue
        ts = bundle.tombstones.get(bid)
        if mode == "replace":
            plan.append(PlanRow("bookmark", "delete", bid, name, url, reason="Not in the backup."))
        elif ts and ts.kind == "bookmark" and updated <= ts.point:
            plan.append(PlanRow("bookmark", "delete", bid, name, url, reason="Deleted in the backup."))
    return plan
