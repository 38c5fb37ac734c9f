"""An account's stored login for the re-login check-in (issue 21; Migration 18: ``account_logins``).

Opt-in and only for that method: a user who chooses "log in again" for an account on a site that
credits the daily reward on login (AgentRouter and the like) stores the username and password
the site logs in with; the password is sealed with the store's key (``store.sealed``), one row
per account at most.

The rules, chosen so the method and its login never part:
- setting the method to ``relogin`` requires a stored login (``sync.set_checkin_method`` checks
  ``has_login``; given a username and password it stores them first, in the same call);
- ``clear_login`` ("Forget the password") also sets a ``relogin`` account back to automatic;
- the password is read in plain text only by ``open_logins``, for a check-in run; lists, the
  Account JSON, CSV and JSON exports and our backups never carry it (an encrypted backup does
  not either: a restored store asks for the password again), and deleting the account deletes it.
"""

from __future__ import annotations

from typing import Any

from allhub_core.accounts.model import parse_id
from allhub_core.accounts.write import require_ids
from allhub_core.errors import ValidationError
from allhub_core.store import Store, open_one, seal_one
from allhub_core.vocab import CheckInMethod

__all__ = ["clear_login", "has_login", "login_usernames", "open_logins", "set_login"]

_MAX = 256


def _clean(username: str, password: str) -> tuple[str, str]:
    name = (username or "").strip()
    if not name:
        raise ValidationError("The re-login check-in needs the username the site logs in with.")
    if not password:
        raise ValidationError("The re-login check-in needs the account's password.")
    if len(name) > _MAX or len(password) > _MAX:
        raise ValidationError(f"A username or password longer than {_MAX} characters is not one a site takes.")
    if any(ord(c) < 32 for c in name + password):
        raise ValidationError("The username and password may not hold control characters or line breaks.")
    return name, password


def set_login(store: Store, account_id: Any, username: str, password: str) -> None:
    """Store (or replace) the account's login, the password sealed."""
    aid = parse_id(account_id)
    name, secret = _clean(username, password)
    with store.write() as con:
        require_ids(con, [aid])
        con.execute("DELETE FROM account_logins WHERE account_id = ?", [aid])
        con.execute("INSERT INTO account_logins (account_id, username, password_enc, updated_at) "
                    "VALUES (?, ?, ?, now())", [aid, name, seal_one(store.box, secret)])


def clear_login(store: Store, account_id: Any) -> bool:
    """Forget the account's login; a ``relogin`` account goes back to the automatic check-in.
    True when there was one."""
    aid = parse_id(account_id)
    with store.write() as con:
        require_ids(con, [aid])
        had = con.execute("SELECT count(*) FROM account_logins WHERE account_id = ?", [aid]).fetchone()
        con.execute("DELETE FROM account_logins WHERE account_id = ?", [aid])
        con.execute("UPDATE accounts SET checkin_method = ?, user_updated_at = now(), updated_at = now() "
                    "WHERE id = ? AND checkin_method = ?", [CheckInMethod.AUTO.value, aid, CheckInMethod.RELOGIN.value])
    return bool(had and had[0])


def has_login(store: Store, account_id: Any) -> bool:
    return parse_id(account_id) in login_usernames(store, [account_id])


def login_usernames(store: Store, ids: list[Any]) -> dict[int, str]:
    """``{account id: username}`` of the accounts with a stored login (never the password)."""
    aids = [parse_id(i) for i in ids]
    with store.read() as con:
        rows = con.execute("SELECT account_id, username FROM account_logins WHERE list_contains(?, account_id)",
                           [aids]).fetchall()
    return {int(r[0]): str(r[1]) for r in rows}


def open_logins(store: Store, ids: list[Any]) -> dict[int, tuple[str, str]]:
    """``{account id: (username, password)}`` in plain text, for a check-in run only."""
    aids = [parse_id(i) for i in ids]
    with store.read() as con:
        rows = con.execute("SELECT account_id, username, password_enc FROM account_logins "
                           "WHERE list_contains(?, account_id)", [aids]).fetchall()
    return {int(r[0]): (str(r[1]), open_one(store.box, r[2]) or "") for r in rows}
