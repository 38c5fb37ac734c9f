"""Request recording: what clients sent, per site, in a capped log.

Tests assert on it (was ``New-Api-User`` sent? did a token reach a redirect
target?). ``RedirectSink`` is a bare extra origin that only records, the default
target of ``redirect`` faults.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from starlette.responses import JSONResponse

from allhub_core.sandbox._http import Req

DEFAULT_REQUEST_LOG_CAP = 5000


@dataclass
class RecordedRequest:
    """What a client sent. ``headers`` has lower-case names."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: str
    user_id: int | None = None
    """The user the credential (or user-id header) identified, if any."""
    time: float = 0.0
    fault: str | None = None
    """Kind of the fault that answered, if one did."""
    status: int | None = None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class Recorder:
    """A capped, thread-safe request log."""

    def __init__(self, cap: int = DEFAULT_REQUEST_LOG_CAP) -> None:
        self._items: deque[RecordedRequest] = deque(maxlen=cap)
        self._lock = threading.Lock()

    def add(self, req: Req, user_id: int | None) -> RecordedRequest:
        rec = RecordedRequest(
            method=req.method, path=req.path, query=req.query_string, headers=dict(req.headers),
            body=req.body.decode("utf-8", "replace"), user_id=user_id, time=time.time(),
        )
        with self._lock:
            self._items.append(rec)
        return rec

    def list(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


async def read_body(receive: Callable) -> bytes:
    chunks = []
    while True:
        msg = await receive()
        if msg["type"] == "http.request":
            chunks.append(msg.get("body", b""))
            if not msg.get("more_body"):
                return b"".join(chunks)
        elif msg["type"] == "http.disconnect":
            return b"".join(chunks)


class RedirectSink:
    """A bare origin that only records what reaches it (the target of redirect faults),
    so a test can assert that no ``Authorization``/``Cookie`` crossed origins."""

    def __init__(self, request_log_cap: int = DEFAULT_REQUEST_LOG_CAP) -> None:
        self.url = ""
        self.port = 0
        self._recorder = Recorder(request_log_cap)

    @property
    def requests(self) -> list[RecordedRequest]:
        return self._recorder.list()

    def clear_requests(self) -> None:
        self._recorder.clear()

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            return
        req = Req.from_scope(scope, await read_body(receive))
        rec = self._recorder.add(req, None)
        rec.status = 200
        body = {"success": True, "message": "sandbox redirect sink", "data": None,
                "received_authorization": "authorization" in req.headers,
                "received_cookie": "cookie" in req.headers}
        await JSONResponse(body)(scope, receive, send)


def most_in_any(times: list[float], seconds: float) -> int:
    """The most of the sorted ``times`` (e.g. recorded arrivals) that fall in any window of
    ``seconds``: what a sliding-window limit of N per ``seconds`` must keep at N or fewer."""
    best, j = 0, 0
    for i, t in enumerate(times):
        while times[j] <= t - seconds:
            j += 1
        best = max(best, i - j + 1)
    return best
