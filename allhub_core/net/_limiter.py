"""Per-origin limiter: concurrency slots, sliding windows and log spacing.

Models New API's own limits (``GlobalAPIRateLimit`` and ``CriticalRateLimit``, counts per
window): per origin at most ``window_requests`` request starts in any ``window_s`` seconds,
the critical routes (login, key reveal, top-up) at most ``critical_requests`` in any
``critical_window_s`` on top, at most ``per_site_concurrency`` in flight, and at least
``log_spacing_ms`` between the starts of ``/api/log*`` requests.  A burst that fits the
window goes at once; only sustained traffic waits.  A 429 halves that origin's window for
the rest of the batch (once per generation: requests admitted before the last shrink do not
shrink it again).  A global semaphore caps the whole batch; a request takes a global slot
only once its origin admits it, so an origin that queues or hangs holds no more global slots
than its own requests in flight.  Waiters are served first come, first served, except that a
log request waits out its spacing holding no slot and then goes first (``_Slots``).

All state lives in one ``Limiter`` created inside the running event loop, one per batch,
except the origin's window when ``Politeness.shared_window_dir`` is given: its starts are then
kept in a file every process on the store shares (``_shared_window``: a 429's lower window and
the foreground leases that make a background batch wait live there too). The critical window
and the log spacing stay per batch. Each origin's window is ``Politeness.window_for(origin)``
(a site's own, else the batch's); ``lowered`` holds the windows 429s lowered in this batch.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from allhub_core.net._deadline import current_clock
from allhub_core.net._politeness import Politeness
from allhub_core.net._shared_window import LEASE_S, OriginFile, SharedWindows

log = logging.getLogger("allhub_core.net")

#: Routes New API puts behind ``CriticalRateLimit`` (and their Sub2API/fork twins).
CRITICAL_PATHS = frozenset({
    "/api/user/login", "/api/user/register", "/api/user/topup",
    "/api/v1/auth/login", "/api/v1/auth/register", "/api/v1/redeem",
    "/api/token/batch/keys",  # New API's batch reveal, as critical as one reveal
})
_KEY_REVEAL = re.compile(r"^/api/token/[^/]+/key/?$")


def is_log_path(path: str) -> bool:
    """``/api/log`` and anything under it (``/api/log/self``, ``/api/log/self/stat``)."""
    bare = path.split("?", 1)[0]
    return bare == "/api/log" or bare.startswith("/api/log/")


def is_critical_path(path: str) -> bool:
    """Login, register, top-up/redeem and key reveal (``/api/token/{id}/key``, ``/api/token/batch/keys``)."""
    bare = path.split("?", 1)[0]
    return bare.rstrip("/") in CRITICAL_PATHS or bool(_KEY_REVEAL.match(bare))


def window_margin(seconds: float) -> float:
    """Slack added to a window: requests reach the server a little later, and not all equally
    late, than we start them (3 % of the window, at least 0.1 s, at most 1 s)."""
    return min(1.0, max(0.1, 0.03 * seconds))


class SlidingWindow:
    """At most ``limit`` starts in any ``seconds`` (+ ``margin``); remembers the starts it admitted."""

    def __init__(self, limit: int, seconds: float, margin: float | None = None) -> None:
        self.limit = max(1, int(limit))
        self.seconds = float(seconds)
        self.margin = window_margin(self.seconds) if margin is None else float(margin)
        self._starts: deque[float] = deque()

    def delay(self, now: float) -> float:
        """Seconds until one more start fits (0: now)."""
        starts = self._starts
        span = self.seconds + self.margin
        while starts and starts[0] + span <= now:
            starts.popleft()
        if len(starts) < self.limit:
            return 0.0
        # The oldest (len - limit + 1) starts must leave the window first.
        return starts[len(starts) - self.limit] + span - now

    def record(self, now: float) -> None:
        self._starts.append(now)


class _Slots:
    """An origin's request slots: first come, first served, except that a log request whose
    spacing has passed goes before the other waiters. The log requests are an account's longest
    chain (each waits ``log_spacing_ms`` after the last), so a slot they wait for is time added
    to the whole refresh; the spacing itself keeps them from crowding the others out."""

    def __init__(self, n: int) -> None:
        self._free = n
        self._urgent: deque[asyncio.Future[None]] = deque()
        self._normal: deque[asyncio.Future[None]] = deque()

    async def acquire(self, *, urgent: bool = False) -> None:
        if self._free > 0 and not self._urgent and not self._normal:
            self._free -= 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue = self._urgent if urgent else self._normal
        queue.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # handed a slot in the same moment: pass it on
            else:
                queue.remove(waiter)
            raise

    def release(self) -> None:
        """Hand the slot to the next waiter (an urgent one first), or free it."""
        for queue in (self._urgent, self._normal):
            while queue:
                waiter = queue.popleft()
                if not waiter.done():
                    waiter.set_result(None)
                    return
        self._free += 1


class _OriginGate:
    def __init__(self, p: Politeness, origin: str, shared: SharedWindows | None) -> None:
        n, w = p.window_for(origin)
        self.slots = _Slots(max(1, p.per_site_concurrency))
        self.window = SlidingWindow(n, w) if n > 0 else None
        critical = p.critical_requests > 0 and (n > 0 or origin not in p.site_windows)
        self.critical = SlidingWindow(p.critical_requests, p.critical_window_s) if critical else None
        # The origin's window in the shared file (None: in memory, this batch's starts only).
        self.file: OriginFile | None = shared.file(origin) if shared is not None and self.window else None
        self.known_at = float(p.windows_known_at.get(origin, float("-inf")))
        self.busy = 0  # requests waiting or in flight (a foreground batch's lease is held meanwhile)
        self.leased = False
        self.lease_until = 0.0  # wall clock: our lease in the file lasts at least this long
        self.admit = asyncio.Lock()
        self.critical_lock = asyncio.Lock()
        self.log_lock = asyncio.Lock()
        self.log_spacing = max(0, p.log_spacing_ms) / 1000.0
        self.last_log_start = float("-inf")
        self.shrunk_at = float("-inf")
        self.paced = p.paced
        self.last_start = float("-inf")  # this batch's last start here (``paced``)

    def delay(self, now: float, *, critical: bool, log: bool) -> float:
        waits = [0.0]
        if self.window is not None and self.file is None:
            waits.append(self.window.delay(now))
        if critical and self.critical is not None:
            waits.append(self.critical.delay(now))
        if self.paced and self.window is not None:
            waits.append(self.last_start + self.window.seconds / self.window.limit - now)
        if log and self.log_spacing:
            waits.append(self.last_log_start + self.log_spacing - now)
        return max(waits)


async def _sleep(seconds: float) -> None:
    # A hair more than asked: the loop may wake a timer up to its clock resolution early.
    await asyncio.sleep(seconds + 0.001)


class Limiter:
    """Hands out request slots per origin; create one per batch, inside the loop."""

    def __init__(self, politeness: Politeness) -> None:
        self._p = politeness
        self._gates: dict[str, _OriginGate] = {}
        self._global = asyncio.Semaphore(max(1, politeness.global_concurrency))
        self.in_flight: dict[str, int] = {}
        self.max_in_flight: dict[str, int] = {}
        #: ``{origin: (N, W)}``: the windows a 429 lowered in this batch (the last value).
        self.lowered: dict[str, tuple[int, float]] = {}
        directory = politeness.shared_window_dir
        self._shared = SharedWindows(directory) if directory and SharedWindows.usable() else None
        self._beat: asyncio.Task[None] | None = None

    def _gate(self, origin: str) -> _OriginGate:
        gate = self._gates.get(origin)
        if gate is None:
            gate = self._gates[origin] = _OriginGate(self._p, origin, self._shared)
        return gate

    def _file_failed(self, gate: _OriginGate, exc: OSError) -> None:
        log.warning("the shared request window of a site is not usable (%s); this run counts its own requests "
                    "there", exc.strerror or exc)
        gate.file = None

    def _lease(self, gate: _OriginGate, until: float | None) -> None:
        if gate.file is None:
            return
        try:
            gate.file.lease(self._shared.owner if self._shared else 0, until)
            gate.leased = until is not None
            gate.lease_until = until or 0.0
        except OSError as exc:
            self._file_failed(gate, exc)

    async def _heartbeat(self) -> None:
        """Renew the foreground leases of the origins with requests waiting or in flight."""
        while True:
            await asyncio.sleep(LEASE_S / 3)
            now = time.time()
            for gate in list(self._gates.values()):
                if gate.busy > 0 and gate.lease_until < now + LEASE_S * 2 / 3:
                    self._lease(gate, now + LEASE_S)

    def close(self) -> None:
        """The batch is over: its foreground leases go (other batches' stay)."""
        if self._beat is not None:
            self._beat.cancel()
            self._beat = None
        for gate in self._gates.values():
            if gate.leased:
                self._lease(gate, None)

    def window_limit(self, origin: str) -> int | None:
        """The origin's current window size (after any 429 shrink); None = no window."""
        gate = self._gates.get(origin)
        if gate is None:
            return self._p.window_requests or None
        return gate.window.limit if gate.window is not None else None

    def shrink(self, origin: str, admitted_at: float) -> None:
        """A 429: halve the origin's window for the rest of the batch.

        Only a request admitted after the last shrink shrinks it again, so a burst of 429s
        answered to requests sent under the old limit counts once.
        """
        gate = self._gate(origin)
        window = gate.window
        if window is None or admitted_at < gate.shrunk_at:
            return
        limit, seconds = window.limit, window.seconds
        if gate.file is not None:
            try:
                held = gate.file.lowered_since(gate.known_at)
            except OSError as exc:
                self._file_failed(gate, exc)
                held = None
            if held is not None and held[0] / held[1] < limit / seconds:
                limit, seconds = held[0], held[1]
                # Another batch lowered it after this request went: its 429 counts once too.
                if held[2] >= time.time() - (time.monotonic() - admitted_at):
                    window.limit, window.seconds, window.margin = limit, seconds, window_margin(seconds)
                    self.lowered[origin] = (limit, seconds)
                    gate.shrunk_at = time.monotonic()
                    return
        window.limit, window.seconds, window.margin = max(1, limit // 2), seconds, window_margin(seconds)
        gate.shrunk_at = time.monotonic()
        self.lowered[origin] = (window.limit, seconds)
        if gate.file is not None:
            try:
                gate.file.lower(window.limit, seconds, time.time(), gate.known_at)
            except OSError as exc:
                self._file_failed(gate, exc)

    def _shared_admit(self, gate: _OriginGate) -> float | None:
        """The shared window's answer: 0 (the start is recorded), seconds to wait, or None when
        the file failed (the gate falls back to its window in memory)."""
        assert gate.file is not None and gate.window is not None and self._shared is not None
        try:
            wait = gate.file.admit(limit=gate.window.limit, seconds=gate.window.seconds, margin=window_margin,
                                   known_at=gate.known_at, background=self._p.background,
                                   owner=self._shared.owner)
        except OSError as exc:
            self._file_failed(gate, exc)
            return None
        if not self._p.background:  # the admission renewed our lease when it had a third or less left
            gate.leased = True
            gate.lease_until = max(gate.lease_until, time.time() + LEASE_S * 2 / 3)
        return wait

    async def _admit(self, gate: _OriginGate, *, critical: bool, log: bool) -> float:
        """Wait until the windows and the log spacing let one more request start, take a
        global slot, record the start; return its time.  The caller holds the origin slot."""
        async with gate.admit:
            while True:
                wait = gate.delay(time.monotonic(), critical=critical, log=log)
                if wait > 0:
                    await _sleep(wait)
                    continue
                await self._global.acquire()
                now = time.monotonic()
                if gate.delay(now, critical=critical, log=log) > 0:  # a 429 shrank it meanwhile
                    self._global.release()
                    continue
                if gate.file is not None:
                    shared_wait = self._shared_admit(gate)
                    if shared_wait is None or shared_wait > 0:
                        self._global.release()
                        if shared_wait:
                            await _sleep(shared_wait)
                        continue
                elif gate.window is not None:
                    gate.window.record(now)
                if critical and gate.critical is not None:
                    gate.critical.record(now)
                if log:
                    gate.last_log_start = now
                gate.last_start = now
                return now

    @asynccontextmanager
    async def slot(self, origin: str, path: str) -> AsyncIterator[float]:
        """Hold one request slot for ``origin`` until the block exits; yields the start time."""
        gate = self._gate(origin)
        critical = gate.critical is not None and is_critical_path(path)
        log = bool(gate.log_spacing) and is_log_path(path)
        clock = current_clock()
        if clock is not None:
            clock.wait_begin()
        waiting = True
        foreground = gate.file is not None and not self._p.background
        if foreground:
            now = time.time()
            if gate.lease_until < now + LEASE_S / 3:
                self._lease(gate, now + LEASE_S)  # a background batch elsewhere waits from now
            if self._beat is None:
                self._beat = asyncio.get_running_loop().create_task(self._heartbeat())
        gate.busy += 1
        try:
            if critical:
                # Critical requests queue among themselves for the critical window first, so
                # one that waits for it holds neither an origin slot nor the admit lock.
                async with gate.critical_lock:
                    assert gate.critical is not None
                    while (wait := gate.critical.delay(time.monotonic())) > 0:
                        await _sleep(wait)
                    started = await self._slot_and_admit(gate, critical=True, log=log)
            elif log:
                # Log pages likewise wait out their spacing among themselves, holding no origin
                # slot meanwhile: the account's other calls go on in the gaps between pages.
                async with gate.log_lock:
                    while (wait := gate.last_log_start + gate.log_spacing - time.monotonic()) > 0:
                        await _sleep(wait)
                    started = await self._slot_and_admit(gate, critical=False, log=True)
            else:
                started = await self._slot_and_admit(gate, critical=False, log=False)
            if clock is not None:
                clock.flight_begin()
                clock.wait_end()
            waiting = False
            n = self.in_flight.get(origin, 0) + 1
            self.in_flight[origin] = n
            self.max_in_flight[origin] = max(self.max_in_flight.get(origin, 0), n)
            try:
                yield started
            finally:
                self.in_flight[origin] -= 1
                self._global.release()
                gate.slots.release()
                if clock is not None:
                    clock.flight_end()
        finally:
            gate.busy -= 1
            if waiting and clock is not None:
                clock.wait_end()

    async def _slot_and_admit(self, gate: _OriginGate, *, critical: bool, log: bool) -> float:
        """Take an origin slot, then admission (windows, spacing, a global slot)."""
        await gate.slots.acquire(urgent=log)
        try:
            return await self._admit(gate, critical=critical, log=log)
        except BaseException:
            gate.slots.release()
            raise
