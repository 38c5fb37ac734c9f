"""CLI commands that talk to sites: refresh, checkin, sandbox, demo (registered by cli.py)."""

from __future__ import annotations

import argparse

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    return None
