"""``allhub export-client``'s parser; the command is in ``allhub_core.cli.export_client``."""

from __future__ import annotations

import argparse

__all__ = ["APPS", "FORMATS", "register"]

#: ``transfer.clients.FORMATS`` and CC Switch's apps, as literals (``--help`` loads no room; a
#: test in tests/cli/test_cli_export_client.py holds them equal).
FORMATS = ("cherry-studio", "cc-switch", "kelivo", "kilo-code", "roo-code", "cursor", "claude-code", "codex",
           "opencode", "cliproxyapi")
APPS = ("claude", "codex", "gemini", "grokbuild", "hermes", "opencode", "openclaw")


def register(sub: argparse._SubParsersAction) -> None:
    e = sub.add_parser("export-client", help="one key in a client's format: a deeplink, a share code, a settings "
                                             "file or a config snippet (it carries the key)")
    e.add_argument("format", metavar="FORMAT", choices=FORMATS,
                   help="cherry-studio | cc-switch (deeplinks), kelivo (share code), kilo-code | roo-code (settings "
                        "files), cursor (Cursor++ provider), claude-code | codex | opencode (config snippets), "
                        "cliproxyapi (its provider entry)")
    e.add_argument("--account", required=True, metavar="ID", help="the account")
    e.add_argument("--key", metavar="KEY_ID", help="the key's id (default: the account's first enabled key)")
    e.add_argument("--model", metavar="M", help="the model to choose (default: none, or the account's first)")
    e.add_argument("--app", choices=APPS, help="CC Switch's app (default: claude)")
    e.add_argument("--out", metavar="FILE", help="write to this file (readable by you only) instead of stdout")
    e.add_argument("--qr", metavar="FILE", help="kelivo: also write the share code's QR image (SVG) to FILE")
    e.set_defaults(run="allhub_core.cli.export_client:cmd_export_client")
