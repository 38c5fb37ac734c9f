"""The Models page's results remembered in the process, keyed on what they read (issue 18).

Every page run opens the database file anew (``pages._ui.page_store``: the lock is let go between
runs), so DuckDB's cache is cold each time and the page's counts, its 2,000 rows and the chart
read the 1.8 million offers of 100,000 accounts again: most of the page's second. They change only
with a write, so each result is kept under a key read first that changes whenever what the prices
queries read changes, and is computed again then (``history.memo`` does the same for the balance
aggregates, each room reading its own key; the keeping is ``allhub_core.memo``'s):

- the offers: every write of them goes through ``offers.rebuild_offers``, which leaves a new
  token in ``meta`` (``OFFERS_WRITTEN``) in the same transaction; the models, prices, groups and
  syncs the facets and the account picker read are written only beside it
  (``cache.store_models``); the count of offers too;
- the accounts (id, site name and address, top-up rate, manual balance, quota: all the queries
  read of them): their count and a hash of every row, so a refresh, an edit, an added or a deleted
  account (whose offers go with it) is a new key;
- the tags and which account has which: their count and hashes (for a result that reads them);
- the store's real path and the call's own arguments.

The key is read before the result is computed, so a result is never older than its key. The
least recently used results go past ``MAX_ENTRIES``; callers get a copy."""

from __future__ import annotations

import os
from typing import Any

import duckdb

from allhub_core.memo import Memo

__all__ = ["MAX_ENTRIES", "OFFERS_WRITTEN", "data_key", "forget", "mark_written", "remembered"]

MAX_ENTRIES = 32
#: the ``meta`` key whose value changes with every write of the offers
OFFERS_WRITTEN = "offers_written"
_MEMO = Memo(MAX_ENTRIES)
#: the result kept under a key, or the computed one, kept; a copy either way (``allhub_core.memo``)
remembered = _MEMO.remembered
forget = _MEMO.forget

# one pass per table (a count and a hash in one aggregate)
_KEY_SQL = f"""
SELECT (SELECT value FROM meta WHERE key = '{OFFERS_WRITTEN}'), (SELECT count(*) FROM model_offers),
       (SELECT count(*) || ' ' || bit_xor(hash(id, site_name, site_url, exchange_rate, manual_balance_usd, quota))
        FROM accounts)"""
_TAGS_KEY_SQL = """,
       (SELECT count(*) || ' ' || bit_xor(hash(account_id, tag_id)) FROM account_tags),
       (SELECT count(*) || ' ' || bit_xor(hash(id, name, name_key)) FROM tags)"""


def mark_written(con: duckdb.DuckDBPyConnection) -> None:
    """Inside the transaction that wrote offers: a new token, so every kept result is stale."""
    con.execute(f"INSERT INTO meta (key, value) VALUES ('{OFFERS_WRITTEN}', uuid()::VARCHAR) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value")


def data_key(con: duckdb.DuckDBPyConnection, path: str, *args: Any, tags: bool = True) -> tuple[Any, ...]:
    """What a result read from the store at ``path`` depends on, with the call's ``args``;
    ``tags=False`` for a result that reads no tag (the tags cost a third of the key)."""
    found = con.execute(_KEY_SQL + (_TAGS_KEY_SQL if tags else "")).fetchone()
    return (os.path.realpath(path), tags, *found, *args)  # type: ignore[misc]
