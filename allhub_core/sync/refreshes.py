"""Refresh: balances and today's figures from the sites, written as they come.

HTTP results are gathered concurrently with no database lock held (``store.released()`` lets
go of a page run's lock while the network works); what has finished is written about every
second through the store's single write path (``_progressive``), each batch's figures and
balance snapshots in one transaction, so a run stopped half way keeps what it fetched. One
account's failure is its own result; nothing already stored is lost.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from allhub_core.accounts import get_preferences, parse_id, plans_known, record_site_plans
from allhub_core.accounts.status import recently_synced, stalest_first, write_refresh_rows
from allhub_core.history import record_snapshots
from allhub_core.origin import origin_key
from allhub_core.sites import Politeness, RefreshResult, Seen, SiteCredentials, refresh_accounts
from allhub_core.store import Store
from allhub_core.sync._progressive import run_storing
from allhub_core.sync.credentials import account_names, politeness_for
from allhub_core.vocab import Availability, CheckInState

__all__ = ["RefreshReport", "refresh", "write_refresh_results"]

_MEASURES = ("consumption", "income", "tokens", "requests")
SKIPPED_REASON = "Refresh interval not reached, skipped"


@dataclass
class RefreshReport:
    """What a refresh did; ``summary()`` and ``rows()`` are what the CLI and the pages show."""

    results: list[RefreshResult]
    skipped: list[int]
    names: dict[str, str] = field(default_factory=dict)
    usage: Any = None  # the UsageSyncReport of a refresh-all that found usage logs due
    notices: Any = None  # the NoticeSyncReport of a refresh-all: the sites whose announcements were due
    interrupted: bool = False  # stopped by ``cancel``: ``results`` are the accounts that finished

    @property
    def failed(self) -> list[RefreshResult]:
        return [r for r in self.results if not r.ok]

    def summary(self, details: int = 0) -> str:
        """One sentence of counts; with ``details`` > 0, the first failures by name and why."""
        ok = len(self.results) - len(self.failed)
        text = f"Refresh complete: {ok} succeeded, {len(self.failed)} failed"
        text += f", {len(self.skipped)} skipped (synced recently)." if self.skipped else "."
        if details and self.failed:
            shown = "; ".join(f"{self.names.get(r.account_id, r.account_id)}: {r.health_reason}"
                              for r in self.failed[:details])
            text += f" {shown}" + (" …" if len(self.failed) > details else "")
            if not text.endswith((".", "…", "!", "?", "。", "！", "？")):
                text += "."  # a site's reason may end bare; the next sentence must not run on
        if self.usage is not None and (self.usage.results or []):
            text += f" {self.usage.summary()}"
        return text

    def rows(self) -> list[dict[str, Any]]:
        """One row per account: id, ok, health_status, health_reason (and skipped)."""
        rows: list[dict[str, Any]] = [{"id": r.account_id, "ok": r.ok, "health_status": r.health_status,
                                       "health_reason": r.health_reason} for r in self.results]
        rows += [{"id": str(i), "ok": True, "skipped": True, "health_status": None,
                  "health_reason": SKIPPED_REASON} for i in self.skipped]
        return rows

    def exit_code(self) -> int:
        return 1 if self.failed else 0


def refresh(store: Store, ids: list[Any] | None = None, *, force: bool = False, politeness: Politeness | None = None,
            on_result: Callable[[RefreshResult], None] | None = None,
            on_written: Callable[[list[RefreshResult]], None] | None = None,
            sync_usage_when_due: bool = True, cancel: threading.Event | None = None,
            first: Sequence[Any] | None = None, stalest_first: bool = False,
            seen: Mapping[int, Seen | None] | None = None) -> RefreshReport:
    """Refresh the given (or all enabled) accounts, each account's results written as they come.

    A refresh of all accounts then syncs the usage logs of those whose last sync is older than
    the usage interval (``sync_usage_when_due``); ``report.usage`` says what that did.
    ``on_result`` hears of each account as it finishes, ``on_written`` of each batch once it is
    stored. ``cancel`` (set from another thread) stops the run within a second: the report holds the
    accounts that finished (all written) and says ``interrupted``.

    Order: with ``stalest_first`` the accounts go oldest refresh first (what runs by itself, so a
    run cut short leaves the freshest behind); the accounts in ``first`` (those a person has on
    screen) go before all others, in their order.

    ``seen``: ``{account id: what adding it has just read}`` (``onboard``): that account's
    refresh asks only what recognition did not (``sites.Seen``).

    The whole run holds one opening of the file (``store.session()``; let go while the sites are
    asked): its reads, the last write and, on a refresh of everything, the announcements and the
    usage sync after it would otherwise each open and close the file (~40 ms each), a gap in which
    the site's window stands unused.
    """
    with store.session():
        return _refresh(store, ids, force=force, politeness=politeness, on_result=on_result,
                        on_written=on_written, sync_usage_when_due=sync_usage_when_due, cancel=cancel,
                        first=first, stalest_first=stalest_first, seen=seen)


def _refresh(store: Store, ids: list[Any] | None, *, force: bool, politeness: Politeness | None,
             on_result: Callable[[RefreshResult], None] | None,
             on_written: Callable[[list[RefreshResult]], None] | None, sync_usage_when_due: bool,
             cancel: threading.Event | None, first: Sequence[Any] | None, stalest_first: bool,
             seen: Mapping[int, Seen | None] | None) -> RefreshReport:
    aids = [parse_id(i) for i in ids] if ids is not None else None
    politeness = politeness or politeness_for(store)
    creds, names = account_names(store, aids, only_enabled=aids is None)
    skipped: list[int] = []
    prefs = get_preferences(store)
    if not force:
        guard = prefs["refresh_min_interval_s"]
        recent = recently_synced(store, [int(c.account_id) for c in creds], guard)
        skipped = [int(c.account_id) for c in creds if int(c.account_id) in recent]
        creds = [c for c in creds if int(c.account_id) not in recent]
    if not creds:
        return RefreshReport([], skipped, names)
    creds = _ordered(store, creds, first, stalest_first)
    retention = prefs["history_retention_days"]  # read once, not for each batch
    creds, origins = _with_site_facts(store, creds)
    if seen:
        creds = [dataclasses.replace(c, seen=seen.get(int(c.account_id))) for c in creds]

    def write(batch: list[RefreshResult]) -> None:
        write_refresh_results(store, batch, retention_days=retention)
        learnt = {origins[r.account_id]: r.has_plans for r in batch
                  if r.has_plans is not None and origins.get(r.account_id)}
        if learnt:
            record_site_plans(store, learnt)

    results, complete = run_storing(lambda collect: refresh_accounts(creds, politeness, on_result=collect),
                                    write, on_result=on_result, on_written=on_written, cancel=cancel,
                                    away=store.released())
    report = RefreshReport(results, skipped, names, interrupted=not complete)
    if aids is None and sync_usage_when_due and complete and not (cancel is not None and cancel.is_set()):
        # A refresh of everything also brings in the usage logs that are due (hourly by default);
        # a single account's refresh stays a handful of requests.

        ok_ids = [r.account_id for r in results if r.ok]
        if ok_ids:
            # imported here: a refresh of chosen accounts (``allhub refresh ID``, adding an account)
            # runs neither, so it does not load them either
            from allhub_core.sync.notices import sync_notices  # noqa: PLC0415
            from allhub_core.sync.usage import sync_usage  # noqa: PLC0415

            # The sites' announcements not asked within the hour (sync/notices.py) go first: a site's
            # one or two requests are foreground work, asked while the window frees up after the
            # refresh, instead of a tail after the usage sync (background work, which yields to them).
            report.notices = sync_notices(store, ok_ids, politeness=politeness, due_only=True)
            report.usage = sync_usage(store, ok_ids, politeness=politeness, due_only=True)
    return report


def _ordered(store: Store, creds: list[SiteCredentials], first: Sequence[Any] | None,
             stalest: bool) -> list[SiteCredentials]:
    rank: dict[int, int] = {}
    if stalest:
        rank = {aid: n for n, aid in enumerate(stalest_first(store, [int(c.account_id) for c in creds]))}
    if first:
        ahead = [parse_id(i) for i in first]
        rank.update({aid: n - len(ahead) for n, aid in enumerate(ahead)})  # before every other
    if not rank:
        return creds
    return sorted(creds, key=lambda c: rank.get(int(c.account_id), len(creds)))


def _with_site_facts(store: Store, creds: list[SiteCredentials]) -> tuple[list[SiteCredentials], dict[str, str]]:
    """The credentials told what the store knows of their sites (whether each sells plans,
    probed within a day: ``accounts.plans_known``), and ``{account id: origin}``."""
    known = plans_known(store)
    origins = {c.account_id: origin_key(c.site_url) or c.site_url for c in creds}
    return [dataclasses.replace(c, ask_plans=known.get(origins[c.account_id])) for c in creds], origins


def write_refresh_results(store: Store, results: list[RefreshResult], *,
                          retention_days: int | Literal["saved"] | None = "saved") -> None:
    """Turn the sites' results into the rows ``accounts.status`` writes, and each successful
    account's balance snapshot of the day (``history.record_snapshots``), in one transaction.
    ``retention_days``: the snapshot retention when the caller has read it already (a run
    writing many batches), else the saved preference."""
    ok_rows, failed_rows = [], []
    for r in results:
        if not r.ok:
            failed_rows.append({"id": int(r.account_id), "health_status": r.health_status,
                                "health_reason": r.health_reason})
            continue
        av = r.availability or {}
        status = {m: (av.get(m) or (Availability.UNAVAILABLE.value, "not_collected"))[0] for m in _MEASURES}
        checked = r.checkin_status if r.checkin_status in (CheckInState.CHECKED, CheckInState.NOT_CHECKED) else None
        ok_rows.append({
            "id": int(r.account_id), "health_status": r.health_status, "health_reason": r.health_reason,
            "quota": r.quota, "subscription_quota": r.subscription_quota,
            "today_consumption": r.today_consumption, "today_income": r.today_income,
            "today_prompt_tokens": r.today_prompt_tokens, "today_completion_tokens": r.today_completion_tokens,
            "today_requests": r.today_requests, "consumption_availability": status["consumption"],
            "income_availability": status["income"], "tokens_availability": status["tokens"],
            "requests_availability": status["requests"],
            "stats_reason": ", ".join(sorted({v[1] for v in av.values() if v and v[1]})),
            "checkin_supported": False if r.checkin_status == CheckInState.UNSUPPORTED else r.checkin_supported,
            "checkin_today": checked, "username": r.username, "user_id": r.user_id})
    rotated = {int(r.account_id): r.rotated for r in results if r.rotated}
    retention = (get_preferences(store)["history_retention_days"] if ok_rows else None) \
        if retention_days == "saved" else retention_days
    with store.write() as con:  # the figures and the day's balance snapshots, all or nothing
        write_refresh_rows(store, ok_rows, failed_rows, rotated, con=con)
        if ok_rows:
            record_snapshots(con, ok_rows, retention_days=retention)
