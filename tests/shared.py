"""What many test modules share: one fast politeness, one sandbox per set of arguments, and
``Sink``, a local HTTP server that records what notifications POST to it.

``tests/conftest.py`` puts this folder on ``sys.path`` and exposes both as fixtures (``fast``,
``sandbox_factory``); modules that need them at import time (default arguments, module-scoped
fixtures) import them from here: ``from shared import fast_politeness, shared_sandbox``.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from allhub_core.accounts import AccountInput, add_account, set_preference
from allhub_core.net import Politeness
from allhub_core.sandbox import demo_accounts, start_sandbox

#: No rate bucket, no log spacing, tiny backoffs: loopback sites need no politeness.
FAST = Politeness(per_site_rpm=0, log_spacing_ms=0, backoff_base=0.01, backoff_max=0.05, retry_after_max=0.2)

_SANDBOXES: dict[tuple, Any] = {}


def fast_politeness(**overrides: Any) -> Politeness:
    """The shared fast politeness, with a module's own overrides (e.g. ``retries=0``)."""
    return dataclasses.replace(FAST, **overrides) if overrides else FAST


def shared_sandbox(**kwargs: Any):
    """One running sandbox per distinct set of ``start_sandbox`` arguments, for the whole session.

    Modules asking for the same sites get the same sandbox; each is reset before it is handed
    out again (faults and recordings cleared); ``stop_all`` (the fixture's teardown) stops them.
    """

    key = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in kwargs.items()))
    entry = _SANDBOXES.get(key)
    if entry is None:
        ctx = start_sandbox(**kwargs)
        sandbox = ctx.__enter__()
        _SANDBOXES[key] = entry = (ctx, sandbox)
    else:
        for site in entry[1].sites:
            site.reset()
    return entry[1]


def add_sandbox_accounts(store, sandbox) -> list[int]:
    """Every seeded user of ``sandbox`` as an account of ``store`` (no politeness bucket: our own
    sites); their ids in the sandbox's order."""

    set_preference(store, "per_site_rpm", 0)
    return [add_account(store, AccountInput(
        site_url=row["site_url"], site_name=f"{row['dialect']} {row['username']}", site_type=row["site_type"],
        user_id=row["user_id"], username=row["username"], auth_type=row["auth_type"],
        access_token=row.get("access_token") or "", cookie=row.get("cookie") or "")) for row in demo_accounts(sandbox)]


def stop_all() -> None:
    while _SANDBOXES:
        _, (ctx, _sb) = _SANDBOXES.popitem()
        ctx.__exit__(None, None, None)


class Sink:
    """A tiny HTTP server that records each POST (path, headers, body) and answers 200."""

    def __init__(self) -> None:
        self.got: list[dict] = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length") or 0)).decode()
                sink.got.append({"path": self.path, "headers": dict(self.headers), "body": body})
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"code": 200, "message": "success"}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def json(self, i: int = -1) -> dict:
        return json.loads(self.got[i]["body"])

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def add_demo_row(store, row: dict[str, Any], site_name: str) -> int:
    """One of the sandbox's ``demo_accounts`` rows added as an account (its secrets included)."""
    return add_account(store, AccountInput(
        site_url=row["site_url"], site_name=site_name, site_type=row["site_type"],
        user_id=row["user_id"], username=row["username"], auth_type=row["auth_type"],
        access_token=row.get("access_token") or "", cookie=row.get("cookie") or "",
        refresh_token=row.get("refresh_token") or ""))


def add_demo_account(store, sandbox, dialect: str, index: int = 0):
    """The ``index``-th demo user of ``dialect`` as an account: ``(account id, site, SandboxUser)``."""
    row = [r for r in demo_accounts(sandbox) if r["dialect"] == dialect][index]
    aid = add_demo_row(store, row, f"{dialect} {row['username']}")
    site = sandbox.site(dialect)
    return aid, site, next(u for u in site.users if str(u.id) == row["user_id"])


def load_demo(store, sandbox) -> dict[str, list[int]]:
    """Every demo user as an account: ``{dialect: [account ids]}``."""
    ids: dict[str, list[int]] = {}
    for row in demo_accounts(sandbox):
        ids.setdefault(row["dialect"], []).append(add_demo_row(store, row, f"{row['site_name']} {row['username']}"))
    return ids
