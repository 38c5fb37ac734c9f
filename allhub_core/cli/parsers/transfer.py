"""``allhub import``'s parser; the command is in ``allhub_core.cli.transfer``."""

from __future__ import annotations

import argparse

__all__ = ["register"]

_CMD = "allhub_core.cli.transfer:"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import", help="import an All API Hub backup, an allhub backup, or a CSV of accounts")
    p.add_argument("file", metavar="FILE", help="the file to import ('-' reads standard input)")
    p.add_argument("--mode", choices=["merge", "replace"], default="merge",
                   help="merge (default: newer entries win, nothing deleted unless the backup deleted it) or "
                        "replace (the backup becomes your account list)")
    p.add_argument("--dry-run", action="store_true", help="show what would change and write nothing")
    p.add_argument("--yes", action="store_true",
                   help="delete the accounts the import deletes without asking (needed without a terminal)")
    p.add_argument("--password-stdin", action="store_true",
                   help="read the password of an encrypted backup from standard input")
    p.add_argument("--refresh", action="store_true",
                   help="CSV only: then recognise each added account's site (type, name, rate) and refresh it")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=_CMD + "cmd_import")
