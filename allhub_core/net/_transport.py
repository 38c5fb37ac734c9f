"""The shared httpx transport: one batch, a small connection pool per origin, politeness, retries.

Why not httpx's own redirect following and retries:
* Redirects: httpx strips ``Authorization`` across origins but not our user-id
  headers or an explicit ``Cookie`` header, and a 307/308 makes it resend the body
  (a login's password) to wherever ``Location`` points.  So we follow redirects
  ourselves: a redirect to another origin is followed only by a GET that carries
  no secret at all (no credentials, no cookie, no secret in a header, the query or
  a body); anything else (an authenticated call, every non-GET, a login) gets a
  ``RedirectError`` and nothing is sent there.  Same-origin redirects are followed.
* Retries: httpx retries only connect failures.  We also honour 429
  ``Retry-After`` (and halve that origin's request window for the rest of the
  batch) and retry idempotent GETs on 5xx and timeouts with bounded backoff.
  Non-idempotent calls (check-in POST) are retried only when the request
  provably never reached the server; otherwise the error is marked
  ``ambiguous`` so the caller re-reads state first.

No cookie jar: accounts of the same site share a batch pool, so a ``Set-Cookie``
from one account must never reach another.  Cookies a caller needs (login) are
handed back on the ``Reply``.

Why not ``httpx.AsyncClient``: everything the client adds on top of httpx's
connection pool (URL and header models and merging, a cookie jar, auth flows,
redirects, event hooks) is either done here or must not happen, and it cost
about half of the client's CPU per request, which is what bounds a refresh of
1,000 accounts (bench/bench_refresh.py).  Requests go to httpx's own pool
(httpcore, h11) through ``_pool.OriginPool``, one per origin.  Proxies from the
environment (``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY``, ``NO_PROXY``) are
honoured per origin as the client would.
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import json
import logging
import os
import ssl
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager
from http import HTTPStatus
from typing import Any
from urllib.parse import quote, quote_plus, urljoin, urlsplit
from urllib.request import getproxies_environment, proxy_bypass

import httpcore

from allhub_core.net._deadline import AccountClock, current_clock
from allhub_core.net._errors import ChallengeError, HttpStatusError, NetworkError, RedirectError
from allhub_core.net._headers import BASE_HEADERS, NO_AUTH, SENSITIVE_HEADERS, Auth
from allhub_core.net._limiter import Limiter
from allhub_core.net._origin import normalize_site_url, origin_key
from allhub_core.net._politeness import Politeness
from allhub_core.net._pool import TRANSPORT_ERRORS, DecodingError, OriginPool
from allhub_core.net._redact import scrub, short
from allhub_core.net._reply import Reply, looks_like_challenge, looks_like_html, server_message

log = logging.getLogger("allhub_core.net")

USER_AGENT = "Mozilla/5.0 (compatible; allhub/0.1; +https://github.com/qixing-jk/all-api-hub)"
_REDIRECTS = (301, 302, 303, 307, 308)


def parse_retry_after(value: str | None, cap: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta seconds or HTTP date), capped."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - time.time()
    return max(0.0, min(cap, seconds))


def _strings(value: Any) -> Iterator[str]:
    """Every string in a JSON-like value (keys too), for the secret check below."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(value, (list, tuple, set)):
        for v in value:
            yield from _strings(v)
    elif value is not None:
        yield str(value)


def _carries_secret(url: str, auth: Auth, headers: dict[str, str] | None, params: Any, json_body: Any,
                    secrets: tuple[str, ...]) -> bool:
    """True when a request would carry a credential or any of ``secrets`` anywhere."""
    if auth.has_credentials:
        return True
    if headers and any(name.lower() in SENSITIVE_HEADERS for name in headers):
        return True
    texts = list(_strings([urlsplit(url).query, headers, params, json_body]))
    return any(secret in text for text in texts for secret in secrets)


def _network_error(exc: Exception, *, ambiguous: bool) -> NetworkError:
    text = str(exc).lower()
    cause = exc.__cause__ or exc.__context__
    chain = [cause, getattr(cause, "__cause__", None), getattr(cause, "__context__", None)]
    if isinstance(exc, httpcore.TimeoutException):
        phase = "connecting to" if isinstance(exc, (httpcore.ConnectTimeout, httpcore.PoolTimeout)) else "waiting for"
        return NetworkError(f"Timed out {phase} the site.", kind="timeout", ambiguous=ambiguous)
    if any(isinstance(c, ssl.SSLError) for c in chain) or "ssl" in text or "certificate" in text:
        detail = "certificate verify failed" if "certificate" in text else "TLS handshake failed"
        return NetworkError(f"TLS error talking to the site ({detail}).", kind="tls", ambiguous=ambiguous)
    dns_hints = ("name or service not known", "nodename nor servname", "getaddrinfo",
                 "temporary failure in name resolution", "no address associated", "name resolution")
    if any(h in text for h in dns_hints):
        return NetworkError("DNS lookup failed: the host name does not resolve.", kind="dns", ambiguous=ambiguous)
    if isinstance(exc, DecodingError):
        return NetworkError(f"The site's answer could not be read ({exc}).", kind="protocol", ambiguous=ambiguous)
    if isinstance(exc, httpcore.ProxyError):
        detail = short(str(exc).rstrip(".")) or "the proxy refused or failed"
        return NetworkError(f"Could not reach the site through the proxy set in the environment ({detail}).",
                            kind="connect", ambiguous=ambiguous)
    if isinstance(exc, httpcore.ConnectError):
        return NetworkError("Could not connect to the site (connection refused or unreachable).",
                            kind="connect", ambiguous=ambiguous)
    return NetworkError("The connection to the site broke off.", kind="protocol", ambiguous=ambiguous)


def _not_sent(exc: Exception) -> bool:
    """True when the request certainly never reached the server."""
    return isinstance(exc, (httpcore.ConnectError, httpcore.ConnectTimeout, httpcore.PoolTimeout))


def create_ssl_context(verify: bool) -> ssl.SSLContext:
    """The TLS settings httpx's client uses: the ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` trust
    store when set, else certifi's; with ``verify`` off, no certificate or host name check.

    The same lines as ``httpx.create_ssl_context`` (0.28), not a call to it: importing httpx
    costs every command 0.1 s (its command-line extras come with it), and the sites are https."""
    if not verify:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    if os.environ.get("SSL_CERT_FILE"):
        return ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    if os.environ.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=os.environ["SSL_CERT_DIR"])
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


def _reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


#: Sent with every request, as httpx's client would (the Host header httpx.Request adds itself).
_CLIENT_HEADERS = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"}


def _env_proxy(origin: str) -> str | None:
    """The proxy the environment names for this origin (``*_PROXY``, minus ``NO_PROXY``)."""
    proxies = getproxies_environment()
    if not proxies:
        return None
    parts = urlsplit(origin)
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if not proxy or proxy_bypass(parts.hostname or ""):
        return None
    return proxy if "://" in proxy else "http://" + proxy


_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = "/%:@!$&'()*+,;=-._~?"


def _param(value: Any) -> str:
    """A query value as httpx writes it (``true``/``false``, ``None`` as empty)."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return "" if value is None else str(value)


@functools.lru_cache(maxsize=4096)  # the same names and values recur for every account
def _quoted(text: str) -> str:
    return quote_plus(text)


def _target(path: str, query: str, params: Any) -> str:
    """Path and query, percent-encoded where needed; ``params`` (a mapping or pairs) appended,
    encoded as httpx encodes them (a space as ``+``)."""
    target = quote(path or "/", safe=_PATH_SAFE)
    pairs = list(params.items()) if isinstance(params, dict) else list(params or ())
    parts = [quote(query, safe=_QUERY_SAFE + "=")] if query else []
    parts.extend(f"{_quoted(str(k))}={_quoted(_param(v))}" for k, v in pairs)
    return target + ("?" + "&".join(parts) if parts else "")


class Transport:
    """Sends requests for one batch.  Use ``async with Transport.open(p) as t``."""

    def __init__(self, politeness: Politeness) -> None:
        self.politeness = politeness
        self.limiter = Limiter(politeness)
        self.requests_made = 0
        p = politeness
        self._timeout: dict[str, float | None] = {"connect": p.connect_timeout, "read": p.read_timeout,
                                                  "write": p.write_timeout, "pool": p.pool_timeout}
        self._ssl: ssl.SSLContext | None = None
        self._pools: dict[str, OriginPool] = {}
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

    def _ssl_context(self) -> ssl.SSLContext:
        """One SSL context for every pool, built when the first https site is asked (~20 ms)."""
        if self._ssl is None:
            self._ssl = create_ssl_context(self.politeness.verify_tls)
        return self._ssl

    def _pool(self, origin: str) -> OriginPool:
        """One small pool per origin, sized to the per-site limit.

        Why not one big pool: httpcore 1.0's pool closes *every* idle connection once more
        than ``max_keepalive_connections`` are open (it counts all of them), and scans the
        whole pool on each request; with 50 sites in one pool nearly every request opened a
        new TCP connection. Per-origin pools keep connections alive and scans short.
        """
        pool = self._pools.get(origin)
        if pool is None:
            pool = OriginPool(origin, self._ssl_context, max(1, self.politeness.per_site_concurrency),
                              proxy=_env_proxy(origin))
            self._pools[origin] = pool
        return pool

    async def aclose(self) -> None:
        pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            await pool.aclose()

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
        origin = origin_key(url)
        parts = urlsplit(url)
        path = parts.path or "/"
        target = _target(path, parts.query, params)
        body = None
        if json_body is not None:
            body = json.dumps(json_body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
        self._refuse_if_unresponsive(origin)
        async with self.limiter.slot(origin, path) as admitted:
            self._refuse_if_unresponsive(origin)  # the wait for a slot may have been long
            self.requests_made += 1
            if meter is not None:
                meter.count += 1
            started = time.monotonic()
            try:
                resp = await self._pool(origin).send(method, target, headers, body, self._timeout)
            except asyncio.CancelledError:
                # The account's deadline ended this request: mark the site before the slot is
                # released, so no queued account of it slips in and waits out a deadline too.
                clock = current_clock()
                if isinstance(clock, AccountClock) and clock.expired:
                    self.mark_unresponsive(origin, clock.seconds)
                raise
            if resp.status == 429:  # the site says we are too fast: slow down for the rest of the batch
                self.limiter.shrink(origin, admitted)
        log.debug("%s %s%s -> %s in %.0f ms", method, origin, path, resp.status,
                  (time.monotonic() - started) * 1000)
        cookies: dict[str, str] = {}
        for raw in resp.headers.get("set-cookie", ()):
            name, _, value = raw.split(";", 1)[0].partition("=")
            if name.strip():
                cookies[name.strip()] = value.strip()
        reply = Reply(status=resp.status, url=origin + target, content_type=resp.header("content-type") or "",
                      text=resp.text, set_cookies=cookies, secrets=secrets,
                      location=resp.header("location"), retry_after=resp.header("retry-after"))
        return reply

    async def send(self, method: str, url: str, *, auth: Auth = NO_AUTH, params: Any = None,
                   json_body: Any = None, headers: dict[str, str] | None = None,
                   idempotent: bool | None = None, secrets: Iterable[str | None] = (),
                   meter: Meter | None = None) -> Reply:
        """Send with politeness, retries and same-origin redirects; raise on non-2xx."""
        p = self.politeness
        method = method.upper()
        if idempotent is None:
            idempotent = method in ("GET", "HEAD", "OPTIONS")
        all_secrets = tuple(s for s in (*auth.secrets(), *secrets) if s)
        first_origin = origin_key(url)
        # Decided once, on the request as the caller built it: a GET carrying nothing secret
        # is the only request that may follow a redirect to another origin.
        may_leave_origin = method == "GET" and not _carries_secret(url, auth, headers, params, json_body,
                                                                 all_secrets)
        retries = retries_429 = redirects = 0
        while True:
            current_origin = origin_key(url)
            send_headers = {**_CLIENT_HEADERS, **BASE_HEADERS}
            if current_origin == first_origin:
                send_headers.update(auth.headers())
            if headers:
                send_headers.update(headers)
            try:
                reply = await self._send_once(method, url, send_headers, params, json_body, all_secrets, meter)
            except TRANSPORT_ERRORS as exc:
                ambiguous = not idempotent and not _not_sent(exc)
                err = _network_error(exc, ambiguous=ambiguous)
                log.debug("%s %s%s failed: %s", method, current_origin, urlsplit(url).path, err.kind)
                # A name that does not resolve or a certificate that fails will not heal in a second.
                permanent = err.kind in ("dns", "tls")
                if (idempotent or not ambiguous) and not permanent and retries < p.retries:
                    await asyncio.sleep(p.backoff(retries))
                    retries += 1
                    continue
                raise err from exc

            status = reply.status
            if status in _REDIRECTS and reply.location:
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
                if retries_429 < p.retries_429 and not _session_limit(reply.text):
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
            message = message or _reason_phrase(status) or "request failed"
            status_err = HttpStatusError(status, message, ambiguous=(not idempotent and status >= 500))
            status_err.body = parsed  # for detection probes (Sub2API's string ``code``); never in str()
            raise status_err


#: Modern New API's login limits (409 too many active sessions, 429 too many new ones): waiting
#: a few seconds does not lift them, so they are never retried (docs/site-api.md, errors).
SESSION_LIMIT_CODES = ("AUTH_SESSION_LIMIT", "AUTH_SESSION_ISSUANCE_LIMIT")


def _session_limit(text: str) -> bool:
    return "AUTH_SESSION" in text and session_limit_code(text) is not None


def session_limit_code(body: Any) -> str | None:
    """The session-limit code of a reply body (text or parsed JSON), if it names one."""
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            return None
    code = body.get("code") if isinstance(body, dict) else None
    return code if code in SESSION_LIMIT_CODES else None


class Meter:
    """Counts requests actually sent for one account (shared by its sessions)."""

    def __init__(self) -> None:
        self.count = 0


class SiteSession:
    """Requests for one account on one site; counts what it sends."""

    def __init__(self, transport: Transport, origin: str, auth: Auth, secrets: Iterable[str | None],
                 meter: Meter | None = None) -> None:
        self.transport = transport
        self.origin = origin
        self.auth = auth
        self.extra_secrets = tuple(s for s in secrets if s)
        self.meter = meter or Meter()

    @property
    def requests_made(self) -> int:
        return self.meter.count

    @property
    def politeness(self) -> Politeness:
        return self.transport.politeness

    def with_auth(self, auth: Auth) -> SiteSession:
        """Same site and counter, other credentials (e.g. after a token rotation)."""
        return SiteSession(self.transport, self.origin, auth, (*self.extra_secrets, *self.auth.secrets()), self.meter)

    def add_secret(self, secret: str | None) -> None:
        if secret:
            self.extra_secrets = (*self.extra_secrets, secret)

    async def request(self, method: str, path: str, *, params: Any = None, json: Any = None,
                      headers: dict[str, str] | None = None, public: bool = False,
                      auth: Auth | None = None, idempotent: bool | None = None) -> Reply:
        url = self.origin + "/" + path.lstrip("/")
        use_auth = NO_AUTH if public else (auth or self.auth)
        return await self.transport.send(
            method, url, auth=use_auth, params=params, json_body=json, headers=headers,
            idempotent=idempotent, secrets=(*self.extra_secrets, *self.auth.secrets()), meter=self.meter,
        )

    async def get(self, path: str, **kw: Any) -> Reply:
        return await self.request("GET", path, **kw)

    async def post(self, path: str, **kw: Any) -> Reply:
        return await self.request("POST", path, **kw)
