"""What every command shares: terminal-safe output (``terminal``, re-exported here), secrets from
stdin, the store, JSON and CSV printing.

The commands import this module; the parsers (``allhub_core.cli.parsers``) never do: it loads the
store (DuckDB), which ``allhub --help`` must not pay for; the transfer room (``json_text``) loads
with the first JSON output.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from allhub_core.cli.terminal import Fail, Parser, emit, terminal_safe
from allhub_core.store import Store

__all__ = ["Fail", "Parser", "emit", "open_store", "print_csv", "print_json", "print_rows_csv", "read_secret",
           "terminal_safe"]


def open_store(args: argparse.Namespace, *, warm: bool = False):
    """The store named by ``--db`` (or ``ALLHUB_DB``, or the default). ``warm``: the schema
    check's connection is kept for the command's first read (one open of the file, not two), for
    a command that reads at once; never one that first waits for a prompt or stdin (it would
    hold the file's lock meanwhile)."""

    return Store(args.db, warm=warm)


def read_secret(value: str | None) -> str | None:
    if value == "-":
        return sys.stdin.readline().strip()
    return value


def print_json(obj: Any) -> None:
    """``obj`` as JSON on stdout; a list one element per line (``json_rows_text``)."""
    from allhub_core.jsontext import json_rows_text, json_text  # noqa: PLC0415 - loaded for JSON output only

    text = json_rows_text(obj) if isinstance(obj, list) else json_text(obj)
    emit(text, keep=("\n",))  # json_text leaves no control character; this is a guard


def print_csv(text: str) -> None:
    emit(text, end="", keep=("\r\n",))  # the row ends stay; a control inside a cell is escaped


def print_rows_csv(rows: list[dict[str, Any]], columns: Sequence[str]) -> None:
    """Rows as CSV with these columns (a header, CRLF row ends, ``None`` as an empty cell, every
    cell made safe for a spreadsheet: ``transfer.csv_safe``)."""
    import csv  # noqa: PLC0415 - loaded for --csv only
    import io  # noqa: PLC0415 - loaded for --csv only

    from allhub_core.transfer import csv_safe  # noqa: PLC0415 - the transfer room loads for --csv only

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else csv_safe(row.get(c)) for c in columns])
    print_csv(out.getvalue())
