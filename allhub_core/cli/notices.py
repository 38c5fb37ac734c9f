"""``allhub notices [sync|read]``: the sites' announcements (sync/notices.py and the notices room).

``notices`` prints ``notices.notice_rows`` (``--json``: cli.md's keys, the text as the site sent
it; otherwise each announcement as plain text, HTML and Markdown marks stripped), ``notices sync``
fetches them, ``notices read`` marks them read."""

from __future__ import annotations

import argparse
import textwrap

from allhub_core.cli.output import emit, open_store, print_json
from allhub_core.cli.terminal import terminal_safe
from allhub_core.notices import configure_notices, notice_rows, notice_sites, plain_text
from allhub_core.sync import read_notices, sync_notices

__all__ = ["cmd_notices_config", "cmd_notices_list", "cmd_notices_read", "cmd_notices_sites", "cmd_notices_sync"]

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
    with store.session():
        report = read_notices(store, args.notice_ids, all=args.all)
    emit(report.summary())
    return 0


def cmd_notices_sites(args: argparse.Namespace) -> int:
    store = open_store(args, warm=True)
    rows = notice_sites(store)
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        when = (r["last_synced"] or "never")[:16].replace("T", " ")
        emit(terminal_safe(f"{'on ' if r['enabled'] else 'off'}  {r['unread']:>3} unread / {r['total']:>3}  "
                           f"asked {when:<16}  {r['site_name']} ({r['origin']})  {r['last_error']}".rstrip()))
    if not rows:
        emit("No sites yet: add an account first.", err=True)
    return 0


def cmd_notices_config(args: argparse.Namespace) -> int:
    store = open_store(args)
    done = configure_notices(store, interval_s=args.interval, on=args.on, off=args.off)
    if args.json:
        print_json(done)
        return 0
    emit(f"Each site's announcements are fetched at most every {done['interval_s']} s.")
    for origin in done["on"]:
        emit(f"On: {origin}")
    for origin in done["off"]:
        emit(f"Off: {origin} (its stored announcements stay)")
    return 0
