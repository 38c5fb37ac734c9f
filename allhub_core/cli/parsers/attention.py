"""``allhub attention [--json]``'s parser; the command is in ``allhub_core.cli.attention``."""

from __future__ import annotations

import argparse

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    a = sub.add_parser("attention", help="what needs you, by severity and category, each with its reason and the "
                                         "command that fixes it")
    a.add_argument("--limit", type=int, default=None, metavar="N",
                   help="at most N entries a category (the counts still cover them all)")
    a.add_argument("--json", action="store_true",
                   help="print one JSON object per entry: severity, category, account_id, reason, action")
    a.set_defaults(run="allhub_core.cli.attention:cmd_attention")
