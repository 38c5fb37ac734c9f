"""Usage sync: each account's new usage-log rows from its site into the store, incrementally.

Per account, the window comes from its cursor (``history.next_window``: from the last stored
row, or the retention period on the first run, up to now or to the backlog a cut-short run
left). The logs are read with no database lock held, through the same polite transport as a
refresh (``sites.fetch_usage_logs``: per-site limits, log spacing, the per-account deadline),
at most the saved page and row limits per account. Each account's rows, its new cursor, its
outcome and any rotated token are written as the accounts finish (``_progressive``: a batch
about once a second, each in one transaction). A failing page keeps the
pages read before it and everything stored before; a family without usage logs is recorded as
``unsupported``.

The usage sync is background work: its batch runs with ``Politeness.background`` (unless the
caller says ``background=False``), so on a site where a refresh, a check-in or a person's action
is busy, in this process or another on the same store, it waits, and it leaves a fifth of the
site's shared window to them (``net._shared_window``).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from allhub_core.accounts import get_preferences, parse_id, set_secrets
from allhub_core.errors import NotFound, ValidationError
from allhub_core.history import next_window, record_usage_run, usage_due, usage_states
from allhub_core.sites import Politeness, UsageLogResult, UsageQuery, fetch_usage_logs
from allhub_core.store import Store
from allhub_core.sync._progressive import run_storing
from allhub_core.sync.credentials import account_names, politeness_for

__all__ = ["UsageSyncReport", "sync_usage"]

#: the longest a usage sync leaves its finished accounts' rows unwritten (see ``sync_usage``)
_MAX_WAIT_S = 3.0


@dataclass
class UsageSyncReport:
    """What a usage sync did; ``summary()`` and ``rows()`` are what the CLI and the pages show."""

    results: list[UsageLogResult]
    added: dict[str, int] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    skipped: list[int] = field(default_factory=list)

    @property
    def failed(self) -> list[UsageLogResult]:
        return [r for r in self.results if r.status == "failed"]

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    def summary(self) -> str:
        rows = sum(self.added.values())
        text = (f"Usage sync: {len(self.results)} account(s), {rows} new row(s); {self.count('ok')} complete, "
                f"{self.count('partial')} partial, {self.count('unsupported')} unsupported, "
                f"{len(self.failed)} failed")
        return text + (f", {len(self.skipped)} not due." if self.skipped else ".")

    def rows(self) -> list[dict[str, Any]]:
        """One row per account: id, name, status, rows_added, message."""
        return [{"id": r.account_id, "name": self.names.get(r.account_id, ""), "status": r.status,
                 "rows_added": self.added.get(r.account_id, 0), "message": r.message} for r in self.results]

    def exit_code(self) -> int:
        return 1 if self.failed else 0


def _row_dict(row: Any) -> dict[str, Any]:
    return asdict(row)


def sync_usage(store: Store, ids: list[Any] | None = None, *, politeness: Politeness | None = None,
               on_result: Callable[[UsageLogResult], None] | None = None, due_only: bool = False,
               now: float | None = None, background: bool = True) -> UsageSyncReport:
    """Sync the usage logs of the given (or all enabled) accounts; ``due_only`` keeps only those
    whose last sync is older than the saved interval (what runs after a refresh). ``background``:
    yield each site to the foreground work on it (see the module)."""
    aids = [parse_id(i) for i in ids] if ids is not None else None
    prefs = get_preferences(store)
    politeness = dataclasses.replace(politeness or politeness_for(store), background=background)
    creds, names = account_names(store, aids, only_enabled=aids is None)
    skipped: list[int] = []
    if due_only:
        due = set(usage_due(store, [int(c.account_id) for c in creds], prefs["usage_sync_interval_s"]))
        skipped = [int(c.account_id) for c in creds if int(c.account_id) not in due]
        creds = [c for c in creds if int(c.account_id) in due]
    if not creds:
        return UsageSyncReport([], names=names, skipped=skipped)
    states = usage_states(store, [int(c.account_id) for c in creds])
    now = now if now is not None else time.time()
    retention = int(prefs["usage_retention_days"])
    queries = []
    for c in creds:
        start, end = next_window(states.get(int(c.account_id)), now=now, retention_days=retention)
        queries.append(UsageQuery(c, start, end, page_limit=int(prefs["usage_sync_page_limit"]),
                                  row_limit=int(prefs["usage_sync_row_limit"])))
    added: dict[str, int] = {}

    def write(batch: list[UsageLogResult]) -> None:
        """A batch of accounts' rows, cursors, outcomes and rotated tokens, in one transaction."""
        with store.write() as con:
            for r in batch:
                aid = int(r.account_id)
                for key in ("access_token", "refresh_token"):
                    if r.rotated.get(key):  # Sub2API rotates its tokens on use
                        try:
                            set_secrets(store, aid, con=con, **{key: r.rotated[key]})
                        except (NotFound, ValidationError):
                            pass  # deleted meanwhile, or a token we would refuse anyway
                added[r.account_id] = record_usage_run(
                    con, aid, [_row_dict(x) for x in r.rows], window=r.window, complete=r.complete,
                    status=r.status, message=r.message, retention_days=retention)

    # Written as they come (``_progressive``: about once a second, beside the network), so the
    # run ends with its last accounts' rows to write, not everyone's: at least every few seconds,
    # however long a write takes (the window paces the requests, so the writes cost the network
    # nothing, and each account's rows are the costliest results to leave to the end).
    results, _complete = run_storing(lambda collect: fetch_usage_logs(queries, politeness, on_result=collect),
                                     write, on_result=on_result, away=store.released(), max_wait_s=_MAX_WAIT_S)
    return UsageSyncReport(results, added, names, skipped)
