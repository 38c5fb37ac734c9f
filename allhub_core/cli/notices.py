"""``allhub notices [sync|read]``: the sites' announcements (sync/notices.py and the notices room).

``notices`` prints ``notices.notice_rows`` (``--json``: cli.md's keys, the text as the site sent
it; otherwise each announcement as plain text, HTML and Markdown marks stripped), ``notices sync``
fetches them, ``notices read`` marks them read."""

from __future__ import annotations

import argparse
import textwrap

from allhub_core.cli.output import emit, open_store, print_json
from allhub_core.cli.terminal import terminal_safe
from allhub_core.notices import mark_read, notice_rows, plain_text
from allhub_core.sync import sync_notices

__all__ = ["cmd_notices_list", "cmd_notices_read", "cmd_notices_sync"]

PREVIEW_LINES = 8


def cmd_notices_list(args: argparse.Namespace) -> int:
    store = open_store(args, warm=True)
    rows = notice_rows(store, unread_only=args.unread)
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        when = (r["first_seen"] or "")[:16].replace("T", " ")
        emit(terminal_safe(f"{'*' if not r['read'] else ' '} {r['notice_id']}  {r['site_name']} "
                           f"(#{r['account_id']})  {when}  {r['title']}"))
        lines = plain_text(r["text"]).split("\n")
        for line in lines[:PREVIEW_LINES]:
            for part in textwrap.wrap(line, 96) or [""]:
                emit(terminal_safe(f"    {part}"))
        if len(lines) > PREVIEW_LINES:
            emit("    …")
    if not rows:
        emit("No unread announcements." if args.unread
             else "No announcements in the store: 'allhub notices sync' fetches them.", err=True)
    return 0


def cmd_notices_sync(args: argparse.Namespace) -> int:
    store = open_store(args)
    with store.session():
        report = sync_notices(store, args.ids or None)
    if args.json:
        print_json(report.rows())
        return report.exit_code()
    for r in report.rows():
        emit(terminal_safe(f"{r['status']:<9} {r['announcements']:>3} listed, {r['new']:>3} new  "
                           f"{r['site_name']} ({r['origin']})  {r['message']}".rstrip()))
    emit(report.summary())
    return report.exit_code()


def cmd_notices_read(args: argparse.Namespace) -> int:
    store = open_store(args)
    count = mark_read(store, args.notice_ids, all=args.all)
    emit(f"{count} announcement(s) marked read.")
    return 0
