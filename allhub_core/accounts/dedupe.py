"""Duplicate cleanup: group accounts by origin + user id, propose a keeper, delete the rest.

``site_url`` is stored as its origin key (``origin.origin_key``), so grouping is a window
function over ``(site_url, trim(user_id))`` in SQL; site type is not part of the key, as
upstream. Accounts without a user id cannot be scanned and are counted as skipped.
Keep rules (first wins, ``id`` last): pinned -> enabled -> newest update -> oldest... as the
extension's ``buildKeepComparator``. Nothing is deleted until ``apply_dedupe``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from allhub_core.accounts.write import delete_rows, require_ids
from allhub_core.errors import ValidationError
from allhub_core.store import Store, one_row

__all__ = ["KEEP_RULES", "DedupePlan", "DedupeScan", "DuplicateGroup", "apply_dedupe", "scan_duplicates"]

KEEP_RULES = {
    "pinned": "Keep pinned (if any)",
    "enabled": "Keep enabled (if any)",
    "recent": "Keep most recently updated",
}

_ORDER = {
    "pinned": "pinned DESC, (NOT disabled) DESC, updated_at DESC, created_at DESC, id ASC",
    "enabled": "(NOT disabled) DESC, pinned DESC, updated_at DESC, created_at DESC, id ASC",
    "recent": "updated_at DESC, (NOT disabled) DESC, pinned DESC, created_at DESC, id ASC",
}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_WHY = {
    "pinned": "pinned, then enabled, then most recently updated",
    "enabled": "enabled, then pinned, then most recently updated",
    "recent": "most recently updated, then enabled, then pinned",
}


@dataclass
class DuplicateGroup:
    origin: str
    user_id: str
    accounts: list[dict]          # each: id, site_name, username, pinned, disabled, updated_at, ...
    keep_id: int                  # the rule's proposal
    reason: str

    @property
    def delete_ids(self) -> list[int]:
        return [a["id"] for a in self.accounts if a["id"] != self.keep_id]


@dataclass
class DedupeScan:
    rule: str
    groups: list[DuplicateGroup] = field(default_factory=list)
    unscannable: int = 0

    @property
    def delete_count(self) -> int:
        return sum(len(g.accounts) - 1 for g in self.groups)

    def summary(self) -> str:
        return f"{len(self.groups)} duplicate set(s) · {self.delete_count} account(s) to delete"

    def rows(self) -> list[dict[str, Any]]:
        """One row per account of every set, the rule's keeper marked ``recommended``."""
        return [{"origin": g.origin, "user_id": g.user_id, "id": a["id"], "site_name": a["site_name"],
                 "username": a["username"], "health_status": a["health_status"], "updated_at": a["updated_at"],
                 "pinned": bool(a["pinned"]), "disabled": bool(a["disabled"]), "recommended": a["id"] == g.keep_id}
                for g in self.groups for a in g.accounts]

    def exit_code(self) -> int:
        return 0

    def plan(self, keep: dict[Any, Any] | None = None) -> DedupePlan:
        """What ``apply_dedupe`` would delete. ``keep`` maps a set's ``(origin, user_id)`` (or its
        index) to the id to keep, or to a collection of ids to keep (an empty one leaves the set
        alone); a set not named keeps the rule's keeper. ``ValidationError`` for an id not in its set."""
        keep = keep or {}
        plan = DedupePlan()
        for i, g in enumerate(self.groups):
            chosen = keep.get((g.origin, g.user_id), keep.get(i, g.keep_id))
            kept = {int(k) for k in chosen} if isinstance(chosen, (list, tuple, set, frozenset)) else {int(chosen)}
            ids = {a["id"] for a in g.accounts}
            if stray := kept - ids:
                raise ValidationError(f"Account {min(stray)} is not in the duplicate set for {g.origin} "
                                      f"user {g.user_id}.")
            if not kept:
                plan.left_alone += 1
                continue
            gone = [a for a in g.accounts if a["id"] not in kept]
            if gone:
                plan.sets += 1
                plan.delete += [{**a, "origin": g.origin, "user_id": g.user_id} for a in gone]
        return plan


@dataclass
class DedupePlan:
    """The accounts a clean-up deletes, the sets it touches and the sets left alone."""

    delete: list[dict[str, Any]] = field(default_factory=list)
    sets: int = 0
    left_alone: int = 0

    @property
    def delete_ids(self) -> list[int]:
        return [a["id"] for a in self.delete]

    @property
    def pinned(self) -> int:
        return sum(1 for a in self.delete if a["pinned"])

    def summary(self) -> str:
        text = f"This will delete {len(self.delete)} account(s) across {self.sets} duplicate set(s)"
        if self.left_alone:
            text += f"; {self.left_alone} set(s) with no account ticked to keep are left alone"
        return text + "."


def _moment(micros: int | None, zone: ZoneInfo) -> datetime | None:
    """An epoch in microseconds as the aware datetime DuckDB would have returned in the session's
    time zone: DuckDB's own conversion of a TIMESTAMPTZ cost about 0.25 s for the 20,000 stamps of
    5,000 duplicate sets (issue 18); this is a tenth of it."""
    return None if micros is None else (_EPOCH + timedelta(microseconds=micros)).astimezone(zone)


def scan_duplicates(store: Store, rule: str = "pinned") -> DedupeScan:
    """Every set of duplicates (same origin, same trimmed user id), each set's accounts in the
    keep rule's order (its first is the proposed keeper); accounts without a user id counted apart."""
    if rule not in KEEP_RULES:
        raise ValidationError(f"'{rule}' is not a keep rule; use pinned, enabled or recent.")
    sql = f"""
    WITH keyed AS (
        SELECT a.id, a.site_name, a.username, a.site_url, trim(a.user_id) AS uid, a.site_type, a.disabled,
               a.updated_at, a.created_at, a.health_status, a.quota,
               count(*) OVER (PARTITION BY a.site_url, trim(a.user_id)) AS n
        FROM accounts a WHERE trim(a.user_id) <> ''
    ),
    base AS (
        SELECT k.id, k.site_name, k.username, k.site_url, k.uid, k.site_type, k.disabled, k.updated_at,
               k.created_at, k.health_status, k.quota, (p.account_id IS NOT NULL) AS pinned
        FROM keyed k LEFT JOIN (SELECT DISTINCT account_id FROM pins) p ON p.account_id = k.id
        WHERE k.n > 1
    )
    SELECT id, site_name, username, site_url, uid, site_type, disabled, pinned, epoch_us(updated_at) AS updated_at,
           epoch_us(created_at) AS created_at, health_status, quota,
           row_number() OVER (PARTITION BY site_url, uid ORDER BY {_ORDER[rule]}) AS rk
    FROM base ORDER BY site_url, uid, rk"""
    with store.read() as con:
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        fetched = cur.fetchall()
        zone = ZoneInfo(one_row(con.execute("SELECT current_setting('TimeZone')"))[0])
        skipped = one_row(con.execute("SELECT count(*) FROM accounts WHERE trim(user_id) = ''"))[0]
    rows = [dict(zip(names, r, strict=True)) for r in fetched]
    for r in rows:
        r["updated_at"], r["created_at"] = _moment(r["updated_at"], zone), _moment(r["created_at"], zone)
    scan = DedupeScan(rule=rule, unscannable=skipped)
    current: DuplicateGroup | None = None
    for r in rows:
        if current is None or (r["site_url"], r["uid"]) != (current.origin, current.user_id):
            current = DuplicateGroup(origin=r["site_url"], user_id=r["uid"], accounts=[],
                                     keep_id=r["id"], reason=_WHY[rule])
            scan.groups.append(current)
        current.accounts.append(r)
    return scan


def apply_dedupe(store: Store, scan: DedupeScan, overrides: dict[Any, Any] | None = None) -> int:
    """Delete what ``scan.plan(overrides)`` says, in one transaction; the number deleted.

    ``overrides`` maps a set's ``(origin, user_id)`` (or its index) to the id, or the ids, to keep.
    Pins and manual order are pruned with the accounts.
    """
    delete = scan.plan(overrides).delete_ids
    if not delete:
        return 0
    with store.write() as con:
        require_ids(con, delete)  # the store changed since the preview: refuse rather than guess
        delete_rows(con, delete)
    return len(delete)
