"""``allhub redeem --account ID [CODE_OR_TEXT...] [--json]`` (sync/redeem.py, the redeem room).

The codes are found (``redeem.find_codes``) in the arguments, or in standard input when there
are none; each is redeemed once (``sync.redeem_codes``). Text output: one line per code, masked,
then the summary; ``--json``: cli.md's rows. Exit 1 when any code was not credited."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from allhub_core.cli.output import emit, open_store, print_json
from allhub_core.errors import ValidationError
from allhub_core.redeem import find_codes, set_sample_text, suggest_accounts
from allhub_core.sync import redeem_codes

__all__ = ["cmd_redeem", "seed_demo_redeem"]


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


def seed_demo_redeem(store: Any, sandbox: Any) -> str:
    """``allhub demo``: on the New API site's demo account, one code redeemed and one wrong code
    refused (the page's "Redemptions so far"), and a sample message holding the site's address,
    two unused codes and the used one, for the Redeem page's "Paste the demo's sample message"
    (kept sealed: ``redeem.set_sample_text``). Returns one sentence for the demo's output."""
    site = sandbox.site("new-api")
    row = next(r for r in sandbox.demo_accounts() if r["dialect"] == "new-api")
    aid = next((a["account_id"] for a in suggest_accounts(store, site.url)
                if a["site_name"].endswith(f" · {row['username']}")), None)
    codes = sorted(set(site.redemption_codes) - site.used_codes)
    if aid is None or len(codes) < 3:
        return "Redeem: no demo account to redeem codes on."
    report = redeem_codes(store, aid, [codes[0], "0123456789abcdef0123456789abcdef"])
    set_sample_text(store, f"🎁 Weekly giveaway on {site.url}/console/topup — top-up codes, first come first "
                           f"served (兑换码，先到先得):\n{codes[1]}\n{codes[2]}\n"
                           f"and the one from last week, already used: {codes[0]}\n")
    return f"Redeem: {report.summary()} The Redeem page has a sample message with two unused codes."
