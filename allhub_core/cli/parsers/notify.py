"""``allhub notify add|list|test|rm|set``'s parsers; the commands are in ``allhub_core.cli.notify``
(whose docstring says how secrets are read: standard input only)."""

from __future__ import annotations

import argparse

__all__ = ["CHANNEL_KINDS", "FIELDS", "POLICIES", "register"]

_CMD = "allhub_core.cli.notify:"

# The channel kinds' facts the parser shows, written here so the help loads no room;
# tests/cli/test_cli_parsers.py holds them equal to ``automation.notify.channels``.
#: kind -> label, in the room's order (``CHANNEL_KINDS``).
CHANNEL_KINDS = {
    "webhook": "Generic webhook (JSON)", "telegram": "Telegram", "ntfy": "ntfy", "feishu": "Feishu (Lark) bot",
    "dingtalk": "DingTalk bot", "wecom": "WeCom (WeChat Work) bot", "bark": "Bark", "email": "Email (SMTP)",
    "apprise": "Any Apprise URL",
}
#: Each field name any kind has -> (label, placeholder, secret); where kinds share a name, the last
#: kind's field (as ``{f.name: f for kind in CHANNEL_KINDS.values() for f in kind.fields}``).
FIELDS: dict[str, tuple[str, str, bool]] = {
    "access_token": ("Access token", "the access_token of the webhook", True),
    "bot_token": ("Bot token", "123456789:AA…", True),
    "chat_id": ("Chat id", "123456789 or -100… or @channel", False),
    "device_key": ("Device key", "", True),
    "host": ("SMTP server", "smtp.example.com", False),
    "key": ("Webhook key", "the key= of the webhook", True),
    "password": ("Password", "", True),
    "port": ("Port", "587, 465 or 25", False),
    "secret": ("Signing secret", "SEC…", True),
    "security": ("Security", "", False),
    "sender": ("From", "allhub@example.com", False),
    "server": ("Server", "https://api.day.app", False),
    "to": ("To", "me@example.com (several: comma-separated)", False),
    "token": ("Access token", "tk_…", True),
    "topic": ("Topic", "allhub-3f9c…", False),
    "url": ("Apprise URL", "discord://… slack://… pover://…", True),
    "username": ("User name", "", False),
}
#: The send policies (``channels.POLICIES``).
POLICIES = ("always", "failure", "change")


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


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


def _common(p: argparse.ArgumentParser, defaults: bool) -> None:
    p.add_argument("--policy", choices=list(POLICIES), default="always" if defaults else None,
                   help="when to send after a run: always, failure (not fully ok), change (differs from the last run)")
    p.add_argument("--jobs", metavar="refresh,checkin", default=None, help="the jobs to follow (default both)")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("notify", help="notification channels: after refresh/check-in runs and a daily summary")
    nsub = p.add_subparsers(dest="notify_command", metavar="ACTION", parser_class=type(p))
    nsub.required = True

    kinds = ", ".join(f"{k} ({label})" for k, label in CHANNEL_KINDS.items())
    a = nsub.add_parser("add", help="add a channel", description=f"Kinds: {kinds}. Secrets come from standard input.")
    a.add_argument("kind", choices=list(CHANNEL_KINDS), metavar="KIND", help=f"one of {', '.join(CHANNEL_KINDS)}")
    a.add_argument("--name", help="the channel's name (default: the kind)")
    for name, (label, placeholder, secret) in sorted(FIELDS.items()):
        flag = _flag(name)
        if secret:
            a.add_argument(flag, dest=name, action=_SecretFromStdin, metavar="-", help=f"{label}: '-' reads stdin")
            a.add_argument(flag + "-stdin", action=_StdinFlag, field_name=name, dest=f"{name}_stdin",
                           help=f"read the {label.lower()} from standard input")
        else:
            flags = (flag, "--from") if name == "sender" else (flag,)
            a.add_argument(*flags, dest=name, metavar=name.upper(), help=label + (f" ({placeholder})"
                                                                                 if placeholder else ""))
    _common(a, True)
    a.add_argument("--daily-summary", action="store_true", help="also send the daily summary here")
    a.add_argument("--json", action="store_true")
    a.set_defaults(run=_CMD + "cmd_add", secret_order=None)

    ls = nsub.add_parser("list", help="list the channels (URLs masked)")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(run=_CMD + "cmd_list")

    t = nsub.add_parser("test", help="send a test message")
    t.add_argument("name", metavar="NAME")
    t.add_argument("--json", action="store_true")
    t.set_defaults(run=_CMD + "cmd_test")

    r = nsub.add_parser("rm", help="remove a channel")
    r.add_argument("name", metavar="NAME")
    r.set_defaults(run=_CMD + "cmd_rm")

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
    s.set_defaults(run=_CMD + "cmd_set")
