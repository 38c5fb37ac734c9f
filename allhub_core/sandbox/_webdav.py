"""A local WebDAV folder for ``allhub demo``: wsgidav over cheroot on 127.0.0.1, in a thread.

The demo points its Backup settings here and uploads once, so the Backup page shows a real
server, a real file in the extension's layout and a last result. One user, Basic auth; the
folder is the demo's own (``data/demo-webdav`` beside the demo database).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

DEMO_USER = "demo"
DEMO_PASSWORD = "demo-webdav-password"


class DemoWebdav:
    """``wrap``: a WSGI middleware around wsgidav (the tests' server adds real servers' quirks
    and a request log this way); ``user``/``password``: the one Basic-auth login."""

    def __init__(self, root: Path, port: int = 0, *, user: str = DEMO_USER, password: str = DEMO_PASSWORD,
                 wrap: Callable[[Any], Any] | None = None) -> None:
        from cheroot import wsgi  # noqa: PLC0415 - wsgidav loads only when a WebDAV server starts
        from wsgidav.wsgidav_app import WsgiDAVApp  # type: ignore[import-untyped]  # noqa: PLC0415

        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        if not port:
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
        self.port = port
        self.url = f"http://127.0.0.1:{port}/"
        config = {
            "host": "127.0.0.1", "port": port, "provider_mapping": {"/": str(self.root)},
            "simple_dc": {"user_mapping": {"*": {user: {"password": password}}}},
            "http_authenticator": {"accept_basic": True, "accept_digest": False, "default_to_digest": False,
                                   "trusted_auth_header": None},
            "verbose": 0, "logging": {"enable": False, "enable_loggers": []},
            "property_manager": True, "lock_storage": True, "dir_browser": {"enable": False},
        }
        app = WsgiDAVApp(config)
        self._server = wsgi.Server(("127.0.0.1", port), wrap(app) if wrap else app, numthreads=4)
        self._server.prepare()
        self._thread = threading.Thread(target=self._server.serve, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def stop(self) -> None:
        self._server.stop()
        self._thread.join(timeout=5)
