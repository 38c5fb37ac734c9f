"""``allhub dedupe`` and ``allhub export``'s parsers; the commands are in ``allhub_core.cli.data``."""

from __future__ import annotations

import argparse

__all__ = ["register"]

_CMD = "allhub_core.cli.data:"


def register(sub: argparse._SubParsersAction) -> None:
    d = sub.add_parser("dedupe", help="find (and with --apply delete) duplicate accounts")
    d.add_argument("--keep", choices=["pinned", "enabled", "recent"], default="pinned",
                   help="which account of a duplicate set to keep (default: pinned)")
    d.add_argument("--apply", action="store_true", help="delete the duplicates (default: preview only)")
    d.add_argument("--json", action="store_true", help="print JSON")
    d.set_defaults(run=_CMD + "cmd_dedupe")

    e = sub.add_parser("export", help="export all accounts")
    e.add_argument("--format", choices=["json", "csv", "allhub", "backup"], default="json",
                   help="json, csv, allhub (an All API Hub 4.0 backup the extension imports) or backup "
                        "(allhub's own full backup)")
    e.add_argument("--out", help="write to this file instead of standard output")
    e.add_argument("--include-secrets", action="store_true",
                   help="include access tokens, cookies and refresh tokens (not in CSV)")
    e.add_argument("--accounts-only", action="store_true",
                   help="with --format allhub: the extension's accounts-only file")
    e.add_argument("--password-stdin", action="store_true",
                   help="with --format allhub or backup: encrypt with a password read from standard input "
                        "(the extension's encrypted backup envelope)")
    e.set_defaults(run=_CMD + "cmd_export")
