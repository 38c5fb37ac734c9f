"""The shared transport: one batch, one httpx client per origin, politeness, retries, redirects.

Requests go out through ``httpx.AsyncClient`` (``_client``: one per origin, the environment's
proxies and trust store as httpx reads them). Around it, this module adds what httpx does not
do, or must not do for us:

* Politeness: every request waits for a slot of the batch's ``Limiter`` (windows, log spacing,
  requests in flight per site and overall) and counts on the account's deadline clock.
* Redirects: httpx strips ``Authorization`` across origins but not our user-id
  headers or an explicit ``Cookie`` header, and a 307/308 makes it resend the body
  (a login's password) to wherever ``Location`` points.  So we follow redirects
  ourselves: a redirect to another origin is followed only by a GET that carries
  no secret at all (no credentials, no cookie, no secret in a header, the query or
  a body); anything else (an authenticated call, every non-GET, a login) gets a
  ``RedirectError`` and nothing is sent there.  Same-origin redirects are followed.
* Retries: httpx retries only connect failures.  We also honour 429
  ``Retry-After`` (and halve that origin's request window for the rest of the
  batch; the lower window goes to ``Politeness.on_window_lowered`` when the batch
  ends) and retry idempotent GETs on 5xx and timeouts with bounded backoff.
  Non-idempotent calls (check-in POST) are retried only when the request
  provably never reached the server; otherwise the error is marked
  ``ambiguous`` so the caller re-reads state first.
* Scrubbing: every error's text is built from the server's words with the request's
  secrets scrubbed (``_redact``); a site that outlived an account's deadline is asked
  nothing more in the run.

No cookie jar: accounts of the same site share a client, so a ``Set-Cookie``
from one account must never reach another.  Cookies a caller needs (login) are
handed back on the ``Reply``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from allhub_core.net._deadline import AccountClock, current_clock
from allhub_core.net._errors import ChallengeError, HttpStatusError, NetworkError, RedirectError
from allhub_core.net._headers import BASE_HEADERS, NO_AUTH, Auth
from allhub_core.net._limiter import Limiter
from allhub_core.net._origin import normalize_site_url, origin_key
from allhub_core.net._policy import (
    REDIRECTS,
    carries_secret,
    parse_retry_after,
    reason_phrase,
    session_limit,
)
from allhub_core.net._politeness import Politeness
from allhub_core.net._redact import scrub, short
from allhub_core.net._reply import Reply, looks_like_challenge, looks_like_html, server_message
from allhub_core.net._session import Meter, SiteSession

if TYPE_CHECKING:
    import httpx

__all__ = ["Transport"]

log = logging.getLogger("allhub_core.net")


class Transport:
    """Sends requests for one batch.  Use ``async with Transport.open(p) as t``."""

    def __init__(self, politeness: Politeness) -> None:
        self.politeness = politeness
        self.limiter = Limiter(politeness)
        self.requests_made = 0
        self._ssl: ssl.SSLContext | None = None
        self._clients: dict[str, httpx.AsyncClient] = {}
        # Sites whose account outlived its deadline in this run: their other accounts' requests
        # fail at once instead of each waiting out a deadline of its own (see mark_unresponsive).
        self._unresponsive: dict[str, float] = {}

    def mark_unresponsive(self, site_url: str, deadline_s: float) -> None:
        """An account of this site outlived its deadline: send it nothing more in this run."""
        try:
            self._unresponsive.setdefault(origin_key(site_url), deadline_s)
        except ValueError:
            pass

    def _refuse_if_unresponsive(self, origin: str) -> None:
        seconds = self._unresponsive.get(origin)
        if seconds is not None:
            raise NetworkError(f"The site did not answer another account within {seconds:g} s earlier in this run; "
                               "it was not asked again until the next run.", kind="timeout")

    def _client(self, origin: str) -> httpx.AsyncClient:
        """The origin's client, made when the origin is first asked (one TLS context for all)."""
        client = self._clients.get(origin)
        if client is None:
            from allhub_core.net import _client as http  # noqa: PLC0415 - httpx (~0.1 s) loads with the first request, not with every command

            if http.needs_trust_store(origin):
                if self._ssl is None:
                    self._ssl = http.tls_context(self.politeness.verify_tls)
                context = self._ssl
            else:  # a plain http:// site reached directly: no TLS, so no trust store to load (~30 ms)
                context = http.no_tls_context()
            client = self._clients[origin] = http.origin_client(self.politeness, context)
        return client

    async def aclose(self) -> None:
        self.limiter.close()
        self._report_lowered()
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()

    def _report_lowered(self) -> None:
        """Hand the windows 429s lowered in this batch to ``Politeness.on_window_lowered`` (once
        per origin; a failing callback is logged, never the batch's error)."""
        lowered, self.limiter.lowered = self.limiter.lowered, {}
        callback = self.politeness.on_window_lowered
        if callback is None:
            return
        for origin, (n, w) in lowered.items():
            try:
                callback(origin, n, w)
            except Exception:  # the batch's results matter more than remembering the window
                log.warning("the lowered request window of %s was not stored", origin, exc_info=True)

    @classmethod
    @asynccontextmanager
    async def open(cls, politeness: Politeness | None = None) -> AsyncIterator[Transport]:
        t = cls(politeness or Politeness())
        try:
            yield t
        finally:
            await t.aclose()

    def session(self, site_url: str, auth: Auth = NO_AUTH, secrets: Iterable[str | None] = ()) -> SiteSession:
        return SiteSession(self, normalize_site_url(site_url), auth, secrets)

    async def _send_once(self, method: str, url: str, headers: dict[str, str],
                         params: Any, json_body: Any, secrets: tuple[str, ...], meter: Meter | None) -> Reply:
        from allhub_core.net._client import fetch  # noqa: PLC0415 - httpx (~0.1 s) loads with the first request, not with every command

        origin = origin_key(url)
        path = urlsplit(url).path or "/"
        self._refuse_if_unresponsive(origin)
        client = self._client(origin)  # made before the slot: the window counts from the admission
        async with self.limiter.slot(origin, path) as admitted:
            self._refuse_if_unresponsive(origin)  # the wait for a slot may have been long
            self.requests_made += 1
            if meter is not None:
                meter.count += 1
            started = time.monotonic()
            try:
                resp = await fetch(client, method, url, headers, params, json_body)
            except asyncio.CancelledError:
                # The account's deadline ended this request: mark the site before the slot is
                # released, so no queued account of it slips in and waits out a deadline too.
                clock = current_clock()
                if isinstance(clock, AccountClock) and clock.expired:
                    self.mark_unresponsive(origin, clock.seconds)
                raise
            if resp.status_code == 429:  # the site says we are too fast: slow down for the rest of the batch
                self.limiter.shrink(origin, admitted)
        log.debug("%s %s%s -> %s in %.0f ms", method, origin, path, resp.status_code,
                  (time.monotonic() - started) * 1000)
        cookies: dict[str, str] = {}
        for raw in resp.headers.get_list("set-cookie"):
            name, _, value = raw.split(";", 1)[0].partition("=")
            if name.strip():
                cookies[name.strip()] = value.strip()
        return Reply(status=resp.status_code, url=str(resp.url), content_type=resp.headers.get("content-type", ""),
                     text=resp.text, set_cookies=cookies, secrets=secrets,
                     location=resp.headers.get("location"), retry_after=resp.headers.get("retry-after"))

    async def send(self, method: str, url: str, *, auth: Auth = NO_AUTH, params: Any = None,
                   json_body: Any = None, headers: dict[str, str] | None = None,
                   idempotent: bool | None = None, secrets: Iterable[str | None] = (),
                   meter: Meter | None = None) -> Reply:
        """Send with politeness, retries and same-origin redirects; raise on non-2xx."""
        from allhub_core.net._client import ERRORS, network_error, not_sent  # noqa: PLC0415 - as in _send_once

        p = self.politeness
        method = method.upper()
        if idempotent is None:
            idempotent = method in ("GET", "HEAD", "OPTIONS")
        all_secrets = tuple(s for s in (*auth.secrets(), *secrets) if s)
        first_origin = origin_key(url)
        # Decided once, on the request as the caller built it: a GET carrying nothing secret
        # is the only request that may follow a redirect to another origin.
        may_leave_origin = method == "GET" and not carries_secret(url, auth, headers, params, json_body,
                                                                all_secrets)
        retries = retries_429 = redirects = 0
        while True:
            current_origin = origin_key(url)
            send_headers = dict(BASE_HEADERS)
            if current_origin == first_origin:
                send_headers.update(auth.headers())
            if headers:
                send_headers.update(headers)
            try:
                reply = await self._send_once(method, url, send_headers, params, json_body, all_secrets, meter)
            except ERRORS as exc:
                ambiguous = not idempotent and not not_sent(exc)
                err = network_error(exc, ambiguous=ambiguous)
                log.debug("%s %s%s failed: %s", method, current_origin, urlsplit(url).path, err.kind)
                # A name that does not resolve or a certificate that fails will not heal in a second.
                permanent = err.kind in ("dns", "tls")
                if (idempotent or not ambiguous) and not permanent and retries < p.retries:
                    await asyncio.sleep(p.backoff(retries))
                    retries += 1
                    continue
                raise err from exc

            status = reply.status
            if status in REDIRECTS and reply.location:
                target = urljoin(url, reply.location)
                try:
                    target_origin = origin_key(target)
                except ValueError:
                    raise RedirectError(status, "an invalid address") from None
                if target_origin != first_origin and not may_leave_origin:
                    shown = scrub(target_origin, all_secrets)  # a hostile host name may quote a secret
                    log.debug("refused cross-origin redirect %s -> %s", first_origin, shown)
                    raise RedirectError(status, shown)
                redirects += 1
                if redirects > p.max_redirects:
                    raise HttpStatusError(status, "too many redirects")
                if status in (301, 302, 303) and method not in ("GET", "HEAD"):
                    method, json_body = "GET", None
                url, params = target, None
                continue

            if 200 <= status < 300:
                return reply

            body_html = looks_like_html(reply.content_type, reply.text)
            retry_after = parse_retry_after(reply.retry_after, p.retry_after_max)
            if status == 429:
                if body_html and retry_after is None:
                    raise ChallengeError(status)
                if retries_429 < p.retries_429 and not session_limit(reply.text):
                    await asyncio.sleep(retry_after if retry_after is not None else p.backoff(retries_429))
                    retries_429 += 1
                    continue
            elif status >= 500:
                if body_html and status == 503 and looks_like_challenge(reply.text):
                    raise ChallengeError(status)
                if idempotent and retries < p.retries:
                    await asyncio.sleep(retry_after if retry_after is not None else p.backoff(retries))
                    retries += 1
                    continue
            if body_html and (status in (401, 403, 429, 503) or looks_like_challenge(reply.text)):
                raise ChallengeError(status)
            parsed: Any = None
            if not body_html:
                try:
                    parsed = json.loads(reply.text)
                except ValueError:
                    parsed = None
            message = short(scrub(server_message(parsed), all_secrets))
            message = message or reason_phrase(status) or "request failed"
            status_err = HttpStatusError(status, message, ambiguous=(not idempotent and status >= 500))
            status_err.body = parsed  # for detection probes (Sub2API's string ``code``); never in str()
            raise status_err
