"""Notifications (layer L5): after a refresh or check-in run, and once a day, through Apprise.

A channel is one Apprise URL (built from a kind's fields by ``channels.build_url``, or any URL
Apprise knows), stored encrypted, with a policy (``always``, ``failure``: the run was not fully
ok, ``change``: the outcome differs from the previous run of the same job), the jobs it follows
and whether it gets the daily summary. We own the message (``messages``), when to send, and the
secrets; Apprise does the sending (``send``). A channel that fails is reported in what these
functions return (the scheduler keeps it in the run log) and never raises: notifying must never
fail the job. Messages never carry a token, cookie, password or URL with credentials.

The scheduler calls ``notify_after_run(store, run)`` after each run, and
``daily_summary_due(store, now)`` / ``send_daily_summary(store, now)`` on its ticks.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from allhub_core.accounts import AccountFilter, attention_rows, facet_counts, totals
from allhub_core.automation.notify import store as db
from allhub_core.automation.notify.channels import (
    CHANNEL_KINDS,
    JOBS,
    POLICIES,
    ChannelKind,
    Field,
    build_url,
    check_apprise_url,
    mask_url,
)
from allhub_core.automation.notify.messages import (
    MAX_LISTED,
    Message,
    run_digest,
    run_message,
    scrub,
    summary_message,
    test_message,
)
from allhub_core.automation.notify.send import deliver
from allhub_core.errors import AllhubError, ValidationError
from allhub_core.store import Store

__all__ = [
    "CHANNEL_KINDS",
    "DEFAULT_SUMMARY_TIME",
    "JOBS",
    "MAX_LISTED",
    "POLICIES",
    "ChannelKind",
    "Field",
    "Message",
    "add_channel",
    "build_url",
    "daily_summary_due",
    "get_channel",
    "get_summary_time",
    "list_channels",
    "notify_after_run",
    "remove_channel",
    "run_message",
    "scrub",
    "send_daily_summary",
    "send_test",
    "set_channel",
    "set_summary_time",
    "summary_message",
]

log = logging.getLogger("allhub_core.automation.notify")

DEFAULT_SUMMARY_TIME = "21:00"
_NAME = re.compile(r"^[^\x00-\x1f\x7f]{1,64}$")


# -- channels -----------------------------------------------------------------------------------
def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError("A notification channel needs a name.")
    if not _NAME.match(name):
        raise ValidationError("A channel name is at most 64 characters, without control characters.")
    return name


def _check_policy(policy: str) -> str:
    if policy not in POLICIES:
        raise ValidationError(f"The policy must be one of {', '.join(POLICIES)}.")
    return policy


def _check_jobs(jobs: Iterable[str] | str) -> tuple[str, ...]:
    items = [j.strip() for j in (jobs.split(",") if isinstance(jobs, str) else jobs) if j and j.strip()]
    bad = [j for j in items if j not in JOBS]
    if bad:
        raise ValidationError(f"There is no job {bad[0]!r} to follow; use {' or '.join(JOBS)}.")
    return tuple(j for j in JOBS if j in items)


def add_channel(store: Store, name: str, kind: str, *, fields: dict | None = None, url: str | None = None,
                policy: str = "always", jobs: Iterable[str] | str = ("refresh", "checkin"),
                daily_summary: bool = False) -> dict:
    """Add a channel: ``fields`` of ``CHANNEL_KINDS[kind]``, or ``url`` (any Apprise URL; kind
    ``apprise`` or a kind whose URL you built yourself). Returns the channel as ``list_channels``
    shows it (masked). Nothing is sent; ``send_test`` does that."""
    name = _check_name(name)
    if kind not in CHANNEL_KINDS:
        raise ValidationError(f"There is no channel kind {kind!r}; use one of {', '.join(CHANNEL_KINDS)}.")
    if url is not None and fields:
        raise ValidationError("Give either the channel's fields or its Apprise URL, not both.")
    the_url = check_apprise_url(url) if url is not None else build_url(kind, dict(fields or {}))
    db.insert_channel(store, name=name, kind=kind, url=the_url, policy=_check_policy(policy),
                      jobs=_check_jobs(jobs), daily_summary=bool(daily_summary))
    return get_channel(store, name)


def _public(store: Store, row: dict) -> dict:
    try:
        shown = mask_url(db.channel_url(store, row["id"]))
    except AllhubError:
        shown = "(cannot be decrypted)"
    return {
        "name": row["name"], "kind": row["kind"],
        "kind_label": CHANNEL_KINDS[row["kind"]].label if row["kind"] in CHANNEL_KINDS else row["kind"],
        "url": shown, "policy": row["policy"], "jobs": list(row["jobs"]), "daily_summary": bool(row["daily_summary"]),
        "enabled": bool(row["enabled"]),
        "created_at": row["created_at"].isoformat() if row["created_at"] else None,
        "last_sent_at": row["last_sent_at"].isoformat() if row["last_sent_at"] else None,
        "last_ok": row["last_ok"], "last_message": row["last_message"],
    }


def list_channels(store: Store) -> list[dict]:
    """Every channel, by name, with its URL masked (never a secret)."""
    return [_public(store, r) for r in db.channel_rows(store)]


def get_channel(store: Store, name: str) -> dict:
    return _public(store, db.channel_row(store, name))


def remove_channel(store: Store, name: str) -> None:
    db.delete_channel(store, name)


def set_channel(store: Store, name: str, /, **changes: Any) -> dict:
    """Change the channel ``name``: a new ``name``, ``policy``, ``jobs``, ``daily_summary``, ``enabled``, ``url`` (a
    new Apprise URL) or ``fields`` (new fields of its kind)."""
    row = db.channel_row(store, name)
    allowed = {"name", "policy", "jobs", "daily_summary", "enabled", "url", "fields"}
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise ValidationError(f"A channel has no setting {unknown[0]!r}.")
    out: dict[str, Any] = {}
    if changes.get("name") is not None:
        out["name"] = _check_name(changes["name"])
    if changes.get("policy") is not None:
        out["policy"] = _check_policy(changes["policy"])
    if changes.get("jobs") is not None:
        out["jobs"] = _check_jobs(changes["jobs"])
    for flag in ("daily_summary", "enabled"):
        if changes.get(flag) is not None:
            out[flag] = bool(changes[flag])
    if changes.get("url") is not None:
        out["url"] = check_apprise_url(changes["url"])
    elif changes.get("fields") is not None:
        out["url"] = build_url(row["kind"], dict(changes["fields"]))
    db.update_channel(store, row["id"], out)
    return get_channel(store, out.get("name", name))


def _send(store: Store, row: dict, message: Message, state: dict[str, Any] | None = None) -> dict:
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
    return _send(store, row, test_message(row["name"]))


# -- after a run --------------------------------------------------------------------------------
def notify_after_run(store: Store, run: dict) -> list[dict]:
    """Tell every enabled channel that follows ``run['job']`` and whose policy wants it; a run
    that held something back for a person (``counts["held_back"]``: a scheduled WebDAV sync that
    would delete too many accounts) goes to every enabled channel, whichever jobs it follows.

    Returns one {channel, ok, message} per channel tried (none when no channel wanted it).
    Never raises."""
    try:
        return _notify_after_run(store, run)
    except Exception as exc:  # noqa: BLE001 - notifying must never fail the job
        log.warning("Notifying after the run failed (%s).", type(exc).__name__)
        return [{"channel": "", "ok": False, "message": scrub(f"Notifying failed ({type(exc).__name__}: {exc}).")}]


def _notify_after_run(store: Store, run: dict) -> list[dict]:
    job = str(run.get("job") or "")
    digest = run_digest(run)
    when = _when(run.get("finished_at") or run.get("started_at"))
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
            elif row["policy"] == "change":
                wanted = db.get_state(store, key) != digest
            else:
                wanted = True
            if not wanted:
                db.set_state(store, {key: digest})
                continue
            out.append(_send(store, row, message, {key: digest}))
        except Exception as exc:  # noqa: BLE001 - one channel's trouble never stops the others
            out.append({"channel": row["name"], "ok": False,
                        "message": scrub(f"Notifying failed ({type(exc).__name__}).")})
    return out


# -- the daily summary --------------------------------------------------------------------------
def get_summary_time(store: Store) -> str:
    """The local time ("HH:MM") from which the daily summary is due (default 21:00)."""
    return str(db.get_state(store, "summary_time", DEFAULT_SUMMARY_TIME))


def set_summary_time(store: Store, value: str) -> str:
    m = re.match(r"^(\d{1,2}):(\d{2})$", (value or "").strip())
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise ValidationError("The daily summary time must be HH:MM, e.g. 21:00.")
    text = f"{int(m.group(1)):02d}:{m.group(2)}"
    db.set_state(store, {"summary_time": text})
    return text


def _local(now: datetime | None) -> datetime:
    now = now or datetime.now().astimezone()
    return now.astimezone() if now.tzinfo is not None else now


def _when(value: Any) -> datetime | None:
    """A run's time as a local datetime (from a datetime or an ISO string)."""
    if isinstance(value, str) and value:
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    return _local(value) if isinstance(value, datetime) else None


def _summary_rows(store: Store) -> list[dict]:
    return [r for r in db.channel_rows(store, enabled_only=True) if r["daily_summary"]]


def daily_summary_due(store: Store, now: datetime | None = None) -> bool:
    """True once per local day at or after the summary time, when a channel wants the summary
    and it has not gone out today."""
    try:
        local = _local(now)
        if local.strftime("%H:%M") < get_summary_time(store):
            return False
        if db.get_state(store, "summary_day") == local.date().isoformat():
            return False
        return bool(_summary_rows(store))
    except Exception as exc:  # noqa: BLE001 - never break the scheduler's tick
        log.warning("Checking the daily summary failed (%s).", type(exc).__name__)
        return False


def _summary_facts(store: Store, day: str) -> dict[str, Any]:
    enabled = AccountFilter(status="enabled")
    t = totals(store, enabled)
    facets = facet_counts(store, enabled)
    attention = [(r["site_name"] or f"account {r['id']}", r["reason"]) for r in attention_rows(store)]
    runs = []
    for job in JOBS:
        last = db.get_state(store, f"last_run:{job}")
        if last and last.get("day") == day:
            runs.append(last)
    with store.read() as con:
        accounts = con.execute("SELECT count(*) FROM accounts").fetchone()
    return {"day": day, "accounts": int(accounts[0]) if accounts else 0, "enabled": int(t["accounts"] or 0),
            "balance_usd": float(t["balance_usd"] or 0), "consumption_usd": float(t["consumption_usd"] or 0),
            "income_usd": float(t["income_usd"] or 0), "checkin": facets.get("checkin", {}),
            "health": facets.get("health", {}), "runs": runs, "attention": attention}


def send_daily_summary(store: Store, now: datetime | None = None) -> list[dict]:
    """Send today's summary to every enabled channel with the daily summary on, and remember the
    day (so ``daily_summary_due`` is False until tomorrow). Never raises."""
    try:
        day = _local(now).date().isoformat()
        db.set_state(store, {"summary_day": day})
        rows = _summary_rows(store)
        if not rows:
            return []
        message = summary_message(_summary_facts(store, day))
        return [_send(store, row, message) for row in rows]
    except Exception as exc:  # noqa: BLE001 - notifying must never fail the scheduler
        log.warning("The daily summary failed (%s).", type(exc).__name__)
        return [{"channel": "", "ok": False, "message": scrub(f"The daily summary failed ({type(exc).__name__}).")}]
