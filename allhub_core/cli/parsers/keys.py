"""``allhub keys sync|list|create|update|reveal|rm|ensure``'s parsers; the commands are in
``allhub_core.cli.keys``."""

from __future__ import annotations

import argparse

from allhub_core.cli.terminal import Parser

__all__ = ["register"]

_CMD = "allhub_core.cli.keys:"


def register(sub: argparse._SubParsersAction) -> None:
    k = sub.add_parser("keys", help="the API keys of your accounts: sync, list, create, update, reveal, delete, ensure")
    ksub = k.add_subparsers(dest="keys_command", metavar="COMMAND", parser_class=Parser)
    ksub.required = True

    s = ksub.add_parser("sync", help="fetch every key of these accounts (all enabled when none) into the store")
    s.add_argument("ids", nargs="*", metavar="ID", help="accounts (default: all enabled)")
    s.add_argument("--json", action="store_true", help="print one JSON object per account")
    s.set_defaults(run=_CMD + "cmd_keys_sync")

    ls = ksub.add_parser("list", help="the keys in the store (masked; never a secret)")
    ls.add_argument("--account", action="append", metavar="ID", help="only this account (repeatable)")
    ls.add_argument("--tag", action="append", metavar="TAG", help="only accounts with this tag (repeatable)")
    ls.add_argument("--search", metavar="TEXT", help="keys whose name, masked key, group or site contains TEXT")
    fmt = ls.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print JSON")
    fmt.add_argument("--csv", action="store_true", help="print CSV")
    ls.set_defaults(run=_CMD + "cmd_keys_list")

    c = ksub.add_parser("create", help="create a key on the account's site (prints its row, no secret)")
    c.add_argument("--account", required=True, metavar="ID", help="the account")
    c.add_argument("--name", metavar="N", help="the key's name (default: allhub)")
    c.add_argument("--group", metavar="G", help="the key's group (default: the account's own)")
    q = c.add_mutually_exclusive_group()
    q.add_argument("--quota-usd", metavar="X", help="the key's quota in USD")
    q.add_argument("--unlimited", action="store_true", help="no quota limit (the default)")
    c.add_argument("--expires", metavar="YYYY-MM-DD", help="the key stops working after this day (default: never)")
    c.add_argument("--models", metavar="M1,M2", help="only these models (default: every model)")
    c.add_argument("--allow-ips", metavar="IP,CIDR", help="only from these addresses or networks (default: anywhere)")
    c.add_argument("--json", action="store_true", help="print the key's row as JSON")
    c.set_defaults(run=_CMD + "cmd_keys_create")

    u = ksub.add_parser("update", help="change a key on the account's site: only what is given (prints its row)")
    u.add_argument("--account", required=True, metavar="ID", help="the account")
    u.add_argument("key_id", metavar="KEY_ID", help="the key's id (see 'keys list')")
    u.add_argument("--name", metavar="N", help="the key's new name")
    uq = u.add_mutually_exclusive_group()
    uq.add_argument("--quota-usd", metavar="X", help="what the key may still spend, in USD")
    uq.add_argument("--unlimited", action="store_true", help="no quota limit")
    u.add_argument("--expires", metavar="YYYY-MM-DD|never", help="the key stops working after this day, or never")
    u.add_argument("--json", action="store_true", help="print the key's row as JSON")
    u.set_defaults(run=_CMD + "cmd_keys_update")

    r = ksub.add_parser("reveal", help="the full key on stdout, a newline, nothing else")
    r.add_argument("--account", required=True, metavar="ID", help="the account")
    r.add_argument("key_id", metavar="KEY_ID", help="the key's id (see 'keys list')")
    r.add_argument("--keep", action="store_true", help="also keep the key in the store, encrypted")
    r.set_defaults(run=_CMD + "cmd_keys_reveal")

    rm = ksub.add_parser("rm", help="delete keys on the account's site and from the store")
    rm.add_argument("--account", required=True, metavar="ID", help="the account")
    rm.add_argument("key_ids", nargs="+", metavar="KEY_ID", help="the keys' ids (see 'keys list')")
    rm.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    rm.add_argument("--json", action="store_true", help="print one JSON object per key")
    rm.set_defaults(run=_CMD + "cmd_keys_rm")

    e = ksub.add_parser("ensure", help="every selected account (all enabled when none) has a key")
    e.add_argument("ids", nargs="*", metavar="ID", help="accounts (default: all enabled)")
    e.add_argument("--all-groups", action="store_true",
                   help="one key per group the account may use, not just one key (a second run creates nothing)")
    e.add_argument("--json", action="store_true", help="print one JSON object per account")
    e.set_defaults(run=_CMD + "cmd_keys_ensure")
