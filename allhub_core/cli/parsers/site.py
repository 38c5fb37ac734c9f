"""``allhub site list|set``'s parsers: each site's request window; the commands are in
``allhub_core.cli.site``."""

from __future__ import annotations

import argparse

from allhub_core.cli.terminal import Parser

__all__ = ["register"]

_CMD = "allhub_core.cli.site:"


def register(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("site", help="each site's request window, shared by every job and process on the database")
    ssub = s.add_subparsers(dest="site_command", metavar="COMMAND", parser_class=Parser)
    ssub.required = True
    lst = ssub.add_parser("list", help="the sites of your accounts, each with its window and who set it "
                                       "(default, user, or 429: lowered after the site said too many requests)")
    lst.add_argument("--json", action="store_true", help="print one JSON object per site")
    lst.set_defaults(run=_CMD + "cmd_site_list")

    st = ssub.add_parser("set", help="set one site's window, or send it back to the default")
    st.add_argument("url", metavar="URL", help="the site's address (reduced to its origin)")
    how = st.add_mutually_exclusive_group(required=True)
    how.add_argument("--window", metavar="N/SECONDS",
                     help="at most N requests to this site in any SECONDS, e.g. 180/180 (0/SECONDS: no limit)")
    how.add_argument("--default", action="store_true", help="use the default window (Settings) again")
    st.add_argument("--json", action="store_true", help="print the site's row as JSON")
    st.set_defaults(run=_CMD + "cmd_site_set")
