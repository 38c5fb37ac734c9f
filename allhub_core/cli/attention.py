"""``allhub attention``: the attention queue (``automation.attention_queue``), the same one the
Overview and the daily summary show: grouped by severity then category with each group's count,
each entry its reason and the command that fixes it; ``--json`` prints cli.md's rows. Exit 0."""

from __future__ import annotations

import argparse

from allhub_core.automation.attention import attention_queue
from allhub_core.cli.output import emit, open_store, print_json
from allhub_core.cli.terminal import Fail, terminal_safe

__all__ = ["cmd_attention"]


def cmd_attention(args: argparse.Namespace) -> int:
    if args.limit is not None and args.limit < 1:
        raise Fail(2, "The limit must be a whole number of 1 or more.")
    store = open_store(args, warm=True)
    queue = attention_queue(store, limit=args.limit)
    if args.json:
        print_json(queue.rows())
        return queue.exit_code()
    for severity, groups in queue.by_severity():
        emit(f"{severity.label.upper()}")
        for g in groups:
            shown = f" (first {len(g.entries)})" if len(g.entries) < g.total else ""
            emit(f"  {g.category.label} · {g.total}{shown}")
            for e in g.entries:
                who = f"#{e.account_id} {e.site_name}" if e.account_id is not None else e.site_name
                emit(terminal_safe(f"    {who}: {e.reason}"))
                emit(terminal_safe(f"      fix: {e.action}"))
    emit(queue.summary())
    return queue.exit_code()
