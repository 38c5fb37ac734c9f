"""The credential library on the store: add, change, remove, list (masked) and the newest
check of each, all SQL over ``credentials`` and ``credential_checks`` (migration 17).

The key is sealed on its way in (``store.sealed``: ``key_enc``); lists carry ``key_masked``
only. ``key_hash`` (sha256) refuses the same key twice. ``credential_targets`` is the one read
that opens keys, for the checks in ``sync.credential_checks``; ``credential_records`` gives the
library in the extension's profile shape (keys only when asked) and ``import_credential_records``
takes it back, so a backup can carry it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb

from allhub_core.credentials.model import (
    API_TYPES,
    TELEMETRY_MODES,
    CredentialInput,
    hash_key,
    mask_key,
)
from allhub_core.errors import NotFound, ValidationError
from allhub_core.store import SecretBox, Store, open_one, seal_one

__all__ = [
    "CheckRecord",
    "CredentialFilter",
    "CredentialTarget",
    "add_credential",
    "add_credential_records",
    "credential_facets",
    "credential_records",
    "credential_rows",
    "credential_targets",
    "credentials_to_add",
    "import_credential_records",
    "parse_credential_ids",
    "record_checks",
    "remove_credentials",
    "update_credential",
]

_EDITABLE = ("name", "base_url", "api_type", "tags", "notes", "expires_at", "telemetry", "custom_url",
             "custom_balance_path", "custom_used_path", "custom_total_path")


def parse_credential_ids(values: Iterable[Any]) -> list[int]:
    """Credential ids as the user typed them; one sentence for anything not a positive number."""
    out: list[int] = []
    for v in values:
        text = str(v).strip().lstrip("#")
        if not text.isdigit() or int(text) <= 0:
            raise ValidationError(f"{str(v)[:40]!r} is not a credential id (a positive number).")
        out.append(int(text))
    return out


def _same_key(con: duckdb.DuckDBPyConnection, key_hash: str, but: int | None = None) -> tuple[int, str] | None:
    row = con.execute("SELECT id, name FROM credentials WHERE key_hash = ? AND id IS DISTINCT FROM ?",
                      [key_hash, but]).fetchone()
    return (int(row[0]), str(row[1])) if row else None


def _insert(con: duckdb.DuckDBPyConnection, box: SecretBox, c: CredentialInput, kh: str) -> int:
    row = con.execute(
        """INSERT INTO credentials (name, base_url, api_type, key_enc, key_masked, key_hash, tags, notes,
               expires_at, telemetry, custom_url, custom_balance_path, custom_used_path, custom_total_path)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
        [c.name, c.base_url, c.api_type, seal_one(box, c.key), mask_key(c.key), kh, c.tags, c.notes,
         c.expires_at, c.telemetry, c.custom_url, c.custom_balance_path, c.custom_used_path,
         c.custom_total_path]).fetchone()
    assert row is not None
    return int(row[0])


def add_credential(store: Store, data: CredentialInput) -> int:
    """Add one credential (checked, key sealed); the same key twice is refused in one sentence."""
    c = data.checked()
    kh = hash_key(c.key)
    with store.write() as con:
        dup = _same_key(con, kh)
        if dup:
            raise ValidationError(f"This key is already in the library as #{dup[0]} ({dup[1]}).")
        new_id = _insert(con, store.box, c, kh)
    return new_id


def _existing(con: duckdb.DuckDBPyConnection, ids: Sequence[int]) -> None:
    found = {int(r[0]) for r in con.execute("SELECT id FROM credentials WHERE list_contains(?, id)",
                                             [list(ids)]).fetchall()}
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(f"No credential #{', #'.join(map(str, missing))} in the library.")


def update_credential(store: Store, cred_id: int, *, key: str | None = None, **changes: Any) -> None:
    """Change what is given (``_EDITABLE`` fields, or a new ``key``); the whole credential is
    checked again as it would be stored."""
    unknown = set(changes) - set(_EDITABLE)
    if unknown:
        raise ValidationError(f"A credential has no field {sorted(unknown)[0]!r}.")
    with store.write() as con:
        _existing(con, [cred_id])
        cols = ", ".join(_EDITABLE)
        row = con.execute(f"SELECT {cols}, key_enc FROM credentials WHERE id = ?", [cred_id]).fetchone()
        assert row is not None
        current = dict(zip(_EDITABLE, row[:-1], strict=True))
        current.update(changes)
        plain = key if key is not None else (open_one(store.box, row[-1]) or "")
        fields: dict[str, Any] = {k: (list(v) if k == "tags" else v) for k, v in current.items()
                                  if v is not None or k == "expires_at"}
        c = CredentialInput(key=plain, **fields).checked()
        kh = hash_key(c.key)
        dup = _same_key(con, kh, cred_id)
        if dup:
            raise ValidationError(f"This key is already in the library as #{dup[0]} ({dup[1]}).")
        con.execute(
            """UPDATE credentials SET name = ?, base_url = ?, api_type = ?, tags = ?, notes = ?, expires_at = ?,
                   telemetry = ?, custom_url = ?, custom_balance_path = ?, custom_used_path = ?,
                   custom_total_path = ?, key_enc = ?, key_masked = ?, key_hash = ?, updated_at = now()
               WHERE id = ?""",
            [c.name, c.base_url, c.api_type, c.tags, c.notes, c.expires_at, c.telemetry, c.custom_url,
             c.custom_balance_path, c.custom_used_path, c.custom_total_path, seal_one(store.box, c.key),
             mask_key(c.key), kh, cred_id])


def remove_credentials(store: Store, ids: Sequence[int]) -> int:
    """Remove these credentials and their checks (all or none: an unknown id changes nothing)."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        return 0
    with store.write() as con:
        _existing(con, ids)
        con.execute("DELETE FROM credential_checks WHERE list_contains(?, credential_id)", [ids])
        con.execute("DELETE FROM credentials WHERE list_contains(?, id)", [ids])
    return len(ids)


# ----- reading ----------------------------------------------------------------------------------

@dataclass
class CredentialFilter:
    """What the page's and the CLI's filters ask: any of ``tags`` (case-insensitive), any of
    ``api_types``, every word of ``search`` in the name, URL, notes or tags; ``ids`` exactly."""

    tags: list[str] = field(default_factory=list)
    api_types: list[str] = field(default_factory=list)
    search: str = ""
    ids: list[int] = field(default_factory=list)


def _where(f: CredentialFilter | None) -> tuple[str, list[Any]]:
    if f is None:
        return "", []
    parts: list[str] = []
    params: list[Any] = []
    if f.ids:
        parts.append("list_contains(?, c.id)")
        params.append(list(f.ids))
    if f.tags:
        parts.append("len(list_intersect(list_transform(c.tags, lambda t: lower(t)), ?)) > 0")
        params.append([t.casefold() for t in f.tags])
    if f.api_types:
        parts.append("list_contains(?, c.api_type)")
        params.append(list(f.api_types))
    for word in f.search.split():
        parts.append("strpos(lower(concat_ws(' ', c.name, c.base_url, c.notes, c.key_masked, "
                     "array_to_string(c.tags, ' '))), ?) > 0")
        params.append(word.casefold())
    return (" WHERE " + " AND ".join(parts)) if parts else "", params


_LATEST = """latest AS (
    SELECT * FROM credential_checks
    QUALIFY row_number() OVER (PARTITION BY credential_id ORDER BY checked_at DESC) = 1)"""


def credential_rows(store: Store, f: CredentialFilter | None = None) -> list[dict[str, Any]]:
    """The library as lists show it (masked keys, never a secret), newest check joined:
    id, name, base_url, api_type, key_masked, tags, notes, expires_at, expired, telemetry,
    checked_at, ok, source, balance_usd, used_usd, total_usd, currency, raw_balance, model_count,
    models, message, created_at, updated_at. Times are ISO text."""
    where, params = _where(f)
    with store.read() as con:
        cur = con.execute(f"""WITH {_LATEST}
            SELECT c.id, c.name, c.base_url, c.api_type, c.key_masked, c.tags, c.notes, c.expires_at,
                   coalesce(c.expires_at < now(), false) AS expired, c.telemetry, c.custom_url,
                   l.checked_at, l.ok, l.source, l.balance_usd, l.used_usd, l.total_usd, l.currency,
                   l.raw_balance, len(l.models) AS model_count, l.models, l.message, c.created_at, c.updated_at
            FROM credentials c LEFT JOIN latest l ON l.credential_id = c.id{where}
            ORDER BY c.id""", params)
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    for r in rows:
        for k in ("expires_at", "checked_at", "created_at", "updated_at"):
            r[k] = r[k].astimezone(UTC).isoformat() if isinstance(r[k], datetime) else None
        r["tags"] = list(r["tags"] or [])
        r["models"] = list(r["models"] or [])
        r["model_count"] = int(r["model_count"]) if r["model_count"] is not None else None
        r["currency"] = r["currency"] or None
    return rows


def credential_facets(store: Store) -> dict[str, Any]:
    """What the filters offer: the tags in use (sorted, case kept as first written), the API
    types in use, and how many credentials there are."""
    with store.read() as con:
        tags = [r[0] for r in con.execute(
            "SELECT min(t) FROM (SELECT unnest(tags) AS t FROM credentials) GROUP BY lower(t) ORDER BY lower(t)"
        ).fetchall()]
        types = [r[0] for r in con.execute("SELECT DISTINCT api_type FROM credentials ORDER BY 1").fetchall()]
        total = con.execute("SELECT count(*) FROM credentials").fetchone()
    return {"tags": tags, "api_types": [t for t in API_TYPES if t in types], "total": int(total[0]) if total else 0}


@dataclass(frozen=True)
class CredentialTarget:
    """One credential as a check needs it: the key in plain text (never logged, never listed)
    and what says where its balance is; ``last_source``: the source that answered last time."""

    id: int
    name: str
    base_url: str
    api_type: str
    key: str = field(repr=False)
    telemetry: str = "auto"
    custom_url: str = ""
    custom_balance_path: str = ""
    custom_used_path: str = ""
    custom_total_path: str = ""
    last_source: str = ""


def credential_targets(store: Store, ids: Sequence[int] | None = None) -> list[CredentialTarget]:
    """The credentials to check (all when ``ids`` is None), keys opened; an unknown id is one
    sentence."""
    with store.read() as con:
        if ids:
            _existing(con, list(ids))
        where, params = _where(CredentialFilter(ids=list(ids)) if ids else None)
        rows = con.execute(f"""WITH last_ok AS (
                SELECT credential_id, source FROM credential_checks WHERE ok AND source <> ''
                QUALIFY row_number() OVER (PARTITION BY credential_id ORDER BY checked_at DESC) = 1)
            SELECT c.id, c.name, c.base_url, c.api_type, c.key_enc, c.telemetry, c.custom_url,
                   c.custom_balance_path, c.custom_used_path, c.custom_total_path, coalesce(l.source, '')
            FROM credentials c LEFT JOIN last_ok l ON l.credential_id = c.id{where} ORDER BY c.id""",
                           params).fetchall()
    return [CredentialTarget(int(r[0]), r[1], r[2], r[3], open_one(store.box, r[4]) or "", r[5], r[6], r[7], r[8],
                             r[9], r[10]) for r in rows]


@dataclass(frozen=True)
class CheckRecord:
    """One check's answer, as ``credential_checks`` keeps it."""

    credential_id: int
    ok: bool
    source: str = ""
    balance_usd: float | None = None
    used_usd: float | None = None
    total_usd: float | None = None
    currency: str = "USD"
    raw_balance: float | None = None
    models: list[str] | None = None
    message: str = ""


def record_checks(store: Store, checks: Iterable[CheckRecord]) -> None:
    """Write a batch of checks in one transaction (a credential removed meanwhile is skipped)."""
    rows = [[c.credential_id, c.ok, c.source, c.balance_usd, c.used_usd, c.total_usd, c.currency or "USD",
             c.raw_balance, c.models, c.message[:500]] for c in checks]
    if not rows:
        return
    with store.write() as con:
        live = {int(r[0]) for r in con.execute("SELECT id FROM credentials").fetchall()}
        rows = [r for r in rows if r[0] in live]
        if rows:
            con.executemany(
                """INSERT INTO credential_checks (credential_id, ok, source, balance_usd, used_usd, total_usd,
                       currency, raw_balance, models, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", rows)


# ----- the extension's profile shape (backups) --------------------------------------------------

def _ms(value: datetime | None) -> int | None:
    return int(value.timestamp() * 1000) if isinstance(value, datetime) else None


def credential_records(store: Store, include_secrets: bool) -> list[dict[str, Any]]:
    """The library in the extension's ``apiCredentialProfiles.profiles`` shape (camelCase, times
    in ms, ``tagIds`` holding tag names); ``apiKey`` only with ``include_secrets`` (an encrypted
    backup), otherwise the masked key under ``apiKeyMasked`` and no ``apiKey``."""
    with store.read() as con:
        rows = con.execute("""SELECT id, name, api_type, base_url, key_enc, key_masked, tags, notes, expires_at,
                                     telemetry, custom_url, custom_balance_path, custom_used_path,
                                     custom_total_path, created_at, updated_at FROM credentials
                              ORDER BY id""").fetchall()
    out: list[dict[str, Any]] = []
    for r in rows:
        telemetry: dict[str, Any] = {"mode": r[9]}
        if r[10]:
            paths = {k: v for k, v in (("balanceUsd", r[11]), ("totalUsedUsd", r[12]), ("totalGrantedUsd", r[13]))
                     if v}
            telemetry["customEndpoint"] = {"endpoint": r[10], "jsonPaths": paths}
        rec: dict[str, Any] = {"id": f"allhub-{r[0]}", "name": r[1], "apiType": r[2], "baseUrl": r[3],
                               "tagIds": list(r[6] or []), "notes": r[7], "expiresAt": _ms(r[8]),
                               "telemetryConfig": telemetry, "createdAt": _ms(r[14]), "updatedAt": _ms(r[15])}
        if include_secrets:
            rec["apiKey"] = open_one(store.box, r[4]) or ""
        else:
            rec["apiKeyMasked"] = r[5]
        out.append(rec)
    return out


def _from_record(rec: dict[str, Any]) -> CredentialInput:
    tel = rec.get("telemetryConfig") or {}
    mode = tel.get("mode") if isinstance(tel, dict) else None
    found = tel.get("customEndpoint") if isinstance(tel, dict) else None
    custom: dict[str, Any] = found if isinstance(found, dict) else {}
    paths = custom.get("jsonPaths")
    paths = paths if isinstance(paths, dict) else {}
    expires = rec.get("expiresAt")
    when = datetime.fromtimestamp(expires / 1000, UTC) if isinstance(expires, int | float) and expires > 0 else None
    return CredentialInput(
        base_url=str(rec.get("baseUrl") or ""), key=str(rec.get("apiKey") or ""), name=str(rec.get("name") or ""),
        api_type=str(rec.get("apiType") or ""), tags=[str(t) for t in rec.get("tagIds") or rec.get("tags") or []],
        notes=str(rec.get("notes") or ""), expires_at=when,
        telemetry=mode if mode in TELEMETRY_MODES else "auto", custom_url=str(custom.get("endpoint") or ""),
        custom_balance_path=str(paths.get("balanceUsd") or paths.get("totalAvailableUsd") or ""),
        custom_used_path=str(paths.get("totalUsedUsd") or ""),
        custom_total_path=str(paths.get("totalGrantedUsd") or ""))


def _checked_records(rows: Iterable[dict[str, Any]] | dict[str, Any]) -> tuple[list[CredentialInput], int]:
    """The profiles checked as ``add_credential`` checks input, and how many could not be read."""
    if isinstance(rows, dict):
        rows = rows.get("profiles") or []
    checked: list[CredentialInput] = []
    bad = 0
    for rec in rows:
        try:
            if not isinstance(rec, dict):
                raise ValidationError("A profile is not an object.")
            checked.append(_from_record(rec).checked())
        except (ValidationError, ValueError, TypeError, OverflowError, OSError):  # a field no time or list
            bad += 1
    return checked, bad


def credentials_to_add(con: duckdb.DuckDBPyConnection, rows: Iterable[dict[str, Any]] | dict[str, Any]
                       ) -> tuple[list[tuple[CredentialInput, str]], int, int]:
    """What ``add_credential_records`` would add of a backup's profiles (checked, with their key's
    hash, each key once), how many it leaves because their key is in the library already (or
    earlier in the same file), and how many it cannot read (no key, a bad field). A read only:
    an import's preview counts with it."""
    checked, bad = _checked_records(rows)
    todo: list[tuple[CredentialInput, str]] = []
    seen: set[str] = set()
    known = 0
    for c in checked:
        kh = hash_key(c.key)
        if kh in seen or _same_key(con, kh):
            known += 1
            continue
        seen.add(kh)
        todo.append((c, kh))
    return todo, known, bad


def add_credential_records(con: duckdb.DuckDBPyConnection, box: SecretBox,
                           rows: Iterable[dict[str, Any]] | dict[str, Any]) -> dict[str, int]:
    """``import_credential_records`` inside the caller's transaction (an import writes its
    accounts and credentials as one). Returns ``{"added", "known", "unreadable"}``."""
    todo, known, bad = credentials_to_add(con, rows)
    for c, kh in todo:
        _insert(con, box, c, kh)
    return {"added": len(todo), "known": known, "unreadable": bad}


def import_credential_records(store: Store, rows: Iterable[dict[str, Any]] | dict[str, Any]) -> dict[str, int]:
    """Add the profiles of a backup (``credential_records`` with secrets, or the extension's own,
    or its whole ``apiCredentialProfiles`` object with ``profiles``): a key already in the library
    is skipped, a profile without a key or with a bad field is skipped; all added in one
    transaction. Returns ``{"added", "skipped"}``."""
    with store.write() as con:
        done = add_credential_records(con, store.box, rows)
    return {"added": done["added"], "skipped": done["known"] + done["unreadable"]}
