"""A real WebDAV server on 127.0.0.1 for the tests: wsgidav over cheroot, in a thread.

``DavServer(root, mode=...)`` serves the folder ``root`` to one user (Basic auth only) and
records every request it answers as ``(method, path, status, destination)``, so a test can
watch the upload sequence from the server side. Modes, as real servers behave:

- ``"normal"``: a full WebDAV server (MKCOL, MOVE with Overwrite).
- ``"no_move"``: MOVE and MKCOL answered 501 (or ``refuse_status``), as some popular servers do.
- ``"conflict_on_move"``: MOVE onto an existing file answered 409, as Nutstore does.
- ``"redirect_away"``: every request answered 302 to another origin.
- ``"insufficient_storage"``: every upload (PUT) answered 507, as a full quota does.
- ``"html"``: every request answered 200 with an HTML sign-in page (a portal or proxy).
- ``"drip"``: a GET gets its headers at once, then one byte every ``drip_every`` seconds.
- ``"huge"``: a GET announces ``Content-Length`` 300 MB and streams zeros; ``"endless"`` streams
  zeros with no ``Content-Length`` and no end. ``sent`` counts the body bytes handed to the
  server for sending (a client that refuses early leaves it far below the size).
"""

from __future__ import annotations

import base64
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from allhub_core.sandbox import DemoWebdav

USER = "alice"
PASSWORD = "dav-Pa55word-VERY-secret-42"


class _Refuser:
    """WSGI middleware: the server's quirks, and the request log."""

    def __init__(self, app: Callable, server: DavServer) -> None:
        self.app = app
        self.server = server

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Any:
        method = environ["REQUEST_METHOD"]
        path = unquote(environ.get("PATH_INFO", ""))
        dest = environ.get("HTTP_DESTINATION", "")
        mode = self.server.mode
        # logged on arrival, status filled in by start_response (before the client sees the answer)
        entry = [method, path, 0, unquote(urlsplit(dest).path)]
        self.server.log.append(entry)

        def record(status: str, headers: list, exc_info: Any = None) -> Any:
            entry[2] = int(status.split()[0])
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        def answer(code: int, reason: str, extra: list | None = None) -> list[bytes]:
            record(f"{code} {reason}", [("Content-Length", "0"), *(extra or [])])
            return [b""]

        if mode == "insufficient_storage" and method == "PUT" and self.server.authorized(environ):
            body = answer(507, "Insufficient Storage")
        elif mode == "html":  # a login portal or a proxy's error page instead of WebDAV
            page = b"<!doctype html><html><head><title>Sign in</title></head><body>Sign in</body></html>"
            record("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(page)))])
            body = [page]
        elif mode in ("drip", "huge", "endless") and method == "GET" and self.server.authorized(environ):
            body = self.server.stream(mode, record)
        elif mode == "redirect_away":
            body = answer(302, "Found", [("Location", self.server.redirect_to + path)])
        elif mode == "no_move" and method in ("MOVE", "MKCOL") and self.server.authorized(environ):
            body = answer(self.server.refuse_status, "Not Implemented" if self.server.refuse_status == 501
                          else "Method Not Allowed")
        elif (mode == "conflict_on_move" and method == "MOVE" and self.server.authorized(environ)
              and self.server.path(unquote(urlsplit(dest).path)).is_file()):
            body = answer(409, "Conflict")
        else:
            body = self.app(environ, record)
        return body


class DavServer:
    def __init__(self, root: Path, mode: str = "normal", *, refuse_status: int = 501) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.mode = mode
        self.refuse_status = refuse_status
        self.redirect_to = "http://127.0.0.2:9"  # "redirect_away": where to (tests set another server)
        self.log: list[list[Any]] = []  # [method, path, status, destination path]
        self.drip_every = 1.0  # "drip": seconds between bytes
        self.sent = 0  # "drip", "huge", "endless": body bytes handed over for sending
        self._closing = threading.Event()
        self._dav = DemoWebdav(self.root, user=USER, password=PASSWORD, wrap=lambda app: _Refuser(app, self))
        self.port = self._dav.port
        self.base = f"http://127.0.0.1:{self.port}"

    def authorized(self, environ: dict[str, Any]) -> bool:

        want = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        return environ.get("HTTP_AUTHORIZATION") == want

    def path(self, url_path: str) -> Path:
        return self.root / url_path.lstrip("/")

    def url(self, path: str = "/") -> str:
        return self.base + path

    def methods(self) -> list[str]:
        return [m for m, *_ in self.log]

    def calls(self) -> list[tuple[str, str, int]]:
        """(method, path with the temporary name's time and random part as ``<tmp>``, status)."""

        return [(m, re.sub(r"\.tmp\.\d{8}T\d{6}Z\.[a-z0-9]+$", ".tmp.<tmp>", p), st) for m, p, st, _ in self.log]

    def stream(self, mode: str, record: Callable) -> Any:
        """The body of a "drip", "huge" or "endless" GET (ends when the client goes or the server stops)."""
        size = 300 * 1024 * 1024
        headers = [("Content-Type", "application/json")]
        if mode != "endless":
            headers.append(("Content-Length", str(size if mode == "huge" else 1000)))
        record("200 OK", headers)

        def body() -> Any:
            chunk = b"{" if mode == "drip" else bytes(1024 * 1024)
            while not self._closing.is_set() and self.sent < size:
                self.sent += len(chunk)
                yield chunk
                if mode == "drip":
                    chunk = b" "
                    self._closing.wait(self.drip_every)

        return body()

    def stop(self) -> None:
        self._closing.set()
        self._dav.stop()
