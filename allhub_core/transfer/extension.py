"""The All API Hub extension's backup files, read (envelopes 1.0-4.0) and written (4.0).

Reading follows the extension's ``importExportService``: a missing ``version`` means 1.0, only
"1.0" to "4.0" are accepted (a newer file is refused rather than misread), 1.0 files may nest
accounts under ``accounts.accounts`` or ``data.accounts``. Each account is upgraded to config
version 7 step by step as ``accountDataMigration`` does (v1 check-in object, v2 site/custom
check-in split, v3 ``disabled``, v4 ``excludeFromTotalBalance``, v5 Sub2API refresh token, v6
``excludeFromTodayIncome``, v7 method-aware check-in), then normalised (``normalizeSiteAccount``)
and mapped onto our columns. Fields we have no column for (check-in method knowledge, health
code, usage summaries, a site type we do not know) are kept in ``ext_extra`` and written back.
A full backup's ``apiCredentialProfiles`` (the API credential library, keys included) becomes the
bundle's ``credentials``, tag ids read as names.
"""

from __future__ import annotations

from typing import Any

from allhub_core.accounts import normalize_tag_name
from allhub_core.errors import ValidationError
from allhub_core.transfer.bundle import Bundle, IncomingBookmark, Tombstone
from allhub_core.transfer.extension_account import account, tags_of
from allhub_core.transfer.extension_export import (
    BACKUP_VERSION,
    PROFILES_VERSION,
    build_extension_backup,
    extension_file_name,
)
from allhub_core.transfer.extension_migrate import CURRENT_CONFIG_VERSION, record, text, upgrade_account
from allhub_core.transfer.times import FileClock, ImpossibleTime

__all__ = [
    "BACKUP_VERSION",
    "CURRENT_CONFIG_VERSION",
    "SUPPORTED_VERSIONS",
    "build_extension_backup",
    "extension_file_name",
    "parse_extension",
    "upgrade_account",
]

SUPPORTED_VERSIONS = ("1.0", "2.0", "3.0", "4.0")


# -- reading ------------------------------------------------------------------------------

def _version_of(obj: dict) -> str:
    version = obj.get("version", "1.0")
    if version in SUPPORTED_VERSIONS:
        return str(version)
    try:
        newer = float(str(version)) >= 5
    except ValueError:
        newer = False
    if newer:
        raise ValidationError(f"This backup was made by a newer version of All API Hub (format {version}); "
                              "allhub reads formats 1.0 to 4.0.")
    raise ValidationError(f"This backup has an unknown format version ({str(version)[:20]}); "
                          "allhub reads formats 1.0 to 4.0.")


def parse_extension(obj: dict, *, encrypted: bool = False) -> Bundle:
    """A Bundle from the extension's backup object (already JSON-decoded and decrypted)."""
    version = _version_of(obj)
    if obj.get("type") == "preferences":
        raise ValidationError("This is an All API Hub settings-only backup; it holds no accounts to import.")
    data = record(obj.get("data")) if version == "1.0" else {}
    field = obj.get("accounts")
    config: dict = {"accounts": field} if isinstance(field, list) else record(field)
    accounts = config.get("accounts")
    bookmarks = config.get("bookmarks")
    if version == "1.0":
        if not isinstance(accounts, list):
            accounts = data.get("accounts")
        if not isinstance(bookmarks, list):
            bookmarks = data.get("bookmarks")
    if not isinstance(accounts, list) and not isinstance(bookmarks, list):
        raise ValidationError("No importable data found: this backup holds no account data.")
    clock = FileClock()
    deletions = FileClock(now=clock.now)
    tombstones = _tombstones(config.get("deletedEntryRecords"), deletions)
    timestamp = clock.lenient_ms(obj.get("timestamp")) or clock.lenient_ms(config.get("last_updated")) or None
    tag_store = record(obj.get("tagStore") or data.get("tagStore"))
    tag_names = _tag_names(tag_store)
    tag_times = {tag_names[tid]: (clock.lenient_ms(record(t).get("createdAt")),
                                  clock.lenient_ms(record(t).get("updatedAt")))
                 for tid, t in record(tag_store.get("tagsById")).items() if tid in tag_names}
    incoming = [account(raw, tag_names, clock) for raw in (accounts if isinstance(accounts, list) else [])]
    kind = "accounts only" if obj.get("type") == "accounts" else "full"
    credentials, left_out = _profiles(obj.get("apiCredentialProfiles"), tag_names)
    bundle = Bundle(
        kind="extension", version=version, description=f"All API Hub {version} backup ({kind})",
        timestamp_ms=timestamp, accounts=incoming,
        bookmarks=[b for b in (_bookmark(raw, tag_names, clock) for raw in
                               (bookmarks if isinstance(bookmarks, list) else [])) if b],
        pinned=_ids(config.get("pinnedAccountIds")), ordered=_ids(config.get("orderedAccountIds")),
        tombstones=tombstones,
        tags=sorted(set(tag_names.values()) | {t for a in incoming for t in a.tags}, key=str.casefold),
        tag_times=tag_times, encrypted=encrypted, accounts_only=obj.get("type") == "accounts",
        future_deletions=deletions.clamped, future_times=clock.clamped, credentials=credentials,
        credentials_left_out=left_out,
    )
    return bundle


def _ids(value: Any) -> list[str]:
    return list(dict.fromkeys(v for v in value if isinstance(v, str) and v)) if isinstance(value, list) else []


def _tag_names(tag_store: dict) -> dict[str, str]:
    names: dict[str, str] = {}
    for tid, tag in record(tag_store.get("tagsById")).items():
        try:
            names[str(tid)] = normalize_tag_name(text(record(tag).get("name")))
        except ValidationError:
            continue
    return names


def _profiles(value: Any, tag_names: dict[str, str]) -> tuple[list[dict], str]:
    """The API credential profiles (``apiCredentialProfiles.profiles``), their ``tagIds`` read as
    tag names (an id the tag store does not name is dropped), and why they were left out: a
    section newer than the extension's version 5 is refused by the extension itself, so it is not
    guessed at here (the accounts still import)."""
    section = record(value)
    version = section.get("version")
    if isinstance(version, int | float) and not isinstance(version, bool) and version > PROFILES_VERSION:
        return [], (f"the file's API credentials have a newer format (version {str(version)[:12]}) than this "
                    "allhub reads and were left out")
    profiles = section.get("profiles")
    return [{**p, "tagIds": tags_of({"tagIds": p.get("tagIds")}, tag_names)}
            for p in (profiles if isinstance(profiles, list) else []) if isinstance(p, dict)], ""


def _tombstones(value: Any, clock: FileClock | None = None) -> dict[str, Tombstone]:
    """The deletion records (``deletedEntryRecords``; our own backup's ``tombstones``).

    A date in the future is read as now (counted in ``clock.clamped``, which the preview tells):
    it would otherwise delete entries edited today and refuse them until that date. A date that
    is no possible time makes the whole file unreadable with one sentence, since dropping the
    record would bring a deleted entry back and keeping it would be a guess. A record without a
    date (or dated 0) is skipped, as before.
    """
    clock = clock or FileClock()
    out: dict[str, Tombstone] = {}
    for tid, rec in record(value).items():
        rec = record(rec)
        if not tid or tid in ("__proto__", "constructor", "prototype"):
            continue
        if rec.get("kind") not in ("account", "bookmark"):
            continue
        before = clock.clamped
        try:
            deleted = clock.ms(rec.get("deletedAt"), "deletion date")
            entry_updated = clock.ms(rec.get("entryUpdatedAt"), "date of the last edit")
        except ImpossibleTime as exc:
            raise ValidationError(f"This backup cannot be imported: the {exc.what} of its deletion record "
                                  f"{str(tid)[:60]!r} ({exc.shown}) is not a possible time.") from None
        clock.clamped = min(clock.clamped, before + 1)  # counted once per record
        if deleted > 0:
            out[str(tid)] = Tombstone(rec["kind"], deleted, entry_updated, from_future=clock.clamped > before)
    return out


def _bookmark(raw: Any, tag_names: dict[str, str], clock: FileClock) -> IncomingBookmark | None:
    """A bookmark; one whose time is no possible time is rejected (with why), one from the future
    is read as made now."""
    raw = record(raw)
    bid, name, url = text(raw.get("id")).strip(), text(raw.get("name")).strip(), text(raw.get("url")).strip()
    if not (bid and name and url):  # the extension drops these too (sanitizeBookmarks)
        return None
    mark = IncomingBookmark(id=bid, name=name, url=url, notes=text(raw.get("notes")), tags=tags_of(raw, tag_names))
    try:
        mark.created_ms = clock.ms(raw.get("created_at"), "created_at")
        mark.updated_ms = clock.ms(raw.get("updated_at"), "updated_at")
    except ImpossibleTime as exc:
        mark.problem = str(exc)
    return mark
