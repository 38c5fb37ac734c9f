"""The ``allhub`` command line: a thin layer over the library (see README "Command line").

Two halves per command group, so that ``allhub --help`` (and any ``--help``) loads nothing heavy:

- ``allhub_core/cli/parsers/<group>.py``: ``register(sub)`` adds the group's parsers (every
  subcommand, flag, help text and choice). Standard library, L0 (``vocab``, ``errors``) and
  ``cli.terminal`` only: never a room, DuckDB or pandas (a choice a room owns is a literal there,
  held equal to the room's by a test in tests/cli/test_cli_parsers.py).
- ``allhub_core/cli/<group>.py``: the commands, ``cmd_x(args) -> int``, each calling one library
  function and printing what it returns (``output`` holds what they share). Each leaf parser names
  its command as a string, ``set_defaults(run="allhub_core.cli.<group>:cmd_x")``, and ``main``
  imports that module only when the command runs.

To add a command group (say ``allhub site list|set``):

1. ``cli/parsers/site.py`` with ``register(sub)``: ``sub.add_parser("site", ...)``, its
   subparsers (``parser_class=Parser`` from ``cli.terminal``), and on each leaf
   ``set_defaults(run="allhub_core.cli.site:cmd_site_list")``;
2. ``cli/site.py`` with those ``cmd_*`` functions (import the rooms here, at the top);
3. the parser module in ``GROUPS`` below (the order is the order of ``allhub --help``);
4. the commands in README and shared/spec/cli.md; tests in tests/cli/ (test_cli_parsers.py
   resolves every ``run`` and checks that ``--help`` still imports no room).

Exit status: 0 success; 1 the command ran but some items failed (e.g. a refused duplicate);
2 bad usage or unreadable input. Errors are one sentence on stderr, never a traceback and
never a secret: ``main`` maps the ``AllhubError`` tree to exit codes here, once. A secret given
as ``-`` is read from standard input so it stays out of the process list and shell history.
"""

from __future__ import annotations

import argparse
import atexit
import importlib
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NoReturn

from allhub_core import __version__
from allhub_core.cli.parsers import (
    account,
    attention,
    automation,
    backup,
    creds,
    data,
    diagnose,
    export_client,
    history,
    keys,
    models,
    notices,
    notify,
    push_client,
    redeem,
    sandbox,
    site,
    sites,
    transfer,
)
from allhub_core.cli.terminal import Fail, Parser, emit
from allhub_core.errors import AllhubError, StoreBusy

__all__ = ["GROUPS", "build_parser", "command", "main", "run"]

#: The parser modules, in the order ``allhub --help`` lists their commands.
GROUPS = (account, sites, site, data, history, keys, export_client, push_client, creds, models, redeem, notices,
          attention, diagnose, sandbox, backup, transfer, notify, automation)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser tree. With ``argv`` (what ``main`` parses), only the groups whose commands are
    named there are built in full; every other command is one line of ``allhub --help`` (its name
    and help), never parsed: argparse's parsers cost about a millisecond each, and the whole tree
    is some 60 of them with 400 options, which a command or ``--help`` would pay at every start.
    Without ``argv``, the whole tree (the tests walk it)."""
    p = Parser(prog="allhub", description="Manage your AI relay-site accounts from the command line.")
    p.add_argument("--version", action="version", version=f"allhub {__version__}")
    p.add_argument("--db", default=None, help="the DuckDB file (default: $ALLHUB_DB or data/allhub.duckdb)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True
    named = None if argv is None else set(argv)
    lines_only: list[argparse.ArgumentParser] = []
    for group in GROUPS:
        lines = _command_lines(group)
        if named is None or named.intersection(name for name, _ in lines):
            group.register(sub)
        else:
            for name, text in lines:  # in the order register adds them, as ``--help`` lists them
                lines_only.append(sub.add_parser(name, help=text))
    # --db may also come after the command (``allhub account list --db x.duckdb``).
    for leaf in _leaves(p):
        if leaf.prog.split()[1] not in ("sandbox", "demo") and leaf not in lines_only:
            leaf.add_argument("--db", default=argparse.SUPPRESS, help="the DuckDB file (same as the global --db)")
    return p


class _Lines:
    """Stands in for argparse's subparsers while a group registers: keeps each top-level command's
    name and help, and lets every other call (its options, its subcommands) pass unseen."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str | None]] = []

    def add_parser(self, name: str, **kwargs: Any) -> _Unseen:
        self.lines.append((name, kwargs.get("help")))
        return _Unseen()


class _Unseen:
    """A parser nobody will parse with: every attribute is a call that does nothing."""

    def __getattr__(self, name: str) -> Callable[..., _Unseen]:
        return lambda *args, **kwargs: self


def _command_lines(group: Any) -> list[tuple[str, str | None]]:
    """``[(command, help)]`` of one parser module, in the order it registers them."""
    lines = _Lines()
    group.register(lines)
    return lines.lines


def _leaves(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield parser
        return
    for action in subs:
        for child in action.choices.values():
            yield from _leaves(child)


def command(target: str) -> Callable[[argparse.Namespace], int | None]:
    """The command a parser names, ``"allhub_core.cli.account:cmd_account_list"``, imported now."""
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def exit_code(exc: AllhubError) -> int:
    """1 when the database was busy (try again), 2 for everything the user must change."""
    return 1 if isinstance(exc, StoreBusy) else 2


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    try:
        return int(command(args.run)(args) or 0)
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


def run() -> NoReturn:
    """The ``allhub`` console script: ``main``, then out of the process without the interpreter's
    teardown. Emptying every module's namespace at exit costs some 20-30 ms after DuckDB's package
    is loaded (a third of what ``account list`` spends above Python's own start-up). What exit
    does that matters still happens: the output is flushed and the ``atexit`` functions run
    (logging's, temporary folders'); a command that leaves a thread of its own running (none does
    now) gets the ordinary exit, which waits for it. Tests call ``main``, which returns."""
    code = main()
    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):  # the reader has gone (``| head``): nothing to tell it
            pass
    atexit._run_exitfuncs()
    os._exit(code)


if __name__ == "__main__":
    run()
