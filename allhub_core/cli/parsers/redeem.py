"""``allhub redeem``'s parser; the command is in ``allhub_core.cli.redeem``."""

from __future__ import annotations

import argparse

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    r = sub.add_parser(
        "redeem", help="redeem top-up codes on an account (codes as arguments, or any text on stdin)",
        description="Finds the codes in the arguments, or in standard input when there are none (any text: a "
                    "chat message, a web page), and redeems each once on the account. A code the site credited, "
                    "called used or invalid is never sent again; one that got no answer is sent again by the "
                    "same command.")
    r.add_argument("--account", required=True, metavar="ID", help="the account to credit")
    r.add_argument("texts", nargs="*", metavar="CODE_OR_TEXT", help="codes, or text holding them")
    r.add_argument("--strict", action="store_true", help="only 32 hex digits count as a code")
    r.add_argument("--json", action="store_true", help="print one JSON object per code")
    r.set_defaults(run="allhub_core.cli.redeem:cmd_redeem")
