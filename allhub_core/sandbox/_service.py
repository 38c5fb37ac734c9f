"""The base of the sandbox's fakes of services a user runs (push targets, issue 20): one ASGI app
with a management key, its state in memory, and every request recorded; and ``start_push_services``,
which serves the three fakes (CLIProxyAPI, Claude Code Router, a New API admin) on their own
ports from one uvicorn thread, as the sandbox serves its sites.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any, Self

import uvicorn
from starlette.responses import JSONResponse, Response

from allhub_core.sandbox._http import Req
from allhub_core.sandbox._recording import RecordedRequest, read_body

__all__ = ["PushServices", "ServiceFake", "start_push_services"]


class ServiceFake:
    """A service with one management key. ``requests`` is a copy of what clients sent;
    ``writes`` counts the requests that changed its state (a second push must add none)."""

    kind = "service"

    def __init__(self, management_key: str) -> None:
        self.management_key = management_key
        self.port = 0
        self.url = ""
        self.writes = 0
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def reset(self) -> None:
        """Empty, as started: no entries, no requests, no writes."""
        with self._lock:
            self._requests.clear()
            self.writes = 0
            self._empty()

    def _empty(self) -> None:  # pragma: no cover - each fake has its state
        raise NotImplementedError

    def bearer_ok(self, req: Req) -> bool:
        auth = req.headers.get("authorization", "")
        return auth == f"Bearer {self.management_key}"

    def handle(self, req: Req) -> Response:  # pragma: no cover - each fake answers
        raise NotImplementedError

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            return
        req = Req.from_scope(scope, await read_body(receive))
        rec = RecordedRequest(method=req.method, path=req.path, query=req.query_string, headers=req.headers,
                              body=req.body.decode("utf-8", "replace"), time=time.time())
        with self._lock:
            self._requests.append(rec)
            response = self.handle(req)
        rec.status = response.status_code
        await response(scope, receive, send)


def error(status: int, message: str) -> Response:
    return JSONResponse({"error": message}, status_code=status)


class FakeServers:
    """Small fakes of the services the app talks to, each on a port of its own of one uvicorn
    server in a background thread (the sandbox's bind and per-port router). Each fake gets its
    ``port``, ``origin`` and ``url`` (the origin plus its ``base_path``, if it has one)."""

    thread_name = "allhub-fakes"

    def __init__(self, fakes: dict[str, Any], host: str = "127.0.0.1") -> None:
        from allhub_core.sandbox._server import _bind, _PortRouter  # noqa: PLC0415 - one way to bind and route

        self.fakes = fakes
        self._sockets: list[Any] = []
        apps: dict[int, Callable] = {}
        for fake in fakes.values():
            sock = _bind(host, 0)
            self._sockets.append(sock)
            fake.port = sock.getsockname()[1]
            fake.origin = f"http://{host}:{fake.port}"
            fake.url = fake.origin + getattr(fake, "base_path", "")
            apps[fake.port] = fake
        config = uvicorn.Config(_PortRouter(apps), lifespan="off", access_log=False, log_config=None,
                                log_level="warning", http="h11", loop="asyncio", timeout_graceful_shutdown=1,
                                server_header=False)
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    def start(self, timeout: float = 10.0) -> Self:
        self._thread = threading.Thread(target=lambda: asyncio.run(self._server.serve(sockets=self._sockets)),
                                        name=self.thread_name, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                self.stop()
                raise RuntimeError(f"{self.thread_name} did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=15)
            self._thread = None
        for sock in self._sockets:
            try:
                sock.close()
            except OSError:
                pass

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class PushServices(FakeServers):
    """The three fakes, running. ``cliproxy.url`` is CLIProxyAPI's management base
    (``.../v0/management``), ``ccr.url`` the router's, ``newapi.url`` the New API's origin."""

    thread_name = "allhub-push-services"

    def __getattr__(self, name: str) -> Any:
        fakes = self.__dict__.get("fakes", {})
        if name in fakes:
            return fakes[name]
        raise AttributeError(name)


def start_push_services(*, cliproxy_key: str = "demo-cliproxy-management-key",
                        ccr_key: str = "demo-ccr-api-key", newapi_token: str = "demo-newapi-admin-token",
                        newapi_user: int = 1) -> PushServices:
    """Start the CLIProxyAPI, Claude Code Router and New API admin fakes (empty) and return them."""
    from allhub_core.sandbox._ccr import CcrFake  # noqa: PLC0415 - they import this module
    from allhub_core.sandbox._cliproxy import CliProxyFake  # noqa: PLC0415
    from allhub_core.sandbox._newapi_admin_channels import NewApiChannelsFake  # noqa: PLC0415

    return PushServices({"cliproxy": CliProxyFake(cliproxy_key), "ccr": CcrFake(ccr_key),
                         "newapi": NewApiChannelsFake(newapi_token, newapi_user)}).start()
