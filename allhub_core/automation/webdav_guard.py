"""The scheduled WebDAV sync's guard: it never deletes more than a set share of the accounts
(``webdav_sync_max_delete_pct``, a quarter by default) without a person's yes.

A file whose deletion records would delete more holds the WHOLE sync back: nothing is merged
and nothing uploaded, since the merge would upload the list it emptied and the other devices
would take the deletions from it. Skipping only the deletions would not help either: the
uploaded file would then bring the deleted accounts back on the device that deleted them.
The run is recorded failed with one sentence, and a notification goes to every enabled
channel (``counts["held_back"]``), whichever jobs it follows, so a person looks and syncs by
hand (the Backup page or ``allhub backup sync``, which ask before deleting).
"""

from __future__ import annotations

from typing import Any

from allhub_core import sync
from allhub_core.automation.settings import get_settings
from allhub_core.store import Store
from allhub_core.transfer import DeletionsNeedConfirmation

__all__ = ["guarded_sync"]


def _deletion_cap(store: Store, pct: int) -> tuple[int, int]:
    """(how many accounts the sync may delete, how many there are)."""
    with store.read() as con:
        row = con.execute("SELECT count(*) FROM accounts").fetchone()
    total = int(row[0]) if row else 0
    return total * pct // 100, total


def guarded_sync(store: Store, mode: str, time_limit_s: float | None = None) -> tuple[list[dict[str, Any]], str,
                                                                                        dict[str, Any], Any]:
    """``backup_sync`` for the scheduler: (rows, sentence, counts, report) as the job wants them;
    held back (report not ok, ``counts["held_back"]`` the accounts it would delete) when the
    merge deletes more than the set share."""
    pct = get_settings(store).webdav_sync_max_delete_pct
    cap, total = _deletion_cap(store, pct)
    try:
        report = sync.backup_sync(store, mode=mode, time_limit_s=time_limit_s, max_deletes=cap)
    except DeletionsNeedConfirmation as exc:
        text = (f"The WebDAV file would delete {exc.count} of {total} accounts ({exc.listed}), more than the {pct}% "
                "a scheduled sync may delete without you; nothing was merged or uploaded: sync by hand to "
                "confirm the deletions.")
        held = sync.BackupReport("sync", sync.get_backup_settings(store).file_url, mode=mode, ok=False, note=text)
        return [], text, {"ok": 0, "mode": mode, "held_back": exc.count}, held
    return [], report.summary(), {"ok": int(report.ok), "mode": mode}, report
