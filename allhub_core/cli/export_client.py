"""``allhub export-client FORMAT --account ID``: one key in a client's own format (sync/client_export.py).

The output carries the full key: it goes to stdout (or ``--out``, a file only its owner can read)
and nowhere else, and stderr says so, so a pipe into a file or a clipboard is a choice the user
sees. Errors are one sentence with no key in them.
"""

from __future__ import annotations

import argparse

from allhub_core.cli.data import _write_out
from allhub_core.cli.output import Fail, emit, open_store
from allhub_core.errors import SiteError
from allhub_core.sync import CLIENT_FORMATS, export_client

__all__ = ["cmd_export_client"]


def cmd_export_client(args: argparse.Namespace) -> int:
    if args.qr and args.format != "kelivo":
        raise Fail(2, "--qr applies to the kelivo format only.")
    store = open_store(args)
    try:
        with store.session():
            out = export_client(store, args.format, args.account, args.key, args.model, app=args.app)
    except SiteError as exc:
        raise Fail(1, str(exc)) from exc
    label = CLIENT_FORMATS[out.format].label
    if args.out:
        _write_out(args.out, out.text if out.text.endswith("\n") else out.text + "\n", private=True)
    if args.qr and out.qr_svg:
        _write_out(args.qr, out.qr_svg, private=True)
    where = f"{args.out} carries" if args.out else "This output carries"
    emit(f"{where} the full key of account {args.account} for {label}: keep it private."
         + (f" {out.note}" if out.note else ""), err=True)
    if not args.out:
        emit(out.text, end="" if out.text.endswith("\n") else "\n", keep=("\n",))
    return 0
