"""Transfer (layer L3): data in and out of allhub.

``tabular`` writes the JSON and CSV exports (formula-safe CSV, secrets only on request).
``extension`` reads the All API Hub extension's backups (envelopes 1.0-4.0, account config
versions up to 7) and writes its 4.0 backup; ``envelope`` is its encrypted (WebDAV) envelope;
``backup`` is our own full backup and ``parse_backup``, which recognises every file; ``importer``
previews and applies an import (merge or replace, one transaction); ``csv_import`` bulk-adds
accounts from CSV. ``snapshot`` is the one read both exports are built from. ``exchange`` is
the one way every surface makes an export file (``export_file``) and reads a file in
(``import_file``: CSV or backup).
"""

from allhub_core.jsontext import json_rows_text, json_text
from allhub_core.transfer.backup import build_own_backup, own_file_name, parse_backup
from allhub_core.transfer.bundle import Bundle, IncomingAccount, IncomingBookmark, Tombstone
from allhub_core.transfer.csv_import import CSV_TEMPLATE, CsvImportReport, import_csv, looks_like_csv
from allhub_core.transfer.envelope import PasswordRequired, encrypt_backup, is_encrypted_envelope
from allhub_core.transfer.exchange import EXPORT_KINDS, ExportFile, export_file, import_file, is_csv
from allhub_core.transfer.extension import (
    BACKUP_VERSION,
    SUPPORTED_VERSIONS,
    build_extension_backup,
    extension_file_name,
    upgrade_account,
)
from allhub_core.transfer.importer import (
    MODES,
    DeletionsNeedConfirmation,
    ImportPreview,
    ImportReport,
    add_bookmarks,
    apply_import,
    deletion_limit,
    preview_import,
)
from allhub_core.transfer.snapshot import list_bookmarks
from allhub_core.transfer.tabular import (
    CSV_COLUMNS,
    SECRET_KEYS,
    csv_safe,
    to_csv,
    to_csv_bytes,
    to_json,
)

__all__ = [
    "BACKUP_VERSION",
    "CSV_COLUMNS",
    "CSV_TEMPLATE",
    "EXPORT_KINDS",
    "MODES",
    "SECRET_KEYS",
    "SUPPORTED_VERSIONS",
    "Bundle",
    "CsvImportReport",
    "DeletionsNeedConfirmation",
    "ExportFile",
    "ImportPreview",
    "ImportReport",
    "IncomingAccount",
    "IncomingBookmark",
    "PasswordRequired",
    "Tombstone",
    "add_bookmarks",
    "apply_import",
    "build_extension_backup",
    "build_own_backup",
    "csv_safe",
    "deletion_limit",
    "encrypt_backup",
    "export_file",
    "extension_file_name",
    "import_csv",
    "import_file",
    "is_csv",
    "is_encrypted_envelope",
    "json_rows_text",
    "json_text",
    "list_bookmarks",
    "looks_like_csv",
    "own_file_name",
    "parse_backup",
    "preview_import",
    "to_csv",
    "to_csv_bytes",
    "to_json",
    "upgrade_account",
]
