"""One WebDAV request with one deadline and a bounded body (used by ``webdav.WebdavClient``).

A request's deadline covers everything: connecting, the headers, each redirect followed and
the whole body. It is an ``asyncio.timeout`` around the exchange on the client's own event
loop, so a server that sends its headers and then one byte every few seconds (or drips its
headers) is cut off when the deadline passes, not when a read stalls. The body is streamed
and counted as it arrives: a ``Content-Length`` above the limit is refused before anything
is read, and a body that grows past it is dropped at ``limit + 1`` bytes, so a 300 MB answer
never sits in memory. ``until`` (a ``time.monotonic()`` value) ends every request of the
client by then, whatever each one's own deadline (a scheduled job's time limit).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    import httpx

__all__ = ["DavAnswer", "DavSession", "DeadlinePassed", "TooLarge", "Unreachable", "size_text"]

_MIB = 1024 * 1024


def size_text(n: int) -> str:
    """``32 MB`` for whole mebibytes, else ``1,234 bytes``."""
    return f"{n // _MIB} MB" if n >= _MIB and n % _MIB == 0 else f"{n:,} bytes"


@dataclass
class DavAnswer:
    """What a request got back: the status, headers and the whole (bounded) body."""

    status_code: int
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes = b""

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")


class DeadlinePassed(Exception):
    """The request did not finish by its deadline; ``by_until`` when the client's ``until`` ended it."""

    def __init__(self, by_until: bool) -> None:
        super().__init__("deadline")
        self.by_until = by_until


class TooLarge(Exception):
    """The answer's body is over the limit (announced or counted)."""


class Unreachable(Exception):
    """The server could not be reached or the connection broke (``kind``: the httpx error's name)."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class DavSession:
    """An ``httpx.AsyncClient`` on a private event loop; ``send`` is synchronous for the caller."""

    def __init__(self, deadline_s: float, *, until: float | None = None) -> None:
        import httpx  # noqa: PLC0415 - httpx (~0.1 s) loads when WebDAV is used, not with every command

        self.deadline_s = float(deadline_s)
        self.until = until
        self._loop = asyncio.new_event_loop()
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(self.deadline_s), follow_redirects=False,
                                         trust_env=False)

    def close(self) -> None:
        if self._loop.is_closed():
            return
        try:
            self._loop.run_until_complete(self._client.aclose())
            self._loop.run_until_complete(self._loop.shutdown_asyncgens())
        finally:
            self._loop.close()

    def send(self, method: str, url: str, *, auth: Any, headers: dict[str, str] | None,
             content: bytes | None, limit: int | None) -> DavAnswer:
        """One exchange within the deadline; raises ``DeadlinePassed``, ``TooLarge`` or ``Unreachable``."""
        ends = time.monotonic() + self.deadline_s
        by_until = self.until is not None and self.until <= ends
        if by_until:
            ends = self.until  # type: ignore[assignment]
        if ends <= time.monotonic():
            raise DeadlinePassed(by_until)
        try:
            return self._loop.run_until_complete(self._exchange(method, url, auth, headers, content, limit, ends))
        except TimeoutError:
            raise DeadlinePassed(by_until) from None

    async def _exchange(self, method: str, url: str, auth: Any, headers: dict[str, str] | None,
                        content: bytes | None, limit: int | None, ends: float) -> DavAnswer:
        import httpx  # noqa: PLC0415 - as in __init__

        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout_at(loop.time() + (ends - time.monotonic())):
                request = self._client.build_request(method, url, headers=headers, content=content)
                res = await self._client.send(request, auth=auth, stream=True)
                try:
                    return DavAnswer(res.status_code, dict(res.headers), await _body(res, limit))
                finally:
                    await res.aclose()
        except httpx.TimeoutException:
            raise TimeoutError from None
        except httpx.HTTPError as exc:
            raise Unreachable(type(exc).__name__) from exc


async def _body(res: httpx.Response, limit: int | None) -> bytes:
    if limit is not None:
        announced = res.headers.get("content-length", "").strip()
        if announced.isdigit() and int(announced) > limit:
            raise TooLarge()
    chunks: list[bytes] = []
    size = 0
    # closed at once when we stop early (not left to the garbage collector on a closed loop)
    async with aclosing(cast("AsyncGenerator[bytes, None]", res.aiter_bytes())) as stream:
        async for chunk in stream:
            size += len(chunk)
            if limit is not None and size > limit:
                raise TooLarge()
            chunks.append(chunk)
    return b"".join(chunks)
