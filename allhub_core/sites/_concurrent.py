"""Run calls together: an account's independent calls (``together``, failing like the calls done
in turn would) and one call per account of a batch (``each``, results handed on as they come)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")
log = logging.getLogger(__name__)


def notify(callback: Callable[[Any], None] | None, result: Any) -> None:
    """Hand one result to the caller's callback; a failing callback (a progress bar) is logged,
    never breaks the batch."""
    if callback is None:
        return
    try:
        callback(result)
    except Exception:  # a progress bar must not break the batch
        log.exception("on_result callback failed")


async def each(items: Iterable[T], run: Callable[[T], Awaitable[R]],
               on_result: Callable[[R], None] | None = None) -> list[R]:
    """``run`` every item concurrently (the transport's politeness paces them); each result goes
    to ``on_result`` as it comes; the results in input order. ``run`` never raises for one item."""
    async def one(item: T) -> R:
        result = await run(item)
        notify(on_result, result)
        return result

    return list(await asyncio.gather(*(one(i) for i in items)))


async def together(*calls: Awaitable[Any]) -> list[Any]:
    """Await ``calls`` concurrently and return their results in order.

    The first exception propagates as itself (not an ``ExceptionGroup``, so the callers' error
    handling stays the same) and the other calls are cancelled: nothing of a failed account keeps
    a slot of the site. Tasks copy the current context, so the account's deadline clock follows.
    """
    tasks = [asyncio.ensure_future(c) for c in calls]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
