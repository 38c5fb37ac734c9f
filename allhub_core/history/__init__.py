"""History (layer L3): balance snapshots and usage logs in the store, and the analytics over them.

``snapshots`` writes one balance snapshot per account per local day (inside the refresh's own
transaction) and prunes old ones; ``usage`` stores synced usage-log rows without duplicates,
keeps each account's sync cursor and answers the usage aggregates; ``analytics`` answers the
Overview, balance history, a day's spread and sparklines (the table, the summed trend and a
day's spread remembered in the process until the snapshots or the accounts change: ``memo``;
in USD, or in CNY with each account at its own rate); ``demo`` seeds made-up history for
``allhub demo``. The network side of the usage sync is ``sync.usage``. SQL only: no network,
no streamlit, no plotly. Money comes back in USD. See docs/architecture.md.
"""

from allhub_core.history.analytics import (
    Overview,
    balance_history,
    balance_table,
    day_distribution,
    overview,
    sparklines,
)
from allhub_core.history.demo import DEMO_MODELS, seed_demo_history
from allhub_core.history.snapshots import SNAPSHOT_SOURCES, prune_history, record_snapshots, snapshot_count
from allhub_core.history.usage import (
    USAGE_BY,
    USAGE_STATUSES,
    fingerprint_rows,
    insert_usage_rows,
    next_window,
    record_usage_run,
    usage_by,
    usage_due,
    usage_facets,
    usage_overdue,
    usage_row_count,
    usage_states,
    usage_totals,
)

__all__ = [
    "DEMO_MODELS",
    "SNAPSHOT_SOURCES",
    "USAGE_BY",
    "USAGE_STATUSES",
    "Overview",
    "balance_history",
    "balance_table",
    "day_distribution",
    "fingerprint_rows",
    "insert_usage_rows",
    "next_window",
    "overview",
    "prune_history",
    "record_snapshots",
    "record_usage_run",
    "seed_demo_history",
    "snapshot_count",
    "sparklines",
    "usage_by",
    "usage_due",
    "usage_facets",
    "usage_overdue",
    "usage_row_count",
    "usage_states",
    "usage_totals",
]
