"""``allhub keys sync|list|create|update|reveal|rm|ensure``: the API keys of the accounts (sync/keys.py and
the keys room). A key's secret is printed by ``keys reveal`` only, alone on stdout; lists, JSON,
CSV and every message carry masked keys."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from allhub_core.accounts import parse_id, require_ids
from allhub_core.cli.output import Fail, emit, open_store, print_json, print_rows_csv
from allhub_core.cli.terminal import terminal_safe
from allhub_core.errors import SiteError
from allhub_core.keys import key_rows
from allhub_core.reports import Report
from allhub_core.sync import create_key, delete_keys, ensure_keys, reveal_key, sync_keys, update_key

__all__ = ["LIST_KEYS", "cmd_keys_create", "cmd_keys_ensure", "cmd_keys_list", "cmd_keys_reveal", "cmd_keys_rm",
           "cmd_keys_sync", "cmd_keys_update"]

#: The keys of ``keys list --json`` / ``--csv`` and ``keys create --json`` (shared/spec/cli.md).
LIST_KEYS = ["account_id", "key_id", "name", "masked_key", "group", "status", "unlimited", "remaining_usd", "used_usd",
             "expires_at", "fetched_at"]


def _contract(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row.get(k) for k in LIST_KEYS}


def _ids(values: list[str] | None) -> list[int] | None:
    return [parse_id(v) for v in values] if values else None


def _existing(store: Any, ids: list[int] | None) -> None:
    if ids:
        with store.read() as con:
            require_ids(con, ids)


def _site_failed(exc: SiteError) -> Fail:
    """The command ran, the site said no: exit 1 with its sentence (already scrubbed)."""
    return Fail(1, str(exc))


def _finish(args: argparse.Namespace, report: Report, line: Any) -> int:
    if args.json:
        print_json(report.rows())
    else:
        for r in report.rows():
            emit(line(r))
        emit(report.summary())
    return report.exit_code()


def cmd_keys_sync(args: argparse.Namespace) -> int:
    store = open_store(args)
    with store.session():
        report = sync_keys(store, args.ids or None)
    return _finish(args, report, lambda r: f"{r['account_id']:>5}  {r['status']:<11} {r['keys']:>4} key(s)  "
                                            f"{r['site_name']}  {r['message']}".rstrip())


_TABLE = ("ACCOUNT", "SITE", "KEY", "NAME", "KEY (MASKED)", "GROUP", "STATUS", "LEFT $", "USED $", "EXPIRES")


def _cells(r: dict[str, Any]) -> list[str]:
    left = "unlimited" if r["unlimited"] else "-" if r["remaining_usd"] is None else f"{r['remaining_usd']:,.2f}"
    return [str(r["account_id"]), r["site_name"] or "", r["key_id"], r["name"], r["masked_key"], r["group"] or "-",
            r["status"], left, f"{r['used_usd']:,.2f}", (r["expires_at"] or "never")[:10]]


def cmd_keys_list(args: argparse.Namespace) -> int:
    store = open_store(args)
    ids = _ids(args.account)
    with store.session():
        _existing(store, ids)
        rows = key_rows(store, account_ids=ids, search=args.search, tags=args.tag)
    if args.json:
        print_json([_contract(r) for r in rows])
    elif args.csv:
        print_rows_csv(rows, LIST_KEYS)
    else:
        table = [list(_TABLE)] + [[terminal_safe(c) for c in _cells(r)] for r in rows]
        widths = [max(len(row[i]) for row in table) for i in range(len(_TABLE))]
        for row in table:
            emit("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if not rows:
            emit("No keys in the store: 'allhub keys sync' fetches them.", err=True)
    return 0


def cmd_keys_create(args: argparse.Namespace) -> int:
    store = open_store(args)
    try:
        with store.session():
            report = create_key(store, args.account, name=args.name, group=args.group, quota_usd=args.quota_usd,
                                unlimited=args.unlimited or None, expires=args.expires, model_limits=args.models,
                                allow_ips=args.allow_ips)
    except SiteError as exc:
        raise _site_failed(exc) from exc
    if args.json:
        print_json(_contract(report.rows()[0]))
    else:
        emit(report.summary())
    return report.exit_code()


def cmd_keys_update(args: argparse.Namespace) -> int:
    store = open_store(args)
    try:
        with store.session():
            row = update_key(store, args.account, args.key_id, name=args.name, quota_usd=args.quota_usd,
                             unlimited=True if args.unlimited else None, expires=args.expires)
    except SiteError as exc:
        raise _site_failed(exc) from exc
    if args.json:
        print_json(_contract(row))
    else:
        left = "unlimited" if row["unlimited"] else f"{row['remaining_usd'] or 0:,.2f} USD left"
        emit(f"Updated key '{row['name']}' (id {row['key_id']}) of account {row['account_id']}: {left}, "
             f"expires {(row['expires_at'] or 'never')[:10]}.")
    return 0


def cmd_keys_reveal(args: argparse.Namespace) -> int:
    store = open_store(args)
    try:
        with store.session():
            key = reveal_key(store, args.account, args.key_id, keep=args.keep)
    except SiteError as exc:
        raise _site_failed(exc) from exc
    emit(key)  # the key, a newline, nothing else
    return 0


def cmd_keys_rm(args: argparse.Namespace) -> int:
    store = open_store(args)
    aid = parse_id(args.account)
    _existing(store, [aid])
    if not args.yes:
        names = {r["key_id"]: r["name"] for r in key_rows(store, [aid])}
        what = ", ".join(f"{k} ({names[k]})" if names.get(k) else str(k) for k in args.key_ids)
        if not sys.stdin.isatty():
            raise Fail(2, f"Refusing to delete key(s) {what} of account {aid} without --yes "
                          "(no terminal to confirm on).")
        answer = input(terminal_safe(f"Delete key(s) {what} of account {aid} on its site? [y/N] "))
        if answer.strip().lower() not in ("y", "yes"):
            emit("Nothing deleted.")
            return 0
    try:
        with store.session():
            report = delete_keys(store, aid, args.key_ids)
    except SiteError as exc:
        raise _site_failed(exc) from exc
    return _finish(args, report, lambda r: f"{r['key_id']:>8}  {'deleted' if r['ok'] else 'not deleted'}  "
                                            f"{r['message']}".rstrip())


def cmd_keys_ensure(args: argparse.Namespace) -> int:
    store = open_store(args)
    with store.session():
        report = ensure_keys(store, args.ids or None, all_groups=args.all_groups)

    def line(r: dict[str, Any]) -> str:
        made = ", ".join(f"{c['name']} (id {c['key_id']})" for c in r["created"])
        return f"{r['account_id']:>5}  {r['status']:<11} {r['site_name']}  {made or r['message']}".rstrip()

    return _finish(args, report, line)
