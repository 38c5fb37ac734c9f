"""The request window every process on one store shares: one small file per origin.

A site counts the requests of a client, not of a job: a refresh in the dashboard, ``allhub
daemon``'s usage sync and a CLI check-in on the same store must fit one window together. So
when ``Politeness.shared_window_dir`` is given (``sync.politeness_for`` sets it to
``<database file>.requests/``, made 0700), each origin's request starts live in a file of that
folder (0600), named after the origin (readable part plus a hash). Admitting a request opens
the file, takes an exclusive ``fcntl.flock`` (held for the few microseconds of one read and one
write: the event loop may block on it), drops the starts older than the window, and either
records the new start (wall clock, ``time.time()``) or says how long to wait. Each process
checks the file against its own ``N`` per ``W`` (the same for every process, unless a run was
given its own), so together they never go past it.

The file (binary, little-endian): a header ``_HEAD`` (magic, the last 429's lowered window and
when, the largest window any writer kept, the foreground leases, the starts), then the leases
``(owner, until)`` and the starts (doubles, oldest first). A file that does not parse (a crash
half way through a write) is started afresh: at worst one window's history is forgotten once.

- **A 429** lowers the window in the header too (``lower``): every batch on the origin, in any
  process, adopts a lowering newer than what it read from the store (``known_at``: when the
  site's stored window last changed), so the others slow down at once; the batch that met the
  429 stores it (``sites`` table) when it ends, and later runs start from the stored value.
- **Background work yields.** A foreground batch (a refresh, a check-in, a person's action)
  holds a lease in the header while it has requests waiting or in flight on the origin,
  renewed every second (``LEASE_S`` long, so a batch that died lets go within seconds) and
  dropped when it ends. A background batch (the usage sync) starts a request only while no
  lease is held and the window has room beyond a reserve left for the foreground
  (``background_cap``: ``N - max(1, N // 5)``, at least 1).
"""

from __future__ import annotations

import bisect
import errno
import hashlib
import logging
import os
import re
import struct
import time
from array import array
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX: every batch keeps its window in memory
    fcntl = None  # type: ignore[assignment]

__all__ = ["LEASE_S", "OriginFile", "SharedWindows", "background_cap", "unstored_lowerings", "window_file_name"]

log = logging.getLogger("allhub_core.net")

#: How long a foreground lease lasts unless renewed (renewed every ``LEASE_S / 3`` while busy).
LEASE_S = 3.0
#: A background waiter looks again at least this often while a foreground lease is held.
BACKGROUND_POLL_S = 0.5
_MAGIC = b"AHW1"
# magic, lowered_n, lowered_w, lowered_at, keep_n, keep_s, n_leases, n_starts
_HEAD = struct.Struct("<4sidd id II")
_LEASE = struct.Struct("<Qd")
_READ = 1 << 16
T = TypeVar("T")


def background_cap(limit: int) -> int:
    """The starts a background batch may use of a window of ``limit``: a fifth (at least one)
    stays for the foreground, and a window of one is still usable."""
    return max(1, limit - max(1, limit // 5))


def window_file_name(origin: str) -> str:
    """``https_example.com_8443-1a2b3c4d5e6f``: readable, and unique by the hash."""
    readable = re.sub(r"[^A-Za-z0-9.-]+", "_", origin)[:80]
    return f"{readable}-{hashlib.sha256(origin.encode('utf-8')).hexdigest()[:16]}"


@dataclass
class _State:
    lowered_n: int = 0  # 0: no lowering recorded
    lowered_w: float = 0.0
    lowered_at: float = 0.0
    keep_n: int = 0
    keep_s: float = 0.0
    leases: dict[int, float] = field(default_factory=dict)
    starts: array = field(default_factory=lambda: array("d"))

    @classmethod
    def parse(cls, data: bytes) -> _State:
        if len(data) < _HEAD.size:
            return cls()
        magic, ln, lw, lat, kn, ks, nl, ns = _HEAD.unpack_from(data)
        end = _HEAD.size + nl * _LEASE.size + ns * 8
        if magic != _MAGIC or len(data) != end:
            return cls()  # damaged (or not ours): start afresh
        leases = {}
        off = _HEAD.size
        for _ in range(nl):
            owner, until = _LEASE.unpack_from(data, off)
            leases[owner] = until
            off += _LEASE.size
        starts = array("d")
        starts.frombytes(data[off:end])
        return cls(ln, lw, lat, kn, ks, leases, starts)

    def dump(self) -> bytes:
        head = _HEAD.pack(_MAGIC, self.lowered_n, self.lowered_w, self.lowered_at, self.keep_n, self.keep_s,
                          len(self.leases), len(self.starts))
        leases = b"".join(_LEASE.pack(o, u) for o, u in self.leases.items())
        return head + leases + self.starts.tobytes()


class OriginFile:
    """One origin's file. Every operation opens it, locks it, reads, maybe writes, closes."""

    def __init__(self, path: str) -> None:
        self.path = path

    def _update(self, change: Callable[[_State], tuple[T, bool]]) -> T:
        """``change(state) -> (result, dirty)`` under the lock; the state is written back when dirty."""
        assert fcntl is not None
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            data = os.pread(fd, _READ, 0)
            while len(data) % _READ == 0 and data:  # a big window: read the rest
                more = os.pread(fd, _READ, len(data))
                if not more:
                    break
                data += more
            state = _State.parse(data)
            result, dirty = change(state)
            if dirty:
                out = state.dump()
                os.pwrite(fd, out, 0)
                if len(out) < len(data):
                    os.ftruncate(fd, len(out))
            return result
        finally:
            os.close(fd)  # also lets go of the lock

    def admit(self, *, limit: int, seconds: float, margin: Callable[[float], float], known_at: float,
              background: bool, owner: int, now: float | None = None) -> float:
        """Record one start now and return 0, or return the seconds to wait (nothing recorded).

        ``limit`` starts in any ``seconds`` (plus ``margin(seconds)``); a 429's lowering in the
        header newer than ``known_at`` is adopted when it is slower. A foreground admission renews
        ``owner``'s lease; a background one waits for every lease to end and keeps the
        foreground's reserve free. ``now`` (tests): the clock is otherwise read under the lock,
        so the starts stay in order whichever process wrote them."""
        span = seconds + margin(seconds)

        def change(st: _State) -> tuple[float, bool]:
            t = time.time() if now is None else now
            n, s = limit, span
            if st.lowered_n and st.lowered_at > known_at and st.lowered_n / st.lowered_w < limit / seconds:
                n, s = st.lowered_n, st.lowered_w + margin(st.lowered_w)
            dirty = _prune(st, t, max(s, span), max(n, limit))
            if st.leases:
                live = {o: u for o, u in st.leases.items() if u > t}
                if len(live) != len(st.leases):
                    st.leases, dirty = live, True
            if background:
                if st.leases:
                    return min(BACKGROUND_POLL_S, max(st.leases.values()) - t), dirty
                n = background_cap(n)
            elif st.leases.get(owner, 0.0) < t + LEASE_S * 2 / 3:
                st.leases[owner] = t + LEASE_S
                dirty = True
            starts = st.starts
            first = bisect.bisect_right(starts, t - s)
            count = len(starts) - first
            if count < n:
                starts.append(t)
                return 0.0, True
            return starts[first + count - n] + s - t, dirty

        return self._update(change)

    def lower(self, n: int, w: float, now: float, known_at: float) -> None:
        """A 429's window: written unless the header holds a slower one already (newer than
        ``known_at``)."""

        def change(st: _State) -> tuple[None, bool]:
            held = st.lowered_n and st.lowered_at > known_at
            if held and st.lowered_n / st.lowered_w <= n / w:
                return None, False
            st.lowered_n, st.lowered_w, st.lowered_at = n, w, now
            return None, True

        self._update(change)

    def lowered_since(self, since: float) -> tuple[int, float, float] | None:
        """The header's lowering ``(n, w, at)`` when newer than ``since``."""

        def change(st: _State) -> tuple[tuple[int, float, float], bool]:
            return (st.lowered_n, st.lowered_w, st.lowered_at), False

        n, w, at = self._update(change)
        return (n, w, at) if n and at > since else None

    def lease(self, owner: int, until: float | None) -> None:
        """Renew (``until``) or drop (None) a foreground batch's lease."""

        def change(st: _State) -> tuple[None, bool]:
            if until is None:
                return None, st.leases.pop(owner, None) is not None
            st.leases[owner] = until
            return None, True

        self._update(change)

    def snapshot(self) -> tuple[list[float], dict[int, float]]:
        """The recorded starts and leases (for tests and diagnostics)."""

        def change(st: _State) -> tuple[tuple[list[float], dict[int, float]], bool]:
            return (list(st.starts), dict(st.leases)), False

        return self._update(change)


def _prune(st: _State, now: float, span: float, limit: int) -> bool:
    """Keep what any writer still needs: the starts within the longest window kept (and at most
    the largest limit of them); drop starts from the future (the clock was set back)."""
    if span > st.keep_s or limit > st.keep_n:
        st.keep_s, st.keep_n = max(span, st.keep_s), max(limit, st.keep_n)
    starts = st.starts
    lo = bisect.bisect_right(starts, now - st.keep_s)
    lo = max(lo, len(starts) - st.keep_n)
    hi = bisect.bisect_right(starts, now + 1.0)
    if lo <= 0 and hi >= len(starts):
        return False
    st.starts = starts[max(0, lo):hi]
    return True


def unstored_lowerings(directory: str, origins: Iterable[str],
                       known_at: Mapping[str, float]) -> dict[str, tuple[int, float]]:
    """``{origin: (N, W)}``: 429 lowerings in the folder newer than the store's window of the
    origin (``known_at``): written by a batch that ended before it could store them (killed).
    ``sync.politeness_for`` stores them, so what a run obeys is what Settings shows."""
    if fcntl is None or not os.path.isdir(directory):
        return {}
    found = {}
    for origin in origins:
        path = os.path.join(directory, window_file_name(origin))
        if not os.path.exists(path):
            continue
        try:
            held = OriginFile(path).lowered_since(known_at.get(origin, float("-inf")))
        except OSError:
            continue
        if held is not None:
            found[origin] = (held[0], held[1])
    return found


class SharedWindows:
    """The shared folder as one batch sees it: its origin files and its owner id."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.owner = int.from_bytes(os.urandom(8), "little") or 1
        self._files: dict[str, OriginFile] = {}
        self.broken = False

    @staticmethod
    def usable() -> bool:
        return fcntl is not None

    def file(self, origin: str) -> OriginFile | None:
        """The origin's file, the folder made (0700) on first use; None when it cannot be
        (a read-only disk): the batch then keeps its window in memory, as without a store."""
        if self.broken:
            return None
        f = self._files.get(origin)
        if f is None:
            try:
                os.makedirs(self.directory, mode=0o700, exist_ok=True)
            except OSError as exc:
                self._give_up(exc)
                return None
            f = self._files[origin] = OriginFile(os.path.join(self.directory, window_file_name(origin)))
        return f

    def _give_up(self, exc: OSError) -> None:
        self.broken = True
        log.warning("the shared request window folder %s is not usable (%s); this run counts its own requests only",
                    self.directory, errno.errorcode.get(exc.errno or 0, exc.strerror))

