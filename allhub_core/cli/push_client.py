"""``allhub push-client TARGET --account ID [--key KEY_ID] [--apply] [--json]`` and
``allhub push-client config TARGET [--url URL] [--key -] [--user-id N] [--json]``.

A push previews by default (what would change on the service: add, update or nothing) and
writes only with ``--apply``; a second ``--apply`` changes nothing. The management key is read
from standard input only (``--key -``), sealed in the store, and never printed. Exit status: 0
done; 1 the service refused or failed; 2 bad input or settings not set.
"""

from __future__ import annotations

import argparse
import sys

from allhub_core.cli.output import Fail, emit, open_store, print_json
from allhub_core.sync import apply_push, preview_push, push_target, save_push_target, target_for_key

__all__ = ["cmd_push_client"]


def cmd_push_client(args: argparse.Namespace) -> int:
    if args.target == "config":
        return _config(args)
    if args.config_target:
        raise Fail(2, f"push-client {args.target} takes no second target.")
    if not args.account:
        raise Fail(2, "Name the account whose key is pushed (--account ID).")
    store = open_store(args)
    target = target_for_key(store, args.account, args.key)
    report = (apply_push if args.apply else preview_push)(store, args.target, target)
    if args.json:
        print_json(report.rows())
        return report.exit_code()
    emit(report.summary())
    for change in report.rows()[0]["changes"]:
        emit(f"  {change['field']}: {_shown(change['old'])} -> {_shown(change['new'])}")
    if not args.apply and report.plan.changes_something:
        emit("Nothing was written; add --apply to write it.")
    return report.exit_code()


def _shown(value: object) -> str:
    return "(none)" if value is None else str(value)


def _config(args: argparse.Namespace) -> int:
    kind = args.config_target
    if not kind:
        raise Fail(2, "Name the target to set: push-client config cliproxyapi|ccr|newapi.")
    key = None
    if args.key is not None:
        if args.key != "-":
            raise Fail(2, "The management key is read from standard input only (--key -).")
        key = sys.stdin.readline().rstrip("\r\n")
        if not key:
            raise Fail(2, "No management key was given on standard input.")
    store = open_store(args)
    changing = args.url is not None or key is not None or args.user_id is not None
    settings = save_push_target(store, kind, args.url, key, user_id=args.user_id) if changing \
        else push_target(store, kind)
    if args.json:
        print_json(settings.as_dict())
        return 0
    emit(f"{settings.label}: {settings.url or '(no address)'}")
    emit(f"Management key: {'set (encrypted at rest)' if settings.has_key else 'not set'}")
    if settings.kind == "newapi":
        emit(f"Admin user id:  {settings.user_id or '(not set)'}")
    return 0


def seed_demo_push(store):
    """``allhub demo``: the sandbox's CLIProxyAPI, Claude Code Router and New API admin started
    (threads that live as long as the demo) and saved as the push targets, CLIProxyAPI holding
    one entry of the user's own, so the Keys page's "Push to a service you run" has somewhere real
    to preview and push to. Returns the running services."""
    from allhub_core.sandbox import start_push_services  # noqa: PLC0415 - the sandbox loads only for the demo

    services = start_push_services()
    services.cliproxy.seed([{"name": "local-ollama", "base-url": "http://127.0.0.1:11434/v1",
                             "api-key-entries": [{"api-key": "ollama"}], "models": [{"name": "llama3.1"}]}])
    save_push_target(store, "cliproxyapi", services.cliproxy.url, services.cliproxy.management_key)
    save_push_target(store, "ccr", services.ccr.url, services.ccr.management_key)
    save_push_target(store, "newapi", services.newapi.url, services.newapi.management_key,
                     user_id=services.newapi.admin_id)
    return services
