"""Which accounts are the same account: the add-time duplicate rule (origin and user id).

``write.add_account`` refuses a duplicate through ``refuse_duplicate``; onboarding asks the same
question before it adds. ``dedupe`` cleans up duplicates already stored.
"""

from __future__ import annotations

from typing import Any

from allhub_core.errors import DuplicateAccount
from allhub_core.origin import origin_key
from allhub_core.store import Store

__all__ = ["duplicate_message", "find_duplicates", "refuse_duplicate"]


def find_duplicates(store: Store, site_url: str, user_id: str | None = None,
                    exclude_id: int | None = None) -> list[dict]:
    """Accounts on the same origin (and with the same user id when one is given)."""
    key = origin_key(site_url)
    if key is None:
        return []
    sql = "SELECT id, site_name, username, user_id, site_url FROM accounts WHERE site_url = ?"
    params: list[Any] = [key]
    if user_id is not None and str(user_id).strip():
        sql += " AND trim(user_id) = ?"
        params.append(str(user_id).strip())
    if exclude_id is not None:
        sql += " AND id <> ?"
        params.append(exclude_id)
    with store.read() as con:
        rows = con.execute(sql + " ORDER BY id", params).fetchall()
    return [dict(zip(("id", "site_name", "username", "user_id", "site_url"), r, strict=True)) for r in rows]


def duplicate_message(site_url: str, user_id: str | None, dups: list[dict]) -> str:
    if user_id and any(d["user_id"].strip() == str(user_id).strip() for d in dups):
        d = dups[0]
        who = f" ({d['username']})" if d["username"] else ""
        return f"An account for {site_url} with user ID {user_id} already exists{who} (id {d['id']})."
    return f"You already have {len(dups)} account(s) for {site_url}."


def refuse_duplicate(store: Store, site_url: str, user_id: str | None) -> None:
    """The add-time duplicate rule: ``DuplicateAccount`` when an account with this origin and user
    id exists (or, without a user id, one on this origin without a user id)."""
    dups = find_duplicates(store, site_url, user_id or None)
    if dups and (user_id or not any(d["user_id"] for d in dups)):
        raise DuplicateAccount(duplicate_message(site_url, user_id, dups), dups)
