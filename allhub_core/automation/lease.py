"""The scheduler lease: only one scheduler acts on a database at a time.

The dashboard's scheduler thread and ``allhub daemon`` may both run on one file. Each tick a
scheduler takes or renews the lease (one row in ``automation_lease``) in one transaction;
the other sees a live holder and waits, saying so. A holder that stops renewing (its
process died) loses the lease when ``expires_at`` passes; a holder on this host whose
process is gone loses it at once. Times come from the scheduler's clock.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from allhub_core.automation.runlog import PROCESS, holder_alive
from allhub_core.store import Store

__all__ = ["LEASE_NAME", "LEASE_TTL_S", "acquire", "lease_holder", "new_holder", "release"]

LEASE_NAME = "scheduler"
LEASE_TTL_S = 90
#: holders created in this process (``lease_holder(...)["is_me"]``)
_MINE: set[str] = set()


def new_holder(label: str = "") -> str:
    holder = f"{PROCESS}:{uuid.uuid4().hex[:8]}" + (f":{label}" if label else "")
    _MINE.add(holder)
    return holder


def _read(con: Any) -> tuple[str, datetime, datetime, datetime] | None:
    row = con.execute("SELECT holder, acquired_at, heartbeat_at, expires_at FROM automation_lease WHERE name = ?",
                      [LEASE_NAME]).fetchone()
    return None if row is None else (row[0], row[1], row[2], row[3])


def acquire(store: Store, holder: str, now: datetime, ttl_s: float = LEASE_TTL_S) -> tuple[bool, dict[str, Any] | None]:
    """Take or renew the lease. Returns (held, the current holder's row)."""
    expires = now + timedelta(seconds=ttl_s)
    with store.write() as con:
        row = _read(con)
        if row is None:
            con.execute("INSERT INTO automation_lease (name, holder, acquired_at, heartbeat_at, expires_at) "
                        "VALUES (?, ?, ?, ?, ?)", [LEASE_NAME, holder, now, now, expires])
            acquired = now
        elif row[0] == holder or row[3] <= now or not holder_alive(row[0]):
            acquired = row[1] if row[0] == holder else now
            con.execute("UPDATE automation_lease SET holder = ?, acquired_at = ?, heartbeat_at = ?, expires_at = ? "
                        "WHERE name = ?", [holder, acquired, now, expires, LEASE_NAME])
        else:
            return False, _info(row)
    return True, _info((holder, acquired, now, expires))


def release(store: Store, holder: str) -> None:
    """Give the lease up (a clean shutdown), so another scheduler may take it at once."""
    with store.write() as con:
        con.execute("DELETE FROM automation_lease WHERE name = ? AND holder = ?", [LEASE_NAME, holder])


def _info(row: tuple[str, datetime, datetime, datetime]) -> dict[str, Any]:
    holder = row[0]
    return {"holder": holder, "acquired_at": row[1], "heartbeat_at": row[2], "expires_at": row[3],
            "is_me": holder in _MINE, "pid": _pid(holder)}


def _pid(holder: str) -> int | None:
    try:
        return int(holder.split(":")[1])
    except (IndexError, ValueError):
        return None


def lease_holder(store: Store) -> dict[str, Any] | None:
    """Who holds the scheduler lease: holder, heartbeat_at, expires_at, is_me (a scheduler of
    this process); None when nobody does."""
    with store.read() as con:
        row = _read(con)
    return None if row is None else _info(row)
