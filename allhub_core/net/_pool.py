"""httpx's connection pool (httpcore) on plain asyncio sockets, for the sites' requests.

Why: a refresh of 1,000 accounts is bound by the client's CPU per request, and most of it
was spent in the layers around the HTTP/1.1 code, not in it: httpx's client (header and
URL merging, a cookie jar we do not use, auth and redirect machinery we do ourselves) and
the AnyIO socket layer (a cancel scope per read and write, an async-library lookup per
lock). The HTTP engine stays httpx's own (httpcore's pool and h11) and so do its errors
(httpcore's exceptions, ``TRANSPORT_ERRORS``). What is ours: the request is handed to the
pool as bytes (no ``httpx.Request``/``Response`` objects: their URL and header models cost as
much as the HTTP/1.1 code itself), the body is decoded here (gzip and deflate, the encodings
we ask for), and the socket layer is asyncio's streams with ``asyncio.timeout``.
bench/bench_refresh.py prints the client CPU per request. ``httpx`` itself (0.1 s to import,
its command-line extras included) is imported only for a proxy.

Proxies the environment names go through httpcore's own proxy pools, set up as httpx sets
them up (``httpx.Proxy`` reads the address).
"""

from __future__ import annotations

import asyncio
import importlib.util
import select
import ssl
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpcore

#: What a request can fail with below HTTP: timeouts, network and protocol errors, a proxy.
TRANSPORT_ERRORS = (httpcore.TimeoutException, httpcore.NetworkError, httpcore.ProtocolError,
                    httpcore.ProxyError, httpcore.UnsupportedProtocol)


class DecodingError(httpcore.ProtocolError):
    """The body's ``Content-Encoding`` could not be undone."""


def _readable(sock: Any) -> bool:
    """True when an idle socket has something to read (the server closed it, usually)."""
    fd = sock.fileno() if sock is not None else -1
    if fd < 0:
        return True
    if not hasattr(select, "poll"):  # Windows has no poll(); select() takes sockets there
        return bool(select.select([fd], [], [], 0)[0])
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


class _Stream(httpcore.AsyncNetworkStream):
    """One TCP (or TLS) connection as asyncio streams."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader, self._writer = reader, writer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            async with asyncio.timeout(timeout):
                return await self._reader.read(max_bytes)
        except TimeoutError as exc:
            raise httpcore.ReadTimeout("timed out reading from the site") from exc
        except OSError as exc:
            raise httpcore.ReadError(str(exc)) from exc

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        try:
            self._writer.write(buffer)
            async with asyncio.timeout(timeout):
                await self._writer.drain()
        except TimeoutError as exc:
            raise httpcore.WriteTimeout("timed out writing to the site") from exc
        except OSError as exc:
            raise httpcore.WriteError(str(exc)) from exc

    async def aclose(self) -> None:
        self._writer.close()
        try:
            await self._writer.wait_closed()
        except (OSError, ssl.SSLError):
            pass

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                await self._writer.start_tls(ssl_context, server_hostname=server_hostname)
        except TimeoutError as exc:
            await self.aclose()
            raise httpcore.ConnectTimeout("timed out in the TLS handshake") from exc
        except (OSError, ssl.SSLError) as exc:
            await self.aclose()
            raise httpcore.ConnectError(str(exc)) from exc
        return self

    def get_extra_info(self, info: str) -> Any:
        transport = self._writer.transport
        if info == "ssl_object":
            return transport.get_extra_info("ssl_object")
        if info == "client_addr":
            return transport.get_extra_info("sockname")
        if info == "server_addr":
            return transport.get_extra_info("peername")
        if info == "socket":
            return transport.get_extra_info("socket")
        if info == "is_readable":
            # The pool asks before reusing an idle connection. asyncio reads the socket as data
            # comes, so a server's close shows as end of stream (or an error) on the reader.
            if transport.is_closing() or self._reader.at_eof() or self._reader.exception() is not None:
                return True
            return _readable(transport.get_extra_info("socket"))
        return None


class _Backend(httpcore.AsyncNetworkBackend):
    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(
                    host, port, local_addr=(local_address, 0) if local_address else None)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout("timed out connecting to the site") from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        sock = writer.transport.get_extra_info("socket")
        for option in socket_options or ():
            sock.setsockopt(*option)
        return _Stream(reader, writer)

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not used for sites")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


@dataclass
class RawReply:
    """What a site answered: status, headers (lower-case names, every value), the decoded body."""

    status: int
    headers: dict[str, list[str]]
    content: bytes

    def header(self, name: str) -> str | None:
        values = self.headers.get(name)
        return values[0] if values else None

    @property
    def text(self) -> str:
        """The body as text: the charset the reply names, else UTF-8, as httpx decodes it."""
        charset = "utf-8"
        for param in (self.header("content-type") or "").split(";")[1:]:
            key, _, value = param.strip().partition("=")
            if key.lower() == "charset" and value.strip(' "'):
                charset = value.strip(' "')
        try:
            return self.content.decode(charset, errors="replace")
        except LookupError:
            return self.content.decode("utf-8", errors="replace")


def _decode(content: bytes, encoding: str | None) -> bytes:
    """Undo the ``Content-Encoding`` we asked for (gzip, deflate)."""
    encoding = (encoding or "").strip().lower()
    if encoding in ("", "identity"):
        return content
    try:
        if encoding in ("gzip", "x-gzip"):
            return zlib.decompress(content, zlib.MAX_WBITS | 16)
        if encoding == "deflate":
            try:
                return zlib.decompress(content)
            except zlib.error:
                return zlib.decompress(content, -zlib.MAX_WBITS)  # raw deflate, as some servers send
    except zlib.error as exc:
        raise DecodingError(f"the {encoding} body could not be decoded") from exc
    raise DecodingError(f"the site answered in an encoding we did not ask for ({encoding})")


def _core_pool(ssl_context: Callable[[], ssl.SSLContext], scheme: str, max_connections: int,
               proxy: str | None) -> httpcore.AsyncConnectionPool:
    common: dict[str, Any] = {"max_connections": max_connections, "max_keepalive_connections": max_connections,
                              "keepalive_expiry": KEEPALIVE_S, "network_backend": _Backend()}
    if scheme == "https":
        common["ssl_context"] = ssl_context()
    if not proxy:
        return httpcore.AsyncConnectionPool(**common)
    # Read the proxy address as httpx does (user:password@ becomes Basic auth).
    import httpx

    try:
        spec = httpx.Proxy(proxy)
    except ValueError:
        raise httpcore.ProxyError("its address is not an http, https or socks5 proxy address") from None
    url = httpcore.URL(scheme=spec.url.raw_scheme, host=spec.url.raw_host, port=spec.url.port,
                       target=spec.url.raw_path)
    if spec.url.scheme in ("http", "https"):
        return httpcore.AsyncHTTPProxy(proxy_url=url, proxy_headers=spec.headers.raw,
                                       proxy_ssl_context=spec.ssl_context, **common)
    if spec.url.scheme in ("socks5", "socks5h"):
        if importlib.util.find_spec("socksio") is None:  # httpcore's SOCKS support needs it
            raise httpcore.ProxyError("a SOCKS proxy needs the socksio package: pip install socksio")
        return httpcore.AsyncSOCKSProxy(proxy_url=url, proxy_auth=spec.raw_auth, **common)
    raise httpcore.ProxyError("its address is not an http, https or socks5 proxy address")


KEEPALIVE_S = 5.0  # httpx's default keep-alive expiry


class OriginPool:
    """Kept-alive connections to one origin (directly or through the proxy the environment
    names). ``await pool.send(method, target, headers, body, timeout)`` gives a ``RawReply``;
    errors are httpcore's (``TRANSPORT_ERRORS``)."""

    def __init__(self, origin: str, ssl_context: Callable[[], ssl.SSLContext], max_connections: int,
                 proxy: str | None = None) -> None:
        # ``origin`` is already normalised (``origin_key``): scheme://host[:port], the host
        # lower-case IDNA ASCII (an IPv6 address in brackets), no default port.
        parts = urlsplit(origin)
        self._scheme = parts.scheme.encode("ascii")
        self._host = (parts.hostname or "").encode("ascii")
        self._port = parts.port  # None: the scheme's default (and a proxy is asked without it)
        self._host_header = (b"Host", parts.netloc.encode("ascii"))
        self._pool = _core_pool(ssl_context, parts.scheme, max_connections, proxy)

    async def send(self, method: str, target: str, headers: dict[str, str], body: bytes | None,
                   timeout: dict[str, float | None]) -> RawReply:
        raw_headers = [self._host_header]
        raw_headers.extend((name.encode(), value.encode()) for name, value in headers.items())
        if body is not None:
            raw_headers.append((b"Content-Length", b"%d" % len(body)))
        request = httpcore.Request(
            method=method.encode(), url=httpcore.URL(scheme=self._scheme, host=self._host, port=self._port,
                                                     target=target.encode()),
            headers=raw_headers, content=body, extensions={"timeout": timeout})
        reply = await self._pool.handle_async_request(request)
        try:
            content = await reply.aread()
        finally:
            await reply.aclose()
        found: dict[str, list[str]] = {}
        for name, value in reply.headers:
            found.setdefault(name.decode("latin-1").lower(), []).append(value.decode("latin-1"))
        encoding = found.get("content-encoding")
        return RawReply(reply.status, found, _decode(content, encoding[0]) if encoding else content)

    async def aclose(self) -> None:
        await self._pool.aclose()
