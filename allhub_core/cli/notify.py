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
from allhub_core.automation.notify.channels import CHANNEL_KINDS, JOBS, POLICIES
from allhub_core.cli.output import Fail, emit, open_store, print_json

__all__ = ["register"]


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


_FIELDS = {f.name: f for kind in CHANNEL_KINDS.values() for f in kind.fields}
_SECRETS = sorted(n for n, f in _FIELDS.items() if f.secret)


class _SecretFromStdin(argparse.Action):
    """``--token -`` reads the value from standard input; a value typed on the command line is
    refused without repeating it (it would be in the process list and the shell history)."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        if values != "-":
            parser.error(f"secrets are read from standard input only ({option_string} - or {option_string}-stdin)")
        order = list(getattr(namespace, "secret_order", None) or [])
        order.append(self.dest)
        namespace.secret_order = order


class _StdinFlag(argparse.Action):
    def __init__(self, option_strings, dest, field_name: str = "", **kw):
        super().__init__(option_strings, dest, nargs=0, **kw)
        self.field_name = field_name

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        order = list(getattr(namespace, "secret_order", None) or [])
        order.append(self.field_name)
        namespace.secret_order = order


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


def _common(p: argparse.ArgumentParser, defaults: bool) -> None:
    p.add_argument("--policy", choices=list(POLICIES), default="always" if defaults else None,
                   help="when to send after a run: always, failure (not fully ok), change (differs from the last run)")
    p.add_argument("--jobs", metavar="refresh,checkin", default=None, help="the jobs to follow (default both)")


def register(sub) -> None:
    p = sub.add_parser("notify", help="notification channels: after refresh/check-in runs and a daily summary")
    nsub = p.add_subparsers(dest="notify_command", metavar="ACTION", parser_class=type(p))
    nsub.required = True

    kinds = ", ".join(f"{k} ({v.label})" for k, v in CHANNEL_KINDS.items())
    a = nsub.add_parser("add", help="add a channel", description=f"Kinds: {kinds}. Secrets come from standard input.")
    a.add_argument("kind", choices=list(CHANNEL_KINDS), metavar="KIND", help=f"one of {', '.join(CHANNEL_KINDS)}")
    a.add_argument("--name", help="the channel's name (default: the kind)")
    for name, f in sorted(_FIELDS.items()):
        flag = _flag(name)
        if f.secret:
            a.add_argument(flag, dest=name, action=_SecretFromStdin, metavar="-", help=f"{f.label}: '-' reads stdin")
            a.add_argument(flag + "-stdin", action=_StdinFlag, field_name=name, dest=f"{name}_stdin",
                           help=f"read the {f.label.lower()} from standard input")
        else:
            flags = (flag, "--from") if name == "sender" else (flag,)
            a.add_argument(*flags, dest=name, metavar=name.upper(), help=f.label + (f" ({f.placeholder})"
                                                                                 if f.placeholder else ""))
    _common(a, True)
    a.add_argument("--daily-summary", action="store_true", help="also send the daily summary here")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_add, secret_order=None)

    ls = nsub.add_parser("list", help="list the channels (URLs masked)")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_list)

    t = nsub.add_parser("test", help="send a test message")
    t.add_argument("name", metavar="NAME")
    t.add_argument("--json", action="store_true")
    t.set_defaults(func=cmd_test)

    r = nsub.add_parser("rm", help="remove a channel")
    r.add_argument("name", metavar="NAME")
    r.set_defaults(func=cmd_rm)

    s = nsub.add_parser("set", help="change a channel's policy, jobs, daily summary or state")
    s.add_argument("name", metavar="NAME")
    s.add_argument("--rename", metavar="NEW_NAME")
    _common(s, False)
    g = s.add_mutually_exclusive_group()
    g.add_argument("--daily-summary", dest="daily_summary", action="store_true", default=None)
    g.add_argument("--no-daily-summary", dest="daily_summary", action="store_false")
    e = s.add_mutually_exclusive_group()
    e.add_argument("--enable", dest="enabled", action="store_true", default=None)
    e.add_argument("--disable", dest="enabled", action="store_false")
    s.add_argument("--summary-time", metavar="HH:MM", help="when the daily summary is due (all channels)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_set)
