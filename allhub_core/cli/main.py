"""The ``allhub`` command line: a thin layer over the library (see README "Command line").

One module per command group (``account``, ``sites`` for refresh/check-in, ``data`` for dedupe and
export, ``sandbox`` for sandbox/demo); each registers its parsers and calls one library function
per command. ``output`` holds what they share, terminal-safe printing above all.

Exit status: 0 success; 1 the command ran but some items failed (e.g. a refused duplicate);
2 bad usage or unreadable input. Errors are one sentence on stderr, never a traceback and
never a secret: ``main`` maps the ``AllhubError`` tree to exit codes here, once. A secret given
as ``-`` is read from standard input so it stays out of the process list and shell history.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence

from allhub_core import __version__
from allhub_core.cli import account, automation, backup, data, history, notify, sandbox, sites, transfer
from allhub_core.cli.output import Fail, Parser, emit
from allhub_core.errors import AllhubError, StoreBusy

__all__ = ["build_parser", "main"]

GROUPS = (account, sites, data, history, sandbox, backup, transfer, notify, automation)


def build_parser() -> argparse.ArgumentParser:
    p = Parser(prog="allhub", description="Manage your AI relay-site accounts from the command line.")
    p.add_argument("--version", action="version", version=f"allhub {__version__}")
    p.add_argument("--db", default=None, help="the DuckDB file (default: $ALLHUB_DB or data/allhub.duckdb)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True
    for group in GROUPS:
        group.register(sub)
    # --db may also come after the command (``allhub account list --db x.duckdb``).
    for leaf in _leaves(p):
        if leaf.prog.split()[1] not in ("sandbox", "demo"):
            leaf.add_argument("--db", default=argparse.SUPPRESS, help="the DuckDB file (same as the global --db)")
    return p


def _leaves(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield parser
        return
    for action in subs:
        for child in action.choices.values():
            yield from _leaves(child)


def exit_code(exc: AllhubError) -> int:
    """1 when the database was busy (try again), 2 for everything the user must change."""
    return 1 if isinstance(exc, StoreBusy) else 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except Fail as exc:
        if str(exc):
            emit(f"allhub: {exc}", err=True)
        return exc.code
    except AllhubError as exc:
        emit(f"allhub: {exc}", err=True)
        return exit_code(exc)
    except KeyboardInterrupt:
        emit("allhub: interrupted.", err=True)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug still gets one sentence, not a traceback
        if os.environ.get("ALLHUB_DEBUG"):
            raise
        emit(f"allhub: unexpected internal error ({type(exc).__name__}); run again with ALLHUB_DEBUG=1 "
             "to see the details.", err=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
