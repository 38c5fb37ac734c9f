"""Sending: to one channel with no database lock held (the outcome recorded, never raised), a
test message, and the message after a run to every channel whose policy wants it."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from allhub_core.automation.notify import store as db
from allhub_core.automation.notify.channels import NOTICES_RULE
from allhub_core.automation.notify.messages import (
    Message,
    notices_message,
    run_digest,
    run_message,
    scrub,
    test_message,
)
from allhub_core.automation.notify.send import deliver
from allhub_core.notices import notices_since
from allhub_core.store import Store
from allhub_core.vocab import Job

__all__ = ["local_time", "models_changed", "new_notices", "notify_after_run", "run_time", "send_test", "send_to"]

log = logging.getLogger("allhub_core.automation.notify")


def local_time(now: datetime | None) -> datetime:
    """``now`` (default: this moment) as a local datetime."""
    now = now or datetime.now().astimezone()
    return now.astimezone() if now.tzinfo is not None else now


def run_time(value: Any) -> datetime | None:
    """A run's time as a local datetime (from a datetime or an ISO string)."""
    if isinstance(value, str) and value:
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    return local_time(value) if isinstance(value, datetime) else None


def send_to(store: Store, row: dict, message: Message, state: dict[str, Any] | None = None) -> dict:
    """Send to one channel with no database lock held; record the outcome. Never raises."""
    try:
        url = db.channel_url(store, row["id"])
    except Exception as exc:  # noqa: BLE001 - a notifier never fails the job
        return {"channel": row["name"], "ok": False, "message": scrub(f"The channel cannot be read ({exc}).")}
    with store.released():
        ok, text = deliver(url, message)
    try:
        db.record_delivery(store, row["id"], ok, text, state if ok else None)
    except Exception as exc:  # noqa: BLE001
        log.warning("The outcome of notification channel %r could not be saved (%s).", row["name"], exc)
    if not ok:
        log.warning("Notification channel %r failed: %s", row["name"], text)
    return {"channel": row["name"], "ok": ok, "message": text}


def send_test(store: Store, name: str) -> dict:
    """Send a test message to the channel: {channel, ok, message}."""
    row = db.channel_row(store, name)
    return send_to(store, row, test_message(row["name"]))


def notify_after_run(store: Store, run: dict) -> list[dict]:
    """Tell every enabled channel that follows ``run['job']`` and whose policy wants it; a run
    that held something back for a person (``counts["held_back"]``: a scheduled WebDAV sync that
    would delete too many accounts) goes to every enabled channel, whichever jobs it follows.

    Returns one {channel, ok, message} per channel tried (none when no channel wanted it).
    Never raises."""
    try:
        told = _notify_after_run(store, run)
        return told + new_notices(store, run) if str(run.get("job") or "") == Job.REFRESH else told
    except Exception as exc:  # noqa: BLE001 - notifying must never fail the job
        log.warning("Notifying after the run failed (%s).", type(exc).__name__)
        return [{"channel": "", "ok": False, "message": scrub(f"Notifying failed ({type(exc).__name__}: {exc}).")}]


def models_changed(run: dict) -> bool:
    """The rule "a site's models changed": a models sync run that found a model added or removed."""
    counts = dict(run.get("counts") or {})
    return bool(counts.get("added") or counts.get("removed"))


def _notify_after_run(store: Store, run: dict) -> list[dict]:
    job = str(run.get("job") or "")
    # A models sync tells a channel only when a site's models changed (or, for the "failure"
    # policy, when the run did not fully succeed): a daily "nothing changed" would be noise.
    quiet = job == Job.MODELS_SYNC and not models_changed(run)
    digest = run_digest(run)
    when = run_time(run.get("finished_at") or run.get("started_at"))
    db.set_state(store, {f"last_run:{job}": {
        "job": job, "status": run.get("status"), "summary": scrub(run.get("summary") or ""),
        "finished_at": when.isoformat(timespec="minutes") if when else "",
        "day": when.date().isoformat() if when else ""}})
    held_back = bool(dict(run.get("counts") or {}).get("held_back"))
    rows = [r for r in db.channel_rows(store, enabled_only=True) if job in r["jobs"] or held_back]
    if not rows:
        return []
    message = run_message(run)
    out = []
    for row in rows:
        key = f"digest:{row['id']}:{job}"
        try:
            if row["policy"] == "failure":
                wanted = str(run.get("status")) != "ok"
            elif quiet:
                wanted = False
            elif row["policy"] == "change":
                wanted = db.get_state(store, key) != digest
            else:
                wanted = True
            if not wanted:
                db.set_state(store, {key: digest})
                continue
            out.append(send_to(store, row, message, {key: digest}))
        except Exception as exc:  # noqa: BLE001 - one channel's trouble never stops the others
            out.append({"channel": row["name"], "ok": False,
                        "message": scrub(f"Notifying failed ({type(exc).__name__}).")})
    return out


_NOTICES_TOLD = "notices:told_until"


def new_notices(store: Store, run: dict | None = None) -> list[dict]:
    """The rule "new announcement": tell every enabled channel that follows ``notices`` of the
    announcements that became new or changed (and are still unread) since the last time this was
    asked (the first time: since ``run`` started), each once. One {channel, ok, message} per
    channel tried (none when nothing is new)."""
    told_until = run_time(db.get_state(store, _NOTICES_TOLD))
    since = told_until or run_time((run or {}).get("started_at")) or local_time(None)
    rows = notices_since(store, since)
    if not rows:
        if told_until is None:
            db.set_state(store, {_NOTICES_TOLD: since.isoformat()})
        return []
    db.set_state(store, {_NOTICES_TOLD: max(r["seen_at"] for r in rows).isoformat()})
    channels = [r for r in db.channel_rows(store, enabled_only=True) if NOTICES_RULE in r["jobs"]]
    if not channels:
        return []
    message = notices_message(rows)
    return [send_to(store, row, message) for row in channels]
