"""Writing accounts: add, edit (one diff, one transaction), bulk actions, delete, secrets.

Validation happens before any write, with the extension's messages, so bad input changes
nothing. Secrets are encrypted with the store's key before they reach DuckDB; only a masked
hint (``sk-…abcd``) is stored in clear for display.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable

import duckdb

from .crypto import mask_secret
from .db import Store
from .errors import DuplicateAccount, NotFound, ValidationError
from .origin import is_http_url, normalize_site_url, origin_key
from .query import AccountFilter, list_accounts
from .tags import resolve_tag_ids

__all__ = ["AccountInput", "SITE_TYPES", "AUTH_TYPES", "EDITABLE_FIELDS", "add_account",
           "find_duplicates", "get_account", "account_records", "update_accounts",
           "set_disabled", "add_tag", "remove_tag", "delete_accounts", "set_pinned",
           "set_manual_order", "get_secrets", "set_secrets", "parse_exchange_rate", "DEFAULT_EXCHANGE_RATE",
           "MAX_EXCHANGE_RATE", "check_credentials"]

DEFAULT_EXCHANGE_RATE = 7.2
#: CNY per USD is about 7; anything above this is a typo (or a hostile site) and would turn the
#: CNY figures into infinities.
MAX_EXCHANGE_RATE = 1_000_000.0
SITE_TYPES = ("new-api", "one-api", "Veloera", "one-hub", "done-hub", "anyrouter", "wong-gongyi",
              "v-api", "VoAPI", "voapi-v2", "Super-API", "Rix-Api", "neo-Api", "ModelFlare",
              "sub2api", "unknown")
AUTH_TYPES = ("access_token", "cookie", "none")
HEALTH_STATUSES = ("healthy", "warning", "error", "unknown")

#: Fields that grid edits and ``account set`` may change, with their kind.
EDITABLE_FIELDS = {
    "site_name": "text", "notes": "text", "exchange_rate": "rate", "tags": "tags",
    "pinned": "bool", "disabled": "bool", "exclude_from_total_balance": "bool",
    "exclude_from_today_income": "bool", "auto_checkin": "bool", "checkin_url": "url",
    "redeem_url": "url", "username": "text", "user_id": "text", "site_type": "site_type",
    "manual_balance_usd": "money", "manual_position": "order",
}


def parse_exchange_rate(value: Any) -> float:
    """A finite number with 0 < rate <= ``MAX_EXCHANGE_RATE``, else the extension's message."""
    try:
        rate = float(str(value).strip()) if value is not None and str(value).strip() != "" else None
    except ValueError:
        rate = None
    if rate is None or not math.isfinite(rate) or rate <= 0:
        raise ValidationError("Please enter a valid exchange rate, greater than 0.")
    if rate > MAX_EXCHANGE_RATE:
        raise ValidationError(f"Please enter a valid exchange rate, at most {MAX_EXCHANGE_RATE:,.0f} (CNY per USD).")
    return rate


# What an HTTP header can carry: tokens and user ids travel in headers (Authorization, New-API-User
# and friends), cookies in the Cookie header. Header values are ASCII; anything else used to fail
# deep in the HTTP client. Tokens and user ids never hold a space; a Cookie header does ("a=1; b=2").
_VISIBLE_ASCII = frozenset(map(chr, range(0x21, 0x7F)))
_HEADER_ASCII = _VISIBLE_ASCII | {" "}
_NO_SPACES = "may contain only ASCII letters, digits and punctuation (no spaces, accented letters or control characters)."
_CREDENTIAL_RULES = {
    "access_token": (f"The access token {_NO_SPACES}", _VISIBLE_ASCII),
    "refresh_token": (f"The refresh token {_NO_SPACES}", _VISIBLE_ASCII),
    "cookie": ("The session cookie may contain only ASCII characters (no accented letters or control characters).",
               _HEADER_ASCII),
    "user_id": (("The user ID may contain only ASCII letters, digits and punctuation, for example 12 (no "
                 "full-width digits, other scripts, spaces or control characters)."), _VISIBLE_ASCII),
}


def check_credentials(*, access_token: str | None = None, cookie: str | None = None,
                      refresh_token: str | None = None, user_id: str | None = None) -> None:
    """Raise ValidationError (one sentence, never quoting the value) for a credential that an
    HTTP header cannot carry. Values are judged as stored: stripped; empty ones are not judged."""
    for name, value in (("access_token", access_token), ("cookie", cookie), ("refresh_token", refresh_token),
                        ("user_id", user_id)):
        text = str(value).strip() if value is not None else ""
        message, allowed = _CREDENTIAL_RULES[name]
        if text and not set(text) <= allowed:
            raise ValidationError(message)


def _parse_money(value: Any) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == "":
        return None
    try:
        amount = float(str(value).strip())
    except ValueError:
        amount = -1.0
    if not math.isfinite(amount) or amount < 0:
        raise ValidationError("Please enter a valid amount (>= 0).")
    return amount


def _check_url(value: str | None, what: str) -> str:
    text = (value or "").strip()
    if text and not is_http_url(text):
        raise ValidationError(f"The {what} must be an http(s) URL.")
    return text


@dataclass
class AccountInput:
    """Everything a user can type when adding an account (manual or after auto-recognize)."""

    site_url: str
    site_name: str = ""
    site_type: str = "unknown"
    user_id: str = ""
    username: str = ""
    auth_type: str = "access_token"
    access_token: str = ""
    cookie: str = ""
    refresh_token: str = ""
    tags: list[str] = field(default_factory=list)
    notes: str = ""
    exchange_rate: Any = DEFAULT_EXCHANGE_RATE
    checkin_url: str = ""
    redeem_url: str = ""
    auto_checkin: bool = True
    manual_balance_usd: Any = None
    exclude_from_total_balance: bool = False
    exclude_from_today_income: bool = False
    disabled: bool = False
    # What a successful recognize/refresh learned; None means "not known yet".
    quota: int | None = None
    checkin_supported: bool | None = None
    health_status: str = "unknown"
    health_reason: str = ""

    def validated(self) -> "AccountInput":
        """Return a cleaned copy or raise ValidationError with one sentence."""
        site_url = normalize_site_url(self.site_url)
        name = " ".join((self.site_name or "").split())
        if not name:
            raise ValidationError("Please fill in all account information: the site name is empty.")
        if self.site_type not in SITE_TYPES:
            raise ValidationError(f"'{self.site_type}' is not a known site type; use one of: {', '.join(SITE_TYPES)}.")
        if self.auth_type not in AUTH_TYPES:
            raise ValidationError("The auth mode must be access_token, cookie or none.")
        user_id = str(self.user_id if self.user_id is not None else "").strip()
        if not user_id and self.auth_type != "none":
            raise ValidationError("Please fill in all account information: the user ID is empty.")
        token = (self.access_token or "").strip()
        cookie = (self.cookie or "").strip()
        if self.auth_type == "access_token" and not token:
            raise ValidationError("Please fill in all account information: the access token is empty.")
        if self.auth_type == "cookie" and not cookie:
            raise ValidationError("Please fill in all account information: the session cookie is empty.")
        check_credentials(access_token=token, cookie=cookie, refresh_token=self.refresh_token, user_id=user_id)
        if self.health_status not in HEALTH_STATUSES:
            raise ValidationError("Unknown health status.")
        return AccountInput(
            site_url=site_url, site_name=name, site_type=self.site_type, user_id=user_id,
            username=(self.username or "").strip(), auth_type=self.auth_type, access_token=token,
            cookie=cookie, refresh_token=(self.refresh_token or "").strip(),
            tags=[t for t in (self.tags or []) if t and t.strip()], notes=self.notes or "",
            exchange_rate=parse_exchange_rate(self.exchange_rate),
            checkin_url=_check_url(self.checkin_url, "check-in URL"),
            redeem_url=_check_url(self.redeem_url, "redeem URL"), auto_checkin=bool(self.auto_checkin),
            manual_balance_usd=_parse_money(self.manual_balance_usd),
            exclude_from_total_balance=bool(self.exclude_from_total_balance),
            exclude_from_today_income=bool(self.exclude_from_today_income),
            disabled=bool(self.disabled), quota=self.quota, checkin_supported=self.checkin_supported,
            health_status=self.health_status, health_reason=self.health_reason or "",
        )


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
    return [dict(zip(("id", "site_name", "username", "user_id", "site_url"), r)) for r in rows]


def duplicate_message(site_url: str, user_id: str | None, dups: list[dict]) -> str:
    if user_id and any(d["user_id"].strip() == str(user_id).strip() for d in dups):
        d = dups[0]
        who = f" ({d['username']})" if d["username"] else ""
        return f"An account for {site_url} with user ID {user_id} already exists{who} (id {d['id']})."
    return f"You already have {len(dups)} account(s) for {site_url}."


def add_account(store: Store, data: AccountInput, *, allow_duplicate: bool = True) -> int:
    """Validate and insert one account; returns its id. Nothing is written on any error."""
    acc = data.validated()
    if not allow_duplicate:
        dups = find_duplicates(store, acc.site_url, acc.user_id or None)
        if dups and (acc.user_id or not any(d["user_id"] for d in dups)):
            raise DuplicateAccount(duplicate_message(acc.site_url, acc.user_id, dups), dups)
    box = store.box
    hint = mask_secret(acc.access_token or acc.cookie)
    with store.write() as con:
        new_id = con.execute(
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
        ).fetchone()[0]
        for tid in resolve_tag_ids(con, acc.tags):
            con.execute("INSERT INTO account_tags VALUES (?, ?)", [new_id, tid])
    return new_id


def _existing_ids(con: duckdb.DuckDBPyConnection, ids: Iterable[int]) -> list[int]:
    wanted = [int(i) for i in ids]
    if not wanted:
        return []
    rows = con.execute("SELECT id FROM accounts WHERE list_contains(?, id)", [wanted]).fetchall()
    return sorted(r[0] for r in rows)


def _require(con: duckdb.DuckDBPyConnection, ids: Iterable[int]) -> list[int]:
    ids = [int(i) for i in ids]
    found = set(_existing_ids(con, ids))
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(f"Account {missing[0]} does not exist.")
    return ids


def parse_id(value: Any) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        raise ValidationError(f"'{value}' is not an account id (ids are numbers, see 'allhub account list').") from None


def account_records(store: Store, ids: list[int] | None = None, f: AccountFilter | None = None,
                    prefs: dict | None = None, include_secrets: bool = False) -> list[dict]:
    """Account JSON records (cli.md), in sort order; secrets only when asked for."""
    from .preferences import get_preferences

    prefs = prefs or get_preferences(store)
    flt = f or AccountFilter()
    if ids is not None:
        flt = AccountFilter(**{**flt.__dict__, "ids": [int(i) for i in ids]})
    df = list_accounts(store, flt, prefs)
    records = [_record(row) for row in df.to_dict("records")]
    if include_secrets and records:
        secrets = get_secrets(store, [int(r["id"]) for r in records])
        for r in records:
            r.update(secrets.get(int(r["id"]), {}))
    return records


def _iso(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _num(value: Any) -> float | None:
    if value is None:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _record(row: dict) -> dict:
    return {
        "id": str(row["id"]),
        "site_name": row["site_name"], "site_url": row["site_url"], "site_type": row["site_type"],
        "user_id": str(row["user_id"]), "username": row["username"], "auth_type": row["auth_type"],
        "tags": list(row["tags"]), "pinned": bool(row["pinned"]), "disabled": bool(row["disabled"]),
        "health_status": row["health_status"], "health_reason": row["health_reason"],
        "quota": int(row["quota"]),
        "balance_usd": _num(row["balance_usd"]), "balance_cny": _num(row["balance_cny"]),
        "today_consumption_usd": _num(row["today_consumption_usd"]),
        "today_income_usd": _num(row["today_income_usd"]),
        "exchange_rate": float(row["exchange_rate"]), "checkin_status": row["checkin_status"],
        "last_sync_time": _iso(row["last_sync_time"]),
        "notes": row["notes"],
        "exclude_from_total_balance": bool(row["exclude_from_total_balance"]),
        "exclude_from_today_income": bool(row["exclude_from_today_income"]),
        "manual_balance_usd": _num(row["manual_balance_usd"]),
        "auto_checkin": bool(row["auto_checkin"]),
        "checkin_url": row["checkin_url"], "redeem_url": row["redeem_url"],
        "created_at": _iso(row["created_at"]), "updated_at": _iso(row["updated_at"]),
    }


def get_account(store: Store, account_id: Any) -> dict:
    aid = parse_id(account_id)
    recs = account_records(store, ids=[aid])
    if not recs:
        raise NotFound(f"Account {aid} does not exist.")
    return recs[0]


def _clean_value(name: str, value: Any) -> Any:
    kind = EDITABLE_FIELDS.get(name)
    if kind is None:
        raise ValidationError(f"'{name}' cannot be edited.")
    if kind == "text":
        text = "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
        if name == "site_name":
            text = " ".join(text.split())
            if not text:
                raise ValidationError("The site name cannot be empty.")
        if name == "user_id":
            text = text.strip()
            check_credentials(user_id=text)
        return text
    if kind == "rate":
        return parse_exchange_rate(value)
    if kind == "bool":
        return bool(value)
    if kind == "url":
        return _check_url(value if isinstance(value, str) else "", name.replace("_", " "))
    if kind == "site_type":
        if value not in SITE_TYPES:
            raise ValidationError(f"'{value}' is not a known site type.")
        return value
    if kind == "money":
        return _parse_money(value)
    if kind == "order":
        if value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == "":
            return None
        try:
            pos = int(float(str(value)))
        except ValueError:
            pos = 0
        if pos < 1:
            raise ValidationError("The manual order must be a whole number of at least 1 (or empty).")
        return pos
    if kind == "tags":
        if value is None:
            return []
        return [str(t) for t in value if str(t).strip()]
    raise AssertionError(kind)


def update_accounts(store: Store, changes: dict[Any, dict[str, Any]]) -> int:
    """Apply ``{account_id: {field: value}}`` in one transaction; returns accounts changed.

    Every value is validated first; one bad value rejects the whole diff and changes nothing.
    """
    clean: dict[int, dict[str, Any]] = {}
    for raw_id, fields in changes.items():
        aid = parse_id(raw_id)
        clean[aid] = {k: _clean_value(k, v) for k, v in fields.items()}
    if not clean:
        return 0
    with store.write() as con:
        _require(con, clean)
        for aid, fields in clean.items():
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
    return len(clean)


def _pin(con: duckdb.DuckDBPyConnection, aid: int, pinned: bool) -> None:
    is_pinned = con.execute("SELECT count(*) FROM pins WHERE account_id = ?", [aid]).fetchone()[0] > 0
    if pinned and not is_pinned:
        con.execute("INSERT INTO pins VALUES (?, nextval('pin_seq'))", [aid])
    elif not pinned and is_pinned:
        con.execute("DELETE FROM pins WHERE account_id = ?", [aid])


def set_pinned(store: Store, ids: list[Any], pinned: bool) -> int:
    """Pin (re-pinning moves to the front: newest pin first) or unpin."""
    with store.write() as con:
        aids = _require(con, [parse_id(i) for i in ids])
        for aid in aids:
            if pinned:
                con.execute("DELETE FROM pins WHERE account_id = ?", [aid])
            _pin(con, aid, pinned)
    return len(aids)


def set_manual_order(store: Store, ordered_ids: list[Any]) -> None:
    """Replace the manual order with the given ids (others follow, unordered)."""
    with store.write() as con:
        aids = _require(con, [parse_id(i) for i in ordered_ids])
        con.execute("DELETE FROM manual_order")
        for pos, aid in enumerate(dict.fromkeys(aids)):
            con.execute("INSERT INTO manual_order VALUES (?, ?)", [aid, pos])


def set_disabled(store: Store, ids: list[Any], disabled: bool) -> int:
    with store.write() as con:
        aids = _require(con, [parse_id(i) for i in ids])
        if aids:
            con.execute("UPDATE accounts SET disabled = ?, updated_at = now(), user_updated_at = now() "
                        "WHERE list_contains(?, id)", [disabled, aids])
    return len(aids)


def add_tag(store: Store, ids: list[Any], tag: str) -> int:
    with store.write() as con:
        aids = _require(con, [parse_id(i) for i in ids])
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
        aids = _require(con, [parse_id(i) for i in ids])
        tid = resolve_tag_ids(con, [tag], create=False)[0]
        n = con.execute("SELECT count(DISTINCT account_id) FROM account_tags WHERE tag_id = ? "
                        "AND list_contains(?, account_id)", [tid, aids]).fetchone()[0]
        con.execute("DELETE FROM account_tags WHERE tag_id = ? AND list_contains(?, account_id)", [tid, aids])
    return n


def delete_accounts(store: Store, ids: list[Any]) -> int:
    """Delete accounts with their tags, pins and manual order, in one transaction."""
    with store.write() as con:
        aids = _require(con, [parse_id(i) for i in ids])
        _delete(con, aids)
    return len(aids)


def _delete(con: duckdb.DuckDBPyConnection, aids: list[int]) -> None:
    if not aids:
        return
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
    sets, params = [], []
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
        _require(c, [aid])
        c.execute(f"UPDATE accounts SET {', '.join(sets)}, updated_at = now() WHERE id = ?", [*params, aid])

    if con is not None:
        run(con)
    else:
        with store.write() as c:
            run(c)
