"""Bulk adding accounts from CSV: every row validated, a per-row report, one transaction.

Columns (header row, any order, case-insensitive): ``url``, ``user_id``, ``token`` or ``cookie``,
optional ``username``, ``name``, ``tags`` (separated by ``;``), ``notes``, ``site_type``. A row
is *added*, *skipped* (an account with the same site and user ID exists, here or earlier in the
file) or *rejected* (with the reason). The report never quotes a token or cookie.
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass, field
from typing import Any

from allhub_core.accounts import AccountInput, normalize_tag_name
from allhub_core.errors import AllhubError, ValidationError
from allhub_core.store import Store
from allhub_core.transfer.backup import check_size
from allhub_core.transfer.bundle import IncomingAccount
from allhub_core.transfer.import_write import insert_accounts
from allhub_core.vocab import SITE_TYPES, canonical_site_type

__all__ = ["CSV_IMPORT_COLUMNS", "CSV_TEMPLATE", "CsvImportReport", "import_csv", "looks_like_csv"]

CSV_IMPORT_COLUMNS = ("url", "user_id", "token", "cookie", "username", "name", "tags", "notes", "site_type")
CSV_TEMPLATE = (
    "url,user_id,token,cookie,username,name,tags,notes\r\n"
    "https://relay.example.com,1234,your-access-token,,alice,Example relay,work;paid,optional notes\r\n"
    "https://other.example.org,42,,session=your-session-cookie,bob,Other relay,,\r\n"
)
_MAX_ROWS = 10_000


@dataclass
class CsvImportReport:
    results: list[dict[str, Any]] = field(default_factory=list)
    dry_run: bool = False

    def _count(self, status: str) -> int:
        return sum(1 for r in self.results if r["status"] == status)

    def summary(self) -> str:
        verb = "would be added" if self.dry_run else "added"
        return (f"CSV import{' (dry run)' if self.dry_run else ''}: {self._count('added')} {verb}, "
                f"{self._count('skipped')} skipped (duplicate), {self._count('rejected')} rejected.")

    def rows(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.results]

    def exit_code(self) -> int:
        return 1 if self._count("rejected") else 0

    @property
    def added_ids(self) -> list[int]:
        """The accounts this import added (to recognise and refresh next)."""
        return [int(r["id"]) for r in self.results if r["status"] == "added" and r.get("id")]


def looks_like_csv(text: str) -> bool:
    first = text.lstrip("\ufeff").lstrip().split("\n", 1)[0].lower()
    return not first.startswith(("{", "[")) and "url" in first


def _site_name(url: str) -> str:
    return url.split("://", 1)[-1]


def import_csv(store: Store, data: bytes | str, *, dry_run: bool = False) -> CsvImportReport:
    """Validate every row, then add the good ones in one transaction (none with ``dry_run``)."""
    check_size(data, "CSV file")
    if isinstance(data, (bytes, bytearray)):
        try:
            data = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError("The CSV file is not UTF-8 text.") from None
    text = data.lstrip("\ufeff")
    reader = csv.DictReader(io.StringIO(text))
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    if "url" not in header or "user_id" not in header or not ({"token", "cookie"} & set(header)):
        raise ValidationError("The CSV needs a header row with the columns url, user_id and token or cookie.")
    reader.fieldnames = header
    with store.read() as con:
        existing: dict[tuple[str, str], int | str] = {(r[0], str(r[1]).strip()): r[2] for r in con.execute(
            "SELECT site_url, user_id, id FROM accounts WHERE trim(user_id) <> ''").fetchall()}
    report = CsvImportReport(dry_run=dry_run)
    todo: list[tuple[dict, IncomingAccount]] = []
    for n, raw in enumerate(reader, start=2):
        if n - 1 > _MAX_ROWS:
            raise ValidationError(f"The CSV has more than {_MAX_ROWS:,} rows; split it into smaller files.")
        row = {k: (v or "").strip() for k, v in raw.items() if isinstance(k, str) and isinstance(v, str)}
        if not any(row.values()):
            continue
        result: dict[str, Any] = {"row": n, "url": row.get("url", ""), "user_id": row.get("user_id", ""),
                                  "status": "added", "reason": "", "id": None}
        report.results.append(result)
        try:
            acc = _validated(row)
        except AllhubError as exc:
            result.update(status="rejected", reason=str(exc))
            continue
        result["url"] = acc.site_url
        key = (acc.site_url, acc.user_id)
        if key in existing:
            where = existing[key]
            result.update(status="skipped", reason=(f"Account {where} has the same site and user ID."
                                                    if isinstance(where, int) else
                                                    f"Row {where[4:]} has the same site and user ID."))
            continue
        existing[key] = f"row {n}"
        todo.append((result, _incoming(acc)))
    if todo and not dry_run:
        with store.write() as con:
            ids = insert_accounts(con, store.box, [inc for _, inc in todo])
        for (result, _), aid in zip(todo, ids, strict=True):
            result["id"] = str(aid)
    return report


def _validated(row: dict[str, str]) -> AccountInput:
    token, cookie = row.get("token", ""), row.get("cookie", "")
    if not token and not cookie:
        raise ValidationError("The row has neither a token nor a cookie.")
    site_type = row.get("site_type") or "unknown"
    canon = canonical_site_type(site_type)
    if canon is None:
        raise ValidationError(f"'{site_type[:40]}' is not a known site type; use one of: {', '.join(SITE_TYPES)}.")
    tags = [normalize_tag_name(t) for t in row.get("tags", "").split(";") if t.strip()]
    acc = AccountInput(site_url=row.get("url", ""), site_name=row.get("name") or "x", site_type=canon.value,
                       user_id=row.get("user_id", ""), username=row.get("username", ""),
                       auth_type="access_token" if token else "cookie", access_token=token, cookie=cookie,
                       tags=tags, notes=row.get("notes", "")).validated()
    if not row.get("name"):
        acc.site_name = _site_name(acc.site_url)
    return acc


def _incoming(acc: AccountInput) -> IncomingAccount:
    values = {"site_name": acc.site_name, "site_url": acc.site_url, "site_type": acc.site_type,
              "user_id": acc.user_id, "username": acc.username, "auth_type": acc.auth_type, "notes": acc.notes,
              "exchange_rate": acc.exchange_rate}
    secrets = {k: v for k, v in (("access_token", acc.access_token), ("cookie", acc.cookie)) if v}
    return IncomingAccount(ext_id=f"account-{uuid.uuid4()}", values=values, tags=list(acc.tags), secrets=secrets)
