"""The files a person moves in and out: one way to make each, one way to read each.

``export_file`` builds and writes every export (``allhub export``, the Import / Export page, the
WebDAV upload of ``sync.backup``): the extension's 4.0 backup (all of it or its accounts) or our
own full backup, as JSON text that is safe to print (``tabular.json_text``: bidirectional
formatting characters and controls escaped, NaN and infinities written as null), optionally in
the extension's encrypted envelope.

``import_file`` routes a file to the CSV import (a name ending in ``.csv`` or text that looks
like a CSV) or to the backup import (any backup ``parse_backup`` reads), for the CLI and the page:
a preview with ``dry_run``, else one transaction (``apply_import``, ``import_csv``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from allhub_core.errors import ValidationError
from allhub_core.jsontext import json_text
from allhub_core.store import Store
from allhub_core.transfer.backup import build_own_backup, own_file_name, parse_backup
from allhub_core.transfer.csv_import import CsvImportReport, import_csv, looks_like_csv
from allhub_core.transfer.envelope import encrypt_backup
from allhub_core.transfer.extension import build_extension_backup, extension_file_name
from allhub_core.transfer.importer import ImportPreview, apply_import, deletion_limit, preview_import

__all__ = ["EXPORT_KINDS", "ExportFile", "export_file", "import_file", "is_csv"]

#: what ``export_file`` makes: the extension's full backup, its accounts-only file, our own backup
EXPORT_KINDS = ("allhub", "accounts", "own")


@dataclass(frozen=True)
class ExportFile:
    name: str  # the file name to offer (dated today)
    text: str  # the file's content, without a final newline
    accounts: int  # how many accounts it holds
    encrypted: bool

    @property
    def data(self) -> bytes:
        return self.text.encode("utf-8")


def export_file(store: Store, kind: str = "allhub", *, include_secrets: bool = False, password: str | None = None,
                indent: int | None = 2, sections: dict[str, Any] | None = None) -> ExportFile:
    """The export ``kind`` (``EXPORT_KINDS``) of this store. ``password``: encrypt it into the
    extension's envelope; ``indent`` None writes it on one line; ``sections``: top-level sections
    to carry when the backup has none of its own (the extension's, which a sync writes back)."""
    if kind not in EXPORT_KINDS:
        raise ValidationError(f"The export is one of {', '.join(EXPORT_KINDS)}, not '{kind}'.")
    if kind == "own":
        obj = build_own_backup(store, include_secrets=include_secrets)
        held = obj.get("accounts")
        name = own_file_name(dt.date.today().isoformat())
    else:
        obj = build_extension_backup(store, include_secrets=include_secrets, accounts_only=kind == "accounts")
        section = obj.get("accounts")
        held = section.get("accounts") if isinstance(section, dict) else None
        name = extension_file_name(kind == "accounts")
    for key, value in (sections or {}).items():
        obj.setdefault(key, value)
    text = json_text(obj, indent=indent)
    if password:
        text = encrypt_backup(text, password)
    return ExportFile(name, text, len(held) if isinstance(held, list) else 0, bool(password))


def is_csv(data: bytes, name: str = "") -> bool:
    """Is this file a CSV of accounts (by its name, else by its first line)?"""
    return name.lower().endswith(".csv") or looks_like_csv(data.decode("utf-8", errors="replace"))


def import_file(store: Store, data: bytes, *, name: str = "", mode: str = "merge", password: str | None = None,
                dry_run: bool = False, allowed_deletes: int | None = 0) -> CsvImportReport | ImportPreview:
    """Import a file (``name`` only helps to tell a CSV): a CSV adds its accounts (``mode`` does
    not apply: a CSV only adds), a backup is merged or replaced (``transfer.importer``).

    ``dry_run``: the preview (``CsvImportReport`` with ``dry_run``, ``ImportPreview``), nothing
    written. ``allowed_deletes``: the deletions a person confirmed (0: none yet; None: no limit),
    see ``deletion_limit``; more raise ``DeletionsNeedConfirmation`` with nothing written.
    ``PasswordRequired`` when the backup is encrypted and no password was given."""
    if is_csv(data, name):
        return import_csv(store, data, dry_run=dry_run)
    bundle = parse_backup(data, password=password)
    if dry_run:
        return preview_import(store, bundle, mode)
    return apply_import(store, bundle, mode, max_deletes=deletion_limit(bundle, mode, allowed_deletes))
