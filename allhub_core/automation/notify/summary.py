"""The daily summary: when it is due (once a local day from the summary time, when a channel wants
it), what it says (totals, check-in and health counts, today's runs, the attention queue: its
counts by severity and category and its most pressing entries with their reasons and fixes,
``automation.attention``), and sending it."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any

from allhub_core.accounts import AccountFilter, facet_counts, totals
from allhub_core.automation.attention import attention_queue
from allhub_core.automation.notify import store as db
from allhub_core.automation.notify.channels import JOBS
from allhub_core.automation.notify.dispatch import local_time, send_to
from allhub_core.automation.notify.messages import scrub, summary_message
from allhub_core.errors import ValidationError
from allhub_core.store import Store

__all__ = ["DEFAULT_SUMMARY_TIME", "daily_summary_due", "get_summary_time", "send_daily_summary", "set_summary_time"]

log = logging.getLogger("allhub_core.automation.notify")

DEFAULT_SUMMARY_TIME = "21:00"
#: the attention queue's entries a category the summary lists (its counts cover them all)
SUMMARY_PER_CATEGORY = 3


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


def _summary_rows(store: Store) -> list[dict]:
    return [r for r in db.channel_rows(store, enabled_only=True) if r["daily_summary"]]


def daily_summary_due(store: Store, now: datetime | None = None) -> bool:
    """True once per local day at or after the summary time, when a channel wants the summary
    and it has not gone out today."""
    try:
        local = local_time(now)
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
    queue = attention_queue(store, limit=SUMMARY_PER_CATEGORY)
    attention = [(e.site_name or "all sites", f"[{e.severity.label}] {e.category.label}: {e.reason} Fix: {e.action}")
                 for e in queue.entries]
    attention_counts = [(f"{g.severity.label} · {g.category.label}", g.total) for g in queue.groups]
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
            "health": facets.get("health", {}), "runs": runs, "attention": attention,
            "attention_counts": attention_counts}


def send_daily_summary(store: Store, now: datetime | None = None) -> list[dict]:
    """Send today's summary to every enabled channel with the daily summary on, and remember the
    day (so ``daily_summary_due`` is False until tomorrow). Never raises."""
    try:
        day = local_time(now).date().isoformat()
        db.set_state(store, {"summary_day": day})
        rows = _summary_rows(store)
        if not rows:
            return []
        message = summary_message(_summary_facts(store, day))
        return [send_to(store, row, message) for row in rows]
    except Exception as exc:  # noqa: BLE001 - notifying must never fail the scheduler
        log.warning("The daily summary failed (%s).", type(exc).__name__)
        return [{"channel": "", "ok": False, "message": scrub(f"The daily summary failed ({type(exc).__name__}).")}]
