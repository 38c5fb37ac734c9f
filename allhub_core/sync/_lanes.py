"""How a run reaches many accounts' sites: network work with no database lock held, and one lane
per site (accounts on different sites at the same time, one site's accounts one after another,
every request under the run's politeness). ``sync.keys`` and ``sync.prices`` share it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, Protocol, TypeVar

from allhub_core.origin import origin_key
from allhub_core.sites import SiteCredentials
from allhub_core.store import Store

__all__ = ["network", "per_site"]

T = TypeVar("T")


class _OnSite(Protocol):
    @property
    def creds(self) -> SiteCredentials: ...


A = TypeVar("A", bound=_OnSite)


def network(store: Store, work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run ``work`` (site calls) with the store's lock let go meanwhile."""
    with store.released():
        return asyncio.run(work())


async def per_site(accounts: Sequence[A], fn: Callable[[A], Awaitable[T]]) -> list[T]:
    """``fn`` for every account, results in the accounts' order: sites at the same time, one
    site's accounts one after another."""
    lanes: dict[str, list[int]] = {}
    for i, a in enumerate(accounts):
        lanes.setdefault(origin_key(a.creds.site_url) or a.creds.site_url, []).append(i)
    out: dict[int, T] = {}

    async def lane(indexes: list[int]) -> None:
        for i in indexes:
            out[i] = await fn(accounts[i])

    await asyncio.gather(*(lane(ix) for ix in lanes.values()))
    return [out[i] for i in range(len(accounts))]
