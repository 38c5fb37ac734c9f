"""``allhub history``, ``allhub usage`` and ``allhub usage sync``: the balance history, the usage
aggregates, and the usage-log sync, for scripts (JSON or formula-safe CSV) and people (a table)."""

from __future__ import annotations

import argparse
import csv
import io
import math
from datetime import date, timedelta
from typing import Any

from allhub_core.accounts import parse_id
from allhub_core.cli.output import Fail, emit, open_store, print_csv, print_json
from allhub_core.history import balance_history, usage_by, usage_totals
from allhub_core.sync import sync_usage
from allhub_core.transfer import csv_safe
from allhub_core.vocab import QUOTA_PER_USD

__all__ = ["cmd_history", "cmd_usage", "cmd_usage_sync"]

MAX_DAYS = 3650


def _days(args: argparse.Namespace) -> tuple[date, date]:
    if not 1 <= args.days <= MAX_DAYS:
        raise Fail(2, f"--days must be a whole number from 1 to {MAX_DAYS}.")
    end = date.today()
    return end - timedelta(days=args.days - 1), end


def _plain(value: Any) -> Any:
    """A frame cell as a JSON/CSV value: dates as ISO text, NaN as None, numpy numbers as Python's."""
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float):
        return None if not math.isfinite(value) else round(value, 6)
    return value


def _records(frame: Any) -> list[dict[str, Any]]:
    return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _csv(rows: list[dict[str, Any]], columns: list[str]) -> str:

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else csv_safe(row.get(c)) for c in columns])
    return out.getvalue()


def _output(args: argparse.Namespace, rows: list[dict[str, Any]], columns: list[str]) -> None:
    if args.json:
        print_json(rows)
    elif args.csv:
        print_csv(_csv(rows, columns))
    else:
        widths = {c: max(len(c), *(len(_cell(r.get(c))) for r in rows)) if rows else len(c) for c in columns}
        emit("  ".join(c.ljust(widths[c]) for c in columns).rstrip())
        for r in rows:
            emit("  ".join(_cell(r.get(c)).ljust(widths[c]) for c in columns).rstrip())


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def _account_ids(args: argparse.Namespace) -> list[int] | None:

    return [parse_id(a) for a in args.account] if args.account else None


#: ``allhub history`` columns (shared/spec/cli.md): one row per account and day.
_HISTORY_COLUMNS = ["date", "account_id", "site_name", "quota", "balance_usd", "consumption_usd", "income_usd",
                    "net_usd"]


def cmd_history(args: argparse.Namespace) -> int:

    start, end = _days(args)
    store = open_store(args)
    per_account = not args.summed
    frame = balance_history(store, start=start, end=end, tag=args.tag, per_account=per_account,
                            account_ids=_account_ids(args))
    frame = frame.rename(columns={"day": "date", "expense_usd": "consumption_usd"})
    rows = _records(frame)
    for r in rows:
        r["quota"] = None if r.get("balance_usd") is None else round(r["balance_usd"] * QUOTA_PER_USD)
    columns = [c for c in _HISTORY_COLUMNS if per_account or c not in ("account_id", "site_name")]
    rows = [{c: r.get(c) for c in columns} for r in rows]
    _output(args, rows, columns)
    if not args.json and not args.csv and not any(r.get("balance_usd") is not None for r in rows):
        emit("No balance history yet: each refresh records the day's balances.", err=True)
    return 0


def cmd_usage(args: argparse.Namespace) -> int:

    start, end = _days(args)
    store = open_store(args)
    ids = _account_ids(args)
    frame = usage_by(store, "token" if args.by == "key" else args.by, start=start, end=end, account_ids=ids)
    rows = _records(frame)
    _output(args, rows, list(frame.columns))
    if not args.json and not args.csv:
        t = usage_totals(store, start=start, end=end, account_ids=ids)
        emit(f"Total {start}..{end}: {t['requests']:,} requests, {t['prompt_tokens'] + t['completion_tokens']:,} "
             f"tokens, ${t['cost_usd']:,.2f}.")
    return 0


def cmd_usage_sync(args: argparse.Namespace) -> int:

    store = open_store(args)
    with store.session():
        report = sync_usage(store, args.ids or None)
    if args.json:
        print_json(report.rows())
    else:
        for r in report.rows():
            emit(f"{r['id']:>5}  {r['status']:<11} {r['rows_added']:>6} new  {r['message']}")
        emit(report.summary())
    return report.exit_code()
