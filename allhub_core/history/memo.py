"""The heavy balance aggregates remembered in the process, keyed on what they read (issue 18).

Every page run opens the database file anew (``pages._ui.page_store``: the lock is let go between
runs), so DuckDB's own cache is cold each time and the Balance history page's table and trend
read every snapshot again: 2.7 million rows at 100,000 accounts, most of the page's second. The
snapshots change only with a write, so a result is kept here under a key that changes whenever
what it read changes, and is computed again then:

- the snapshots: their count, the newest ``captured_at`` and the sum of every ``captured_at``
  (one pass over one column, ~15 ms cold). Every write of a snapshot stamps its rows ``now()``
  (``snapshots.record_snapshots``, the demo's seeding: the sum moves even when rows replace as
  many others, whatever the clock did) or deletes rows (the count falls); the links they correct
  (``prev_quota``) change only beside one of those. Rows changed in place with their count and
  timestamps kept would not be seen: nothing in allhub writes so;
- the accounts in scope (``analytics``' ``sel``: id, site name, in the balance, in the income,
  the CNY rate where it is asked): their count and a hash of every column, so an edit, a tag,
  a disabled, deleted or imported account is a new key;
- the store's real path and the statement's own arguments.

The key is read before the result is computed, so a result is never older than its key. The
least recently used results are dropped past ``MAX_ENTRIES`` or ``MAX_BYTES`` (a table of 100,000
accounts is ~6 MB); callers get a copy."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from allhub_core.memo import Memo

if TYPE_CHECKING:
    from allhub_core.store import Store

__all__ = ["MAX_BYTES", "MAX_ENTRIES", "forget", "remembered", "result_key", "scope_key", "snapshots_key", "store_key"]

MAX_ENTRIES = 32
MAX_BYTES = 64 * 1024 * 1024
_MEMO = Memo(MAX_ENTRIES, MAX_BYTES)
#: the frame kept under a key, or the computed one, kept; a shallow copy either way (``allhub_core.memo``)
remembered = _MEMO.remembered
forget = _MEMO.forget


def store_key(store: Store) -> str:
    """The file, whatever path reached it."""
    return os.path.realpath(store.path)


def snapshots_key(con: Any) -> tuple[Any, ...]:
    """What changes with every write of a snapshot (see the module's docstring)."""
    rows = con.execute("SELECT count(*), max(captured_at), sum(epoch_us(captured_at)) "
                       "FROM balance_snapshots").fetchall()
    return tuple(rows[0])


def scope_key(con: Any, sel: str, params: list[Any]) -> tuple[Any, ...]:
    """What the accounts in scope (``sel`` with its ``params``) bring to a result."""
    rows = con.execute(f"WITH {sel} SELECT count(*), bit_xor(hash(sel)) FROM sel", params).fetchall()
    return tuple(rows[0])


def result_key(kind: str, store: Store, con: Any, sel: str, params: list[Any], *args: Any) -> tuple[Any, ...]:
    """The key of one result: what it is, the file, the snapshots, the accounts in scope (``sel``
    with its ``params``, the statement too) and the call's own arguments."""
    return (kind, store_key(store), snapshots_key(con), scope_key(con, sel, params), sel, *args)
