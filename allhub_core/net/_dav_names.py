"""The backup's names and addresses, as the All API Hub extension makes them, and what a
``PROPFIND`` lists (used by ``webdav.WebdavClient``).

A URL ending in ``.json`` is the file itself; any other URL is a folder under which the file is
``all-api-hub-backup/all-api-hub-1-0.json``. Temporary uploads are named
``<file>.tmp.<YYYYMMDDTHHMMSSZ>.<random>`` in the same folder. Messages name a server by
``display_url`` (scheme, host, port and path: never a user name, password or query string).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit
from xml.etree import ElementTree

from allhub_core.net._errors import WebdavConfigError
from allhub_core.net._redact import short

__all__ = [
    "BACKUP_FOLDER_NAME",
    "CONFIG_VERSION",
    "PROGRAM_NAME",
    "STALE_TEMP_MAX_AGE",
    "DavEntry",
    "backup_dir_url",
    "check_url",
    "display_url",
    "ensure_filename",
    "join_name",
    "parse_multistatus",
    "temp_file_name",
    "temp_prefix",
    "temp_time",
]

CONFIG_VERSION = "1-0"
PROGRAM_NAME = "all-api-hub"
BACKUP_FOLDER_NAME = f"{PROGRAM_NAME}-backup"
STALE_TEMP_MAX_AGE = timedelta(hours=24)


def ensure_filename(url: str, version: str = CONFIG_VERSION) -> str:
    """The backup file's URL: ``url`` itself when it names a ``.json`` file, else
    ``<url>/all-api-hub-backup/all-api-hub-1-0.json`` (the extension's ``ensureFilename``)."""
    if re.search(r"\.json($|\?)", url, re.IGNORECASE):
        return url
    sep = "" if url.endswith("/") else "/"
    return f"{url}{sep}{BACKUP_FOLDER_NAME}/{PROGRAM_NAME}-{version}.json"


def backup_dir_url(target_url: str) -> str:
    """The folder the backup file lives in, without a trailing slash (``getBackupDirUrl``)."""
    marker = f"{BACKUP_FOLDER_NAME}/"
    idx = target_url.find(marker)
    if idx == -1:
        cut = target_url.rfind("/")
        return target_url[:cut] if cut > 0 else target_url
    return target_url[: idx + len(marker) - 1]


def _file_name(target_url: str) -> str:
    clean = re.split(r"[?#]", target_url, maxsplit=1)[0]
    return clean[clean.rfind("/") + 1:]


def temp_prefix(target_url: str) -> str:
    """``all-api-hub-1-0.json.tmp.``: what every temporary name of this target starts with."""
    return f"{_file_name(target_url) or f'{PROGRAM_NAME}-{CONFIG_VERSION}.json'}.tmp."


def _random_suffix() -> str:
    # as the extension: six random bytes, each in base 36 padded to two characters
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"

    def b36(n: int) -> str:
        return digits[n] if n < 36 else b36(n // 36) + digits[n % 36]

    return "".join(b36(b).rjust(2, "0") for b in os.urandom(6))


def temp_file_name(target_url: str, now: datetime | None = None) -> str:
    """``all-api-hub-1-0.json.tmp.20250101T120000Z.k3j9x0a1b2c3`` (UTC, whole seconds)."""
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{temp_prefix(target_url)}{stamp}.{_random_suffix()}"


def join_name(base_url: str, name: str) -> str:
    sep = "" if base_url.endswith("/") else "/"
    return f"{base_url}{sep}{quote(name, safe='-_.!~*()' + chr(39))}"


def temp_time(name: str, prefixes: list[str]) -> datetime | None:
    for prefix in prefixes:
        m = re.fullmatch(re.escape(prefix) + r"(\d{8}T\d{6}Z)\.[a-z0-9]+", name)
        if m:
            try:
                return datetime.strptime(m.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            except ValueError:
                return None
    return None


def display_url(url: str) -> str:
    """``scheme://host[:port]/path``: how a message names a WebDAV address (no user, password
    or query string)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "the WebDAV address"
    return short(f"{parts.scheme}://{host}{port}{unquote(parts.path)}", 160)


def check_url(url: str) -> str:
    """The address trimmed, or ``WebdavConfigError`` saying what is wrong with it."""
    url = (url or "").strip()
    if not url:
        raise WebdavConfigError("The WebDAV address is empty.")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise WebdavConfigError("The WebDAV address is not a valid URL.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebdavConfigError("The WebDAV address must start with http:// or https:// and name a server.")
    if parts.username is not None or parts.password is not None:
        raise WebdavConfigError("The WebDAV address must not contain a user name or password; "
                                "enter them in their own fields.")
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise WebdavConfigError("The WebDAV address must not contain spaces or control characters.")
    return url


# -- what a PROPFIND lists ---------------------------------------------------------------------
@dataclass(frozen=True)
class DavEntry:
    """One ``<response>`` of a PROPFIND: its absolute URL, last path segment, and kind."""

    url: str
    name: str
    is_folder: bool
    size: int | None = None
    modified: str = ""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def parse_multistatus(xml: bytes, base: str) -> Iterator[DavEntry]:
    try:
        root = ElementTree.fromstring(xml)  # the stdlib parser expands no external entities
    except ElementTree.ParseError:
        return
    for resp in root.iter():
        if _local(resp.tag) != "response":
            continue
        href = next((el.text for el in resp.iter() if _local(el.tag) == "href" and el.text), None)
        if not href:
            continue
        url = urljoin(base, href.strip())
        segments = [s for s in urlsplit(url).path.split("/") if s]
        name = unquote(segments[-1]) if segments else ""
        props: dict[str, Any] = {_local(el.tag): el for el in resp.iter()}
        is_folder = "collection" in props
        size_el = props.get("getcontentlength")
        size = int(size_el.text) if size_el is not None and (size_el.text or "").strip().isdigit() else None
        mod_el = props.get("getlastmodified")
        yield DavEntry(url, name, is_folder, size, (mod_el.text or "").strip() if mod_el is not None else "")
