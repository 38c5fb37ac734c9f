"""Settings: the one way to read and write the key/value tables of JSON values.

Two tables hold settings, each key one JSON value: ``preferences`` (the user's preferences, read
and checked by ``accounts.preferences``, and this device's WebDAV settings and last result, by
``sync.backup``; a backup carries all but the ``webdav_*`` rows) and ``automation_settings``
(what runs by itself, ``automation.settings``). The rooms own what a key means (its default,
its check); here is only how a value is stored: ``json.dumps`` on write, and on read a value
that is not JSON is left out (unset), or with ``keep_damaged`` kept as ``Damaged`` text.

Each function takes a ``Store`` (its own unit of work) or a connection (inside the caller's
transaction).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import duckdb

from allhub_core.store.db import Store

__all__ = ["AUTOMATION", "PREFERENCES", "Damaged", "delete_settings", "read_settings", "write_settings"]

PREFERENCES = "preferences"
AUTOMATION = "automation_settings"
_TABLES = (PREFERENCES, AUTOMATION)


class Damaged(str):
    """A stored value that is not JSON, as its text (``read_settings(..., keep_damaged=True)``)."""

    __slots__ = ()


def _table(table: str) -> str:
    if table not in _TABLES:
        raise ValueError(f"not a settings table: {table}")
    return table


@contextmanager
def _con(source: Store | duckdb.DuckDBPyConnection, write: bool) -> Iterator[duckdb.DuckDBPyConnection]:
    if isinstance(source, Store):
        with source.write() if write else source.read() as con:
            yield con
    else:
        yield source


def read_settings(source: Store | duckdb.DuckDBPyConnection, table: str = PREFERENCES,
                  keys: Iterable[str] | None = None, *, skip_prefix: str | None = None,
                  keep_damaged: bool = False) -> dict[str, Any]:
    """The saved values (all, or those of ``keys``; none whose key starts with ``skip_prefix``),
    by key in key order. A value that is not JSON is left out, or kept as ``Damaged``."""
    where, params = _where(keys, skip_prefix)
    with _con(source, False) as con:
        rows = con.execute(f"SELECT key, value FROM {_table(table)} WHERE {where} ORDER BY key", params).fetchall()
    out: dict[str, Any] = {}
    for key, raw in rows:
        try:
            out[key] = json.loads(raw)
        except ValueError:
            if keep_damaged:
                out[key] = Damaged(raw)
    return out


def write_settings(target: Store | duckdb.DuckDBPyConnection, values: dict[str, Any],
                   table: str = PREFERENCES) -> None:
    """Save each value (as JSON) under its key, replacing what was there."""
    if not values:
        return
    with _con(target, True) as con:
        for key, value in values.items():
            con.execute(f"INSERT INTO {_table(table)} (key, value) VALUES (?, ?) "
                        "ON CONFLICT (key) DO UPDATE SET value = excluded.value", [str(key), json.dumps(value)])


def delete_settings(target: Store | duckdb.DuckDBPyConnection, table: str = PREFERENCES,
                    keys: Iterable[str] | None = None, *, keep_prefix: str | None = None) -> None:
    """Forget the values of ``keys`` (None: every value, except those whose key starts with
    ``keep_prefix``)."""
    where, params = _where(keys, keep_prefix)
    with _con(target, True) as con:
        con.execute(f"DELETE FROM {_table(table)} WHERE {where}", params)


def _where(keys: Iterable[str] | None, but_prefix: str | None) -> tuple[str, list[Any]]:
    """The rows of ``keys`` (None: all), except those whose key starts with ``but_prefix``."""
    where: list[str] = ["true"]
    params: list[Any] = []
    if keys is not None:
        where.append("list_contains(?::VARCHAR[], key)")
        params.append(list(keys))
    if but_prefix:
        where.append("NOT starts_with(key, ?)")
        params.append(but_prefix)
    return " AND ".join(where), params
