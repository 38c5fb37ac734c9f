"""``allhub notify add|list|test|rm|set``: notification channels (Apprise URLs, encrypted at rest).

``notify add KIND`` takes the kind's fields as options (``--chat-id``, ``--topic``, ``--host``…);
its secrets (bot token, webhook key, password, a whole Apprise URL) are read from standard input
only: ``--bot-token-stdin`` or ``--bot-token -``, one line each in the order given on the command
line. Exit status: 0 done; 1 a test message was not delivered; 2 bad input (unknown kind or
field, a malformed token, a name in use) or an unknown channel.
"""

from __future__ import annotations

import argparse
import sys

from allhub_core.automation.notify import (
    add_channel,
    list_channels,
    remove_channel,
    send_test,
    set_channel,
    set_summary_time,
)
from allhub_core.automation.notify.channels import CHANNEL_KINDS, JOBS
from allhub_core.cli.output import Fail, emit, open_store, print_json

__all__ = ["cmd_add", "cmd_list", "cmd_rm", "cmd_set", "cmd_test"]


_FIELDS = {f.name: f for kind in CHANNEL_KINDS.values() for f in kind.fields}


def _read_secrets(args: argparse.Namespace) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in getattr(args, "secret_order", None) or []:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line.strip():
            raise Fail(2, f"No {_FIELDS[name].label.lower()} was given on standard input.")
        out[name] = line.strip()
    return out


def _jobs(value: str | None) -> tuple[str, ...] | None:
    return None if value is None else tuple(j.strip() for j in value.split(",") if j.strip())


def cmd_add(args: argparse.Namespace) -> int:

    kind = CHANNEL_KINDS[args.kind]
    given = _read_secrets(args)
    fields: dict[str, str] = {}
    for name, f in _FIELDS.items():
        value = given.get(name) if f.secret else getattr(args, name, None)
        if value is None:
            continue
        if name not in {k.name for k in kind.fields}:
            raise Fail(2, f"A {kind.label} channel has no {f.label.lower()}.")
        fields[name] = value
    store = open_store(args)
    url = fields.pop("url", None) if args.kind == "apprise" else None
    channel = add_channel(store, args.name or args.kind, args.kind, fields=fields or None, url=url,
                          policy=args.policy, jobs=_jobs(args.jobs) or tuple(JOBS),
                          daily_summary=args.daily_summary)
    if args.json:
        print_json(channel)
    else:
        emit(f"Added the {kind.label} channel {channel['name']!r} ({channel['url']}); "
             f"try it with: allhub notify test {channel['name']}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:

    channels = list_channels(open_store(args))
    if args.json:
        print_json(channels)
        return 0
    if not channels:
        emit("No notification channels yet; add one with: allhub notify add KIND --name NAME ...")
        return 0
    for c in channels:
        state = "on" if c["enabled"] else "off"
        last = "" if c["last_ok"] is None else f"  last: {'ok' if c['last_ok'] else c['last_message']}"
        emit(f"{c['name']}  {c['kind']}  {c['url']}  policy={c['policy']}  jobs={','.join(c['jobs'])}"
             f"  daily-summary={'yes' if c['daily_summary'] else 'no'}  {state}{last}")
    return 0


def cmd_test(args: argparse.Namespace) -> int:

    result = send_test(open_store(args), args.name)
    if args.json:
        print_json(result)
    elif result["ok"]:
        emit(f"Test message sent to {result['channel']!r}.")
    else:
        emit(f"allhub: the test message to {result['channel']!r} was not delivered: {result['message']}", err=True)
    return 0 if result["ok"] else 1


def cmd_rm(args: argparse.Namespace) -> int:

    remove_channel(open_store(args), args.name)
    emit(f"Removed the channel {args.name!r}.")
    return 0


def cmd_set(args: argparse.Namespace) -> int:

    store = open_store(args)
    if args.summary_time:
        set_summary_time(store, args.summary_time)
    channel = set_channel(store, args.name, name=args.rename, policy=args.policy, jobs=_jobs(args.jobs),
                          daily_summary=args.daily_summary, enabled=args.enabled)
    if args.json:
        print_json(channel)
    else:
        emit(f"Channel {channel['name']!r}: policy={channel['policy']}, jobs={','.join(channel['jobs'])}, "
             f"daily summary {'on' if channel['daily_summary'] else 'off'}, {'on' if channel['enabled'] else 'off'}.")
    return 0
