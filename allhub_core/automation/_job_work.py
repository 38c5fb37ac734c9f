"""What each job does (``jobs.run_job`` claims, logs and ends the run around it): the refresh,
the check-in, the usage sync, the models sync and the WebDAV sync through the ``sync`` room, each
returning its rows, its sentence, its counts and the sync's report; ``Progress`` counts the
accounts as they finish into the run's row; ``RunScope`` is what a person asked for.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from allhub_core import sync
from allhub_core.automation import runlog
from allhub_core.automation.clock import Clock
from allhub_core.errors import AllhubError, ValidationError
from allhub_core.net import Politeness
from allhub_core.store import Store
from allhub_core.vocab import CheckInResult

__all__ = ["Progress", "RunScope", "checkin_job", "models_job", "refresh_job", "usage_job", "webdav_job"]

log = logging.getLogger("allhub.automation")


@dataclass
class RunScope:
    """What a person asked for: these accounts (None: every account the job takes), ``force``
    (a refresh ignores the minimum interval), ``on_result`` (their progress bar)."""

    ids: list[int] | None = None
    force: bool = False
    on_result: Callable[[Any], None] | None = None
    first: list[int] | None = None  # a refresh takes these first (the accounts on the person's screen)


class Progress:
    """Counts accounts as they finish and writes done/total (and the heartbeat) to the run row.

    ``finish_follows``: nothing but the run's end comes after its last account (a refresh of
    chosen accounts, a check-in), so the batch that completes the count is left to
    ``runlog.finish_run``, which writes the same done/total a moment later: one opening of the
    database less (this write comes while the store is let go for the network)."""

    def __init__(self, store: Store, run_id: int, total: int, clock: Clock, *, finish_follows: bool = False):
        self.store, self.run_id, self.total, self.clock = store, run_id, total, clock
        self.finish_follows = finish_follows
        self.done = 0
        self._lock = threading.Lock()

    def written(self, batch: list[Any]) -> None:
        """A refresh or check-in wrote ``batch`` to the store (about once a second): count it."""
        self(n=len(batch))

    def __call__(self, _result: Any = None, *, n: int = 1) -> None:
        with self._lock:
            self.done = min(self.done + n, max(self.total, self.done + n))
            completes = self.done >= self.total > 0
            self.total = max(self.total, self.done)
            done, total = self.done, self.total
        if completes and self.finish_follows:
            return
        try:
            runlog.update_progress(self.store, self.run_id, done, total, self.clock.now())
        except AllhubError as exc:  # progress is a courtesy; the run goes on
            log.debug("progress of run %s not written: %s", self.run_id, exc)



# -- the jobs -------------------------------------------------------------------------------
def refresh_job(store: Store, progress: Progress, politeness: Politeness | None, sync_usage: bool = True,
             scope: RunScope | None = None, cancel: threading.Event | None = None,
             paced: bool = False) -> tuple[list[dict[str, Any]], str, dict, Any]:
    scope = scope or RunScope()
    report = sync.refresh(store, ids=scope.ids, force=scope.force, politeness=politeness, on_result=scope.on_result,
                          on_written=progress.written, sync_usage_when_due=sync_usage, cancel=cancel,
                          first=scope.first, stalest_first=paced)
    names = report.names
    rows = [{"account_id": r.account_id, "name": names.get(str(r.account_id), ""), "ok": r.ok,
             "result": "refreshed" if r.ok else "failed", "message": r.health_reason} for r in report.results]
    rows += [{"account_id": str(i), "name": names.get(str(i), ""), "ok": True, "result": "skipped",
              "message": "Refreshed recently; skipped."} for i in report.skipped]
    counts = {"refreshed": len(report.results) - len(report.failed), "failed": len(report.failed),
              "skipped": len(report.skipped)}
    if report.usage is not None:
        counts["usage_rows_added"] = sum(report.usage.added.values())
    return rows, report.summary(), counts, report


def checkin_job(store: Store, ids: list[int] | None, names: dict[int, str], progress: Progress,
             politeness: Politeness | None,
             scope: RunScope | None = None, cancel: threading.Event | None = None
             ) -> tuple[list[dict[str, Any]], str, dict, Any]:
    if scope is not None:
        ids = scope.ids  # what the person asked for (None: every account with check-in)
    elif not ids:
        return [], "No accounts to check in: every account with auto check-in is checked in today.", {}, None
    report = sync.checkin(store, ids, politeness=politeness, on_result=scope.on_result if scope else None,
                     on_written=progress.written, cancel=cancel)
    rows = [{"account_id": r.account_id, "name": names.get(int(r.account_id), report.names.get(r.account_id, "")),
             "ok": CheckInResult(r.result).ok, "result": r.result, "reason": r.reason, "message": r.message}
            for r in report.results]
    counts = {k.value: v for k, v in report.counts().items()}
    return rows, report.summary(), counts, report


def usage_job(store: Store, progress: Progress,
           politeness: Politeness | None) -> tuple[list[dict[str, Any]], str, dict, Any]:
    report = sync.sync_usage(store, politeness=politeness, on_result=progress, due_only=True)
    rows = [{"account_id": r["id"], "name": r["name"], "ok": r["status"] != "failed", "result": r["status"],
             "message": f"{r['rows_added']} new row(s)" + (f"; {r['message']}" if r["message"] else "")}
            for r in report.rows()]
    counts = {"accounts": len(report.results), "rows_added": sum(report.added.values()),
              "failed": len(report.failed), "not_due": len(report.skipped)}
    return rows, report.summary(), counts, report


def _change_words(added: list[str], removed: list[str]) -> str:
    """``added gpt-5, o3; removed deepseek-chat`` (what a site changed), or ""."""
    parts = [f"added {', '.join(added)}"] if added else []
    return "; ".join([*parts, *([f"removed {', '.join(removed)}"] if removed else [])])


def models_job(store: Store, progress: Progress,
            politeness: Politeness | None) -> tuple[list[dict[str, Any]], str, dict, Any]:
    """Each enabled account's model list and prices; each row says which models its site added
    or removed since the previous sync (the run log and the "models changed" notification)."""
    report = sync.sync_models(store, politeness=politeness)
    rows = []
    for r in report.rows():
        changed = _change_words(r["added"], r["removed"])
        text = r["message"] if r["status"] != "ok" else f"{r['models']} model(s)" + (f"; {changed}" if changed else "")
        rows.append({"account_id": r["account_id"], "name": r["site_name"], "ok": r["status"] != "failed",
                     "result": r["status"], "message": text})
    progress(n=len(rows))
    ok = [r for r in report.rows() if r["status"] == "ok"]
    counts = {"accounts": len(rows), "models": sum(r["models"] for r in ok),
              "added": sum(len(r["added"]) for r in ok), "removed": sum(len(r["removed"]) for r in ok),
              "changed": sum(1 for r in ok if r["added"] or r["removed"]),
              "unsupported": report.count("unsupported"), "failed": report.count("failed")}
    text = report.summary()
    changes = [f"{c['site_name'] or 'account ' + str(c['account_id'])} {_change_words(c['added'], c['removed'])}"
               for c in report.changes()]
    if changes:
        text += " Models changed: " + " | ".join(changes) + "."
    return rows, text, counts, report


def webdav_job(store: Store, mode: str) -> tuple[list[dict[str, Any]], str, dict, Any]:
    settings = sync.get_backup_settings(store)
    if not settings.complete:
        raise ValidationError("WebDAV is not set up: save its address, user name and password first.")
    # the whole sync within the WebDAV deadline, so the job ends by itself (watchdog adds a margin)
    # deleting at most the set share of the accounts (webdav_guard, and with it the transfer room,
    # loaded only when this job runs: a refresh command does not pay for them)
    from allhub_core.automation.webdav_guard import guarded_sync  # noqa: PLC0415

    return guarded_sync(store, mode, time_limit_s=settings.timeout_s)
