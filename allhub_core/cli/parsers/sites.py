"""``allhub refresh`` and ``allhub checkin``'s parsers; the commands are in ``allhub_core.cli.sites``."""

from __future__ import annotations

import argparse

__all__ = ["MAX_CONCURRENCY", "MAX_RPM", "register"]

_CMD = "allhub_core.cli.sites:"

#: The upper bounds of the saved settings (``accounts.preferences.WHOLE_NUMBER_LIMITS``), written
#: here so the help loads no room; tests/cli/test_cli_parsers.py holds them equal.
MAX_CONCURRENCY = 64
MAX_RPM = 10000.0


def _limits(p: argparse.ArgumentParser) -> None:
    p.add_argument("--per-site-concurrency", type=int, metavar="N",
                   help=f"requests in flight per site for this run (1 to {MAX_CONCURRENCY})")
    p.add_argument("--per-site-window", metavar="N/W",
                   help="at most N requests per site in any W seconds for this run, e.g. 50/180 (0: no limit)")
    p.add_argument("--per-site-rpm", type=float, metavar="N",
                   help=f"requests per minute per site, 1 to {MAX_RPM:.0f}, i.e. a window of N/60 (0: no limit)")
    p.add_argument("--account-deadline", type=float, metavar="S",
                   help="seconds one account's whole run may take (0: no deadline)")


def register(sub: argparse._SubParsersAction) -> None:
    r = sub.add_parser("refresh", help="refresh balances and today's figures from the sites")
    r.add_argument("ids", nargs="*", metavar="ID", help="accounts to refresh (default: all enabled)")
    r.add_argument("--force", action="store_true", help="ignore the per-account minimum interval")
    r.add_argument("--json", action="store_true", help="print one JSON object per account")
    _limits(r)
    r.set_defaults(run=_CMD + "cmd_refresh")

    c = sub.add_parser("checkin", help="check in for today's free quota")
    c.add_argument("ids", nargs="*", metavar="ID", help="accounts to check in (default: all enabled with check-in)")
    c.add_argument("--json", action="store_true", help="print one JSON object per account")
    _limits(c)
    c.set_defaults(run=_CMD + "cmd_checkin")
