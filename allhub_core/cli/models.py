"""``allhub models [sync|changes]``: models and prices across the accounts (sync/prices.py and the
prices room). ``models`` prints ``prices.model_rows`` (the price formulas are SQL there),
``models sync`` fetches the sites' lists, ``models changes`` the models they added or removed."""

from __future__ import annotations

import argparse
from typing import Any

from allhub_core.accounts import parse_id, require_ids
from allhub_core.cli.output import emit, open_store, print_json, print_rows_csv
from allhub_core.cli.terminal import terminal_safe
from allhub_core.prices import model_changes, model_rows
from allhub_core.sync import sync_models

__all__ = ["CHANGE_KEYS", "LIST_KEYS", "cmd_models_changes", "cmd_models_list", "cmd_models_sync"]

#: The keys of ``models --json`` / ``--csv`` (shared/spec/cli.md).
LIST_KEYS = ["model", "account_id", "site_name", "group", "billing", "input_usd_per_1m", "output_usd_per_1m",
             "call_usd", "effective_input_usd_per_1m", "comparable", "cheapest"]
#: The keys of ``models changes --json``.
CHANGE_KEYS = ["account_id", "site_name", "origin", "model", "change", "changed_at"]


def _table(header: tuple[str, ...], rows: list[list[str]]) -> None:
    table = [list(header)] + [[terminal_safe(c) for c in r] for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        emit("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def cmd_models_sync(args: argparse.Namespace) -> int:
    store = open_store(args)
    with store.session():
        report = sync_models(store, args.ids or None)
    if args.json:
        print_json(report.rows())
        return report.exit_code()
    for r in report.rows():
        change = f"  +{len(r['added'])} -{len(r['removed'])}" if r["added"] or r["removed"] else ""
        emit(terminal_safe(f"{r['account_id']:>5}  {r['status']:<11} {r['models']:>4} model(s)"
                           f"{' priced' if r['priced'] else ''}{change}  {r['site_name']}  {r['message']}".rstrip()))
    emit(report.summary())
    return report.exit_code()


def cmd_models_changes(args: argparse.Namespace) -> int:
    store = open_store(args, warm=True)
    rows = model_changes(store, days=args.days)
    if args.json:
        print_json([{k: r[k] for k in CHANGE_KEYS} for r in rows])
        return 0
    _table(("WHEN", "ACCOUNT", "SITE", "CHANGE", "MODEL"),
           [[(r["changed_at"] or "")[:16].replace("T", " "), str(r["account_id"]), r["site_name"], r["change"],
             r["model"]] for r in rows])
    if not rows:
        emit(f"No model was added or removed in the last {args.days} day(s).", err=True)
    return 0


def _money(value: Any, digits: int = 4) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _cells(r: dict[str, Any]) -> list[str]:
    return [r["model"], str(r["account_id"]), r["site_name"] or "", r["group"] or "-", r["billing"],
            _money(r["input_usd_per_1m"]), _money(r["output_usd_per_1m"]), _money(r["call_usd"]),
            _money(r["effective_input_usd_per_1m"]), "yes" if r["cheapest"] else ""]


_TABLE = ("MODEL", "ACCOUNT", "SITE", "GROUP", "BILLING", "IN $/1M", "OUT $/1M", "CALL $", "REAL IN $/1M", "CHEAPEST")


def cmd_models_list(args: argparse.Namespace) -> int:
    ids = [parse_id(v) for v in args.account] if args.account else None
    store = open_store(args)
    with store.session():
        if ids:
            with store.read() as con:
                require_ids(con, ids)
        rows = model_rows(store, model=args.model, account_ids=ids, tags=args.tag)
    if args.json:
        print_json([{k: r.get(k) for k in LIST_KEYS} for r in rows])
    elif args.csv:
        print_rows_csv(rows, LIST_KEYS)
    else:
        _table(_TABLE, [_cells(r) for r in rows])
        if not rows:
            emit("No models in the store: 'allhub models sync' fetches them.", err=True)
    return 0
