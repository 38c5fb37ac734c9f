"""Writing accounts: add, edit (one diff, one transaction), bulk actions, delete, secrets.

Secrets are encrypted with the store's key before they reach DuckDB; only a masked hint
(``sk-…abcd``) is stored in clear for display. Every function here is one transaction through
the store's single write path.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import duckdb

from allhub_core.accounts.model import AccountInput, check_credentials, clean_value, parse_id
from allhub_core.accounts.tags import normalize_tag_name, resolve_tag_ids
from allhub_core.errors import DuplicateAccount, NotFound, ValidationError
from allhub_core.origin import origin_key
from allhub_core.store import Store, mask_secret, one_row
from allhub_core.vocab import CheckInMethod

__all__ = [
    "CHECKIN_METHODS",
    "add_account",
    "add_tag",
    "checkin_methods",
    "delete_accounts",
    "delete_rows",
    "duplicate_message",
    "find_duplicates",
    "get_secrets",
    "refuse_duplicate",
    "remove_tag",
    "require_ids",
    "set_checkin_method",
    "set_disabled",
    "set_manual_order",
    "set_pinned",
    "set_secrets",
    "update_accounts",
]


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


def add_account(store: Store, data: AccountInput, *, allow_duplicate: bool = True) -> int:
    """Validate and insert one account; returns its id. Nothing is written on any error."""
    acc = data.validated()
    if not allow_duplicate:
        refuse_duplicate(store, acc.site_url, acc.user_id)
    box = store.box
    hint = mask_secret(acc.access_token or acc.cookie)
    with store.write() as con:
        new_id = one_row(con.execute(
            """INSERT INTO accounts (site_name, site_url, site_type, user_id, username, auth_type,
                access_token_enc, cookie_enc, refresh_token_enc, secret_hint, notes, exchange_rate,
                disabled, exclude_from_total_balance, exclude_from_today_income, manual_balance_usd,
                auto_checkin, checkin_url, redeem_url, checkin_supported, health_status, health_reason,
                quota)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
            [acc.site_name, acc.site_url, acc.site_type, acc.user_id, acc.username, acc.auth_type,
             box.encrypt(acc.access_token), box.encrypt(acc.cookie), box.encrypt(acc.refresh_token),
             hint, acc.notes, acc.exchange_rate, acc.disabled, acc.exclude_from_total_balance,
             acc.exclude_from_today_income, acc.manual_balance_usd, acc.auto_checkin, acc.checkin_url,
             acc.redeem_url, acc.checkin_supported, acc.health_status, acc.health_reason,
             int(acc.quota or 0)],
        ))[0]
        for tid in resolve_tag_ids(con, acc.tags):
            con.execute("INSERT INTO account_tags VALUES (?, ?)", [new_id, tid])
    return new_id


def _existing_ids(con: duckdb.DuckDBPyConnection, ids: Iterable[int]) -> list[int]:
    wanted = [int(i) for i in ids]
    if not wanted:
        return []
    rows = con.execute("SELECT id FROM accounts WHERE list_contains(?, id)", [wanted]).fetchall()
    return sorted(r[0] for r in rows)


def require_ids(con: duckdb.DuckDBPyConnection, ids: Iterable[int]) -> list[int]:
    ids = [int(i) for i in ids]
    found = set(_existing_ids(con, ids))
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(f"Account {missing[0]} does not exist.")
    return ids


def update_accounts(store: Store, changes: dict[Any, dict[str, Any]]) -> int:
    """Apply ``{account_id: {field: value}}`` in one transaction; returns accounts changed.

    Every value is validated first; one bad value rejects the whole diff and changes nothing.
    A value equal to the stored one (tags compared as a set, case-insensitively) is no change:
    it is not written and does not move the account's edit time.
    """
    clean: dict[int, dict[str, Any]] = {}
    for raw_id, fields in changes.items():
        aid = parse_id(raw_id)
        clean[aid] = {k: clean_value(k, v) for k, v in fields.items()}
    if not clean:
        return 0
    changed = 0
    with store.write() as con:
        require_ids(con, clean)
        for aid, asked in clean.items():
            fields = _differences(con, aid, asked)
            if not fields:
                continue
            changed += 1
            scalar = {k: v for k, v in fields.items() if k not in ("tags", "pinned", "manual_position")}
            if scalar:
                cols = ", ".join(f"{k} = ?" for k in scalar)
                con.execute(f"UPDATE accounts SET {cols}, updated_at = now(), user_updated_at = now() "
                            f"WHERE id = ?", [*scalar.values(), aid])
            if "tags" in fields:
                tids = resolve_tag_ids(con, fields["tags"])
                con.execute("DELETE FROM account_tags WHERE account_id = ?", [aid])
                for tid in tids:
                    con.execute("INSERT INTO account_tags VALUES (?, ?)", [aid, tid])
            if "pinned" in fields:
                _pin(con, aid, fields["pinned"])
            if "manual_position" in fields:
                con.execute("DELETE FROM manual_order WHERE account_id = ?", [aid])
                if fields["manual_position"] is not None:
                    con.execute("INSERT INTO manual_order VALUES (?, ?)", [aid, fields["manual_position"]])
            if "tags" in fields or "pinned" in fields or "manual_position" in fields:
                con.execute("UPDATE accounts SET updated_at = now(), user_updated_at = now() WHERE id = ?", [aid])
    return changed


def _differences(con: duckdb.DuckDBPyConnection, aid: int, fields: dict[str, Any]) -> dict[str, Any]:
    """The cleaned ``fields`` whose value differs from what account ``aid`` has now."""
    scalar = [k for k in fields if k not in ("tags", "pinned", "manual_position")]
    out: dict[str, Any] = {}
    if scalar:  # the names are EDITABLE_FIELDS keys (clean_value refused any other)
        now = one_row(con.execute(f"SELECT {', '.join(scalar)} FROM accounts WHERE id = ?", [aid]))
        out = {k: fields[k] for k, old in zip(scalar, now, strict=True) if fields[k] != old}
    if "tags" in fields:
        have = {r[0] for r in con.execute("SELECT t.name_key FROM account_tags lk JOIN tags t ON t.id = lk.tag_id "
                                          "WHERE lk.account_id = ?", [aid]).fetchall()}
        if {normalize_tag_name(n).casefold() for n in fields["tags"]} != have:
            out["tags"] = fields["tags"]
    if "pinned" in fields:
        pinned = one_row(con.execute("SELECT count(*) FROM pins WHERE account_id = ?", [aid]))[0] > 0
        if fields["pinned"] != pinned:
            out["pinned"] = fields["pinned"]
    if "manual_position" in fields:
        row = con.execute("SELECT position FROM manual_order WHERE account_id = ?", [aid]).fetchone()
        if fields["manual_position"] != (row[0] if row else None):
            out["manual_position"] = fields["manual_position"]
    return out


def _pin(con: duckdb.DuckDBPyConnection, aid: int, pinned: bool) -> None:
    is_pinned = one_row(con.execute("SELECT count(*) FROM pins WHERE account_id = ?", [aid]))[0] > 0
    if pinned and not is_pinned:
        con.execute("INSERT INTO pins VALUES (?, nextval('pin_seq'))", [aid])
    elif not pinned and is_pinned:
        con.execute("DELETE FROM pins WHERE account_id = ?", [aid])


def set_pinned(store: Store, ids: list[Any], pinned: bool) -> int:
    """Pin (re-pinning moves to the front: newest pin first) or unpin."""
    with store.write() as con:
        aids = require_ids(con, [parse_id(i) for i in ids])
        for aid in aids:
            if pinned:
                con.execute("DELETE FROM pins WHERE account_id = ?", [aid])
            _pin(con, aid, pinned)
    return len(aids)


def set_manual_order(store: Store, ordered_ids: list[Any]) -> None:
    """Replace the manual order with the given ids (others follow, unordered)."""
    with store.write() as con:
        aids = require_ids(con, [parse_id(i) for i in ordered_ids])
        con.execute("DELETE FROM manual_order")
        for pos, aid in enumerate(dict.fromkeys(aids)):
            con.execute("INSERT INTO manual_order VALUES (?, ?)", [aid, pos])


def set_disabled(store: Store, ids: list[Any], disabled: bool) -> int:
    with store.write() as con:
        aids = require_ids(con, [parse_id(i) for i in ids])
        if aids:
            con.execute("UPDATE accounts SET disabled = ?, updated_at = now(), user_updated_at = now() "
                        "WHERE list_contains(?, id)", [disabled, aids])
    return len(aids)


def add_tag(store: Store, ids: list[Any], tag: str) -> int:
    with store.write() as con:
        aids = require_ids(con, [parse_id(i) for i in ids])
        tid = resolve_tag_ids(con, [tag])[0]
        have = {r[0] for r in con.execute(
            "SELECT account_id FROM account_tags WHERE tag_id = ? AND list_contains(?, account_id)",
            [tid, aids]).fetchall()}
        todo = [a for a in aids if a not in have]
        for aid in todo:
            con.execute("INSERT INTO account_tags VALUES (?, ?)", [aid, tid])
        if todo:
            con.execute("UPDATE accounts SET updated_at = now(), user_updated_at = now() "
                        "WHERE list_contains(?, id)", [todo])
    return len(todo)


def remove_tag(store: Store, ids: list[Any], tag: str) -> int:
    with store.write() as con:
        aids = require_ids(con, [parse_id(i) for i in ids])
        tid = resolve_tag_ids(con, [tag], create=False)[0]
        n = one_row(con.execute("SELECT count(DISTINCT account_id) FROM account_tags WHERE tag_id = ? "
                                "AND list_contains(?, account_id)", [tid, aids]))[0]
        con.execute("DELETE FROM account_tags WHERE tag_id = ? AND list_contains(?, account_id)", [tid, aids])
    return n


def delete_accounts(store: Store, ids: list[Any]) -> int:
    """Delete accounts with their tags, pins and manual order, in one transaction."""
    with store.write() as con:
        aids = require_ids(con, [parse_id(i) for i in ids])
        delete_rows(con, aids)
    return len(aids)


def delete_rows(con: duckdb.DuckDBPyConnection, aids: list[int], *, tombstone: bool = True) -> None:
    if not aids:
        return
    if tombstone:  # a deleted-entry record, so a later import merge does not bring the account back
        con.execute("DELETE FROM tombstones WHERE id IN (SELECT ext_id FROM accounts WHERE list_contains(?, id))",
                    [aids])
        con.execute("INSERT INTO tombstones (id, kind, deleted_at, entry_updated_at) SELECT ext_id, 'account', "
                    "epoch_ms(now()), epoch_ms(user_updated_at) FROM accounts "
                    "WHERE list_contains(?, id) AND ext_id IS NOT NULL", [aids])
    for table in ("account_tags", "pins", "manual_order"):
        con.execute(f"DELETE FROM {table} WHERE list_contains(?, account_id)", [aids])
    con.execute("DELETE FROM accounts WHERE list_contains(?, id)", [aids])


def get_secrets(store: Store, ids: list[int]) -> dict[int, dict[str, str | None]]:
    """Decrypted secrets for the given accounts (for the network layer or an explicit export)."""
    with store.read() as con:
        rows = con.execute("SELECT id, access_token_enc, cookie_enc, refresh_token_enc FROM accounts "
                           "WHERE list_contains(?, id)", [[int(i) for i in ids]]).fetchall()
    box = store.box
    return {r[0]: {"access_token": box.decrypt(r[1]), "cookie": box.decrypt(r[2]),
                   "refresh_token": box.decrypt(r[3])} for r in rows}


def set_secrets(store: Store, account_id: Any, *, access_token: str | None = None,
                cookie: str | None = None, refresh_token: str | None = None,
                con: duckdb.DuckDBPyConnection | None = None) -> None:
    """Replace the given secrets (None leaves one unchanged; "" clears only the refresh token).

    An empty access token or cookie is refused: it would leave the account without a way to
    sign in while looking configured.
    """
    aid = parse_id(account_id)
    for what, value in (("access token", access_token), ("session cookie", cookie)):
        if value is not None and not value.strip():
            raise ValidationError(f"The new {what} is empty.")
    check_credentials(access_token=access_token, cookie=cookie, refresh_token=refresh_token)
    box = store.box
    sets: list[str] = []
    params: list[Any] = []
    for col, value in (("access_token_enc", access_token), ("cookie_enc", cookie),
                       ("refresh_token_enc", refresh_token)):
        if value is not None:
            sets.append(f"{col} = ?")
            params.append(box.encrypt(value.strip()))
    hint = (access_token or cookie or "").strip()
    if hint:
        sets.append("secret_hint = ?")
        params.append(mask_secret(hint))
    if not sets:
        return

    def run(c: duckdb.DuckDBPyConnection) -> None:
        require_ids(c, [aid])
        c.execute(f"UPDATE accounts SET {', '.join(sets)}, updated_at = now() WHERE id = ?", [*params, aid])

    if con is not None:
        run(con)
    else:
        with store.write() as c:
            run(c)


CHECKIN_METHODS = CheckInMethod.values()


def set_checkin_method(store: Store, ids: list[Any], method: str, request_json: str = "") -> int:
    """Store how these accounts check in: ``auto``, a chosen built-in (``vocab.CheckInMethod``) or
    ``custom`` with the request as checked JSON (``sync.set_checkin_method`` checks the request
    against each account's site, and a built-in against its site type)."""
    if method not in CHECKIN_METHODS:
        raise ValidationError(f"The check-in method is one of: {', '.join(CHECKIN_METHODS)}.")
    if method == "custom" and not request_json:
        raise ValidationError("A custom check-in method needs its request.")
    aids = [parse_id(i) for i in ids]
    with store.write() as con:
        require_ids(con, aids)
        # Switching back to auto keeps the request, so switching again does not lose it.
        con.execute("UPDATE accounts SET checkin_method = ?, "
                    "checkin_request = CASE WHEN ? = '' THEN checkin_request ELSE ? END, "
                    "checkin_supported = CASE WHEN ? = 'custom' THEN true ELSE checkin_supported END, "
                    "user_updated_at = now(), updated_at = now() WHERE list_contains(?, id)",
                    [method, request_json, request_json, method, aids])
    return len(aids)


def checkin_methods(store: Store, ids: list[Any]) -> list[dict[str, Any]]:
    """id, site_url, site_type, checkin_method and checkin_request of these accounts (no secrets)."""
    aids = [parse_id(i) for i in ids]
    with store.read() as con:
        require_ids(con, aids)
        rows = con.execute("SELECT id, site_url, site_type, checkin_method, checkin_request FROM accounts "
                           "WHERE list_contains(?, id) ORDER BY id", [aids]).fetchall()
    return [{"id": r[0], "site_url": r[1], "site_type": r[2], "checkin_method": r[3], "checkin_request": r[4]}
            for r in rows]
