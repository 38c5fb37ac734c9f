"""Politeness limits: how hard one batch may hit each relay site.

New API wraps every ``/api`` route in a per-client rate limit over a sliding window (its
defaults are counts per 180 s) and the critical routes (login, key reveal, top-up) in a
tighter one.  The client models the server: per origin at most ``window_requests`` request
starts in any ``window_s`` seconds (a burst that fits goes at once; only sustained traffic
waits), the critical routes a second, tighter window on top, two requests in flight, and log
pages spaced.  Everything the transport does about pacing, timeouts and retries reads from
one frozen dataclass so tests can shrink every delay without monkeypatching.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from allhub_core.vocab import (
    DEFAULT_ACCOUNT_DEADLINE_S,
    DEFAULT_PER_SITE_CONCURRENCY,
    DEFAULT_WINDOW_REQUESTS,
    DEFAULT_WINDOW_S,
)


def window_from_rpm(rpm: float) -> tuple[int, float]:
    """A legacy "requests per minute" as a window: ``N`` per 60 s (0: no limit).

    A fractional rate keeps its pace: 1.5/min is 1 request per 40 s.
    """
    if not math.isfinite(rpm) or rpm <= 0:
        return 0, 60.0
    n = max(1, int(rpm))
    return n, 60.0 * n / rpm


@dataclass(frozen=True)
class Politeness:
    """Per-batch limits.

    per_site_concurrency: requests in flight per origin (a slot is held until the
        response body has been read).
    window_requests / window_s: at most this many request starts per origin in any
        ``window_s`` seconds; ``window_requests=0`` = no window.
    critical_requests / critical_window_s: the same for the critical routes (login, key
        reveal, top-up; ``net.is_critical_path``), on top of the origin's window;
        ``critical_requests=0`` = no critical window.
    log_spacing_ms: minimum gap between starts of ``/api/log*`` requests per origin.
    global_concurrency: requests in flight across all origins.
    connect_timeout / read_timeout / write_timeout / pool_timeout: seconds.
    retries: extra attempts for idempotent requests after 5xx or network failures.
    backoff_base / backoff_max: exponential backoff (base * 2**attempt, capped), seconds.
    retry_after_max: cap on an honoured ``Retry-After`` (seconds).
    retries_429: extra attempts after HTTP 429 (each 429 also halves that origin's window
        for the rest of the batch).
    max_redirects: redirects followed per request (a cross-origin one only by a GET with no secret).
    log_page_limit: pages of usage logs read per metric before a figure is "partial".
    verify_tls: verify certificates (tests against self-signed servers may turn it off).
    account_deadline_s: one account's whole refresh or check-in, whatever retries happen
        inside, may keep the site busy this long (time spent queueing in our own limiter
        does not count); 0 = no deadline.
    per_site_rpm: legacy "requests per minute"; when given it sets the origin window to
        ``N`` per 60 s, and 0 turns off both windows (read once, then reset to None).
    site_windows: ``{origin: (N, W)}``, a site's own window instead of ``window_requests`` /
        ``window_s`` (the user's, or one a 429 lowered; ``sync.politeness_for`` reads them from
        the store). N = 0: no window (nor critical window) for that site.
    shared_window_dir: a folder where each origin's request starts are kept for every process
        on the same store (``_shared_window``); None: this batch counts its own requests only.
    windows_known_at: ``{origin: wall-clock time}`` its stored window last changed: a 429's
        lowering another process wrote in the shared folder after it is adopted at once.
    background: work no person waits for (the usage sync): it takes a request start only while
        no foreground batch is busy on the site in any process and the window has room beyond
        a fifth kept for the foreground (with a shared folder).
    paced: spread a batch's request starts evenly over each origin's window (one start every
        ``W / N`` seconds) instead of letting a burst that fits go at once: what runs by itself
        (the scheduler's refresh and check-in) never bursts, and a person's run finds the window
        nearly whole.
    on_window_lowered: ``(origin, N, W)`` once per origin at the end of a batch whose 429s
        lowered its window (``sync.politeness_for`` stores it with ``lower_site_window``).
    """

    per_site_concurrency: int = DEFAULT_PER_SITE_CONCURRENCY
    window_requests: int = DEFAULT_WINDOW_REQUESTS
    window_s: float = float(DEFAULT_WINDOW_S)
    critical_requests: int = 5
    critical_window_s: float = 60.0
    log_spacing_ms: int = 200
    global_concurrency: int = 128
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    write_timeout: float = 15.0
    pool_timeout: float = 30.0
    retries: int = 2
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    retry_after_max: float = 30.0
    retries_429: int = 2
    max_redirects: int = 5
    log_page_limit: int = 20
    verify_tls: bool = True
    account_deadline_s: float = float(DEFAULT_ACCOUNT_DEADLINE_S)
    per_site_rpm: float | None = None
    site_windows: Mapping[str, tuple[int, float]] = field(default_factory=dict, hash=False)
    shared_window_dir: str | None = None
    windows_known_at: Mapping[str, float] = field(default_factory=dict, hash=False)
    background: bool = False
    paced: bool = False
    on_window_lowered: Callable[[str, int, float], None] | None = field(default=None, compare=False, hash=False,
                                                                           repr=False)

    def __post_init__(self) -> None:
        if self.per_site_rpm is None:
            return
        n, w = window_from_rpm(float(self.per_site_rpm))
        object.__setattr__(self, "window_requests", n)
        object.__setattr__(self, "window_s", w)
        if n == 0:
            object.__setattr__(self, "critical_requests", 0)
        # Applied: ``dataclasses.replace`` must not re-apply it over a newer window.
        object.__setattr__(self, "per_site_rpm", None)

    def window_for(self, origin: str) -> tuple[int, float]:
        """The origin's window ``(N, W)``: its own, else the batch's (N = 0: none)."""
        own = self.site_windows.get(origin)
        return (int(own[0]), float(own[1])) if own is not None else (self.window_requests, self.window_s)

    def backoff(self, attempt: int) -> float:
        """Delay before retry number ``attempt`` (0-based)."""
        return min(self.backoff_max, self.backoff_base * (2**attempt))

