"""Our own full backup (every account column, tags, pins, order, bookmarks, tombstones,
preferences) and ``parse_backup``, which recognises every file allhub reads.

Own format: ``{"format": "allhub-backup", "version": 1, "timestamp": ms, "includes_secrets": bool,
"accounts": [{"ext_id", "values": {column: value}, "tags": [...], "secrets": {...}}], "tags": [...],
"pinned": [...], "ordered": [...], "bookmarks": [...], "tombstones": {...}, "preferences": {...},
"credentials": [...]}``. ``credentials`` (the API credential library in the extension's profile
shape, ``credentials.credential_records``) is there only with secrets: a credential is its key, so
a file without secrets holds none at all.
Values are JSON (timestamps as UTC ISO-8601); columns the reading store does not have are ignored,
columns the file lacks keep their defaults, so files stay readable across schema versions.
"""

from __future__ import annotations

import json
from typing import Any

from allhub_core.credentials import credential_records
from allhub_core.errors import ValidationError
from allhub_core.store import Store
from allhub_core.transfer.bundle import (
    SECRET_FIELDS,
    Bundle,
    IncomingAccount,
    IncomingBookmark,
    iso_to_ms,
    now_ms,
)
from allhub_core.transfer.envelope import decrypt_envelope, is_encrypted_envelope
from allhub_core.transfer.extension import _tombstones, parse_extension
from allhub_core.transfer.snapshot import read_snapshot
from allhub_core.transfer.times import FileClock, ImpossibleTime

__all__ = ["OWN_FORMAT", "OWN_VERSION", "build_own_backup", "own_file_name", "parse_backup", "parse_own"]

OWN_FORMAT = "allhub-backup"
OWN_VERSION = 1


def build_own_backup(store: Store, *, include_secrets: bool = False) -> dict:
    """Everything in this store as our own backup object; secrets (and with them the API
    credentials) only when asked for."""
    snap = read_snapshot(store, include_secrets=include_secrets)
    accounts = []
    for a in snap.accounts:
        item: dict[str, Any] = {"ext_id": a["ext_id"], "values": a["values"], "tags": a["tags"]}
        if include_secrets:
            item["secrets"] = a["secrets"]
        accounts.append(item)
    out: dict[str, Any] = {
        "format": OWN_FORMAT, "version": OWN_VERSION, "timestamp": now_ms(), "includes_secrets": include_secrets,
        "accounts": accounts, "tags": snap.tags, "pinned": snap.pinned, "ordered": snap.ordered,
        "bookmarks": [{k: b[k] for k in ("id", "name", "url", "notes", "tags", "created_at", "updated_at")}
                      for b in snap.bookmarks],
        "tombstones": snap.tombstones, "preferences": snap.preferences,
    }
    if include_secrets:
        out["credentials"] = credential_records(store, include_secrets=True)
    return out


def own_file_name(day: str) -> str:
    return f"allhub-backup-{day}.json"


#: the account columns that hold a time (TIMESTAMPTZ) or a day (DATE); tests hold this to the schema
TIME_COLUMNS = ("created_at", "updated_at", "user_updated_at", "last_sync_time")
DAY_COLUMNS = ("checkin_date", "custom_checkin_date", "stats_date")


def _own_times(values: dict, clock: FileClock) -> str:
    """Check an account's times in place: ISO-8601 texts, the future read as now (a day after
    tomorrow dropped), a missing one left to the column's default; returns why the entry is
    rejected ('' when every time is possible)."""
    try:
        for col in TIME_COLUMNS:
            if col in values:
                values[col] = clock.iso(values[col], col)
                if values[col] is None and col != "last_sync_time":
                    del values[col]  # NOT NULL: a missing one takes the column's default
        for col in DAY_COLUMNS:
            if col in values:
                values[col] = clock.day(values[col], col)
    except ImpossibleTime as exc:
        return str(exc)
    return ""


def _own_bookmark(b: dict, clock: FileClock) -> IncomingBookmark:
    mark = IncomingBookmark(id=str(b["id"]), name=str(b["name"]), url=str(b["url"]), notes=str(b.get("notes") or ""),
                            tags=[str(t) for t in b.get("tags") or []])
    try:
        mark.created_ms = iso_to_ms(clock.iso(b.get("created_at"), "created_at"))
        mark.updated_ms = iso_to_ms(clock.iso(b.get("updated_at"), "updated_at"))
    except ImpossibleTime as exc:
        mark.problem = str(exc)
    return mark


def _tag_time(clock: FileClock, value: object) -> int:
    try:
        return iso_to_ms(clock.iso(value, "time"))
    except ImpossibleTime:
        return 0  # a tag's date only decorates it: an impossible one reads as missing


def parse_own(obj: dict, *, encrypted: bool = False) -> Bundle:
    """Our own backup. Times: see ``transfer.times``; an account or bookmark with an impossible
    time is rejected, a deletion record with one makes the file unreadable, a tag's or the
    file's own impossible date reads as missing."""
    version = obj.get("version")
    if version != OWN_VERSION:
        raise ValidationError(f"This allhub backup has format version {str(version)[:20]}; this allhub reads "
                              f"version {OWN_VERSION}.")
    if not isinstance(obj.get("accounts"), list):
        raise ValidationError("This allhub backup is damaged: it has no account list.")
    clock = FileClock()
    deletions = FileClock(now=clock.now)
    tombstones = _tombstones(obj.get("tombstones"), deletions)
    accounts = []
    for raw in obj["accounts"]:
        raw = raw if isinstance(raw, dict) else {}
        values: dict = raw["values"] if isinstance(raw.get("values"), dict) else {}
        ext_id = str(raw.get("ext_id") or "").strip()
        secrets: dict = raw["secrets"] if isinstance(raw.get("secrets"), dict) else {}
        acc = IncomingAccount(ext_id=ext_id, values=dict(values),
                              tags=[str(t) for t in raw.get("tags") or [] if str(t).strip()],
                              secrets={k: str(v).strip() for k, v in secrets.items() if k in SECRET_FIELDS and v})
        if not ext_id or not values.get("site_url"):
            acc.problem = "The entry has no account id or no site address."
        acc.problem = acc.problem or _own_times(acc.values, clock)
        accounts.append(acc)
    bookmarks = []
    for b in obj.get("bookmarks") or []:
        if isinstance(b, dict) and b.get("id") and b.get("name") and b.get("url"):
            bookmarks.append(_own_bookmark(b, clock))
    prefs = obj.get("preferences")
    creds = obj.get("credentials")
    return Bundle(
        kind="allhub", version=str(OWN_VERSION), description="allhub backup",
        timestamp_ms=clock.lenient_ms(obj.get("timestamp")) or None,
        accounts=accounts, bookmarks=bookmarks, pinned=[str(i) for i in obj.get("pinned") or []],
        ordered=[str(i) for i in obj.get("ordered") or []], tombstones=tombstones,
        tags=[str(t.get("name")) for t in obj.get("tags") or [] if isinstance(t, dict) and t.get("name")],
        tag_times={str(t["name"]): (_tag_time(clock, t.get("created_at")), _tag_time(clock, t.get("updated_at")))
                   for t in obj.get("tags") or [] if isinstance(t, dict) and t.get("name")},
        preferences=prefs if isinstance(prefs, dict) else None, encrypted=encrypted,
        future_deletions=deletions.clamped, future_times=clock.clamped,
        credentials=[c for c in creds if isinstance(c, dict)] if isinstance(creds, list) else [],
    )


#: The largest file an import reads: a 5,000-account extension backup is about 10 MB.
MAX_IMPORT_BYTES = 32 * 1024 * 1024


def check_size(data: bytes | str, what: str) -> None:
    """One sentence, before any parsing, for a file too large to be an allhub import."""
    size = len(data) if isinstance(data, (bytes, bytearray)) else len(data.encode("utf-8", "surrogatepass"))
    if size > MAX_IMPORT_BYTES:
        raise ValidationError(f"The {what} is over {MAX_IMPORT_BYTES // 1024 // 1024} MB, the most allhub "
                              "imports; no backup or account list is that large.")


def parse_backup(data: bytes | str, *, password: str | None = None) -> Bundle:
    """Read any backup allhub knows: the extension's 1.0-4.0 files (full or accounts only, plain or
    in its encrypted envelope) and our own. One sentence for anything it cannot read."""
    check_size(data, "backup")
    if isinstance(data, (bytes, bytearray)):
        try:
            data = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError("The file is not UTF-8 text, so it is not a backup allhub can read.") from None
    text = data.lstrip("\ufeff").strip()
    if not text:
        raise ValidationError("The backup is empty.")
    obj = _json(text)
    encrypted = False
    if is_encrypted_envelope(obj):
        encrypted = True
        obj = _json(decrypt_envelope(obj, password), inner=True)
    if not isinstance(obj, dict):
        raise ValidationError("This JSON is not a backup: it should be an object with accounts in it.")
    if obj.get("format") == OWN_FORMAT:
        return parse_own(obj, encrypted=encrypted)
    if obj.get("type") == "all-api-hub-webdav-backup-encrypted":
        raise ValidationError("This encrypted backup uses an envelope version allhub does not know.")
    return parse_extension(obj, encrypted=encrypted)


def _json(text: str, inner: bool = False) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        where = "The decrypted content" if inner else "The file"
        raise ValidationError(f"{where} is not valid JSON, so it is not a backup allhub can read.") from None

