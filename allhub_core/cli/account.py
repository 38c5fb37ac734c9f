"""``allhub account list``, ``show`` and ``rm``: reads of the store (``add`` and ``set``, which may
ask a site, are in ``cli/account_edit.py``, so a list loads neither ``sites`` nor ``sync``)."""

from __future__ import annotations

import argparse
import sys

from allhub_core.accounts import (
    AccountFilter,
    account_records,
    account_table,
    delete_accounts,
    get_account,
    get_preferences,
    parse_id,
)
from allhub_core.cli.output import Fail, emit, open_store, print_csv, print_json, terminal_safe
from allhub_core.cli.terminal import is_plain

__all__ = ["cmd_account_list", "cmd_account_rm", "cmd_account_show"]


def _filter(args: argparse.Namespace):

    return AccountFilter(tags=args.tag or [], search=args.search or "",
                         status="all" if args.include_disabled else "enabled",
                         attention=bool(getattr(args, "needs_attention", False)))


def cmd_account_list(args: argparse.Namespace) -> int:

    store = open_store(args, warm=True)
    if not (args.json or args.csv):
        with store.session():  # one connection for the preferences and the rows
            _print_table(account_table(store, _filter(args), get_preferences(store)))
        return 0
    with store.session():
        records = account_records(store, f=_filter(args))
    if args.json:
        print_json(records)
    else:
        from allhub_core.transfer import to_csv  # noqa: PLC0415 - the transfer room loads for --csv only

        print_csv(to_csv(records))
    return 0


_COLUMNS = ("ID", "NAME", "SITE", "TYPE", "USER", "TAGS", "BALANCE $", "HEALTH", "CHECK-IN")


def _cells(r: tuple) -> tuple[str, ...]:
    """One account's row of the table (``accounts.TABLE_COLUMNS``), as text (not yet made terminal-safe)."""
    aid, name, pinned, disabled, url, site_type, user, tags, balance, health, checkin = r
    return (
        str(aid),
        f"{name} (disabled)" if disabled else f"* {name}" if pinned else name or "",
        url or "", site_type or "", user or "", tags,
        f"{balance:.2f}" if balance is not None else "-",
        health or "", checkin or "",
    )


def _print_table(records: list[tuple]) -> None:
    if not records:
        emit("No accounts.")
        return
    rows = [_cells(r) for r in records]
    # Escaped before measuring, so widths count what the terminal shows. One scan of every cell
    # finds none to escape in the common case (the space between cells is no control character).
    if not is_plain(" ".join(" ".join(row) for row in rows)):
        rows = [tuple(terminal_safe(c) for c in row) for row in rows]
    columns = zip(*rows, strict=True)
    widths = [min(max(len(h), max(map(len, column))), 40) for h, column in zip(_COLUMNS, columns, strict=True)]
    line = "  ".join(f"{{:<{w}.{w}}}" for w in widths).format
    emit("\n".join([line(*_COLUMNS), *(line(*row) for row in rows)]), keep=("\n",))  # one write


def cmd_account_show(args: argparse.Namespace) -> int:

    rec = get_account(open_store(args, warm=True), args.id)
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
