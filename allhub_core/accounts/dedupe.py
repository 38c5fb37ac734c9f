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

__all__ = ["KEEP_RULES", "DedupePage", "DedupePlan", "DedupeScan", "DuplicateGroup", "apply_dedupe", "duplicate_page",
           "scan_duplicates"]

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


def _rows_sql(rule: str, sets: str) -> str:
    """The accounts of the duplicate sets named by the CTE ``sets`` (``site_url``, ``uid``), each
    set's accounts in the keep rule's order (``rk``), sets in (origin, user id) order."""
    return f"""
    base AS (
        SELECT a.id, a.site_name, a.username, a.site_url, s.uid, a.site_type, a.disabled, a.updated_at,
               a.created_at, a.health_status, a.quota, (p.account_id IS NOT NULL) AS pinned
        FROM accounts a JOIN {sets} s ON s.site_url = a.site_url AND s.uid = trim(a.user_id)
        LEFT JOIN (SELECT DISTINCT account_id FROM pins) p ON p.account_id = a.id
    )
    SELECT id, site_name, username, site_url, uid, site_type, disabled, pinned, epoch_us(updated_at) AS updated_at,
           epoch_us(created_at) AS created_at, health_status, quota,
           row_number() OVER (PARTITION BY site_url, uid ORDER BY {_ORDER[rule]}) AS rk
    FROM base ORDER BY site_url, uid, rk"""


#: every duplicate set's key and size: the same origin and trimmed user id, two accounts or more
_SETS = """
    sets AS (
        SELECT site_url, trim(user_id) AS uid, count(*) AS n FROM accounts
        WHERE trim(user_id) <> '' GROUP BY site_url, trim(user_id) HAVING count(*) > 1
    )"""

_SKIPPED = "SELECT count(*) FROM accounts WHERE trim(user_id) = ''"


def _check_rule(rule: str) -> None:
    if rule not in KEEP_RULES:
        raise ValidationError(f"'{rule}' is not a keep rule; use pinned, enabled or recent.")


def _groups(con: Any, sql: str, params: list[Any], rule: str) -> list[DuplicateGroup]:
    """The sets ``sql`` returns (``_rows_sql``'s columns), the times as the session's aware datetimes."""
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    fetched = cur.fetchall()
    zone = ZoneInfo(one_row(con.execute("SELECT current_setting('TimeZone')"))[0])
    groups: list[DuplicateGroup] = []
    current: DuplicateGroup | None = None
    for values in fetched:
        r = dict(zip(names, values, strict=True))
        r["updated_at"], r["created_at"] = _moment(r["updated_at"], zone), _moment(r["created_at"], zone)
        if current is None or (r["site_url"], r["uid"]) != (current.origin, current.user_id):
            current = DuplicateGroup(origin=r["site_url"], user_id=r["uid"], accounts=[],
                                     keep_id=r["id"], reason=_WHY[rule])
            groups.append(current)
        current.accounts.append(r)
    return groups


def scan_duplicates(store: Store, rule: str = "pinned") -> DedupeScan:
    """Every set of duplicates (same origin, same trimmed user id), each set's accounts in the
    keep rule's order (its first is the proposed keeper); accounts without a user id counted apart."""
    _check_rule(rule)
    with store.read() as con:
        groups = _groups(con, f"WITH {_SETS}, {_rows_sql(rule, 'sets')}", [], rule)
        skipped = one_row(con.execute(_SKIPPED))[0]
    return DedupeScan(rule=rule, groups=groups, unscannable=skipped)


@dataclass
class DedupePage:
    """One page of ``scan_duplicates``' sets (the same sets, in the same order, with the same
    keepers) and the counts of the whole scan: what the Duplicate cleanup page draws (issue 18:
    building every set of 100,000 accounts on each visit to show 100 of them)."""

    rule: str
    groups: list[DuplicateGroup]
    sets: int
    delete_count: int
    unscannable: int

    def summary(self) -> str:
        return f"{self.sets} duplicate set(s) · {self.delete_count} account(s) to delete"


def duplicate_page(store: Store, rule: str = "pinned", *, limit: int, offset: int = 0) -> DedupePage:
    """``limit`` duplicate sets from the ``offset``-th (in ``scan_duplicates``' order), with the
    number of sets, of accounts the rule would delete and of accounts without a user id. The bulk
    preview and ``apply_dedupe`` take the whole ``scan_duplicates``."""
    _check_rule(rule)
    if limit < 1 or offset < 0:
        raise ValidationError("A page of duplicate sets needs a positive size and a non-negative start.")
    # the sets are grouped once: their counts and the page's keys in one pass, then the page's accounts
    cut = f"[{int(offset) + 1}:{int(offset) + int(limit)}]"
    counted = f"""WITH {_SETS}
    SELECT count(*), coalesce(sum(n - 1), 0), list(site_url ORDER BY site_url, uid){cut},
           list(uid ORDER BY site_url, uid){cut} FROM sets"""
    shown = "shown AS (SELECT unnest(?::VARCHAR[]) AS site_url, unnest(?::VARCHAR[]) AS uid),"
    with store.read() as con:
        sets, deletes, origins, uids = one_row(con.execute(counted))
        groups = _groups(con, f"WITH {shown} {_rows_sql(rule, 'shown')}", [origins or [], uids or []], rule)
        skipped = one_row(con.execute(_SKIPPED))[0]
    return DedupePage(rule=rule, groups=groups, sets=int(sets), delete_count=int(deletes), unscannable=int(skipped))


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
