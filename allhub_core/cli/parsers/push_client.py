"""``allhub push-client TARGET`` and ``allhub push-client config TARGET``'s parser; the commands
are in ``allhub_core.cli.push_client``. TARGET: cliproxyapi | ccr | newapi (held equal to
``sync.PUSH_KINDS`` by tests/cli/test_cli_push_client.py)."""

from __future__ import annotations

import argparse

__all__ = ["TARGETS", "register"]

_CMD = "allhub_core.cli.push_client:"
TARGETS = ("cliproxyapi", "ccr", "newapi")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "push-client", help="push a key to a service you run (CLIProxyAPI, Claude Code Router, your New API)",
        description="Preview (default) or apply the push of one account's key to a service you run: "
                    "'allhub push-client TARGET --account ID [--key KEY_ID] [--apply]'. Its address and "
                    "management key: 'allhub push-client config TARGET --url URL --key -' (the key from "
                    "standard input; without --url or --key the saved settings are shown).")
    p.add_argument("target", metavar="TARGET", choices=(*TARGETS, "config"),
                   help=f"{' | '.join(TARGETS)}, or config")
    p.add_argument("config_target", nargs="?", metavar="CONFIG_TARGET", help="after config: the target to set")
    p.add_argument("--account", metavar="ID", help="the account whose key is pushed")
    p.add_argument("--key", metavar="KEY_ID",
                   help="the key to push (default: the account's first enabled key); with config: '-' reads "
                        "the management key from standard input")
    p.add_argument("--apply", action="store_true", help="write the change (default: only preview it)")
    p.add_argument("--url", metavar="URL", help="with config: the service's address")
    p.add_argument("--user-id", metavar="N", help="with config newapi: the admin's user id (New-Api-User)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=_CMD + "cmd_push_client")
