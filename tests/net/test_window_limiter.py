"""The per-origin sliding window against a sandbox site over real HTTP.

Assertions read the sandbox's request recording (arrival times at the server) and count
requests per window, with generous margins; nothing asserts how long a wait took.
"""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest
from shared import fast_politeness

from allhub_core.net import (
    AccountClock,
    HttpStatusError,
    Politeness,
    SharedWork,
    SiteError,
    SlidingWindow,
    Transport,
    is_critical_path,
    window_from_rpm,
)
from allhub_core.sandbox import most_in_any

# No window unless a test sets one; no log spacing; tiny backoffs.
BASE = fast_politeness(read_timeout=5.0, retries_429=2)


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=["new-api", "veloera"], users_per_site=2, seed=11)


@pytest.fixture
def site(sandbox):
    s = sandbox.site("new-api")
    s.reset()
    return s


def _times(site, path: str | None = None) -> list[float]:
    return sorted(r.time for r in site.requests if path is None or r.path == path)


def _run(coro_fn, politeness):
    async def main():
        async with Transport.open(politeness) as t:
            return await coro_fn(t)
    return asyncio.run(main())


def test_a_burst_that_fits_the_window_goes_at_once(site):
    p = fast_politeness(read_timeout=5.0, retries_429=2, window_requests=10, window_s=60.0, per_site_concurrency=10)

    async def go(t):
        s = t.session(site.url)
        await asyncio.gather(*(s.get("/api/status", public=True) for _ in range(10)))
    started = time.monotonic()
    _run(go, p)
    assert len(_times(site)) == 10
    # Throttled, the tenth would have waited a whole minute; at once it takes well under.
    assert time.monotonic() - started < 30


def test_sustained_traffic_never_exceeds_the_window(site):
    p = fast_politeness(read_timeout=5.0, retries_429=2, window_requests=4, window_s=1.0)

    async def go(t):
        s = t.session(site.url)
        await asyncio.gather(*(s.get("/api/status", public=True) for _ in range(13)))
        return t.limiter.window_limit(s.origin)
    assert _run(go, p) == 4
    times = _times(site)
    assert len(times) == 13
    # At most 4 in any second (a 0.9 s window leaves room for loopback jitter) ...
    assert most_in_any(times, 0.9) <= 4
    # ... and the first 4 went together: 13 requests need at least 3 full windows.
    assert most_in_any(times, 0.5) == 4
    assert times[-1] - times[0] >= 3 * 0.9


def test_a_429_honours_retry_after_and_halves_the_window_once_per_burst(site):
    p = fast_politeness(read_timeout=5.0, retries_429=2, window_requests=8, window_s=1.5, per_site_concurrency=3)
    # Retry-After 1 s: the retries reach the site after the three first requests, however busy the
    # machine (with 0 a retry could arrive before the third request and take its 429: a second burst)
    site.inject("429", times=3, retry_after=1)

    async def go(t):
        s = t.session(site.url)
        # Three requests sent together all get a 429: the window halves once (8 -> 4), not thrice.
        await asyncio.gather(*(s.get("/api/status", public=True) for _ in range(3)))
        first = t.limiter.window_limit(s.origin)
        await asyncio.gather(*(s.get("/api/status", public=True) for _ in range(9)))
        return first, t.limiter.window_limit(s.origin)
    first, after = _run(go, p)
    assert (first, after) == (4, 4)
    recs = site.requests
    assert [r.status for r in recs[:3]] == [429, 429, 429]
    assert len(recs) == 3 + 3 + 9 and all(r.status == 200 for r in recs[3:])
    times = sorted(r.time for r in recs)
    # Seven were in the first window (3 + their 3 retries + 1), so everything after the 429s
    # waits for the halved window: no 1.4 s holds more than 4 of the requests sent after them.
    after_429 = sorted(r.time for r in recs[3:])
    assert most_in_any(after_429[3:], 1.4) <= 4
    assert times[-1] - times[0] >= 1.4  # it did slow down


def test_a_429_with_no_window_only_waits(site):
    site.inject("429", times=1, retry_after=0)

    async def go(t):
        s = t.session(site.url)
        await s.get("/api/status", public=True)
        return t.limiter.window_limit(s.origin)
    assert _run(go, BASE) is None
    assert [r.status for r in site.requests] == [429, 200]


def test_critical_routes_have_their_own_tighter_window(site):
    p = fast_politeness(read_timeout=5.0, retries_429=2, window_requests=100, window_s=60.0, critical_requests=2,
                          critical_window_s=1.0, per_site_concurrency=2)
    user = site.users[0]

    async def login(s):
        try:
            await s.post("/api/user/login", json={"username": user.username, "password": "wrong"})
        except SiteError:
            pass

    async def go(t):
        s = t.session(site.url)
        logins = [asyncio.ensure_future(login(s)) for _ in range(6)]
        await asyncio.sleep(0)
        await asyncio.gather(*(s.get("/api/status", public=True) for _ in range(6)))
        status_done = time.time()
        await asyncio.gather(*logins)
        return status_done
    status_done = _run(go, p)
    logins = _times(site, "/api/user/login")
    assert len(logins) == 6 and len(_times(site, "/api/status")) == 6
    assert most_in_any(logins, 0.9) <= 2
    # Ordinary requests do not queue behind logins that wait for their window.
    assert status_done < logins[-1]


def test_critical_paths():
    for path in ("/api/user/login", "/api/v1/auth/login", "/api/token/12/key", "/api/user/topup",
                 "/api/user/login?turnstile=x"):
        assert is_critical_path(path), path
    for path in ("/api/status", "/api/token/", "/api/token/12", "/api/user/self", "/api/log/self"):
        assert not is_critical_path(path), path


def test_sliding_window_arithmetic():
    w = SlidingWindow(3, 10.0, margin=0)
    assert SlidingWindow(50, 180).margin == 1.0 and SlidingWindow(4, 1).margin == 0.1
    for t in (0.0, 1.0, 2.0):
        assert w.delay(t) == 0
        w.record(t)
    assert w.delay(5.0) == pytest.approx(5.0)  # until the start at 0 leaves
    assert w.delay(10.0) == 0
    w.limit = 1  # shrunk
    assert w.delay(10.0) == pytest.approx(2.0)  # the starts at 1 and 2 must both leave


def test_legacy_rate_maps_to_a_window():
    assert window_from_rpm(18) == (18, 60.0)
    assert window_from_rpm(0) == (0, 60.0)
    n, w = window_from_rpm(1.5)
    assert (n, w) == (1, pytest.approx(40.0))
    p = Politeness(per_site_rpm=0)
    assert (p.window_requests, p.critical_requests, p.per_site_rpm) == (0, 0, None)
    p = Politeness(per_site_rpm=30)
    assert (p.window_requests, p.window_s, p.critical_requests) == (30, 60.0, 5)


def test_queueing_in_the_window_does_not_count_against_the_deadline(site):
    """Six sequential requests through a window of 2 per second take over 2 s of queueing;
    a 1 s deadline that only runs while the site has our request still holds."""
    p = fast_politeness(read_timeout=5.0, retries_429=2, window_requests=2, window_s=1.0)

    async def go(t):
        s = t.session(site.url)
        clock = AccountClock(1.0)
        async with clock.running():
            for _ in range(6):
                await s.get("/api/status", public=True)
        return clock
    clock = _run(go, p)
    assert not clock.expired and clock.paused_total > 1.0
    assert len(site.requests) == 6


def test_the_deadline_fires_for_a_site_that_does_not_answer(site):
    site.inject("slow", ms=6000, times=1)

    async def go(t):
        s = t.session(site.url)
        clock = AccountClock(0.5)
        with pytest.raises(TimeoutError):
            async with clock.running():
                await s.get("/api/status", public=True)
        return clock, t.limiter.in_flight[s.origin]
    clock, in_flight = _run(go, BASE)
    assert clock.expired and in_flight == 0  # the cancelled request gave its slot back


def test_unrelated_http_errors_are_untouched(site):
    site.inject("500", times=5)

    async def go(t):
        with pytest.raises(HttpStatusError):
            await t.session(site.url).get("/api/status", public=True)
    _run(go, fast_politeness(retries=0))


def test_shared_work_leaves_an_accounts_clock_as_it_found_it():
    # An account that starts awaiting the batch's shared /api/status while that request queues
    # takes the shared counts on, and gives back exactly what is left when it stops awaiting:
    # a clock left "waiting" would pause whenever nothing of its own is in flight.
    shared, clock = SharedWork(), AccountClock(45)
    shared.wait_begin()                 # the status request queues in our limiter
    with shared.awaited_by(clock):
        assert (clock._waiting, clock._flying) == (1, 0)
        shared.wait_end()
        shared.flight_begin()           # it is sent ...
        assert (clock._waiting, clock._flying) == (0, 1)
        shared.flight_end()             # ... and answered
    assert (clock._waiting, clock._flying) == (0, 0)


def test_log_requests_wait_out_their_spacing_without_a_slot_then_go_first(site):
    """One slot, 100 ms answers, 350 ms between log requests: while a log request waits for its
    spacing the slot serves other calls, and once the spacing has passed it goes before the
    calls still queued (the log chain is the longest part of a refresh)."""
    site.latency_ms = 100
    p = fast_politeness(read_timeout=5.0, per_site_concurrency=1, log_spacing_ms=350)

    async def quiet(call):
        try:
            await call
        except SiteError:
            pass  # the sandbox refuses an anonymous log read; only the arrival times matter

    async def go(t):
        s = t.session(site.url)
        logs = [asyncio.ensure_future(quiet(s.get("/api/log/self", public=True))) for _ in range(3)]
        await asyncio.sleep(0)
        others = [asyncio.ensure_future(quiet(s.get("/api/status", public=True))) for _ in range(8)]
        await asyncio.gather(*logs, *others)

    try:
        _run(go, p)
    finally:
        site.latency_ms = 0
    logs, others = _times(site, "/api/log/self"), _times(site, "/api/status")
    assert len(logs) == 3 and len(others) == 8
    assert all(b - a >= 0.3 for a, b in itertools.pairwise(logs))  # the spacing holds
    between = [t for t in others if logs[0] < t < logs[1]]
    assert len(between) >= 2  # the slot was not held idle through the spacing
    assert logs[2] < others[-1]  # the last log page did not queue behind every other call


def test_a_paced_batch_spreads_its_starts_over_the_window_instead_of_bursting(site):
    """What runs by itself (``paced``) takes one start every W / N seconds: never two close
    together, and the window is never full, so a person's run finds room at once."""
    p = fast_politeness(read_timeout=5.0, window_requests=6, window_s=1.2, per_site_concurrency=6, paced=True)

    async def go(t):
        s = t.session(site.url)
        await asyncio.gather(*(s.get("/api/status", public=True) for _ in range(6)))
    _run(go, p)
    times = _times(site)
    assert len(times) == 6
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 0.15  # 0.2 s apart, less loopback jitter; unpaced, all 6 go together
    assert most_in_any(times, 0.5) <= 3
