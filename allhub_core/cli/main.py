"""The ``allhub`` command line: a thin layer over the library (see shared/spec/cli.md).

Exit status: 0 success; 1 the command ran but some items failed (e.g. a refused duplicate);
2 bad usage or unreadable input. Errors are one sentence on stderr, never a traceback and
never a secret. A secret given as ``-`` is read from standard input so it stays out of the
process list and shell history.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Sequence

from allhub_core import __version__
from allhub_core.errors import AllhubError, DuplicateAccount, StoreBusy

__all__ = ["main", "build_parser"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one sentence, exit 2, no usage dump
        self.exit(2, f"allhub: {message[0].upper() + message[1:]}. See '{self.prog} --help'.\n")


class _Fail(Exception):
    def __init__(self, code: int, message: str = ""):
        super().__init__(message)
        self.code = code


def _store(args: argparse.Namespace):
    from allhub_core.store.db import Store

    return Store(args.db)


def _secret(value: str | None) -> str | None:
    if value == "-":
        return sys.stdin.readline().strip()
    return value


def _print_json(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2))


# ---- account ---------------------------------------------------------------------------
def cmd_account_add(args: argparse.Namespace) -> int:
    from allhub_core.accounts.write import SITE_TYPES, AccountInput, add_account, get_account
    from allhub_core.origin import normalize_site_url, origin_key
    from allhub_core.sync import politeness_for, provision_default_key, recognize_and_fill, refresh

    store = _store(args)
    token, cookie, password = _secret(args.token), _secret(args.cookie), _secret(args.password)
    if args.username and not password and not (token or cookie):
        raise _Fail(2, "--username needs --password (or use --token / --cookie).")
    normalize_site_url(args.url)  # a malformed URL is refused before any network work
    if args.site_type and args.site_type not in SITE_TYPES:
        raise _Fail(2, f"'{args.site_type}' is not a known site type; use one of: {', '.join(SITE_TYPES)}.")
    data = AccountInput(
        site_url=args.url, site_name=args.name or "", site_type=args.site_type or "unknown",
        user_id=args.user_id or "", username=args.username or "",
        auth_type="cookie" if cookie else ("access_token" if (token or password) else "none"),
        access_token=token or "", cookie=cookie or "", tags=args.tag or [], notes=args.notes or "",
        exchange_rate=args.exchange_rate if args.exchange_rate is not None else 7.2,
    )
    if not args.no_refresh:
        data, note = recognize_and_fill(data, password=password, explicit_site_type=bool(args.site_type),
                                        explicit_rate=args.exchange_rate is not None,
                                        politeness=politeness_for(store))
    else:
        note = ""
    if args.no_refresh and not data.site_name:
        key = origin_key(data.site_url)
        data.site_name = key.split("://", 1)[1] if key else ""
    try:
        new_id = add_account(store, data, allow_duplicate=args.allow_duplicate)
    except DuplicateAccount as exc:
        raise _Fail(1, f"{exc} Use --allow-duplicate to add it anyway.") from None
    if note:
        print(note, file=sys.stderr)
    if not args.no_refresh and data.health_status == "healthy":
        refresh(store, [new_id], force=True)  # today's figures; recognition reads only the balance
        if args.provision_key:
            print(provision_default_key(store, new_id), file=sys.stderr)
    rec = get_account(store, new_id)
    if args.json:
        _print_json(rec)
    else:
        print(f"Added account {rec['id']}: {rec['site_name']} ({rec['site_url']}), health {rec['health_status']}.")
    return 0


def _filter(args: argparse.Namespace):
    from allhub_core.accounts.query import AccountFilter

    return AccountFilter(tags=args.tag or [], search=args.search or "",
                         status="all" if args.include_disabled else "enabled")


def cmd_account_list(args: argparse.Namespace) -> int:
    from allhub_core.accounts.write import account_records
    from allhub_core.transfer.tabular import to_csv

    store = _store(args)
    records = account_records(store, f=_filter(args))
    if args.json:
        _print_json(records)
    elif args.csv:
        sys.stdout.write(to_csv(records))
    else:
        _print_table(records)
    return 0


def _print_table(records: list[dict]) -> None:
    if not records:
        print("No accounts.")
        return
    cols = [("ID", "id"), ("NAME", "site_name"), ("SITE", "site_url"), ("TYPE", "site_type"),
            ("USER", "username"), ("TAGS", "tags"), ("BALANCE $", "balance_usd"),
            ("HEALTH", "health_status"), ("CHECK-IN", "checkin_status")]

    def cell(r: dict, k: str) -> str:
        v = r[k]
        if k == "tags":
            return ",".join(v)
        if k == "balance_usd":
            return f"{v:.2f}" if v is not None else "-"
        if k == "site_name" and r["disabled"]:
            return f"{v} (disabled)"
        if k == "site_name" and r["pinned"]:
            return f"* {v}"
        return "" if v is None else str(v)

    rows = [[cell(r, k) for _, k in cols] for r in records]
    widths = [min(max(len(h), *(len(row[i]) for row in rows)), 40) for i, (h, _) in enumerate(cols)]
    print("  ".join(h.ljust(w) for (h, _), w in zip(cols, widths)))
    for row in rows:
        print("  ".join(c[:w].ljust(w) for c, w in zip(row, widths)))


def cmd_account_show(args: argparse.Namespace) -> int:
    from allhub_core.accounts.write import get_account

    rec = get_account(_store(args), args.id)
    if args.json:
        _print_json(rec)
    else:
        width = max(len(k) for k in rec)
        for k, v in rec.items():
            print(f"{k.ljust(width)}  {', '.join(v) if isinstance(v, list) else ('' if v is None else v)}")
    return 0


def cmd_account_set(args: argparse.Namespace) -> int:
    from allhub_core.accounts.write import get_account, parse_id, set_pinned, set_secrets, update_accounts

    store = _store(args)
    aid = parse_id(args.id)
    current = get_account(store, aid)
    changes: dict[str, Any] = {}
    if args.name is not None:
        changes["site_name"] = args.name
    if args.notes is not None:
        changes["notes"] = args.notes
    if args.exchange_rate is not None:
        changes["exchange_rate"] = args.exchange_rate
    if args.disable or args.enable:
        changes["disabled"] = bool(args.disable)
    if args.tag or args.untag:
        tags = [t for t in current["tags"] if t.casefold() not in {u.casefold() for u in args.untag or []}]
        tags += [t for t in args.tag or [] if t.casefold() not in {x.casefold() for x in tags}]
        changes["tags"] = tags
    token, cookie = _secret(args.token), _secret(args.cookie)
    if (args.token is not None and not token) or (args.cookie is not None and not cookie):
        raise _Fail(2, "The new access token or cookie is empty.")
    if not changes and not (args.pin or args.unpin or token or cookie):
        raise _Fail(2, "Nothing to change: give at least one option (see 'allhub account set --help').")
    if changes:
        update_accounts(store, {aid: changes})
    if args.pin or args.unpin:
        set_pinned(store, [aid], bool(args.pin))
    if token or cookie:
        set_secrets(store, aid, access_token=token, cookie=cookie)
    rec = get_account(store, aid)
    print(f"Updated account {rec['id']}: {rec['site_name']}.")
    return 0


def cmd_account_rm(args: argparse.Namespace) -> int:
    from allhub_core.accounts.write import account_records, delete_accounts, parse_id

    store = _store(args)
    ids = [parse_id(i) for i in args.ids]
    found = {int(r["id"]): r for r in account_records(store, ids=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise _Fail(2, f"Account {missing[0]} does not exist; nothing was deleted.")
    if not args.yes:
        names = ", ".join(f"{i} ({found[i]['site_name']})" for i in ids)
        if not sys.stdin.isatty():
            raise _Fail(2, f"Refusing to delete {names} without --yes (no terminal to confirm on).")
        answer = input(f"Delete {names}? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing deleted.")
            return 0
    n = delete_accounts(store, ids)
    print(f"Deleted {n} account(s).")
    return 0


# ---- dedupe / export -------------------------------------------------------------------
def cmd_dedupe(args: argparse.Namespace) -> int:
    from allhub_core.accounts.dedupe import apply_dedupe, scan_duplicates

    store = _store(args)
    scan = scan_duplicates(store, args.keep)
    deleted = apply_dedupe(store, scan) if args.apply else 0
    if args.json:
        _print_json({
            "keep_rule": scan.rule, "applied": bool(args.apply), "deleted": deleted,
            "unscannable": scan.unscannable,
            "groups": [{"origin": g.origin, "user_id": g.user_id, "keep": str(g.keep_id),
                        "delete": [str(i) for i in g.delete_ids], "reason": g.reason} for g in scan.groups],
        })
        return 0
    print(scan.summary() + (f"; {scan.unscannable} account(s) without a user id were skipped" if scan.unscannable else ""))
    for g in scan.groups:
        keep = next(a for a in g.accounts if a["id"] == g.keep_id)
        print(f"- {g.origin} user {g.user_id}: keep {g.keep_id} ({keep['site_name']}; {g.reason}), "
              f"delete {', '.join(map(str, g.delete_ids))}")
    if args.apply:
        print(f"Deleted {deleted} account(s).")
    elif scan.groups:
        print("Nothing deleted: run again with --apply to delete.")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from allhub_core.accounts.write import account_records
    from allhub_core.transfer.tabular import to_csv, to_json
    from allhub_core.accounts.query import AccountFilter

    store = _store(args)
    if args.format == "allhub":
        raise _Fail(2, "The All API Hub backup format is not available yet; use --format json or csv.")
    if args.format == "csv" and args.include_secrets:
        raise _Fail(2, "CSV exports never contain secrets; use --format json --include-secrets.")
    records = account_records(store, f=AccountFilter(), include_secrets=args.include_secrets)
    text = to_json(records, include_secrets=args.include_secrets) if args.format == "json" else to_csv(records)
    if args.out:
        import os

        try:
            if args.include_secrets:
                fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                fh = os.fdopen(fd, "w", encoding="utf-8", newline="")
            else:
                fh = open(args.out, "w", encoding="utf-8", newline="")
            with fh:
                fh.write(text)
        except OSError as exc:
            raise _Fail(2, f"Cannot write {args.out}: {exc.strerror}.") from None
        print(f"Exported {len(records)} account(s) to {args.out}.", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


# ---- parser ----------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="allhub", description="Manage your AI relay-site accounts from the command line.")
    p.add_argument("--version", action="version", version=f"allhub {__version__}")
    p.add_argument("--db", default=None, help="the DuckDB file (default: $ALLHUB_DB or data/allhub.duckdb)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    acc = sub.add_parser("account", help="add, list, show, change and remove accounts")
    asub = acc.add_subparsers(dest="account_command", metavar="ACTION", parser_class=_Parser)
    asub.required = True

    a = asub.add_parser("add", help="add an account (detects the site unless --no-refresh)")
    a.add_argument("--url", required=True, help="the site URL (reduced to its origin)")
    auth = a.add_mutually_exclusive_group()
    auth.add_argument("--token", help="access token (system token, not an sk- key); '-' reads stdin")
    auth.add_argument("--cookie", help="session cookie header value; '-' reads stdin")
    a.add_argument("--username", help="site username (with --password: log in and obtain the token)")
    a.add_argument("--password", help="site password, used once to log in, never stored; '-' reads stdin")
    a.add_argument("--user-id", help="the upstream user id (found automatically where the site allows)")
    a.add_argument("--site-type", help="site type, e.g. new-api, one-api, Veloera, sub2api")
    a.add_argument("--name", help="display name (default: the site's name)")
    a.add_argument("--tag", action="append", help="tag (repeatable)")
    a.add_argument("--notes", help="free-form notes")
    a.add_argument("--exchange-rate", type=float, help="CNY per USD (default: from the site, else 7.2)")
    a.add_argument("--no-refresh", action="store_true", help="save without contacting the site")
    a.add_argument("--allow-duplicate", action="store_true", help="add even if the same origin + user id exists")
    a.add_argument("--provision-key", action="store_true", help="create a default API key if the account has none")
    a.add_argument("--json", action="store_true", help="print the stored account as JSON")
    a.set_defaults(func=cmd_account_add)

    ls = asub.add_parser("list", help="list accounts in the configured sort order")
    fmt = ls.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print a JSON array")
    fmt.add_argument("--csv", action="store_true", help="print CSV (formula-injection safe)")
    ls.add_argument("--tag", action="append", help="only accounts with this tag (repeatable: any of them)")
    ls.add_argument("--search", help="free text over name, username, URL, tags and notes")
    ls.add_argument("--include-disabled", action="store_true", help="also list disabled accounts")
    ls.set_defaults(func=cmd_account_list)

    sh = asub.add_parser("show", help="show one account")
    sh.add_argument("id")
    sh.add_argument("--json", action="store_true", help="print JSON")
    sh.set_defaults(func=cmd_account_show)

    st = asub.add_parser("set", help="change an account")
    st.add_argument("id")
    st.add_argument("--name")
    st.add_argument("--tag", action="append", help="add a tag (repeatable)")
    st.add_argument("--untag", action="append", help="remove a tag (repeatable)")
    pin = st.add_mutually_exclusive_group()
    pin.add_argument("--pin", action="store_true", help="pin (pinned accounts sort first)")
    pin.add_argument("--unpin", action="store_true", help="unpin")
    dis = st.add_mutually_exclusive_group()
    dis.add_argument("--disable", action="store_true", help="disable (skipped by refresh and totals)")
    dis.add_argument("--enable", action="store_true", help="enable")
    st.add_argument("--notes")
    st.add_argument("--exchange-rate", help="CNY per USD, greater than 0")
    st.add_argument("--token", help="replace the access token (e.g. after it expired); '-' reads stdin")
    st.add_argument("--cookie", help="replace the session cookie; '-' reads stdin")
    st.set_defaults(func=cmd_account_set)

    rm = asub.add_parser("rm", help="delete accounts")
    rm.add_argument("ids", nargs="+", metavar="ID")
    rm.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    rm.set_defaults(func=cmd_account_rm)

    d = sub.add_parser("dedupe", help="find (and with --apply delete) duplicate accounts")
    d.add_argument("--keep", choices=["pinned", "enabled", "recent"], default="pinned",
                   help="which account of a duplicate set to keep (default: pinned)")
    d.add_argument("--apply", action="store_true", help="delete the duplicates (default: preview only)")
    d.add_argument("--json", action="store_true", help="print JSON")
    d.set_defaults(func=cmd_dedupe)

    e = sub.add_parser("export", help="export all accounts")
    e.add_argument("--format", choices=["json", "csv", "allhub"], default="json")
    e.add_argument("--out", help="write to this file instead of standard output")
    e.add_argument("--include-secrets", action="store_true", help="include access tokens and cookies (JSON only)")
    e.set_defaults(func=cmd_export)

    from allhub_core.cli import net as cli_net

    cli_net.register(sub)
    # --db may also come after the command (``allhub account list --db x.duckdb``).
    for leaf in _leaves(p):
        if leaf.prog.split()[1] not in ("sandbox", "demo"):
            leaf.add_argument("--db", default=argparse.SUPPRESS, help="the DuckDB file (same as the global --db)")
    return p


def _leaves(parser: argparse.ArgumentParser):
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield parser
        return
    for action in subs:
        for child in action.choices.values():
            yield from _leaves(child)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except _Fail as exc:
        if str(exc):
            print(f"allhub: {exc}", file=sys.stderr)
        return exc.code
    except StoreBusy as exc:
        print(f"allhub: {exc}", file=sys.stderr)
        return 1
    except AllhubError as exc:
        print(f"allhub: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("allhub: interrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - a bug still gets one sentence, not a traceback
        if os.environ.get("ALLHUB_DEBUG"):
            raise
        print(f"allhub: unexpected internal error ({type(exc).__name__}); run again with ALLHUB_DEBUG=1 "
              "to see the details.", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
