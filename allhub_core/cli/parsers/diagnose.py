"""``allhub diagnose ID [--json]``'s parser; the command is in ``allhub_core.cli.diagnose``."""

from __future__ import annotations

import argparse

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    d = sub.add_parser("diagnose", help="read-only probes of one account's site (status, user, check-in, keys, "
                                        "pricing, check-in method) as a report to paste into a bug report; "
                                        "no secret is printed and nothing is changed on the site")
    d.add_argument("id", metavar="ID", help="the account's id")
    d.add_argument("--json", action="store_true", help="print the diagnosis as one JSON object")
    d.set_defaults(run="allhub_core.cli.diagnose:cmd_diagnose")
