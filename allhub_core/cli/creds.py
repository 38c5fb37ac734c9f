"""``allhub creds add|list|check|rm``: the API credential library (credentials room, and
sync/credential_checks.py for the checks). Lists show masked keys only; the key given to ``add``
is read from stdin with ``--key -``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from allhub_core.cli.output import Fail, emit, open_store, print_json, read_secret, terminal_safe
from allhub_core.credentials import (
    CredentialFilter,
    CredentialInput,
    add_credential,
    credential_rows,
    parse_credential_ids,
    remove_credentials,
)
from allhub_core.sync.credential_checks import check_credentials

__all__ = ["cmd_creds_add", "cmd_creds_check", "cmd_creds_list", "cmd_creds_rm"]


def _money(value: float | None) -> str:
    return "-" if value is None else f"${value:,.2f}"


def _line(r: dict[str, Any]) -> str:
    state = "never checked" if r["checked_at"] is None else ("ok" if r["ok"] else "failed")
    balance = _money(r["balance_usd"])
    if r["currency"] and r["currency"] != "USD" and r["raw_balance"] is not None:
        balance += f" ({r['raw_balance']:,.2f} {r['currency']})"
    models = "" if r["model_count"] is None else f"{r['model_count']} models"
    tags = f"[{', '.join(r['tags'])}]" if r["tags"] else ""
    return (f"{r['id']:>4}  {r['name']}  {r['base_url']}  {r['api_type']}  {r['key_masked']}  "
            f"balance {balance}  {models}  {state}  {tags}").rstrip()


def cmd_creds_add(args: argparse.Namespace) -> int:
    key = read_secret(args.key) or ""
    store = open_store(args)
    cid = add_credential(store, CredentialInput(
        base_url=args.url, key=key, name=args.name or "", api_type=args.api_type or "", tags=args.tag or [],
        notes=args.notes or "", expires_at=args.expires or None))
    row = credential_rows(store, CredentialFilter(ids=[cid]))[0]
    if args.json:
        print_json(row)
    else:
        emit(terminal_safe(f"Added credential {cid}: {row['name']} ({row['base_url']}, {row['key_masked']})."))
    return 0


def cmd_creds_list(args: argparse.Namespace) -> int:
    store = open_store(args, warm=True)
    rows = credential_rows(store, CredentialFilter(tags=args.tag or [], search=args.search or ""))
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        emit(terminal_safe(_line(r)))
    if not rows:
        emit("No credentials: 'allhub creds add --url URL --key -' adds one.", err=True)
    return 0


def cmd_creds_check(args: argparse.Namespace) -> int:
    store = open_store(args)
    ids = parse_credential_ids(args.ids) or None
    with store.session():
        report = check_credentials(store, ids, send=args.send)
    if args.json:
        print_json(report.rows())
        return report.exit_code()
    for r in report.rows():
        balance = _money(r["balance_usd"]) + (f" via {r['source']}" if r["source"] else "")
        emit(terminal_safe(f"{r['id']:>4}  {'ok' if r['ok'] else 'failed':<6}  {r['name']}  {r['model_count']} models  "
                           f"balance {balance}  {r['message']}".rstrip()))
    emit(report.summary())
    return report.exit_code()


def cmd_creds_rm(args: argparse.Namespace) -> int:
    store = open_store(args)
    ids = parse_credential_ids(args.ids)
    if not args.yes:
        names = {r["id"]: r["name"] for r in credential_rows(store, CredentialFilter(ids=ids))}
        what = ", ".join(f"{i} ({names[i]})" if i in names else str(i) for i in ids)
        if not sys.stdin.isatty():
            raise Fail(2, f"Refusing to remove credential(s) {what} without --yes (no terminal to confirm on).")
        answer = input(terminal_safe(f"Remove credential(s) {what}? [y/N] "))
        if answer.strip().lower() not in ("y", "yes"):
            emit("Nothing removed.")
            return 0
    count = remove_credentials(store, ids)
    emit(f"{count} credential(s) removed.")
    return 0
