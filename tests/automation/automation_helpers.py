"""What the automation tests share: a controllable check-in, accounts, a clock on today's date."""

from __future__ import annotations

from datetime import date, datetime, time

from allhub_core.accounts import AccountInput, add_account
from allhub_core.accounts.status import record_checkins
from allhub_core.sites import CheckInOutcome as SiteCheckIn
from allhub_core.sync import CheckInReport


def today_at(hhmm: str, day: date | None = None) -> datetime:
    """A local aware time on today's date (the check-in log's day is the database's date)."""
    return datetime.combine(day or date.today(), time.fromisoformat(hhmm)).astimezone()


def add_accounts(store, n: int = 3) -> list[int]:
    return [add_account(store, AccountInput(site_url=f"https://site{i}.example", site_name=f"Site {i}",
                                            site_type="new-api", user_id=str(i), access_token=f"tok-{i}-xxxxxxxx"))
            for i in range(n)]


class FakeCheckin:
    """Stands in for ``sync.checkin``: records every call and writes the check-in log like it.

    ``outcomes[account_id]`` is a list of results handed out in order (the last one repeats);
    default "success"."""

    def __init__(self, outcomes: dict[int, list[str]] | None = None):
        self.outcomes = outcomes or {}
        self.calls: list[list[int]] = []

    def __call__(self, store, ids=None, *, politeness=None, on_result=None, on_written=None, cancel=None):
        ids = [int(i) for i in ids or []]
        self.calls.append(ids)
        results = []
        for aid in ids:
            seq = self.outcomes.get(aid, ["success"])
            result = seq.pop(0) if len(seq) > 1 else seq[0]
            r = SiteCheckIn(str(aid), result, f"{result} for {aid}", "healthy", "")
            results.append(r)
            if on_result:
                on_result(r)
        record_checkins(store, [{"account_id": r.account_id, "result": r.result, "message": r.message,
                                 "checkin_url": None, "rotated": {}, "health_checked": False,
                                 "health_status": "healthy", "health_reason": ""} for r in results])
        if on_written:
            on_written(results)
        return CheckInReport(results, {str(a): f"Site {a}" for a in ids})

    def checked(self) -> list[int]:
        return [a for call in self.calls for a in call]
