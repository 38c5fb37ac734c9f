"""``allhub sandbox`` and ``allhub demo``'s parsers; the commands are in ``allhub_core.cli.sandbox``."""

from __future__ import annotations

import argparse

__all__ = ["register"]

_CMD = "allhub_core.cli.sandbox:"


def register(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("sandbox", help="run the local simulated relay sites (for trying allhub out)")
    s.add_argument("--port", type=int, default=0,
                   help="port of the first site; the others follow (default: free ports)")
    s.add_argument("--sites", type=int, help="number of sites (default: one per dialect)")
    s.add_argument("--dialect", action="append", help="only this dialect (repeatable)")
    s.add_argument("--users", type=int, default=3, help="seeded users per site")
    s.add_argument("--latency-ms", type=int, default=0, help="delay added to every response")
    s.add_argument("--seed", type=int, default=1, help="seed of the generated data")
    s.set_defaults(run=_CMD + "cmd_sandbox")

    d = sub.add_parser("demo", help="sandbox sites + a demo database + the dashboard")
    d.add_argument("--demo-db", default="data/demo.duckdb", help="the demo database (rebuilt each time)")
    d.add_argument("--port", type=int, default=8502, help="dashboard port")
    d.add_argument("--sandbox-port", type=int, default=0, help="port of the first sandbox site")
    d.add_argument("--no-dashboard", action="store_true", help="only build the demo database")
    d.set_defaults(run=_CMD + "cmd_demo")
