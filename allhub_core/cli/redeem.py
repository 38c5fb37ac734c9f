"""``allhub redeem --account ID [CODE_OR_TEXT...] [--json]`` (sync/redeem.py, the redeem room).

The codes are found (``redeem.find_codes``) in the arguments, or in standard input when there
are none; each is redeemed once (``sync.redeem_codes``). Text output: one line per code, masked,
then the summary; ``--json``: cli.md's rows. Exit 1 when any code was not credited."""

from __future__ import annotations

import argparse
import sys

from allhub_core.cli.output import emit, open_store, print_json
from allhub_core.errors import ValidationError
from allhub_core.redeem import find_codes
from allhub_core.sync import redeem_codes

__all__ = ["cmd_redeem"]


def _text(args: argparse.Namespace) -> str:
    if args.texts:
        return "\n".join(args.texts)
    if sys.stdin is None or sys.stdin.isatty():
        raise ValidationError("Give the codes as arguments, or pipe a text that holds them on standard input.")
    return sys.stdin.read()


def cmd_redeem(args: argparse.Namespace) -> int:
    codes = find_codes(_text(args), strict=args.strict)
    if not codes:
        raise ValidationError("No redemption code found (a code is 32 characters without spaces"
                              + (", all hex digits)." if args.strict else ")."))
    store = open_store(args)
    with store.session():
        report = redeem_codes(store, args.account, codes)
    if args.json:
        print_json([{k: r[k] for k in ("code", "ok", "credited_usd", "message")} for r in report.rows()])
        return report.exit_code()
    for r in report.rows():
        usd = f"${r['credited_usd']:,.2f}" if r["credited_usd"] is not None else ""
        emit(f"{r['status']:<9} {r['code']}  {usd:>9}  {r['message']}".rstrip())
    emit(report.summary())
    return report.exit_code()
