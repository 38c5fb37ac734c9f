"""``allhub history``, ``allhub usage`` and ``allhub usage sync``'s parsers; the commands are in
``allhub_core.cli.history``."""

from __future__ import annotations

import argparse

__all__ = ["USAGE_BY", "register"]

_CMD = "allhub_core.cli.history:"
#: What ``usage --by`` groups by (``history.usage_by``'s groupings; key = token, cli.md's word).
USAGE_BY = ("model", "account", "day", "key", "token", "latency", "weekday_hour")


def _formats(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--json", action="store_true", help="print JSON")
    g.add_argument("--csv", action="store_true", help="print CSV")


def register(sub: argparse._SubParsersAction) -> None:
    h = sub.add_parser("history", help="daily balance, income and expense of your accounts")
    h.add_argument("--days", type=int, default=30, help="days up to today (default 30)")
    h.add_argument("--tag", help="only accounts with this tag")
    h.add_argument("--account", action="append", metavar="ID", help="only this account (repeatable)")
    h.add_argument("--summed", action="store_true", help="one row per day, all accounts summed")
    h.add_argument("--per-account", action="store_true", help=argparse.SUPPRESS)  # the default; kept for scripts
    _formats(h)
    h.set_defaults(run=_CMD + "cmd_history")

    u = sub.add_parser("usage", help="usage from the synced logs (requests, tokens, cost); 'usage sync' fetches them")
    u.add_argument("--by", choices=USAGE_BY, default="model", help="group by (default: model)")
    u.add_argument("--days", type=int, default=30, help="days up to today (default 30)")
    u.add_argument("--account", action="append", metavar="ID", help="only this account (repeatable)")
    u.add_argument("--db", default=argparse.SUPPRESS, help="the DuckDB file (same as the global --db)")
    _formats(u)
    u.set_defaults(run=_CMD + "cmd_usage")
    usub = u.add_subparsers(dest="usage_command", metavar="sync")
    s = usub.add_parser("sync", help="fetch new usage-log rows from the sites")
    s.add_argument("ids", nargs="*", metavar="ID", help="accounts to sync (default: all enabled)")
    s.add_argument("--json", action="store_true", help="print one JSON object per account")
    s.set_defaults(run=_CMD + "cmd_usage_sync")
