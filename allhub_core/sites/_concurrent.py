"""Run an account's independent calls together, failing like the calls done in turn would."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any


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
