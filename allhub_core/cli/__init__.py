"""The ``allhub`` command line (layer L6): per command group, a parser module (``cli/parsers/``)
and a module of commands over library calls; see ``cli/main.py``."""

from allhub_core.cli.main import build_parser, main
from allhub_core.cli.terminal import terminal_safe

__all__ = ["build_parser", "main", "terminal_safe"]
