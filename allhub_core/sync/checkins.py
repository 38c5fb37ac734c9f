"""Check-in: today's free quota from every site that offers it, logged in one transaction."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from allhub_core.accounts import parse_id
from allhub_core.accounts.status import record_checkins
from allhub_core.sites import CheckInResult as SiteCheckIn
from allhub_core.sites import Politeness, checkin_accounts
from allhub_core.store import Store
from allhub_core.sync.credentials import account_names, politeness_for
from allhub_core.vocab import CheckInResult

__all__ = ["CheckInReport", "checkin"]


@dataclass
class CheckInReport:
    """What a check-in run did; iterates over its per-account results like a list."""

    results: list[SiteCheckIn]
    names: dict[str, str] = field(default_factory=dict)

    def __iter__(self) -> Iterator[SiteCheckIn]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def __getitem__(self, i: int) -> SiteCheckIn:
        return self.results[i]

    def counts(self) -> dict[CheckInResult, int]:
        out = {k: 0 for k in CheckInResult}
        for r in self.results:
            out[CheckInResult(r.result)] += 1
        return {k: v for k, v in out.items() if v}

    @property
    def needs_attention(self) -> bool:
        """Some account failed or needs the user's browser."""
        return any(not CheckInResult(r.result).ok for r in self.results)

    def summary(self) -> str:
        if not self.results:
            return "No accounts to check in."
        text = ", ".join(f"{n} {k.value.replace('_', ' ')}" for k, n in self.counts().items())
        return f"Check-in finished: {text}."

    def rows(self) -> list[dict[str, Any]]:
        """One row per account: id, ok, result, message, health (and the link when a browser is needed)."""
        return [{"id": r.account_id, "ok": CheckInResult(r.result).ok, "result": r.result, "message": r.message,
                 "health_status": r.health_status, "health_reason": r.health_reason,
                 **({"checkin_url": r.checkin_url} if r.checkin_url else {})} for r in self.results]

    @property
    def exit_code(self) -> int:
        return 1 if self.needs_attention else 0


def checkin(store: Store, ids: list[Any] | None = None, *, politeness: Politeness | None = None,
            on_result: Callable[[SiteCheckIn], None] | None = None) -> CheckInReport:
    """Check in the given (or all enabled, check-in capable) accounts; results written in one go."""
    aids = [parse_id(i) for i in ids] if ids is not None else None
    politeness = politeness or politeness_for(store)
    creds, names = account_names(store, aids, only_enabled=aids is None, checkin=aids is None)
    if not creds:
        return CheckInReport([], names)
    with store.released():
        results = asyncio.run(checkin_accounts(creds, politeness, on_result=on_result))
    record_checkins(store, [{"account_id": r.account_id, "result": r.result, "message": r.message,
                             "checkin_url": r.checkin_url, "rotated": r.rotated, "health_checked": r.health_checked,
                             "health_status": r.health_status, "health_reason": r.health_reason} for r in results])
    return CheckInReport(results, names)
