"""Whether to ask an account's subscription plans: once per site and day, not once per account.

Most sites sell no plans, so asking every account's ``/api/subscription/self`` on every refresh
was one wasted request per account (issue 18). The store knows, per site, whether it has plans
(probed within a day); the caller hands that over as ``SiteCredentials.ask_plans``:

- ``True``: the site has plans: each account asks its own (and a 404 there says they are gone);
- ``False``: the site has none: nobody asks;
- ``None``: not known (never probed, or probed more than a day ago): in one batch the first
  account of the site asks; the others wait for its verdict and ask their own only if the site
  has plans. When the probe cannot tell (a 500, a refused token), each asks its own.

A family that may ask plans sets ``asks_plans`` and takes ``plans=`` (a ``PlansGate``) in its
``refresh``; it reports what it learnt in ``RefreshResult.has_plans``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from allhub_core.net import SharedWork, current_clock

__all__ = ["PlansGate", "PlansProbes", "Probe"]

#: asks the site: (has plans: True/False/None = could not tell, what the account has left)
Probe = Callable[[], Awaitable[tuple[bool | None, int | None]]]


class PlansGate:
    """One account's way to its plans (see the module doc)."""

    def __init__(self, ask: bool | None, probes: PlansProbes | None = None, origin: str = "") -> None:
        self.ask = ask
        self._probes = probes
        self._origin = origin

    async def run(self, probe: Probe) -> tuple[bool | None, int | None]:
        """``(has plans as learnt now, quota left)``; ``(None, None)`` when not asked."""
        if self.ask is False:
            return None, None
        if self.ask is True or self._probes is None:
            return await probe()
        first, task, work = self._probes.shared(self._origin, probe)
        try:
            with work.awaited_by(current_clock()):
                found = await asyncio.shield(task)
        except asyncio.CancelledError:
            raise
        except Exception:
            if first:
                raise  # the first account's own failure, as if it had asked alone
            found = (None, None)  # the probe could not tell: ask our own
        if first:
            return found
        if found[0] is False:
            return None, None  # the site has none (the first account reports it)
        return await probe()


class PlansProbes:
    """A batch's probes: at most one per origin whose plans are not known. The probe runs as a
    task of its own (its requests count on the deadline of every account awaiting it, as the
    batch's ``/api/status`` does), so the first account failing does not leave the others waiting."""

    def __init__(self) -> None:
        self._tasks: dict[str, tuple[asyncio.Task[tuple[bool | None, int | None]], SharedWork]] = {}

    def gate(self, origin: str, ask: bool | None) -> PlansGate:
        return PlansGate(ask) if ask is not None else PlansGate(None, self, origin)

    def shared(self, origin: str, probe: Probe) -> tuple[bool, asyncio.Task[tuple[bool | None, int | None]],
                                                        SharedWork]:
        """(whether this caller started it, the probe's task, its shared work)."""
        entry = self._tasks.get(origin)
        if entry is not None:
            return False, *entry
        async def asked() -> tuple[bool | None, int | None]:
            return await probe()

        work = SharedWork()
        task = asyncio.get_running_loop().create_task(asked(), context=work.context())
        self._tasks[origin] = (task, work)
        return True, task, work

    def close(self) -> None:
        """Cancel probes nobody waits for any more."""
        for task, _ in self._tasks.values():
            task.cancel()
