"""WebDAV backup and sync with the All API Hub extension's file (layer L4).

Settings: the address, user name and file mode (plain or encrypted) are rows of the
``preferences`` table (``webdav_*``, through ``store.settings``); the WebDAV password and the
backup (encryption) password are named secrets, encrypted at rest with the store's key
(``store.secrets``). The deadline of each WebDAV request (``webdav_timeout_s``, default 120 s)
is a preference too; a download is bounded by the import limit
(``transfer.backup.MAX_IMPORT_BYTES``) before it is read whole.

User actions, each returning a ``BackupReport`` (``summary()``, ``rows()``) and recording the
last result (time, action, outcome) in ``preferences`` for the Backup page:

- ``test_connection``: the extension's probe of the address.
- ``push``: build the extension's 4.0 backup of this database and upload it safely
  (``net.webdav``), plain or in the extension's encrypted envelope.
- ``pull``: download the file and import it (``merge``: newer record by id wins, tombstones
  honoured; ``replace``).
- ``sync``: ``merge`` pulls (when a file exists), merges, then pushes the merged result, so
  a deletion on either side stays deleted on both; ``upload`` pushes; ``download`` pulls and
  merges.

The network work runs with the database released (``store.released()``).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from allhub_core.accounts import whole_number
from allhub_core.errors import AllhubError, ValidationError
from allhub_core.net.webdav import (
    DEFAULT_DEADLINE_S,
    UploadResult,
    WebdavClient,
    WebdavConfigError,
    check_url,
    display_url,
    ensure_filename,
)
from allhub_core.store import (
    PREFERENCES,
    Store,
    delete_secret,
    get_secret,
    has_secret,
    read_settings,
    set_secret,
    write_settings,
)
from allhub_core.transfer import apply_import, deletion_limit, export_file, is_encrypted_envelope, parse_backup
from allhub_core.transfer.backup import MAX_IMPORT_BYTES
from allhub_core.transfer.envelope import decrypt_envelope

__all__ = [
    "PULL_MODES",
    "SYNC_MODES",
    "BackupReport",
    "BackupSettings",
    "get_backup_settings",
    "last_backup_result",
    "pull",
    "push",
    "save_backup_settings",
    "sync",
    "test_connection",
]

SYNC_MODES = {"merge": "Merge (both ways)", "upload": "Upload only (this database overwrites the file)",
              "download": "Download only (merge the file into this database)"}
PULL_MODES = ("merge", "replace")
PASSWORD_SECRET = "webdav_password"
BACKUP_PASSWORD_SECRET = "webdav_backup_password"
_URL, _USER, _ENCRYPT, _LAST = "webdav_url", "webdav_username", "webdav_encrypt", "webdav_last_result"
_TIMEOUT = "webdav_timeout_s"
#: the WebDAV deadline's bounds in seconds (each request, from connecting to its last byte)
TIMEOUT_LIMITS = (1, 3_600)
DEFAULT_TIMEOUT_S = int(DEFAULT_DEADLINE_S)


def check_timeout(value: Any) -> int:
    """The WebDAV deadline as whole seconds in ``TIMEOUT_LIMITS``, or one sentence."""
    return whole_number(value, *TIMEOUT_LIMITS, "The WebDAV deadline, in seconds,")


# -- settings ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class BackupSettings:
    url: str = ""
    username: str = ""
    encrypt: bool = False
    has_password: bool = False
    has_backup_password: bool = False
    timeout_s: int = DEFAULT_TIMEOUT_S

    @property
    def file_url(self) -> str:
        """The backup file's address ('' when no address is set)."""
        return ensure_filename(self.url) if self.url else ""

    @property
    def complete(self) -> bool:
        return bool(self.url and self.username and self.has_password)

    def as_dict(self) -> dict[str, Any]:
        return {"url": self.url, "username": self.username, "file": self.file_url, "encrypt": self.encrypt,
                "password_set": self.has_password, "backup_password_set": self.has_backup_password,
                "timeout_s": self.timeout_s}


def get_backup_settings(store: Store) -> BackupSettings:
    p = read_settings(store, PREFERENCES, [_URL, _USER, _ENCRYPT, _TIMEOUT])  # a damaged value reads as unset
    url, user = p.get(_URL), p.get(_USER)
    try:
        timeout = check_timeout(p.get(_TIMEOUT, DEFAULT_TIMEOUT_S))
    except ValidationError:
        timeout = DEFAULT_TIMEOUT_S  # a damaged value reads as unset
    return BackupSettings(
        url=url if isinstance(url, str) else "",
        username=user if isinstance(user, str) else "",
        encrypt=p.get(_ENCRYPT) is True,
        has_password=has_secret(store, PASSWORD_SECRET),
        has_backup_password=has_secret(store, BACKUP_PASSWORD_SECRET),
        timeout_s=timeout,
    )


def save_backup_settings(store: Store, *, url: str | None = None, username: str | None = None,
                         password: str | None = None, encrypt: bool | None = None,
                         backup_password: str | None = None, timeout_s: Any = None) -> BackupSettings:
    """Save what is given (None keeps a value; an empty password deletes the saved one).
    ``timeout_s``: the deadline of each WebDAV request in seconds (``TIMEOUT_LIMITS``)."""
    values: dict[str, Any] = {}
    if timeout_s is not None:
        values[_TIMEOUT] = check_timeout(timeout_s)
    if url is not None:
        values[_URL] = check_url(url) if url.strip() else ""
    if username is not None:
        if any(ord(c) < 32 for c in username):
            raise WebdavConfigError("The WebDAV user name must not contain control characters.")
        values[_USER] = username.strip()
    if encrypt is not None:
        values[_ENCRYPT] = bool(encrypt)
    if encrypt and not backup_password and not has_secret(store, BACKUP_PASSWORD_SECRET):
        raise ValidationError("Encrypted backups need a backup password; set one first.")
    if values:
        write_settings(store, values, PREFERENCES)
    for name, value in ((PASSWORD_SECRET, password), (BACKUP_PASSWORD_SECRET, backup_password)):
        if value is not None:
            if value:
                set_secret(store, name, value)
            else:
                delete_secret(store, name)
    return get_backup_settings(store)


def last_backup_result(store: Store) -> dict[str, Any] | None:
    """``{"time": ISO UTC, "action": ..., "ok": bool, "summary": sentence}`` of the last action."""
    value = read_settings(store, PREFERENCES, [_LAST]).get(_LAST)
    return value if isinstance(value, dict) else None


def _record(store: Store, action: str, ok: bool, summary: str) -> None:
    write_settings(store, {_LAST: {"time": datetime.now(UTC).isoformat(timespec="seconds"),
                                   "action": action, "ok": ok, "summary": summary}})


# -- the report -------------------------------------------------------------------------------
@dataclass
class BackupReport:
    """What one backup action did; ``ok`` is False when it could not do what was asked."""

    action: str  # "test", "upload", "download", "sync"
    file_url: str
    mode: str = ""
    ok: bool = True
    remote_found: bool | None = None
    remote_encrypted: bool = False
    imported: Any = None  # transfer.ImportReport
    upload: UploadResult | None = None
    uploaded_accounts: int | None = None
    uploaded_encrypted: bool = False
    note: str = ""

    def summary(self) -> str:
        where = display_url(self.file_url)
        if self.action == "test":
            return f"The WebDAV server is reachable and accepted the login; the backup file is {where}."
        parts: list[str] = []
        if self.remote_found is False:
            parts.append(f"There is no backup file at {where} yet")
        elif self.imported is not None:
            enc = " (encrypted)" if self.remote_encrypted else ""
            said = _sentence(self.imported)
            parts.append(f"Downloaded {where}{enc}: {said[:1].lower()}{said[1:]}")
        if self.upload is not None:
            how = "encrypted, " if self.uploaded_encrypted else ""
            inplace = "" if self.upload.atomic else "; the server has no MOVE, so it was written in place"
            n = self.uploaded_accounts
            what = f"{n} account{'s' if n != 1 else ''}" if n is not None else "the backup"
            if self.imported is not None:
                text = f"then uploaded the merged {what}"
            else:
                text = f"uploaded {what}" if parts else f"Uploaded {what} to {where}"
            parts.append(f"{text} ({how}{self.upload.size:,} bytes{inplace})")
        if self.remote_found is False and self.upload is None:
            parts.append("nothing was changed")
        text = "; ".join(parts) or "Nothing was done"
        return text.rstrip(".") + "."

    def rows(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        if self.action == "test":
            return [{"step": "test", "url": display_url(self.file_url), "ok": self.ok}]
        if self.remote_found is not None:
            rows.append({"step": "download", "url": display_url(self.file_url),
                         "outcome": "found" if self.remote_found else "missing", "encrypted": self.remote_encrypted})
        if self.imported is not None:
            rows.append({"step": "import", "mode": "replace" if self.mode == "replace" else "merge",
                         "outcome": _sentence(self.imported)})
        if self.upload is not None:
            rows.append({"step": "upload", "url": display_url(self.file_url), "outcome": "uploaded",
                         "accounts": self.uploaded_accounts, "bytes": self.upload.size,
                         "encrypted": self.uploaded_encrypted, "atomic": self.upload.atomic,
                         "stale_temporaries_removed": len(self.upload.stale_removed)})
        return rows

    def exit_code(self) -> int:
        """0 when the action did what was asked, else 1 (the CLI's exit status)."""
        return 0 if self.ok else 1


def _sentence(report: Any) -> str:
    summary = getattr(report, "summary", None)
    return (summary() if callable(summary) else str(report)).rstrip(".")


# -- the actions ------------------------------------------------------------------------------
def _client(store: Store, time_limit_s: float | None = None) -> tuple[WebdavClient, BackupSettings]:
    """The client on the saved settings: each request within the saved deadline, answers no larger
    than an import may be; with ``time_limit_s`` every request also ends within that many seconds."""
    s = get_backup_settings(store)
    if not s.url:
        raise WebdavConfigError("No WebDAV address is set; save the WebDAV settings first.")
    if not s.username or not s.has_password:
        raise WebdavConfigError("The WebDAV user name or password is not set; save the WebDAV settings first.")
    until = None if time_limit_s is None else time.monotonic() + time_limit_s
    return WebdavClient(s.url, s.username, get_secret(store, PASSWORD_SECRET) or "", timeout=s.timeout_s,
                        max_body=MAX_IMPORT_BYTES, until=until), s


def _run(store: Store, action: str, work: Any) -> BackupReport:
    """Run ``work()``, record its outcome as the last result, and return (or re-raise)."""
    try:
        report = work()
    except AllhubError as exc:
        _record(store, action, False, str(exc))
        raise
    _record(store, action, report.ok, report.summary())
    return report


def test_connection(store: Store) -> BackupReport:
    """Probe the address with the saved login (the extension's test)."""
    def work() -> BackupReport:
        client, s = _client(store)
        with client, store.released():
            client.test()
        return BackupReport("test", s.file_url)
    return _run(store, "test", work)


test_connection.__test__ = False  # type: ignore[attr-defined]  # not a pytest test when imported by one


def _backup_text(store: Store, settings: BackupSettings, encrypted: bool | None, password: str | None,
                 keep: dict[str, Any] | None = None) -> tuple[str, int | None, bool]:
    encrypt = settings.encrypt if encrypted is None else encrypted
    if encrypt:
        password = password or get_secret(store, BACKUP_PASSWORD_SECRET)
        if not password:
            raise ValidationError("An encrypted upload needs a backup password; set one in the WebDAV settings.")
    # the extension's sections allhub does not hold (keep) go back as they came
    out = export_file(store, "allhub", include_secrets=True, password=password if encrypt else None, indent=None,
                      sections=keep)
    return out.text, out.accounts, encrypt


def _push_into(store: Store, client: WebdavClient, s: BackupSettings, report: BackupReport,
               encrypted: bool | None, password: str | None, keep: dict[str, Any] | None = None) -> None:
    text, count, encrypt = _backup_text(store, s, encrypted, password, keep)
    with store.released():
        report.upload = client.upload(text)
    report.uploaded_accounts, report.uploaded_encrypted = count, encrypt


#: Sections of the extension's file that allhub does not keep (its preferences, API credential
#: profiles, channel configs): a merge sync writes them back unchanged instead of dropping them.
_FOREIGN_SECTIONS = ("preferences", "apiCredentialProfiles", "channelConfigs")


def _pull_into(store: Store, client: WebdavClient, report: BackupReport, mode: str,
               password: str | None, max_deletes: int | None = None) -> dict[str, Any]:
    """Download and import (deleting at most ``max_deletes`` accounts, else
    ``transfer.DeletionsNeedConfirmation`` and nothing written); returns the file's sections
    allhub does not hold ({} if none)."""
    with store.released():
        raw = client.download()
    report.remote_found = raw is not None
    if raw is None:
        return {}
    password = password or get_secret(store, BACKUP_PASSWORD_SECRET)
    bundle = parse_backup(raw, password=password)
    report.remote_encrypted = bool(bundle.encrypted)
    report.imported = apply_import(store, bundle, mode=mode, max_deletes=deletion_limit(bundle, mode, max_deletes))
    try:
        obj = json.loads(raw)
        if is_encrypted_envelope(obj):
            obj = json.loads(decrypt_envelope(obj, password))
    except (ValueError, AllhubError):
        return {}
    return {k: obj[k] for k in _FOREIGN_SECTIONS if isinstance(obj, dict) and k in obj}


def push(store: Store, *, encrypted: bool | None = None, password: str | None = None) -> BackupReport:
    """Upload this database as the extension's backup. ``encrypted`` None: the saved file mode;
    ``password`` None: the saved backup password."""
    def work() -> BackupReport:
        client, s = _client(store)
        report = BackupReport("upload", s.file_url)
        with client:
            _push_into(store, client, s, report, encrypted, password)
        return report
    return _run(store, "upload", work)


def pull(store: Store, *, mode: str = "merge", password: str | None = None,
         max_deletes: int | None = None) -> BackupReport:
    """Download the file and import it (``merge`` or ``replace``); a missing file changes
    nothing and the report is not ok. ``max_deletes``: see ``transfer.apply_import``."""
    if mode not in PULL_MODES:
        raise ValidationError(f"'{mode}' is not a download mode; use merge or replace.")

    def work() -> BackupReport:
        client, s = _client(store)
        report = BackupReport("download", s.file_url, mode=mode)
        with client:
            _pull_into(store, client, report, mode, password, max_deletes)
        report.ok = bool(report.remote_found)
        return report
    return _run(store, "download", work)


def sync(store: Store, *, mode: str = "merge", password: str | None = None,
         encrypted: bool | None = None, time_limit_s: float | None = None,
         max_deletes: int | None = None) -> BackupReport:
    """``merge``: pull and merge (when a file exists), then push the result; ``upload``: push;
    ``download``: pull and merge. ``time_limit_s``: no request goes on past that many seconds
    from now (the scheduled sync's limit). ``max_deletes``: the most accounts the merge may
    delete; more raise ``transfer.DeletionsNeedConfirmation`` before anything is written or
    uploaded, so a held-back merge never uploads a list it emptied."""
    if mode not in SYNC_MODES:
        raise ValidationError(f"'{mode}' is not a sync mode; use merge, upload or download.")

    def work() -> BackupReport:
        client, s = _client(store, time_limit_s)
        report = BackupReport("sync", s.file_url, mode=mode)
        with client:
            keep: dict[str, Any] = {}
            if mode in ("merge", "download"):
                keep = _pull_into(store, client, report, "merge", password, max_deletes)
            if mode in ("merge", "upload"):
                _push_into(store, client, s, report, encrypted, password, keep)
        report.ok = mode != "download" or bool(report.remote_found)
        return report
    return _run(store, f"sync ({mode})", work)
