"""``allhub notices [sync|read]``'s parsers; the commands are in ``allhub_core.cli.notices``.

``allhub notices`` alone lists the stored announcements (unread first); ``notices sync`` fetches
them from the sites; ``notices read`` marks some (or all) read."""

from __future__ import annotations

import argparse

from allhub_core.cli.terminal import Parser

__all__ = ["register"]

_CMD = "allhub_core.cli.notices:"


def register(sub: argparse._SubParsersAction) -> None:
    n = sub.add_parser("notices", help="the sites' announcements: list (unread first), sync, read")
    n.add_argument("--unread", action="store_true", help="only the unread ones")
    n.add_argument("--json", action="store_true", help="print JSON")
    n.add_argument("--db", default=argparse.SUPPRESS, help="the DuckDB file (same as the global --db)")
    n.set_defaults(run=_CMD + "cmd_notices_list")
    nsub = n.add_subparsers(dest="notices_command", metavar="COMMAND", parser_class=Parser)
    nsub.required = False

    s = nsub.add_parser("sync", help="fetch the announcements of the accounts' sites (all enabled when none)")
    s.add_argument("ids", nargs="*", metavar="ID", help="accounts (default: all enabled)")
    s.add_argument("--json", action="store_true", help="print one JSON object per site")
    s.set_defaults(run=_CMD + "cmd_notices_sync")

    r = nsub.add_parser("read", help="mark announcements read (their ids, as 'allhub notices' lists them)")
    r.add_argument("notice_ids", nargs="*", metavar="NOTICE_ID", help="announcements to mark read")
    r.add_argument("--all", action="store_true", help="mark every unread announcement read")
    r.set_defaults(run=_CMD + "cmd_notices_read")
