"""``allhub notices [sync|read|sites|config]``'s parsers; the commands are in ``allhub_core.cli.notices``.

``allhub notices`` alone lists the stored announcements (unread first); ``notices sync`` fetches
them from the sites; ``notices read`` marks some (or all) read; ``notices sites`` and ``notices
config`` show and set how often each site is asked, and which are not."""

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

    st = nsub.add_parser("sites", help="each site: announcements fetched or not, when, unread and total")
    st.add_argument("--json", action="store_true", help="print JSON")
    st.set_defaults(run=_CMD + "cmd_notices_sites")

    c = nsub.add_parser("config", help="how often a site's announcements are fetched, and sites switched on or off")
    c.add_argument("--interval", metavar="S", help="seconds between two fetches of one site (300 to 604800)")
    c.add_argument("--on", nargs="+", default=[], metavar="SITE", help="fetch these sites (account ids or addresses)")
    c.add_argument("--off", nargs="+", default=[], metavar="SITE",
                   help="leave these sites' announcements alone (account ids or addresses); what is stored stays")
    c.add_argument("--json", action="store_true", help="print what is set as JSON")
    c.set_defaults(run=_CMD + "cmd_notices_config")
