"""httpx on the sites' path: one ``httpx.AsyncClient`` per origin, and httpx's errors in our words.

What httpx does here, as it does for anyone: the connection pool and its keep-alive (a
connection the server dropped is not reused), TLS, the query string (``params``), the JSON
body, gzip and deflate bodies, the charset of a text answer, and the environment
(``trust_env``): ``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY`` and ``NO_PROXY``, and the
``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` trust store (else certifi's).

What it is told not to do, because ``_transport.Transport`` does it (see there why):
follow redirects, keep cookies (accounts of one site share a client, so one account's
``Set-Cookie`` must never reach another: ``_OriginClient`` keeps no cookie), retry.

One client per origin, its pool sized to the per-site limit: httpcore's pool closes every
idle connection once more than ``max_keepalive_connections`` are open (it counts all of
them) and scans the whole pool on each request, so with 50 sites in one pool nearly every
request opened a new TCP connection. No HTTP/2: its package (``h2``) is not a dependency,
and the limiter allows two requests in flight per site, which two HTTP/1.1 connections carry.

This module is imported with the first request (``_transport``), not with ``allhub_core.net``:
importing httpx costs every command ~0.1 s. It also imports anyio's asyncio backend, which
httpx's connections run on and which anyio would otherwise import inside the first connection
of the process: after the limiter admitted that request, so it reached the site 50-150 ms
later than the window counted it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import ssl
import sys
import threading
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

from allhub_core.net import _prewarm
from allhub_core.net._errors import NetworkError
from allhub_core.net._politeness import Politeness
from allhub_core.net._redact import short

# httpx's package imports its command-line client (``httpx._main``) when click, pygments and
# rich are installed (they are, beside the dashboard and the linters): ~70 ms of every command
# that asks a site, for a client we never run. Importing httpx with that module marked missing
# leaves ``httpx.main`` as httpx's own stand-in; the mark is taken away again, so a later
# ``import httpx._main`` loads it as usual.
_SKIP_CLI = "httpx" not in sys.modules and "httpx._main" not in sys.modules
if _SKIP_CLI:
    sys.modules["httpx._main"] = None  # type: ignore[assignment]
try:
    import httpx
finally:
    if _SKIP_CLI and sys.modules.get("httpx._main", 0) is None:
        del sys.modules["httpx._main"]

with contextlib.suppress(ImportError):  # anyio's asyncio backend (see above); a later anyio may name it otherwise
    import anyio._backends._asyncio  # noqa: F401


class _NoQueryInLog(logging.Filter):
    """httpx logs each request's whole address at INFO. Our secrets travel in headers, but a query
    may carry one all the same (New API finds a channel by its key only through
    ``/api/channel/search?keyword=<key>``, what a push to a user's New API asks): every address
    httpx logs loses its query."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(isinstance(a, httpx.URL) and a.query for a in record.args):
            record.args = tuple(a.copy_with(query=None) if isinstance(a, httpx.URL) else a for a in record.args)
        return True


if not any(isinstance(f, _NoQueryInLog) for f in logging.getLogger("httpx").filters):
    logging.getLogger("httpx").addFilter(_NoQueryInLog())

__all__ = ["ERRORS", "USER_AGENT", "build_tls_context", "fetch", "network_error", "not_sent", "origin_client",
           "tls_context", "trust_source"]

USER_AGENT = "Mozilla/5.0 (compatible; allhub/0.1; +https://github.com/qixing-jk/all-api-hub)"
KEEPALIVE_S = 5.0  # httpx's default keep-alive expiry

#: What a request can fail with below HTTP: timeouts, network, protocol and proxy errors, an
#: answer whose body cannot be decoded.
ERRORS = httpx.RequestError


class _Undecodable(httpx.DecodingError):
    """The body's ``Content-Encoding`` could not be undone (the message names the encoding)."""


class _BadProxy(httpx.ProxyError):
    """The proxy the environment names cannot be used (the message says why, without its address)."""


#: Each thread's TLS contexts, by what they were built from (see ``tls_context``).
_TLS = threading.local()


def trust_source(verify: bool) -> tuple[Any, ...]:
    """What a context is built from: ``verify``, and the trust store the environment names (its
    path and when it last changed); certifi's bundle otherwise, which changes with a new install."""
    source: list[Any] = [verify]
    for name in ("SSL_CERT_FILE", "SSL_CERT_DIR"):
        path = os.environ.get(name)
        stamp = None
        if path:
            with contextlib.suppress(OSError):
                stamp = os.stat(path).st_mtime_ns
        source.append((path, stamp))
    return tuple(source)


def tls_context(verify: bool) -> ssl.SSLContext:
    """httpx's TLS settings (``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` when set, else certifi's trust
    store; no checks at all with ``verify`` off). httpx's clients need one even for http:// sites;
    a trust store that cannot be read is one sentence for each request.

    A build loads the trust store (~20-40 ms), so each thread keeps the contexts it built, by
    ``verify`` and the trust store (path and modification time): ``account add``'s recognition
    and first refresh share one. One per thread, never across threads: httpcore sets the
    context's ALPN protocols on every connection while another thread's connection could be
    reading them. A context ``_prewarm`` built ahead in its thread is taken over (once)."""
    key = trust_source(verify)
    kept: dict[tuple[Any, ...], ssl.SSLContext] = _TLS.__dict__.setdefault("contexts", {})
    context = kept.pop(key, None)
    if context is None:
        context = _prewarm.take(key, lambda: build_tls_context(verify))
        while len(kept) >= 4:  # a trust store that changed leaves its old contexts behind:
            del kept[next(iter(kept))]  # the least recently used goes
    kept[key] = context  # (again) the most recently used
    return context


def build_tls_context(verify: bool) -> ssl.SSLContext:
    """A new context with httpx's TLS settings (see ``tls_context``, which keeps them)."""
    try:
        return httpx.create_ssl_context(verify=verify, trust_env=True)
    except OSError as exc:  # ssl.SSLError included: a file that is no certificate
        raise NetworkError("The trust store that SSL_CERT_FILE or SSL_CERT_DIR names could not be read.",
                           kind="tls") from exc


_PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy")


def needs_trust_store(origin: str) -> bool:
    """Whether a client of ``origin`` gets ``tls_context``: an https:// site; any site while the
    environment names a proxy (an https:// proxy is TLS even for an http:// site) or a trust
    store (``SSL_CERT_FILE`` / ``SSL_CERT_DIR``: one that cannot be read is still its sentence)."""
    if not origin.lower().startswith("http://"):
        return True
    names = (*_PROXY_VARIABLES, *(n.upper() for n in _PROXY_VARIABLES), "SSL_CERT_FILE", "SSL_CERT_DIR")
    return any(os.environ.get(name) for name in names)


def no_tls_context() -> ssl.SSLContext:
    """The context httpx needs for a client that never opens TLS (``needs_trust_store`` False): no
    trust store loaded, verification still required, so it could not accept a certificate anyway."""
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


class _NoCookies(httpx.Cookies):
    """An empty jar that takes nothing: what ``_OriginClient.cookies`` hands httpx."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None

    def set_cookie_header(self, request: httpx.Request) -> None:
        return None


class _OriginClient(httpx.AsyncClient):
    """``httpx.AsyncClient`` whose ``cookies`` is always an empty jar that keeps nothing: httpx
    reads a response's ``Set-Cookie`` into ``client.cookies`` after every answer, building
    urllib's request and response stand-ins each time (about 6% of a refresh's CPU at 1,000
    accounts) only for the jar's policy to refuse the cookie."""

    @property
    def cookies(self) -> httpx.Cookies:
        jar = vars(self).get("_no_cookies")
        if jar is None:
            jar = vars(self)["_no_cookies"] = _NoCookies(_no_cookies())
        return jar

    @cookies.setter
    def cookies(self, cookies: Any) -> None:  # ``client.cookies = ...``: nothing is kept either
        return None


def _no_cookies() -> CookieJar:
    """A jar that refuses every cookie. Handed to httpx as the ``CookieJar`` itself: httpx copies
    the cookies of an ``httpx.Cookies`` into a new jar of the default policy (which keeps them
    all), so a ``Set-Cookie`` answered to one account went out with the next account's requests."""
    return CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))


def origin_client(politeness: Politeness, ssl_context: ssl.SSLContext) -> httpx.AsyncClient:
    """A client for one origin; a proxy the environment names that httpx cannot use is a
    ``ProxyError`` in one sentence (its address, which may hold a password, is not quoted)."""
    p = politeness
    n = max(1, p.per_site_concurrency)
    try:
        return _OriginClient(
            timeout=httpx.Timeout(connect=p.connect_timeout, read=p.read_timeout, write=p.write_timeout,
                                  pool=p.pool_timeout),
            limits=httpx.Limits(max_connections=n, max_keepalive_connections=n, keepalive_expiry=KEEPALIVE_S),
            follow_redirects=False, verify=ssl_context, trust_env=True, cookies=_no_cookies(),
            headers={"User-Agent": USER_AGENT})
    except ImportError:  # httpx's SOCKS support needs socksio
        raise _BadProxy("a SOCKS proxy needs the socksio package: pip install socksio") from None
    except (ValueError, httpx.InvalidURL):
        raise _BadProxy("its address is not an http, https or socks5 proxy address") from None


async def fetch(client: httpx.AsyncClient, method: str, url: str, headers: dict[str, str], params: Any,
                json_body: Any) -> httpx.Response:
    """Send one request and read the whole answer (the connection goes back to the pool).

    ``params`` are added to a query the URL already has (httpx's ``params=`` would replace it)."""
    target = httpx.URL(url).copy_merge_params(params) if params else url
    request = client.build_request(method, target, headers=headers, json=json_body)
    response = await client.send(request, stream=True)
    try:
        await response.aread()
    except httpx.DecodingError:
        encoding = short(response.headers.get("content-encoding", ""), 40)
        raise _Undecodable(f"the {encoding} body could not be decoded", request=request) from None
    finally:
        await response.aclose()
    return response


def network_error(exc: httpx.RequestError, *, ambiguous: bool) -> NetworkError:
    """The one sentence (and kind) a failure below HTTP is to the user."""
    text = str(exc).lower()
    cause = exc.__cause__ or exc.__context__
    chain = [cause, getattr(cause, "__cause__", None), getattr(cause, "__context__", None)]
    if isinstance(exc, httpx.TimeoutException):
        phase = "connecting to" if isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout)) else "waiting for"
        return NetworkError(f"Timed out {phase} the site.", kind="timeout", ambiguous=ambiguous)
    if any(isinstance(c, ssl.SSLError) for c in chain) or "ssl" in text or "certificate" in text:
        detail = "certificate verify failed" if "certificate" in text else "TLS handshake failed"
        return NetworkError(f"TLS error talking to the site ({detail}).", kind="tls", ambiguous=ambiguous)
    dns_hints = ("name or service not known", "nodename nor servname", "getaddrinfo",
                 "temporary failure in name resolution", "no address associated", "name resolution")
    if any(h in text for h in dns_hints):
        return NetworkError("DNS lookup failed: the host name does not resolve.", kind="dns", ambiguous=ambiguous)
    if isinstance(exc, _Undecodable):
        return NetworkError(f"The site's answer could not be read ({exc}).", kind="protocol", ambiguous=ambiguous)
    if isinstance(exc, httpx.DecodingError):
        return NetworkError("The site's answer could not be read (its body could not be decoded).",
                            kind="protocol", ambiguous=ambiguous)
    if isinstance(exc, httpx.ProxyError):
        detail = short(str(exc).rstrip(".")) or "the proxy refused or failed"
        return NetworkError(f"Could not reach the site through the proxy set in the environment ({detail}).",
                            kind="connect", ambiguous=ambiguous)
    if isinstance(exc, httpx.ConnectError):
        return NetworkError("Could not connect to the site (connection refused or unreachable).",
                            kind="connect", ambiguous=ambiguous)
    return NetworkError("The connection to the site broke off.", kind="protocol", ambiguous=ambiguous)


def not_sent(exc: httpx.RequestError) -> bool:
    """True when the request certainly never reached the server."""
    return isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))
