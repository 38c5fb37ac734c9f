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

__all__ = ["register"]


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


class _NoPasswordOnArgv(argparse.Action):
    """``--password -`` (shared/spec/cli.md) reads the password from standard input, like
    ``--password-stdin``; ``--password VALUE`` would put it in the process list and be echoed
    back as an unknown argument, so it is refused without repeating the value."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        if values == "-":
            login = option_string == "--password" and hasattr(namespace, "password_stdin")  # only `config` logs in
            setattr(namespace, "password_stdin" if login else "backup_password_stdin", True)
            return
        parser.error("passwords are read from standard input only (--password - or --password-stdin, "
                     "--backup-password-stdin), never from the command line")


def _file_mode(p: argparse.ArgumentParser, what: str) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--encrypt", action="store_true", help=f"{what} encrypted with the backup password")
    g.add_argument("--plain", "--no-encrypt", action="store_true", help=f"{what} as plain JSON")


def _password_and_json(p: argparse.ArgumentParser, help_text: str) -> None:
    """What push, pull and sync share: the backup password from stdin (never argv), and --json."""
    p.add_argument("--backup-password-stdin", action="store_true", help=help_text)
    p.add_argument("--password", "--backup-password", nargs="?", action=_NoPasswordOnArgv, help=argparse.SUPPRESS)
    p.add_argument("--json", action="store_true", help="print JSON")


def _yes(p: argparse.ArgumentParser) -> None:
    p.add_argument("--yes", action="store_true", help="delete the accounts the file's deletion records delete "
                   "without asking (needed without a terminal)")


def register(sub: argparse._SubParsersAction) -> None:
    b = sub.add_parser("backup", help="WebDAV backup and sync with the All API Hub extension's file")
    bsub = b.add_subparsers(dest="backup_command", metavar="ACTION", parser_class=type(b))
    bsub.required = True

    c = bsub.add_parser("config", help="set (or show) the WebDAV address, user, password and file mode")
    c.add_argument("--url", help="a WebDAV folder (the file goes in all-api-hub-backup/) or a .json file URL")
    c.add_argument("--user", help="the WebDAV user name")
    c.add_argument("--password-stdin", action="store_true", help="read the WebDAV password from standard input")
    c.add_argument("--clear-password", action="store_true", help="forget the saved WebDAV password")
    c.add_argument("--timeout", metavar="SECONDS",
                   help="the deadline of each WebDAV request, from connecting to its last byte (default 120)")
    c.add_argument("--backup-password-stdin", action="store_true",
                   help="read the backup (encryption) password from standard input (after the WebDAV password)")
    _file_mode(c, "upload")
    c.add_argument("--password", "--backup-password", nargs="?", action=_NoPasswordOnArgv, help=argparse.SUPPRESS)
    c.add_argument("--json", action="store_true", help="print JSON")
    c.set_defaults(func=cmd_config)

    t = bsub.add_parser("test", help="check that the WebDAV server answers and accepts the login")
    t.add_argument("--json", action="store_true", help="print JSON")
    t.set_defaults(func=cmd_test)

    pu = bsub.add_parser("push", help="upload this database as the extension's backup file")
    _file_mode(pu, "upload")
    _password_and_json(pu, "read the backup (encryption) password from standard input")
    pu.set_defaults(func=cmd_push)

    pl = bsub.add_parser("pull", help="download the backup file and import it")
    pl.add_argument("--mode", choices=["merge", "replace"], default="merge",
                    help="merge: the newer record wins, deletions honoured (default); replace: the file wins")
    _password_and_json(pl, "read the password of an encrypted file from standard input")
    _yes(pl)
    pl.set_defaults(func=cmd_pull)

    s = bsub.add_parser("sync", help="sync with the backup file (merge both ways, upload only, download only)")
    s.add_argument("--mode", choices=["merge", "upload", "download"], default="merge",
                   help="merge: download, merge, upload (default); upload: this database wins; "
                        "download: merge the file into this database")
    _file_mode(s, "upload")
    _password_and_json(s, "read the backup (encryption) password from standard input")
    _yes(s)
    s.set_defaults(func=cmd_sync)
