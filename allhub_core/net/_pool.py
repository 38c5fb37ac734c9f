"""httpx's connection pool (httpcore) on plain asyncio sockets, for the sites' requests.

Why: a refresh of 1,000 accounts is bound by the client's CPU per request, and most of it
was spent in the layers around the HTTP/1.1 code, not in it: httpx's client (header and
URL merging, a cookie jar we do not use, auth and redirect machinery we do ourselves) and
the AnyIO socket layer (a cancel scope per read and write, an async-library lookup per
lock). The HTTP engine stays httpx's own (httpcore's pool and h11), requests and replies
stay ``httpx.Request`` / ``httpx.Response``, and errors come out as httpx's exceptions;
only the socket layer is asyncio's streams with ``asyncio.timeout``
(bench/bench_refresh.py prints the client CPU per request).

A proxied origin uses ``httpx.AsyncHTTPTransport(proxy=...)`` instead (see ``_transport``).
"""

from __future__ import annotations

import asyncio
import select
import ssl
from typing import Any, Iterable

import httpcore
import httpx

# The httpcore errors a request can raise; each has an httpx twin of the same name.
_CORE_ERRORS = (httpcore.TimeoutException, httpcore.NetworkError, httpcore.ProtocolError,
                httpcore.ProxyError, httpcore.UnsupportedProtocol)


def _as_httpx(exc: Exception) -> httpx.TransportError:
    """The httpx exception httpx's own transport would raise for an httpcore one."""
    cls = getattr(httpx, type(exc).__name__, None)
    if not (isinstance(cls, type) and issubclass(cls, httpx.TransportError)):
        cls = httpx.TransportError
    return cls(str(exc))


def _readable(sock: Any) -> bool:
    """True when an idle socket has something to read (the server closed it, usually)."""
    fd = sock.fileno() if sock is not None else -1
    if fd < 0:
        return True
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


class DirectPool:
    """Keep-alive connections to one origin: ``await pool.handle_async_request(httpx.Request)``
    gives an ``httpx.Response`` with its body read, as ``httpx.AsyncHTTPTransport`` would."""

    def __init__(self, ssl_context: ssl.SSLContext | None, max_connections: int, keepalive_expiry: float = 5.0) -> None:
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context, max_connections=max_connections,
            max_keepalive_connections=max_connections, keepalive_expiry=keepalive_expiry,
            network_backend=_Backend())

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path),
            headers=request.headers.raw, content=request.stream, extensions=request.extensions)
        try:
            reply = await self._pool.handle_async_request(core_request)
            try:
                content = await reply.aread()
            finally:
                await reply.aclose()
        except _CORE_ERRORS as exc:
            raise _as_httpx(exc) from exc
        return httpx.Response(reply.status, headers=reply.headers, content=content, extensions=reply.extensions)

    async def aclose(self) -> None:
        await self._pool.aclose()
