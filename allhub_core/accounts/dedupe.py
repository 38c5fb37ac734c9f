"""Duplicate cleanup: group accounts by origin + user id, propose a keeper, delete the rest.

``site_url`` is stored as its origin key (``origin.origin_key``), so grouping is a window
function over ``(site_url, trim(user_id))`` in SQL; site type is not part of the key, as
upstream. Accounts without a user id cannot be scanned and are counted as skipped.
Keep rules (first wins, ``id`` last): pinned -> enabled -> newest update -> oldest... as the
extension's ``buildKeepComparator``. Nothing is deleted until ``apply_dedupe``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from allhub_core.accounts.write import delete_rows, require_ids
from allhub_core.errors import ValidationError
from allhub_core.store import Store, one_row

__all__ = ["KEEP_RULES", "DedupeScan", "DuplicateGroup", "apply_dedupe", "scan_duplicates"]

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


def scan_duplicates(store: Store, rule: str = "pinned") -> DedupeScan:
    if rule not in KEEP_RULES:
        raise ValidationError(f"'{rule}' is not a keep rule; use pinned, enabled or recent.")
    sql = f"""
    WITH keyed AS (
        SELECT a.*, trim(a.user_id) AS uid,
               count(*) OVER (PARTITION BY a.site_url, trim(a.user_id)) AS n
        FROM accounts a WHERE trim(a.user_id) <> ''
    ),
    base AS (
        SELECT k.id, k.site_name, k.username, k.site_url, k.uid, k.site_type, k.disabled, k.updated_at,
               k.created_at, k.health_status, k.quota, (p.account_id IS NOT NULL) AS pinned
        FROM keyed k LEFT JOIN (SELECT DISTINCT account_id FROM pins) p ON p.account_id = k.id
        WHERE k.n > 1
    )
    SELECT id, site_name, username, site_url, uid, site_type, disabled, pinned, updated_at,
           created_at, health_status, quota,
           row_number() OVER (PARTITION BY site_url, uid ORDER BY {_ORDER[rule]}) AS rk
    FROM base ORDER BY site_url, uid, rk"""
    with store.read() as con:
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        skipped = one_row(con.execute("SELECT count(*) FROM accounts WHERE trim(user_id) = ''"))[0]
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
    """Delete every account of the scanned groups except each group's keeper, in one transaction.

    ``overrides`` maps a group's ``(origin, user_id)`` (or its index) to the id to keep instead.
    Pins and manual order are pruned with the accounts.
    """
    overrides = overrides or {}
    delete: list[int] = []
    for i, g in enumerate(scan.groups):
        keep = overrides.get((g.origin, g.user_id), overrides.get(i, g.keep_id))
        ids = [a["id"] for a in g.accounts]
        if int(keep) not in ids:
            raise ValidationError(f"Account {keep} is not in the duplicate set for {g.origin} user {g.user_id}.")
        delete += [a for a in ids if a != int(keep)]
    if not delete:
        return 0
    with store.write() as con:
        require_ids(con, delete)  # the store changed since the preview: refuse rather than guess
        delete_rows(con, delete)
    return len(delete)
