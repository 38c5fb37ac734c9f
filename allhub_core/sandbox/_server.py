"""Run many sandbox sites, each on its own port, from one thread and one loop.

All sites (and the redirect sink) share ONE uvicorn server: its sockets are bound
up front (so ports are known and connections queue before the loop runs) and an
ASGI router picks the site by the local port of the connection. One server means
one main loop and one shutdown, which is what makes 50+ sites start in well under
a second and stop cleanly.
"""

from __future__ import annotations

import asyncio
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import uvicorn

from allhub_core.sandbox._dialects import DIALECTS, get_dialect
from allhub_core.sandbox._recording import DEFAULT_REQUEST_LOG_CAP, RedirectSink
from allhub_core.sandbox._site import SandboxSite


class _PortRouter:
    """ASGI app: route each connection to the site that owns its local port."""

    def __init__(self, apps: dict[int, Callable]) -> None:
        self.apps = apps

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        server = scope.get("server") or ("", 0)
        app = self.apps.get(server[1])
        if app is not None:
            await app(scope, receive, send)


def _bind(host: str, port: int) -> socket.socket:
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY only then, and without it every
    # kept-alive answer waited ~40 ms for Nagle's algorithm.
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(2048)
    sock.setblocking(False)
    return sock


class Sandbox:
    """A set of running sandbox sites. Use :func:`start_sandbox` to get one."""

    def __init__(
        self, *, dialects: Iterable[str] | None = None, users_per_site: int = 3,
        sites_per_dialect: int = 1, sites: int | None = None, seed: int = 1,
        host: str = "127.0.0.1", latency_ms: int = 0, port: int = 0,
        request_log_cap: int = DEFAULT_REQUEST_LOG_CAP,
    ) -> None:
        names = [get_dialect(d).name for d in (dialects or DIALECTS)]
        if not names:
            raise ValueError("at least one dialect is needed")
        if sites is None:
            plan = [(d, k) for d in names for k in range(sites_per_dialect)]
        else:
            plan = [(names[i % len(names)], i // len(names)) for i in range(sites)]
        self.host = host
        self.sites: list[SandboxSite] = [
            SandboxSite(get_dialect(d), index=k, users=users_per_site, seed=seed,
                        latency_ms=latency_ms, request_log_cap=request_log_cap)
            for d, k in plan
        ]
        self.redirect_sink = RedirectSink(request_log_cap)
        """Another origin; the default target of ``redirect`` faults."""
        self._sockets: list[socket.socket] = []
        apps: dict[int, Callable] = {}
        try:
            hosted: list[SandboxSite | RedirectSink] = [*self.sites, self.redirect_sink]
            for i, app in enumerate(hosted):
                sock = _bind(host, port + i if port else 0)
                self._sockets.append(sock)
                app.port = sock.getsockname()[1]
                shown = f"[{host}]" if ":" in host else host
                app.url = f"http://{shown}:{app.port}"
                apps[app.port] = app
        except OSError:
            self._close_sockets()
            raise
        for s in self.sites:
            s.sink_url = self.redirect_sink.url
        config = uvicorn.Config(
            _PortRouter(apps), lifespan="off", access_log=False, log_config=None,
            log_level="warning", http="h11", loop="asyncio", timeout_graceful_shutdown=1,
            backlog=2048, server_header=False,
        )
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    # ----- lookup -------------------------------------------------------------------------

    def site(self, dialect: str, index: int = 0) -> SandboxSite:
        """The ``index``-th site of a dialect (sandbox name such as ``new-api-modern``, or a
        ``site_type`` such as ``Veloera``)."""
        name = get_dialect(dialect).name
        matches = [s for s in self.sites if s.dialect == name]
        if not matches:
            raise KeyError(f"no {dialect!r} site in this sandbox")
        return matches[index]

    def site_by_url(self, url: str) -> SandboxSite:
        for s in self.sites:
            if s.url == url.rstrip("/"):
                return s
        raise KeyError(url)

    def info(self) -> list[dict[str, Any]]:
        return [s.info() for s in self.sites]

    def demo_accounts(self) -> list[dict[str, Any]]:
        from allhub_core.sandbox._demo import demo_accounts  # noqa: PLC0415 - _demo imports this module

        return demo_accounts(self)

    # ----- lifecycle ----------------------------------------------------------------------

    def start(self, timeout: float = 10.0) -> Sandbox:
        """Serve in a background thread; return once every site accepts connections."""
        if self._thread is not None:
            return self

        def run() -> None:
            try:
                asyncio.run(self._server.serve(sockets=self._sockets))
            except BaseException as exc:  # noqa: BLE001 - surfaced by start()
                self._error = exc

        self._thread = threading.Thread(target=run, name="allhub-sandbox", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if self._error is not None or not self._thread.is_alive():
                raise RuntimeError(f"sandbox failed to start: {self._error!r}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("sandbox did not start in time")
            time.sleep(0.005)
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until Ctrl-C (uvicorn handles the signal)."""
        self._server.run(sockets=self._sockets)

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=15)
            self._thread = None
        self._close_sockets()

    def _close_sockets(self) -> None:
        for sock in self._sockets:
            try:
                sock.close()
            except OSError:
                pass

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_sandbox(
    dialects: Iterable[str] | None = None, users_per_site: int = 3, sites_per_dialect: int = 1,
    seed: int = 1, host: str = "127.0.0.1", latency_ms: int = 0, *, sites: int | None = None,
    port: int = 0, request_log_cap: int = DEFAULT_REQUEST_LOG_CAP,
) -> Sandbox:
    """Start sandbox sites in a background thread and return the running :class:`Sandbox`.

    ``dialects``: names from ``DIALECTS`` (or site types); None = all of them.
    ``sites_per_dialect`` sites of each, or, when ``sites`` is given, that many sites in
    total cycling through the dialects (for benchmarks: ``sites=50, users_per_site=20``).
    ``port``: 0 = free ports; N = the first site on N, the next on N+1...
    ``latency_ms``: delay added to every response. Use as a context manager to stop it.
    """
    return Sandbox(
        dialects=dialects, users_per_site=users_per_site, sites_per_dialect=sites_per_dialect,
        sites=sites, seed=seed, host=host, latency_ms=latency_ms, port=port,
        request_log_cap=request_log_cap,
    ).start()


def serve(
    port: int = 0, sites: int | None = None, dialects: Iterable[str] | None = None,
    users_per_site: int = 3, latency_ms: int = 0, seed: int = 1,
) -> None:
    """Run the sandbox in the foreground until Ctrl-C, printing every site and its
    seeded credentials (fake data). ``port`` N puts the first site on N, the next on N+1."""
    sb = Sandbox(dialects=dialects, users_per_site=users_per_site, sites=sites, seed=seed,
                 latency_ms=latency_ms, port=port)
    out = sys.stdout
    for s in sb.sites:
        print(f"{s.dialect:<15} {s.site_type:<12} {s.url}   {s.name}", file=out)
        for u in s.users:
            secret = f"refresh_token={u.refresh_token}" if s.spec.family == "sub2api" \
                else f"jwt={u.access_token}" if s.spec.family == "voapi-v2" \
                else f"access_token={u.access_token}  cookie={u.cookie}"
            print(f"    user {u.id} {u.username} / {u.password}  {secret}", file=out)
    print(f"redirect-sink   -            {sb.redirect_sink.url}", file=out)
    print("admin: GET /__sandbox/info, /__sandbox/requests; POST /__sandbox/faults, "
          "/__sandbox/reset (on every site). Ctrl-C to stop.", file=out, flush=True)
    try:
        sb.serve_forever()
    except KeyboardInterrupt:  # uvicorn re-raises SIGINT after its graceful shutdown
        pass
    finally:
        sb._close_sockets()
    print("sandbox stopped", file=out, flush=True)
