"""What a DuckDB file holds, looked at before and while migrating (``migrations``): allhub's
bookkeeping table ``schema_migrations`` (which steps ran), or no table at all, or another
program's tables. Looking never writes, except ``ensure_table`` inside a migration's transaction.
"""

from __future__ import annotations

import duckdb

__all__ = ["applied_versions", "classify", "ensure_table"]


def ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY,
            name VARCHAR NOT NULL,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            duckdb_version VARCHAR
        )""")


def _tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(schema, name) of every table and view in this database file (not temp, not attached)."""
    return con.execute(
        "SELECT table_schema, table_name FROM information_schema.tables "
        "WHERE table_catalog = current_database()"
    ).fetchall()


def _bookkeeping_columns(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_catalog = current_database() "
        "AND table_schema = 'main' AND table_name = 'schema_migrations'"
    ).fetchall()}


def classify(con: duckdb.DuckDBPyConnection) -> str:
    """``'allhub'`` (our bookkeeping is there), ``'blank'`` (no tables at all) or ``'foreign'``."""
    if {"version", "name", "duckdb_version"} <= _bookkeeping_columns(con):
        return "allhub"
    return "foreign" if _tables(con) else "blank"


def applied_versions(con: duckdb.DuckDBPyConnection) -> list[int]:
    if not _bookkeeping_columns(con):
        return []
    return [r[0] for r in con.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()]
