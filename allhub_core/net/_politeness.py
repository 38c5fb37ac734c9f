"""Politeness limits: how hard one batch may hit each relay site.

Relay sites (New API and friends) rate-limit their web API (New API's default is
60 requests per 180 s), and the browser extension we follow caps itself at two
requests in flight and 18 requests a minute per origin.  Everything the transport
does about pacing, timeouts and retries reads from one frozen dataclass so tests
can shrink every delay without monkeypatching.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Politeness:
    """Per-batch limits.

    per_site_concurrency: requests in flight per origin (a slot is held until the
        response body has been read).
    per_site_rpm: token-bucket refill rate per origin in requests/minute; 0 = no bucket.
    burst: token-bucket capacity (requests that may start back to back).
    log_spacing_ms: minimum gap between starts of ``/api/log*`` requests per origin.
    global_concurrency: requests in flight across all origins.
    connect_timeout / read_timeout / write_timeout / pool_timeout: seconds.
    retries: extra attempts for idempotent requests after 5xx or network failures.
    backoff_base / backoff_max: exponential backoff (base * 2**attempt, capped), seconds.
    retry_after_max: cap on an honoured ``Retry-After`` (seconds).
    retries_429: extra attempts after HTTP 429.
    max_redirects: redirects followed per request (a cross-origin one only by a GET with no secret).
    log_page_limit: pages of usage logs read per metric before a figure is "partial".
    verify_tls: verify certificates (tests against self-signed servers may turn it off).
    """

    per_site_concurrency: int = 2
    per_site_rpm: float = 18.0
    burst: int = 4
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

    def backoff(self, attempt: int) -> float:
        """Delay before retry number ``attempt`` (0-based)."""
        return min(self.backoff_max, self.backoff_base * (2**attempt))


# The name the brief also uses; both refer to the same settings.
Limits = Politeness
