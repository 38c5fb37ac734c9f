"""``allhub account list``, ``show`` and ``rm``: reads of the store (``add`` and ``set``, which may
ask a site, are in ``cli/account_edit.py``, so a list loads neither ``sites`` nor ``sync``)."""

from __future__ import annotations

import argparse
import sys

from allhub_core.accounts import AccountFilter, account_records, delete_accounts, get_account, parse_id
from allhub_core.cli.output import Fail, emit, open_store, print_csv, print_json, terminal_safe
from allhub_core.cli.terminal import is_plain

__all__ = ["cmd_account_list", "cmd_account_rm", "cmd_account_show"]


def _filter(args: argparse.Namespace):

    return AccountFilter(tags=args.tag or [], search=args.search or "",
                         status="all" if args.include_disabled else "enabled",
                         attention=bool(getattr(args, "needs_attention", False)))


def cmd_account_list(args: argparse.Namespace) -> int:

    store = open_store(args)
    with store.session():  # one connection for the preferences and the rows
        records = account_records(store, f=_filter(args))
    if args.json:
        print_json(records)
    elif args.csv:
        from allhub_core.transfer import to_csv  # noqa: PLC0415 - the transfer room loads for --csv only

        print_csv(to_csv(records))
    else:
        _print_table(records)
    return 0


_COLUMNS = ("ID", "NAME", "SITE", "TYPE", "USER", "TAGS", "BALANCE $", "HEALTH", "CHECK-IN")


def _cells(r: dict) -> list[str]:
    """One account's row of the table, as text (not yet made terminal-safe)."""
    name, balance = r["site_name"], r["balance_usd"]
    return [
        _text(r["id"]),
        f"{name} (disabled)" if r["disabled"] else f"* {name}" if r["pinned"] else _text(name),
        _text(r["site_url"]), _text(r["site_type"]), _text(r["username"]), ",".join(r["tags"]),
        f"{balance:.2f}" if balance is not None else "-",
        _text(r["health_status"]), _text(r["checkin_status"]),
    ]


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _print_table(records: list[dict]) -> None:
    if not records:
        emit("No accounts.")
        return
    rows = [_cells(r) for r in records]
    # Escaped before measuring, so widths count what the terminal shows. One scan of every cell
    # finds none to escape in the common case (the space between cells is no control character).
    if not is_plain(" ".join(" ".join(row) for row in rows)):
        rows = [[terminal_safe(c) for c in row] for row in rows]
    widths = [min(max(len(h), *(len(row[i]) for row in rows)), 40) for i, h in enumerate(_COLUMNS)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(_COLUMNS, widths, strict=True))]
    lines += ["  ".join(c[:w].ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    emit("\n".join(lines), keep=("\n",))  # one write; no cell holds a newline any more


def cmd_account_show(args: argparse.Namespace) -> int:

    rec = get_account(open_store(args), args.id)
    if args.json:
        print_json(rec)
    else:
        width = max(len(k) for k in rec)
        for k, v in rec.items():
            emit(f"{k.ljust(width)}  {', '.join(v) if isinstance(v, list) else ('' if v is None else v)}")
    return 0


def cmd_account_rm(args: argparse.Namespace) -> int:

    store = open_store(args)
    ids = [parse_id(i) for i in args.ids]
    found = {int(r["id"]): r for r in account_records(store, ids=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise Fail(2, f"Account {missing[0]} does not exist; nothing was deleted.")
    if not args.yes:
        names = ", ".join(f"{i} ({found[i]['site_name']})" for i in ids)
        if not sys.stdin.isatty():
            raise Fail(2, f"Refusing to delete {names} without --yes (no terminal to confirm on).")
        answer = input(terminal_safe(f"Delete {names}? [y/N] "))
        if answer.strip().lower() not in ("y", "yes"):
            emit("Nothing deleted.")
            return 0
    n = delete_accounts(store, ids)
    emit(f"Deleted {n} account(s).")
    return 0
