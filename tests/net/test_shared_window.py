"""The shared request window (``net._shared_window``): its file, and batches sharing it.

The file's rules are checked directly with fixed clock values; the batches against a sandbox
site over real HTTP, counting the arrivals the sandbox recorded.
"""

from __future__ import annotations

import asyncio
import os
import stat
import threading

import pytest
from shared import fast_politeness

from allhub_core.net import Transport
from allhub_core.net._limiter import window_margin
from allhub_core.net._shared_window import LEASE_S, OriginFile, SharedWindows, background_cap, window_file_name
from allhub_core.sandbox import most_in_any

ORIGIN = "https://relay.example:8443"


def _file(tmp_path) -> OriginFile:
    shared = SharedWindows(str(tmp_path / "db.requests"))
    f = shared.file(ORIGIN)
    assert f is not None
    return f


def _admit(f: OriginFile, now: float, *, limit: int = 3, seconds: float = 10.0, background: bool = False,
           owner: int = 1, known_at: float = float("-inf")) -> float:
    return f.admit(limit=limit, seconds=seconds, margin=window_margin, known_at=known_at, now=now,
                   background=background, owner=owner)


def test_n_starts_then_the_wait_until_the_oldest_leaves(tmp_path):
    f = _file(tmp_path)
    assert [_admit(f, 1000.0 + i) for i in range(3)] == [0.0, 0.0, 0.0]
    wait = _admit(f, 1003.0)
    assert wait == pytest.approx(1000.0 + 10.0 + window_margin(10.0) - 1003.0)
    assert _admit(f, 1000.0 + 10.0 + window_margin(10.0) + 0.01) == 0.0
    starts, _ = f.snapshot()
    assert len(starts) == 3  # the oldest went once it left the window
    folder = tmp_path / "db.requests"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(os.stat(f.path).st_mode) == 0o600
    assert os.path.basename(f.path) == window_file_name(ORIGIN) and "relay.example" in f.path


def test_a_background_batch_leaves_a_fifth_and_waits_for_a_foreground_lease(tmp_path):
    assert [background_cap(n) for n in (1, 2, 5, 10, 50)] == [1, 1, 4, 8, 40]
    f = _file(tmp_path)
    waits = [_admit(f, 1000.0 + i * 0.01, limit=5, background=True) for i in range(5)]
    assert waits[:4] == [0.0] * 4 and waits[4] > 0  # the fifth start is the foreground's
    assert _admit(f, 1000.1, limit=5) == 0.0  # ... which takes it, and holds a lease now
    assert _admit(f, 1030.0, limit=5, background=True) == 0.0  # lease gone, window passed
    f.lease(7, 1040.0 + LEASE_S)  # a foreground batch busy on the site
    assert 0 < _admit(f, 1040.0, limit=5, background=True) <= LEASE_S
    f.lease(7, None)  # it ended
    assert _admit(f, 1040.0, limit=5, background=True) == 0.0


def test_a_lowering_is_adopted_by_a_batch_that_read_the_store_before_it(tmp_path):
    f = _file(tmp_path)
    f.lower(2, 10.0, now=500.0, known_at=float("-inf"))
    assert [_admit(f, 1000.0 + i, limit=5, known_at=100.0) for i in range(3)][2] > 0  # 2 per 10 s now
    g = _file(tmp_path / "b")
    g.lower(2, 10.0, now=500.0, known_at=float("-inf"))
    # A batch that read the store after the lowering (stored, or raised by the user) ignores it.
    assert [_admit(g, 1000.0 + i, limit=5, known_at=600.0) for i in range(3)] == [0.0] * 3
    assert f.lowered_since(100.0) == (2, 10.0, 500.0) and f.lowered_since(600.0) is None
    f.lower(4, 10.0, now=700.0, known_at=100.0)  # never raised by a 429's value
    assert f.lowered_since(100.0) == (2, 10.0, 500.0)


def test_a_damaged_file_starts_afresh(tmp_path):
    f = _file(tmp_path)
    _admit(f, 1000.0)
    with open(f.path, "ab") as fh:
        fh.write(b"\x01\x02")  # a write cut short
    assert _admit(f, 1001.0) == 0.0
    assert f.snapshot()[0] == [1001.0]


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=["new-api"], users_per_site=1, seed=21)


def test_two_batches_in_two_event_loops_share_one_window(tmp_path, sandbox):
    site = sandbox.site("new-api")
    site.reset()
    p = fast_politeness(window_requests=4, window_s=1.0, per_site_concurrency=4,
                        shared_window_dir=str(tmp_path / "db.requests"))

    def batch() -> None:
        async def go() -> None:
            async with Transport.open(p) as t:
                s = t.session(site.url)
                await asyncio.gather(*(s.get("/api/status", public=True) for _ in range(8)))
        asyncio.run(go())

    threads = [threading.Thread(target=batch) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    times = sorted(r.time for r in site.requests)
    assert len(times) == 16
    assert most_in_any(times, 1.0 - 0.15) <= 4  # the arrivals' jitter aside (tests/sync/test_one_budget.py)
    folder = SharedWindows(p.shared_window_dir or "").file(site.url)
    assert folder is not None
    starts, leases = folder.snapshot()
    assert len(starts) >= 4
    assert leases == {}  # both batches let go of their leases when they ended
