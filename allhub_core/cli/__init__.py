"""The ``allhub`` command line (layer L6): one module per command group over library calls."""

from allhub_core.cli.main import build_parser, main
from allhub_core.cli.output import terminal_safe

__all__ = ["build_parser", "main", "terminal_safe"]
