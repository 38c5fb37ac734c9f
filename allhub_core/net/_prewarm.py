"""The HTTP client made ready ahead: httpx's import and the trust store, in a thread.

A command that asks a site (``allhub refresh``, ``checkin``, ``account add``) would otherwise
pay both in its first request, one after the other and after everything else it did first:
importing httpx, httpcore and anyio's asyncio backend (~0.1-0.2 s) and loading the trust store into a TLS
context (~30-100 ms), before the request can leave. ``start()`` does them in a daemon thread
while the command goes on importing its rooms and opening the store. Loading certificates and
the store's DuckDB work let go of the interpreter lock, so on a second core the two overlap.

The context built here is handed over, never shared: ``take`` gives it to the first thread that
asks for the same settings (``_client.tls_context``), which keeps it as its own, so no two
threads use one context at a time (see ``_client.tls_context``). A failure here is silent: the
command imports and builds as it always did, and says what went wrong there.
"""

from __future__ import annotations

import contextlib
import ssl
import sys
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["start", "take"]

_CLIENT = "allhub_core.net._client"
#: the thread started by ``start`` (None: never started in this process)
_thread: threading.Thread | None = None
#: ``{trust source: context}`` built by the thread, waiting for its first taker
_ready: dict[tuple[Any, ...], ssl.SSLContext] = {}


def start(verify: bool = True) -> None:
    """Import the HTTP client and build a TLS context for ``verify`` in a daemon thread (once per
    process; nothing when the client is imported already)."""
    global _thread
    if _thread is not None or _CLIENT in sys.modules:
        return
    _thread = threading.Thread(target=_warm, args=(verify,), name="allhub-prewarm", daemon=True)
    _thread.start()


def _warm(verify: bool) -> None:
    with contextlib.suppress(Exception):  # whatever fails is done, and said, where it is needed
        import httpcore  # noqa: F401, PLC0415 - httpx imports it with the first client (~50 ms)

        from allhub_core.net import _client  # noqa: PLC0415 - the point of the thread

        _ready[_client.trust_source(verify)] = _client.build_tls_context(verify)


def take(source: tuple[Any, ...], build: Callable[[], ssl.SSLContext]) -> ssl.SSLContext:
    """The context built ahead for ``source`` (waiting for the thread when it is still at it), else
    ``build()``. Each built-ahead context goes to one caller only."""
    thread = _thread
    if thread is not None and thread is not threading.current_thread():
        thread.join()
    context = _ready.pop(source, None)
    return context if context is not None else build()
