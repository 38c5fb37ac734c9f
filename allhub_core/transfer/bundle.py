"""What a parsed backup holds, whichever file it came from: the ``Bundle`` the importer reads.

Account values are keyed by our ``accounts`` column names and kept JSON-able (timestamps as
ISO-8601 strings in UTC, dates as ``YYYY-MM-DD``); the writer casts each to the column's type.
Secrets travel beside the values, only the non-empty ones: an empty secret never overwrites one.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from allhub_core.accounts import SECRET_NAMES
from allhub_core.store import enc_column

__all__ = [
    "SECRET_FIELDS",
    "Bundle",
    "IncomingAccount",
    "IncomingBookmark",
    "Tombstone",
    "iso_to_ms",
    "jsonable",
    "ms_to_iso",
    "now_ms",
]

#: secret field -> its encrypted column
SECRET_FIELDS = {name: enc_column(name) for name in SECRET_NAMES}


def now_ms() -> int:
    return int(dt.datetime.now(dt.UTC).timestamp() * 1000)


def ms_to_iso(ms: int | float) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).isoformat()


def iso_to_ms(value: Any) -> int:
    """Epoch milliseconds of an ISO timestamp (or a datetime); 0 for anything else."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return 0
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return round(value.timestamp() * 1000)
    return 0


def jsonable(value: Any) -> Any:
    """A DuckDB value as JSON: timestamps in UTC ISO, dates ISO, NaN as null, lists as lists."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return None
    return value


@dataclass
class IncomingAccount:
    ext_id: str
    values: dict[str, Any]
    tags: list[str] = field(default_factory=list)
    secrets: dict[str, str] = field(default_factory=dict)
    problem: str = ""  # why it cannot be imported (then it is reported as rejected)
    upgraded_from: int | None = None  # the account's config version when it was older than 7

    @property
    def name(self) -> str:
        return str(self.values.get("site_name") or self.values.get("site_url") or self.ext_id)

    @property
    def updated_ms(self) -> int:
        return iso_to_ms(self.values.get("updated_at"))

    @property
    def user_updated_ms(self) -> int:
        return iso_to_ms(self.values.get("user_updated_at")) or self.updated_ms


@dataclass
class IncomingBookmark:
    id: str
    name: str
    url: str
    notes: str = ""
    tags: list[str] = field(default_factory=list)
    created_ms: int = 0
    updated_ms: int = 0
    problem: str = ""  # why it cannot be imported (then it is reported as rejected)


@dataclass
class Tombstone:
    kind: str  # "account" or "bookmark"
    deleted_at: int  # epoch ms
    entry_updated_at: int = 0
    from_future: bool = False  # the file dated it in the future; read as now (``transfer.times``)

    @property
    def point(self) -> int:
        """An entry edited by its user no later than this stays deleted."""
        return max(self.deleted_at, self.entry_updated_at)


@dataclass
class Bundle:
    """A backup read into memory; nothing is written until ``apply_import``."""

    kind: str  # "extension" or "allhub"
    version: str
    description: str  # e.g. "All API Hub 4.0 backup (accounts only)"
    timestamp_ms: int | None = None
    accounts: list[IncomingAccount] = field(default_factory=list)
    bookmarks: list[IncomingBookmark] = field(default_factory=list)
    pinned: list[str] = field(default_factory=list)  # entry ids, newest pin first
    ordered: list[str] = field(default_factory=list)  # entry ids in manual order
    tombstones: dict[str, Tombstone] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)  # every tag name the backup defines
    tag_times: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (created, updated) ms
    preferences: dict[str, Any] | None = None
    encrypted: bool = False
    accounts_only: bool = False
    future_deletions: int = 0  # deletion records dated in the future, read as dated now (``transfer.times``)
    future_times: int = 0  # other times from the future read as now (or a future day dropped)
    #: API credentials in the extension's profile shape (tag names in ``tagIds``), keys included:
    #: only a backup with secrets carries them; never shown (``repr=False``)
    credentials: list[dict[str, Any]] = field(default_factory=list, repr=False)
    credentials_left_out: str = ""  # why the file's credentials were not read ('' when they were)

    def notes(self) -> list[str]:
        """Sentences about what reading the file changed, for the preview and the report."""
        out = []
        if self.future_deletions:
            n = self.future_deletions
            out.append(f"{n} deletion record{'s were' if n != 1 else ' was'} dated in the future and "
                       f"{'are' if n != 1 else 'is'} treated as dated now")
        if self.future_times:
            n = self.future_times
            out.append(f"{n} other time{'s' if n != 1 else ''} in the future {'were' if n != 1 else 'was'} "
                       "treated as now")
        if self.credentials_left_out:
            out.append(self.credentials_left_out)
        return out

    @property
    def upgraded(self) -> int:
        return sum(1 for a in self.accounts if a.upgraded_from is not None)

    @property
    def time_text(self) -> str:
        if not self.timestamp_ms:
            return "unknown time"
        return dt.datetime.fromtimestamp(self.timestamp_ms / 1000, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
