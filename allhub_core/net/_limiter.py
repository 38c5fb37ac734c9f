"""Per-origin limiter: concurrency slots, a token bucket and log spacing.

Mirrors the extension's ``siteRequestLimiter``: at most N requests in flight
per origin, a token bucket (rate per minute, burst), and at least
``log_spacing_ms`` between the starts of ``/api/log*`` requests, because log
paging is what trips relay-site rate limits first.  A global semaphore caps the
whole batch.  Waiters are served first come, first served (asyncio primitives
queue in FIFO order).

All state lives in one ``Limiter`` created inside the running event loop, one
per batch.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import asynccontextmanager
from typing import AsyncIterator

from ._politeness import Politeness


class _TokenBucket:
    def __init__(self, rate_per_minute: float, burst: int) -> None:
        self._rate = rate_per_minute / 60.0
        self._capacity = max(1, burst)
        self._tokens = float(self._capacity)
        self._stamp = time.monotonic()
        self._lock = asyncio.Lock()

    async def take(self) -> None:
        async with self._lock:  # one waiter at a time keeps the order fair
            while True:
                now = time.monotonic()
                self._tokens = min(self._capacity, self._tokens + (now - self._stamp) * self._rate)
                self._stamp = now
                if self._tokens >= 1.0:
                    self._tokens -= 1.0
                    return
                await asyncio.sleep((1.0 - self._tokens) / self._rate)


class _OriginGate:
    def __init__(self, p: Politeness) -> None:
        self.slots = asyncio.Semaphore(max(1, p.per_site_concurrency))
        self.bucket = _TokenBucket(p.per_site_rpm, p.burst) if p.per_site_rpm > 0 else None
        self.log_spacing = max(0, p.log_spacing_ms) / 1000.0
        self.log_lock = asyncio.Lock()
        self.last_log_start = float("-inf")


def is_log_path(path: str) -> bool:
    """``/api/log`` and anything under it (``/api/log/self``, ``/api/log/self/stat``)."""
    bare = path.split("?", 1)[0]
    return bare == "/api/log" or bare.startswith("/api/log/")


class Limiter:
    """Hands out request slots per origin; create one per batch, inside the loop."""

    def __init__(self, politeness: Politeness) -> None:
        self._p = politeness
        self._gates: dict[str, _OriginGate] = {}
        self._global = asyncio.Semaphore(max(1, politeness.global_concurrency))
        self.in_flight: dict[str, int] = {}
        self.max_in_flight: dict[str, int] = {}

    def _gate(self, origin: str) -> _OriginGate:
        gate = self._gates.get(origin)
        if gate is None:
            gate = self._gates[origin] = _OriginGate(self._p)
        return gate

    @asynccontextmanager
    async def slot(self, origin: str, path: str) -> AsyncIterator[None]:
        """Hold one request slot for ``origin`` until the block exits."""
        gate = self._gate(origin)
        async with gate.slots:
            if gate.bucket is not None:
                await gate.bucket.take()
            if gate.log_spacing and is_log_path(path):
                async with gate.log_lock:
                    wait = gate.last_log_start + gate.log_spacing - time.monotonic()
                    if wait > 0:
                        await asyncio.sleep(wait)
                    gate.last_log_start = time.monotonic()
            async with self._global:
                n = self.in_flight.get(origin, 0) + 1
                self.in_flight[origin] = n
                self.max_in_flight[origin] = max(self.max_in_flight.get(origin, 0), n)
                try:
                    yield
                finally:
                    self.in_flight[origin] -= 1
