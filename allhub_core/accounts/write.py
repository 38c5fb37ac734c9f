"""Writing accounts: add, edit (one diff, one transaction), bulk actions, delete, secrets, and
the import's many accounts at once (``write_many``, ``ensure_tags``, ``replace_pins_and_order``).

The one author of the accounts, their tags, pins and manual order. Secrets are sealed with the
store's key (``store.sealed``) before they reach DuckDB; only a masked hint (``sk-…abcd``) is
stored in clear for display. Every function here is one transaction through the store's single
write path, except the import's, which write inside the importer's one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import duckdb

from allhub_core.accounts.duplicates import duplicate_message, find_duplicates, refuse_duplicate
from allhub_core.accounts.model import AccountInput, check_credentials, clean_value, parse_id
from allhub_core.accounts.tags import normalize_tag_name, resolve_tag_ids
from allhub_core.errors import NotFound, ValidationError
from allhub_core.store import SecretBox, Store, mask_secret, one_row, opened, rows_table, seal_one, sealed
from allhub_core.vocab import CheckInMethod

__all__ = [
    "CHECKIN_METHODS", "SECRET_NAMES", "AccountRow", "add_account", "add_tag", "checkin_methods",
    "delete_accounts", "delete_rows", "duplicate_message", "ensure_tags", "find_duplicates", "get_secrets",
    "refuse_duplicate", "remove_tag", "replace_pins_and_order", "require_ids", "set_checkin_method",
    "set_disabled", "set_manual_order", "set_pinned", "set_secrets", "update_accounts", "write_many"
]

#: an account's secrets, each sealed in its ``<name>_enc`` column (``store.sealed``)
SECRET_NAMES = ("access_token", "cookie", "refresh_token")


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
             *sealed(box, {"access_token": acc.access_token, "cookie": acc.cookie,
                           "refresh_token": acc.refresh_token}).values(),
             hint, acc.notes, acc.exchange_rate, acc.disabled, acc.exclude_from_total_balance,
             acc.exclude_from_today_income, acc.manual_balance_usd, acc.auto_checkin, acc.checkin_url,
             acc.redeem_url, acc.checkin_supported, acc.health_status, acc.health_reason,
             int(acc.quota or 0)],
        ))[0]
        for tid in resolve_tag_ids(con, acc.tags):
            con.execute("INSERT INTO account_tags VALUES (?, ?)", [new_id, tid])
    return new_id


def require_ids(con: duckdb.DuckDBPyConnection, ids: Iterable[int]) -> list[int]:
    ids = [int(i) for i in ids]
    found = {r[0] for r in con.execute("SELECT id FROM accounts WHERE list_contains(?, id)", [ids]).fetchall()
             } if ids else set()
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
    # its keys go with it (the cache may hold a kept, sealed secret); its history stays
    for table in ("account_tags", "pins", "manual_order", "api_keys", "key_syncs",
                  "model_prices", "model_offers", "account_groups", "model_syncs", "model_changes", "account_logins"):
        con.execute(f"DELETE FROM {table} WHERE list_contains(?, account_id)", [aids])
    con.execute("DELETE FROM lookalike_kept WHERE list_contains(?, account_a) OR list_contains(?, account_b)",
                [aids, aids])
    con.execute("DELETE FROM accounts WHERE list_contains(?, id)", [aids])


def get_secrets(store: Store, ids: list[int]) -> dict[int, dict[str, str | None]]:
    """Decrypted secrets for the given accounts (for the network layer or an explicit export)."""
    with store.read() as con:
        rows = con.execute("SELECT id, access_token_enc, cookie_enc, refresh_token_enc FROM accounts "
                           "WHERE list_contains(?, id)", [[int(i) for i in ids]]).fetchall()
    return {r[0]: opened(store.box, SECRET_NAMES, r[1:]) for r in rows}


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
    sets: list[str] = []
    params: list[Any] = []
    for col, value in (("access_token_enc", access_token), ("cookie_enc", cookie),
                       ("refresh_token_enc", refresh_token)):
        if value is not None:
            sets.append(f"{col} = ?")
            params.append(seal_one(store.box, value.strip()))
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


# -- the import's accounts: many at once, inside the importer's transaction ---------------------

@dataclass
class AccountRow:
    """One account for ``write_many``: column values (checked by the caller against the table's
    types), secrets in plain text, tag names; ``id`` None adds it, an id overwrites that account."""

    values: dict[str, Any]
    secrets: dict[str, str] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    id: int | None = None


def ensure_tags(con: duckdb.DuckDBPyConnection, names: list[str],
                times: dict[str, tuple[str | None, str | None]] | None = None) -> list[int]:
    """The ids of tags ``names`` (as given, matched case-insensitively), creating missing ones
    with ``times`` (name -> ISO created, updated; now when absent)."""
    ids: list[int] = []
    for name in names:
        row = con.execute("SELECT id FROM tags WHERE name_key = ?", [name.casefold()]).fetchone()
        tid = row[0] if row else one_row(con.execute(
            "INSERT INTO tags (name, name_key, created_at, updated_at) VALUES (?, ?, "
            "coalesce(CAST(? AS TIMESTAMPTZ), now()), coalesce(CAST(? AS TIMESTAMPTZ), now())) RETURNING id",
            [name, name.casefold(), *(times or {}).get(name, (None, None))]))[0]
        if tid not in ids:
            ids.append(tid)
    return ids


def _secret_values(box: SecretBox, secrets: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = sealed(box, secrets, skip_empty=True)
    hint = secrets.get("access_token") or secrets.get("cookie")
    if hint:
        out["secret_hint"] = mask_secret(hint)
    return out


def write_many(con: duckdb.DuckDBPyConnection, box: SecretBox, rows: list[AccountRow],
               types: dict[str, str]) -> list[int]:
    """Add the new accounts of ``rows`` and overwrite the others (values, secrets, tags) inside the
    caller's transaction; the ids, in the order of ``rows``. ``types``: column -> DuckDB type.

    Set-based, so 5,000 new accounts take one INSERT per group of accounts with the same columns
    (``store.rows_table``): their ids come from the account sequence first; tags are resolved
    once per name and linked in one INSERT.
    """
    new = sum(r.id is None for r in rows)
    fresh = iter(sorted(r[0] for r in con.execute(
        "SELECT nextval('account_id_seq') FROM range(?)", [new]).fetchall()) if new else [])
    ids: list[int] = []
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for r in rows:
        params = {**r.values, **_secret_values(box, r.secrets)}
        if r.id is None:
            ids.append(next(fresh))
            groups.setdefault(tuple(params), []).append({"id": ids[-1], **params})
            continue
        ids.append(r.id)
        if params:
            sets = ", ".join(f'"{c}" = CAST(? AS {types[c]})' if c in r.values else f'"{c}" = ?' for c in params)
            con.execute(f"UPDATE accounts SET {sets} WHERE id = ?", [*params.values(), r.id])
    for keys, members in groups.items():
        cols = {"id": "BIGINT", **{c: types[c] for c in keys}}
        rows_table(con, "incoming_accounts", cols, members)
        names = ", ".join(f'"{c}"' for c in cols)
        con.execute(f"INSERT INTO accounts ({names}) SELECT {names} FROM incoming_accounts")
        con.execute("DROP TABLE incoming_accounts")
    if new < len(rows):
        con.execute("DELETE FROM account_tags WHERE list_contains(?, account_id)", [[r.id for r in rows if r.id]])
    tag_of = {n: ensure_tags(con, [n])[0] for n in dict.fromkeys(n for r in rows for n in r.tags)}
    links = [{"account_id": aid, "tag_id": tag_of[n]} for aid, r in zip(ids, rows, strict=True) for n in r.tags]
    if links:
        rows_table(con, "incoming_tags", {"account_id": "BIGINT", "tag_id": "BIGINT"}, links)
        con.execute("INSERT INTO account_tags SELECT DISTINCT account_id, tag_id FROM incoming_tags")
        con.execute("DROP TABLE incoming_tags")
    return ids


def replace_pins_and_order(con: duckdb.DuckDBPyConnection, pins: dict[int, int], order: dict[int, int]) -> None:
    """Replace every account's pin (id -> sequence number, the newest pin highest) and manual
    position (id -> position), inside the caller's transaction."""
    for table, given in (("pins", pins), ("manual_order", order)):
        con.execute(f"DELETE FROM {table}")
        if given:
            con.execute(f"INSERT INTO {table} SELECT unnest(?::BIGINT[]), unnest(?::BIGINT[])",
                        [list(given), list(given.values())])
