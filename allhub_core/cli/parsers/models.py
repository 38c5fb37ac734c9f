"""``allhub models [sync|changes]``'s parsers; the commands are in ``allhub_core.cli.models``.

``allhub models`` alone lists the stored prices (one row per model, account and usable group,
cheapest first for each model); ``models sync`` fetches them; ``models changes`` lists the models
the sites added or removed."""

from __future__ import annotations

import argparse

from allhub_core.cli.terminal import Parser

__all__ = ["register"]

_CMD = "allhub_core.cli.models:"


def register(sub: argparse._SubParsersAction) -> None:
    m = sub.add_parser("models", help="models and prices across your accounts: list (cheapest first), sync, changes")
    m.add_argument("--model", metavar="TEXT", help="only models whose name contains TEXT")
    m.add_argument("--account", action="append", metavar="ID", help="only this account (repeatable)")
    m.add_argument("--tag", action="append", metavar="TAG", help="only accounts with this tag (repeatable)")
    fmt = m.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print JSON")
    fmt.add_argument("--csv", action="store_true", help="print CSV")
    m.add_argument("--db", default=argparse.SUPPRESS, help="the DuckDB file (same as the global --db)")
    m.set_defaults(run=_CMD + "cmd_models_list")
    msub = m.add_subparsers(dest="models_command", metavar="COMMAND", parser_class=Parser)
    msub.required = False

    s = msub.add_parser("sync", help="fetch each account's models and prices (all enabled when none) into the store")
    s.add_argument("ids", nargs="*", metavar="ID", help="accounts (default: all enabled)")
    s.add_argument("--json", action="store_true", help="print one JSON object per account")
    s.set_defaults(run=_CMD + "cmd_models_sync")

    c = msub.add_parser("changes", help="models added or removed per site in the last N days, newest first")
    c.add_argument("--days", default="7", metavar="N", help="how many days back (default: 7)")
    c.add_argument("--json", action="store_true", help="print JSON")
    c.set_defaults(run=_CMD + "cmd_models_changes")
