"""``allhub import``: All API Hub backups (1.0-4.0, plain or encrypted), our own backups and CSV.

``--dry-run`` prints the preview and writes nothing; otherwise the whole import is one
transaction. An import that deletes accounts (a merge honouring the file's deletion records, a
replace by a file without accounts) asks first on a terminal and needs ``--yes`` without one
(``confirm_deletions``, which ``allhub backup pull|sync`` use too). Exit status: 0 done (or
declined at the prompt), 1 some entries were rejected (the rest was imported), 2 the input cannot
be read or the deletions were not confirmed (nothing changed).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TypeVar

from allhub_core.cli.output import Fail, emit, open_store, print_json
from allhub_core.store import Store
from allhub_core.sync import recognize_and_refresh
from allhub_core.transfer import (
    CsvImportReport,
    DeletionsNeedConfirmation,
    ImportPreview,
    ImportReport,
    PasswordRequired,
    import_file,
    is_csv,
)
from allhub_core.transfer.backup import MAX_IMPORT_BYTES

__all__ = ["cmd_import", "confirm_deletions", "read_password"]

T = TypeVar("T")


def confirm_deletions(action: Callable[[int | None], T], yes: bool) -> T | None:
    """``action(max_deletes)`` with no deletion allowed unless ``yes``; when it would delete
    accounts, ask on a terminal and run it again allowing exactly that many (None when the person
    says no); without a terminal, refuse in one sentence. Nothing is written before the yes."""
    try:
        return action(None if yes else 0)
    except DeletionsNeedConfirmation as exc:
        n = exc.count
        what = f"{n} account{'s' if n != 1 else ''} ({exc.listed})"
        if not sys.stdin.isatty():
            raise Fail(2, f"Refusing to delete {what} without --yes (no terminal to confirm on); "
                          "nothing was changed.") from None
        # the question on stderr, so --json output stays JSON
        emit(f"This will delete {what}. Continue? [y/N] ", err=True, end="", flush=True)
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            emit("Nothing was changed.", err=True)
            return None
        return action(n)


def read_password(args: argparse.Namespace) -> str | None:
    if not getattr(args, "password_stdin", False):
        return None
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise Fail(2, "The password read from standard input is empty.")
    return password


def _read_input(path: str) -> bytes:
    """The file (or standard input), read no further than one byte past the import limit: a huge
    file is refused with one sentence (``check_size``) without being held in memory."""
    if path == "-":
        return sys.stdin.buffer.read(MAX_IMPORT_BYTES + 1)
    try:
        with open(path, "rb") as fh:
            return fh.read(MAX_IMPORT_BYTES + 1)
    except OSError as exc:
        raise Fail(2, f"Cannot read {path}: {exc.strerror or type(exc).__name__}.") from None


def _line(row: dict) -> str:
    what = f"{row['action']}: {row['name']}" + (f" ({row['site_url']})" if row.get("site_url") else "")
    if row.get("kind") == "bookmark":
        what = "bookmark " + what
    if row.get("changes"):
        what += " — changes " + ", ".join(row["changes"])
    if row.get("reason"):
        what += f" — {row['reason']}"
    return f"- {what}"


def cmd_import(args: argparse.Namespace) -> int:
    if args.file == "-" and args.password_stdin:
        raise Fail(2, "The backup and its password cannot both come from standard input; give the file's path.")
    password = read_password(args)
    data = _read_input(args.file)
    name = "" if args.file == "-" else args.file
    if args.mode == "replace" and is_csv(data, name):
        raise Fail(2, "A CSV file only adds accounts; use --mode merge (the default).")
    store = open_store(args)

    def run(allowed: int | None) -> CsvImportReport | ImportPreview:
        try:
            return import_file(store, data, name=name, mode=args.mode, password=password, dry_run=args.dry_run,
                               allowed_deletes=allowed)
        except PasswordRequired:
            raise Fail(2, "This backup is encrypted; give its password on standard input with "
                          "--password-stdin.") from None

    report = run(0) if args.dry_run else confirm_deletions(run, args.yes)
    if report is None:
        return 0
    if isinstance(report, CsvImportReport):
        return _csv_done(args, store, report)
    done = isinstance(report, ImportReport)  # else the dry run's preview
    code = report.exit_code()
    if args.json:
        print_json(report.as_json(dry_run=not done))
        return code
    emit(report.summary())
    shown = ("rejected", "duplicate", "tombstoned")
    for row in report.rows():
        if (row["action"] in shown) if done else row["action"] != "unchanged":
            emit(_line(row))
    if not done:
        emit("Nothing written (dry run).")
    return code


def _csv_done(args: argparse.Namespace, store: Store, report: CsvImportReport) -> int:
    refreshed = None
    if args.refresh and not args.dry_run and report.added_ids:
        refreshed = recognize_and_refresh(store, report.added_ids)
    if args.json:
        print_json({"dry_run": bool(args.dry_run), "summary": report.summary(), "rows": report.rows(),
                    **({"refresh": refreshed.rows()} if refreshed is not None else {})})
    else:
        emit(report.summary())
        for r in report.rows():
            if r["status"] != "added":
                emit(f"- row {r['row']}: {r['status']} ({r['url'] or 'no url'}) — {r['reason']}")
        if refreshed is not None:
            emit(refreshed.summary(details=5))
    return max(report.exit_code(), refreshed.exit_code() if refreshed is not None else 0)
