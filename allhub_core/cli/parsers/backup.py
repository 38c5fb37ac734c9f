"""``allhub backup config|test|push|pull|sync``'s parsers; the commands are in
``allhub_core.cli.backup`` (whose docstring says how the passwords are read)."""

from __future__ import annotations

import argparse

__all__ = ["register"]

_CMD = "allhub_core.cli.backup:"


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
    c.set_defaults(run=_CMD + "cmd_config")

    t = bsub.add_parser("test", help="check that the WebDAV server answers and accepts the login")
    t.add_argument("--json", action="store_true", help="print JSON")
    t.set_defaults(run=_CMD + "cmd_test")

    pu = bsub.add_parser("push", help="upload this database as the extension's backup file")
    _file_mode(pu, "upload")
    _password_and_json(pu, "read the backup (encryption) password from standard input")
    pu.set_defaults(run=_CMD + "cmd_push")

    pl = bsub.add_parser("pull", help="download the backup file and import it")
    pl.add_argument("--mode", choices=["merge", "replace"], default="merge",
                    help="merge: the newer record wins, deletions honoured (default); replace: the file wins")
    _password_and_json(pl, "read the password of an encrypted file from standard input")
    _yes(pl)
    pl.set_defaults(run=_CMD + "cmd_pull")

    s = bsub.add_parser("sync", help="sync with the backup file (merge both ways, upload only, download only)")
    s.add_argument("--mode", choices=["merge", "upload", "download"], default="merge",
                   help="merge: download, merge, upload (default); upload: this database wins; "
                        "download: merge the file into this database")
    _file_mode(s, "upload")
    _password_and_json(s, "read the backup (encryption) password from standard input")
    _yes(s)
    s.set_defaults(run=_CMD + "cmd_sync")
