"""``allhub creds add|list|check|rm``'s parsers; the commands are in ``allhub_core.cli.creds``.

A credential is a base URL and an API key that need no relay account (the Credentials page's
library); ``--key -`` reads the key from stdin so it stays out of the process list."""

from __future__ import annotations

import argparse

from allhub_core.cli.terminal import Parser

__all__ = ["register"]

_CMD = "allhub_core.cli.creds:"


def register(sub: argparse._SubParsersAction) -> None:
    c = sub.add_parser("creds", help="API credentials (a base URL and a key, no account): add, list, check, rm")
    csub = c.add_subparsers(dest="creds_command", metavar="COMMAND", parser_class=Parser)
    csub.required = True

    a = csub.add_parser("add", help="add a credential (the key sealed in the store)")
    a.add_argument("--url", required=True, metavar="URL", help="the API's base URL (with or without /v1)")
    a.add_argument("--key", required=True, metavar="KEY", help="the API key; '-' reads it from stdin (recommended)")
    a.add_argument("--name", metavar="N", help="a name (default: the host)")
    a.add_argument("--tag", action="append", metavar="T", help="a tag (repeatable)")
    a.add_argument("--type", dest="api_type", metavar="TYPE",
                   help="openai-compatible, openai, anthropic or google (default: guessed from the URL and key)")
    a.add_argument("--notes", metavar="TEXT", help="notes")
    a.add_argument("--expires", metavar="YYYY-MM-DD", help="the day the key stops working, if you know it")
    a.add_argument("--json", action="store_true", help="print the credential's row as JSON (masked key)")
    a.set_defaults(run=_CMD + "cmd_creds_add")

    ls = csub.add_parser("list", help="the credentials with their last check (masked keys, never a secret)")
    ls.add_argument("--tag", action="append", metavar="T", help="only credentials with this tag (repeatable)")
    ls.add_argument("--search", metavar="TEXT", help="credentials whose name, URL, notes or tags contain TEXT")
    ls.add_argument("--json", action="store_true", help="print JSON")
    ls.set_defaults(run=_CMD + "cmd_creds_list")

    ch = csub.add_parser("check", help="list each credential's models and ask its balance (all when no ID)")
    ch.add_argument("ids", nargs="*", metavar="ID", help="credentials (default: all)")
    ch.add_argument("--send", action="store_true",
                    help="also send a one-token chat request to the first model (may cost a little)")
    ch.add_argument("--json", action="store_true", help="print one JSON object per credential")
    ch.set_defaults(run=_CMD + "cmd_creds_check")

    r = csub.add_parser("rm", help="remove credentials from the library")
    r.add_argument("ids", nargs="+", metavar="ID", help="credentials to remove")
    r.add_argument("--yes", action="store_true", help="do not ask")
    r.set_defaults(run=_CMD + "cmd_creds_rm")
