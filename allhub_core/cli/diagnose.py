"""``allhub diagnose ID``: one account's site probed read-only (``sync.diagnose``), printed as the
plain text a user pastes into a bug report, or with ``--json`` as one object. No secret is printed;
an unknown id is one sentence and exit 2 (``main``)."""

from __future__ import annotations

import argparse

from allhub_core.cli.output import emit, open_store, print_json
from allhub_core.sync import diagnose

__all__ = ["cmd_diagnose"]


def cmd_diagnose(args: argparse.Namespace) -> int:
    store = open_store(args)
    found = diagnose(store, args.id)
    if args.json:
        print_json(found.as_json())
    else:
        emit(found.text(), keep=("\n",))
    return found.exit_code()
