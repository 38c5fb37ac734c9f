"""``allhub backup config|test|push|pull|sync``: WebDAV backup and sync with the extension's file.

Passwords are read from standard input only (``--password-stdin`` for the WebDAV login,
``--backup-password-stdin`` for the encryption password; with both, the first line is the
WebDAV password), never from the command line. Exit status: 0 done; 1 the server failed or
there was no file to download; 2 bad settings or input (e.g. a wrong backup password), or
deletions not confirmed: a pull or sync whose merge deletes accounts asks first on a terminal and
needs ``--yes`` without one (nothing is written or uploaded until then).
"""

from __future__ import annotations

import argparse
import sys

from allhub_core.cli.output import Fail, emit, open_store, print_json
from allhub_core.cli.transfer import confirm_deletions
from allhub_core.errors import SiteError
from allhub_core.sync import backup_pull, backup_push, backup_sync, backup_test, save_backup_settings

__all__ = ["cmd_config", "cmd_pull", "cmd_push", "cmd_sync", "cmd_test"]


def _stdin_line(what: str) -> str:
    line = sys.stdin.readline()
    value = line.rstrip("\r\n")
    if not value:
        raise Fail(2, f"No {what} was given on standard input.")
    return value


def _passwords(args: argparse.Namespace) -> tuple[str | None, str | None]:
    login = _stdin_line("WebDAV password") if getattr(args, "password_stdin", False) else None
    backup = _stdin_line("backup password") if getattr(args, "backup_password_stdin", False) else None
    return login, backup


def cmd_config(args: argparse.Namespace) -> int:
    login, backup = _passwords(args)
    if args.clear_password:
        login = ""
    encrypt = True if args.encrypt else False if args.plain else None
    store = open_store(args)
    settings = save_backup_settings(store, url=args.url, username=args.user, password=login, encrypt=encrypt,
                                     backup_password=backup, timeout_s=args.timeout)
    if args.json:
        print_json(settings.as_dict())
        return 0
    emit(f"WebDAV address: {settings.url or '(not set)'}")
    emit(f"Backup file:    {settings.file_url or '(not set)'}")
    emit(f"User:           {settings.username or '(not set)'}")
    emit(f"Password:       {'set (encrypted at rest)' if settings.has_password else 'not set'}")
    emit(f"File mode:      {'encrypted' if settings.encrypt else 'plain'}"
         f"{' (backup password set)' if settings.has_backup_password else ''}")
    emit(f"Deadline:       {settings.timeout_s} s for each request (connecting to the last byte)")
    return 0


def _run(args: argparse.Namespace, action, **kw) -> int:
    store = open_store(args)
    try:
        if getattr(args, "yes", None) is None:
            report = action(store, **kw)
        else:  # pull and sync: a merge that deletes accounts asks first (needs --yes without a terminal)
            report = confirm_deletions(lambda n: action(store, **kw, max_deletes=n), args.yes)
            if report is None:
                return 0
    except SiteError as exc:  # the server failed: exit 1 (settings and input problems stay 2)
        raise Fail(1, str(exc)) from None
    if args.json:
        print_json({"ok": report.ok, "summary": report.summary(), "rows": report.rows()})
    else:
        emit(report.summary(), err=not report.ok)
    return report.exit_code()


def cmd_test(args: argparse.Namespace) -> int:
    return _run(args, backup_test)


def _encrypted(args: argparse.Namespace) -> bool | None:
    return True if args.encrypt else False if args.plain else None


def cmd_push(args: argparse.Namespace) -> int:
    _, backup = _passwords(args)
    return _run(args, backup_push, encrypted=_encrypted(args), password=backup)


def cmd_pull(args: argparse.Namespace) -> int:
    _, backup = _passwords(args)
    return _run(args, backup_pull, mode=args.mode, password=backup)


def cmd_sync(args: argparse.Namespace) -> int:
    _, backup = _passwords(args)
    return _run(args, backup_sync, mode=args.mode, password=backup, encrypted=_encrypted(args))
