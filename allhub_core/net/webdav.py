"""A WebDAV client for the backup file, speaking as the All API Hub extension does.

Users point the extension and allhub at one folder, so the names and steps are the
extension's (``src/services/webdav/webdavService.ts``):

- The address: a URL ending in ``.json`` is the file itself; any other URL is a folder under
  which the file is ``all-api-hub-backup/all-api-hub-1-0.json`` (``ensure_filename``).
- Test: ``GET`` a file URL, ``PROPFIND`` (Depth 0) a folder URL; 401/403 is a refused login,
  any other answer below 500 means the server is reachable.
- Safe upload: ``MKCOL`` the backup folder (any answer is accepted: 405 usually means it
  exists), remove this program's temporary files older than 24 hours (``PROPFIND`` Depth 1,
  then ``DELETE``; best effort), ``PUT`` the content to ``<name>.tmp.<YYYYMMDDTHHMMSSZ>.<random>``
  in the same folder, ``GET`` it back (425 "still processing" is retried) and compare, then
  ``MOVE`` it onto the real name with ``Overwrite: T``. A server that answers that MOVE with 409
  or 500 (Nutstore, cstcloud) gets ``DELETE`` of the target and the ``MOVE`` again. A failed
  upload deletes its temporary file.
- Our addition: a server without MOVE (405 or 501) gets a non-atomic upload: ``PUT`` straight
  onto the real name, read back and compared, and the temporary file deleted. A server without
  MKCOL still gets the PUT (some create folders on write); if the folder is missing the error
  says so.
- Download: ``GET``; 404, or 409 with ``AncestorsNotFound`` (Nutstore), means no file yet.

Every request has one deadline (``timeout``, default 120 s) for everything from connecting to
the last byte of the body, and an answer's body is streamed and bounded (``max_body``): a
server that drips or sends a huge answer is cut off in one sentence (``_dav_request``).

Credentials are Basic auth and only ever go to the configured origin: redirects are followed
by hand, within that origin only. Error messages name the server by scheme, host and path,
never a user name, password, query string or the server's own text.

This module is the client and the public names; the file names and addresses and the
``PROPFIND`` listing are ``_dav_names``, one request with its deadline ``_dav_request``, the
errors ``_errors``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

from allhub_core.net._dav_names import (
    BACKUP_FOLDER_NAME,
    CONFIG_VERSION,
    PROGRAM_NAME,
    STALE_TEMP_MAX_AGE,
    DavEntry,
    backup_dir_url,
    check_url,
    display_url,
    ensure_filename,
    join_name,
    parse_multistatus,
    temp_file_name,
    temp_prefix,
    temp_time,
)
from allhub_core.net._dav_request import DavAnswer, DavSession, DeadlinePassed, TooLarge, Unreachable, size_text
from allhub_core.net._errors import WebdavAuthError, WebdavConfigError, WebdavError
from allhub_core.net._origin import same_origin

__all__ = [
    "BACKUP_FOLDER_NAME",
    "CONFIG_VERSION",
    "DEFAULT_DEADLINE_S",
    "PROGRAM_NAME",
    "STALE_TEMP_MAX_AGE",
    "DavEntry",
    "ProbeResult",
    "UploadResult",
    "WebdavAuthError",
    "WebdavClient",
    "WebdavConfigError",
    "WebdavError",
    "backup_dir_url",
    "check_url",
    "display_url",
    "ensure_filename",
    "temp_file_name",
    "temp_prefix",
]

ANCESTORS_NOT_FOUND = "AncestorsNotFound"
TOO_EARLY = 425
READBACK_ATTEMPTS = 10
_REDIRECTS = (301, 302, 303, 307, 308)
_MAX_REDIRECTS = 5
_NO_METHOD = (405, 501)
#: each request's one deadline (connect, headers, redirects, whole body) unless the caller sets one
DEFAULT_DEADLINE_S = 120.0


# -- results --------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProbeResult:
    url: str
    method: str
    status: int

    def summary(self) -> str:
        return f"The WebDAV server at {display_url(self.url)} is reachable and accepted the login."


@dataclass
class UploadResult:
    """What an upload did: ``atomic`` is False for the no-MOVE fallback."""

    url: str
    size: int
    atomic: bool = True
    overwrite_retried: bool = False
    stale_removed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        how = "" if self.atomic else " (without MOVE: written in place)"
        return f"Uploaded {self.size:,} bytes to {display_url(self.url)}{how}."


# -- the client -----------------------------------------------------------------------------
class WebdavClient:
    """Basic-auth WebDAV on one configured address. Use as a context manager (or ``close()``)."""

    def __init__(self, url: str, username: str, password: str, *, timeout: float = DEFAULT_DEADLINE_S,
                 max_body: int | None = None, until: float | None = None, readback_delay: float = 1.0) -> None:
        """``timeout``: each request's one deadline in seconds (connect, headers, redirects, the
        whole body); ``max_body``: the most bytes an answer may have (None: no limit); ``until``:
        a ``time.monotonic()`` value by which every request of this client ends."""
        self.url = check_url(url)
        if not username:
            raise WebdavConfigError("The WebDAV user name is empty.")
        if not password:
            raise WebdavConfigError("The WebDAV password is empty.")
        self.target_url = ensure_filename(self.url)
        self.folder_url = backup_dir_url(self.target_url)
        import httpx  # noqa: PLC0415 - httpx (~0.1 s) loads when WebDAV is used, not with every command

        self._auth = httpx.BasicAuth(username, password)
        self._session = DavSession(timeout, until=until)
        self.max_body = max_body
        self._readback_delay = readback_delay

    def __repr__(self) -> str:
        return f"WebdavClient({display_url(self.url)!r})"

    def __enter__(self) -> WebdavClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._session.close()

    # -- one request, redirects kept within the origin --------------------------------------
    def request(self, method: str, url: str, *, headers: dict[str, str] | None = None,
                content: bytes | None = None, limit: int | None = None) -> DavAnswer:
        """Send one request with the credentials within the deadline; a redirect is followed only
        within the configured origin (a redirect elsewhere raises, and nothing is sent there).
        ``limit``: the most bytes the answer may have (default ``max_body``)."""
        where = display_url(self.url)
        limit = self.max_body if limit is None else limit
        current = url
        for _ in range(_MAX_REDIRECTS + 1):
            try:
                res = self._session.send(method, current, auth=self._auth, headers=headers, content=content,
                                         limit=limit)
            except DeadlinePassed as exc:
                if exc.by_until:
                    raise WebdavError(f"The WebDAV server at {where} did not finish answering before the run's "
                                      "time limit; nothing more was sent to it.") from None
                raise WebdavError(f"The WebDAV server at {where} did not finish answering within "
                                  f"{self._session.deadline_s:g} s.") from None
            except TooLarge:
                raise WebdavError(f"The WebDAV server's answer for {display_url(current)} is over "
                                  f"{size_text(limit or 0)}, more than allhub reads; it was not read.") from None
            except Unreachable as exc:
                raise WebdavError(f"The WebDAV server at {where} cannot be reached ({exc.kind}).") from None
            location = res.headers.get("location")
            if res.status_code not in _REDIRECTS or not location:
                return res
            nxt = urljoin(current, location)
            if not same_origin(nxt, self.url):
                raise WebdavError(
                    f"The WebDAV server at {where} redirected to another server, which was not "
                    "followed so your password was not sent there; check the address.",
                    http_status=res.status_code)
            current = nxt
        raise WebdavError(f"The WebDAV server at {where} redirected too many times.")

    def _fail(self, res: DavAnswer, what: str) -> WebdavError:
        if res.status_code in (401, 403):
            return WebdavAuthError(
                f"The WebDAV server at {display_url(self.url)} refused the user name or password "
                f"(HTTP {res.status_code}).", http_status=res.status_code)
        return WebdavError(f"{what} failed: the WebDAV server answered HTTP {res.status_code}.",
                           http_status=res.status_code)

    # -- the methods ---------------------------------------------------------------------------
    def test(self) -> ProbeResult:
        """The extension's connection test (GET a .json URL, PROPFIND Depth 0 a folder URL)."""
        is_file = urlsplit(self.url).path.lower().endswith(".json")
        method = "GET" if is_file else "PROPFIND"
        res = self.request(method, self.url, headers=None if is_file else {"Depth": "0"})
        if res.status_code in (401, 403) or res.status_code >= 500:
            raise self._fail(res, "The connection test")
        if 200 <= res.status_code < 300 and "html" in res.headers.get("content-type", "").lower():
            # A sign-in portal or a proxy's page answers 200 too; a WebDAV server never sends HTML here.
            raise WebdavError(f"{display_url(self.url)} answered with a web page, not WebDAV; check that the "
                              "address is the WebDAV folder (or file) URL.")
        return ProbeResult(self.url, method, res.status_code)

    def get(self, url: str | None = None) -> bytes | None:
        """The file's bytes, or None when there is none (404; Nutstore's 409 AncestorsNotFound)."""
        url = url or self.target_url
        res = self.request("GET", url, headers={"Accept": "application/json"})
        if 200 <= res.status_code < 300:
            return res.content
        if res.status_code == 404 or (res.status_code == 409 and ANCESTORS_NOT_FOUND in res.text):
            return None
        raise self._fail(res, f"Downloading {display_url(url)}")

    def download(self) -> str | None:
        """The backup file as text, or None when it does not exist yet (or is empty)."""
        data = self.get()
        if data is None or not data.strip():
            return None
        return data.decode("utf-8", errors="replace")

    def put(self, url: str, content: bytes) -> None:
        res = self.request("PUT", url, headers={"Content-Type": "application/json"}, content=content)
        if not 200 <= res.status_code < 300:
            if res.status_code == 409 or (res.status_code == 404 and url != self.target_url):
                raise WebdavError(
                    f"Uploading failed: the folder {display_url(self.folder_url)} does not exist on the WebDAV "
                    f"server (HTTP {res.status_code}) and it could not be created; create it there, or set the "
                    "address to a .json file in a folder that exists.", http_status=res.status_code)
            raise self._fail(res, f"Uploading to {display_url(url)}")

    def mkcol(self, url: str) -> int:
        """Create a folder; returns the status (any answer is accepted, as the extension does)."""
        res = self.request("MKCOL", url)
        if res.status_code in (401, 403):
            raise self._fail(res, "Creating the backup folder")
        if not (200 <= res.status_code < 300 or res.status_code == 405) and not url.endswith("/"):
            res2 = self.request("MKCOL", url + "/")
            if res2.status_code in (401, 403):
                raise self._fail(res2, "Creating the backup folder")
            return res2.status_code
        return res.status_code

    def move(self, source: str, destination: str) -> int:
        """MOVE with Overwrite: T; returns the status (the caller decides on non-2xx)."""
        import httpx  # noqa: PLC0415 - as in __init__

        res = self.request("MOVE", source, headers={"Destination": str(httpx.URL(destination)), "Overwrite": "T"})
        if res.status_code in (401, 403):
            raise self._fail(res, "Moving the uploaded file into place")
        return res.status_code

    def delete(self, url: str) -> int:
        res = self.request("DELETE", url)
        if res.status_code in (401, 403):
            raise self._fail(res, f"Deleting {display_url(url)}")
        return res.status_code

    def propfind(self, url: str, depth: int = 1) -> list[DavEntry]:
        """The entries of a PROPFIND (Depth 0 or 1); hrefs resolved against ``url``."""
        res = self.request("PROPFIND", url, headers={"Depth": str(depth), "Content-Type": "application/xml"})
        if res.status_code != 207 and not 200 <= res.status_code < 300:
            raise self._fail(res, f"Listing {display_url(url)}")
        return list(parse_multistatus(res.content, url))

    def list_folder(self) -> list[DavEntry]:
        """The entries directly in the backup folder (not the folder itself)."""
        base = self.folder_url.rstrip("/") + "/"
        return [e for e in self.propfind(base, 1) if e.url.rstrip("/") != base.rstrip("/")]

    # -- the safe upload -----------------------------------------------------------------------
    def cleanup_stale_temps(self, now: datetime | None = None) -> list[str]:
        """Delete this program's temporary files in the backup folder older than 24 hours
        (current and legacy hidden names). Best effort: a failure here never fails an upload."""
        now = now or datetime.now(UTC)
        prefix = temp_prefix(self.target_url)
        prefixes = [prefix, "." + prefix]
        base = self.folder_url.rstrip("/") + "/"
        removed: list[str] = []
        try:
            entries = self.propfind(base, 1)
        except WebdavError:
            return removed
        base_path = urlsplit(base).path
        for entry in entries:
            created = temp_time(entry.name, prefixes)
            if created is None or now - created <= STALE_TEMP_MAX_AGE or entry.is_folder:
                continue
            path = urlsplit(entry.url).path
            if not same_origin(entry.url, self.url) or not path.startswith(base_path) \
                    or "/" in path[len(base_path):].strip("/"):
                continue
            try:
                if 200 <= self.delete(entry.url) < 300:
                    removed.append(entry.name)
            except WebdavError:
                continue
        return removed

    def _read_back(self, url: str, expected: bytes) -> None:
        for attempt in range(1, READBACK_ATTEMPTS + 1):
            limit = None if self.max_body is None else max(self.max_body, len(expected))
            res = self.request("GET", url, headers={"Accept": "application/json"}, limit=limit)
            if res.status_code == TOO_EARLY and attempt < READBACK_ATTEMPTS:
                time.sleep(self._readback_delay)
                continue
            if res.status_code == TOO_EARLY:
                raise WebdavError("Uploading failed: the WebDAV server was still processing the file; "
                                  "try again in a minute.", http_status=TOO_EARLY)
            if not 200 <= res.status_code < 300:
                raise self._fail(res, "Checking the uploaded file")
            if res.content != expected:
                raise WebdavError("Uploading failed: the file read back from the WebDAV server differs from "
                                  "what was sent.")
            return

    def upload(self, content: str | bytes, *, now: datetime | None = None) -> UploadResult:
        """The safe upload described in the module docstring; raises ``WebdavError``."""
        data = content.encode("utf-8") if isinstance(content, str) else content
        _check_backup_json(data)
        result = UploadResult(self.target_url, len(data))
        self.mkcol(self.folder_url)
        result.stale_removed = self.cleanup_stale_temps(now)
        temp_url = join_name(self.folder_url, temp_file_name(self.target_url, now))
        uploaded = False
        try:
            self.put(temp_url, data)
            uploaded = True
            self._read_back(temp_url, data)
            status = self.move(temp_url, self.target_url)
            if status in (409, 500):
                gone = self.delete(self.target_url)
                if not (200 <= gone < 300 or gone == 404):
                    raise WebdavError(f"Replacing the backup file failed: the WebDAV server answered DELETE "
                                      f"with HTTP {gone}.", http_status=gone)
                result.overwrite_retried = True
                status = self.move(temp_url, self.target_url)
            if status in _NO_METHOD:
                # no MOVE on this server: write in place (not atomic), then drop the temporary file
                result.atomic = False
                self.put(self.target_url, data)
                self._read_back(self.target_url, data)
                self._delete_quietly(temp_url)
                uploaded = False
            elif 200 <= status < 300:
                uploaded = False
            else:
                raise WebdavError(f"Moving the uploaded file into place failed: the WebDAV server answered "
                                  f"HTTP {status}.", http_status=status)
        finally:
            if uploaded:
                self._delete_quietly(temp_url)
        return result

    def _delete_quietly(self, url: str) -> None:
        try:
            self.delete(url)
        except WebdavError:
            pass


def _check_backup_json(data: bytes) -> None:
    try:
        json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise WebdavError("The backup to upload is not valid JSON; nothing was uploaded.") from None

