r"""The ``allhub`` command line: a thin layer over the library (see shared/spec/cli.md).

Exit status: 0 success; 1 the command ran but some items failed (e.g. a refused duplicate);
2 bad usage or unreadable input. Errors are one sentence on stderr, never a traceback and
never a secret. A secret given as ``-`` is read from standard input so it stays out of the
process list and shell history.

Terminal safety: names, tags, notes, health reasons and check-in messages come from users and
from remote sites, so every text the CLI prints passes one function, ``terminal_safe``, on its
way out (``_emit`` for lines and blocks, ``_Parser`` for argparse's help and errors, the
confirmation prompt). It shows each C0 control character, DEL and each C1 control character
(U+0080-U+009F) as a visible Python-style escape instead of sending it to the terminal:
``\t``, ``\n``, ``\r`` for tab, newline and carriage return, ``\xNN`` for the others, so ESC
prints as the four characters ``\x1b`` and one stored value can neither move the cursor, clear
the screen, set the window title nor span lines. Human output is written line by line, so
newlines and tabs inside a value are escaped too (one account is one table row). JSON output
keeps its structure and stays valid: C0 is escaped by ``json``, DEL/C1/U+2028/U+2029 are
written as ``\uXXXX`` (``export.json_text``), and NaN/Infinity are written as ``null``. CSV on
standard output keeps its ``\r\n`` row ends and escapes every other control character; CSV
and JSON written to a file with ``--out`` are the exact export (JSON with the escapes above).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from typing import Any, Sequence

from . import __version__
from .errors import AllhubError, DuplicateAccount, StoreBusy

__all__ = ["main", "build_parser", "terminal_safe"]

# C0 controls, DEL and C1 controls; a CR LF pair is matched whole so CSV can keep its row ends.
_CONTROLS = re.compile("\r\n|[\x00-\x1f\x7f-\x9f]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def terminal_safe(text: Any, keep: tuple[str, ...] = ()) -> str:
    """``str(text)`` with every control character shown as a visible escape (see the module
    docstring); the sequences in ``keep`` (e.g. ``"\n"``) pass unchanged. Idempotent."""

    def escape(m: re.Match) -> str:
        seq = m.group()
        if seq in keep:
            return seq
        return "".join(c if c in keep else _NAMED.get(c, f"\\x{ord(c):02x}") for c in seq)

    return _CONTROLS.sub(escape, str(text))


def _emit(text: Any = "", *, err: bool = False, end: str = "\n", keep: tuple[str, ...] = (),
          flush: bool = False) -> None:
    """The one way the CLI writes text: to stdout (stderr with ``err``), made terminal-safe."""
    stream = sys.stderr if err else sys.stdout
    stream.write(terminal_safe(text, keep) + end)
    if flush:
        stream.flush()


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one sentence, exit 2, no usage dump
        message = terminal_safe(message)  # it may quote what was typed
        self.exit(2, f"allhub: {message[0].upper() + message[1:]}. See '{self.prog} --help'.\n")

    def _print_message(self, message: str, file: Any = None) -> None:  # help, usage, version, errors
        super()._print_message(terminal_safe(message, keep=("\n",)) if message else message, file)


class _Fail(Exception):
    def __init__(self, code: int, message: str = ""):
        super().__init__(message)
        self.code = code


def _store(args: argparse.Namespace):
    from .db import Store

    return Store(args.db)


def _secret(value: str | None) -> str | None:
    if value == "-":
        return sys.stdin.readline().strip()
    return value


def _print_json(obj: Any) -> None:
    from .export import json_text

    _emit(json_text(obj), keep=("\n",))  # json_text leaves no control character; this is a guard


def _print_csv(text: str) -> None:
    _emit(text, end="", keep=("\r\n",))  # the row ends stay; a control inside a cell is escaped


# ---- account ---------------------------------------------------------------------------
def cmd_account_add(args: argparse.Namespace) -> int:
    from .accounts import SITE_TYPES, AccountInput, add_account, check_credentials, get_account, parse_exchange_rate
    from .origin import normalize_site_url, origin_key
    from .services import politeness_for, provision_default_key, recognize_and_fill, refresh

    store = _store(args)
    token, cookie, password = _secret(args.token), _secret(args.cookie), _secret(args.password)
    _refuse_empty_secret(args, token, cookie, "nothing was added")
    if args.username and not password and not (token or cookie):
        raise _Fail(2, "--username needs --password (or use --token / --cookie).")
    # Bad input is refused before any network work: URL, site type, secrets, user id, rate.
    normalize_site_url(args.url)
    if args.site_type and args.site_type not in SITE_TYPES:
        raise _Fail(2, f"'{args.site_type}' is not a known site type; use one of: {', '.join(SITE_TYPES)}.")
    check_credentials(access_token=token, cookie=cookie, user_id=args.user_id)
    if args.exchange_rate is not None:
        parse_exchange_rate(args.exchange_rate)
    data = AccountInput(
        site_url=args.url, site_name=args.name or "", site_type=args.site_type or "unknown",
        user_id=args.user_id or "", username=args.username or "",
        auth_type="cookie" if args.cookie is not None else ("access_token" if (token or password) else "none"),
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
        _emit(note, err=True)
    if not args.no_refresh and data.health_status == "healthy":
        refresh(store, [new_id], force=True)  # today's figures; recognition reads only the balance
        if args.provision_key:
            _emit(provision_default_key(store, new_id), err=True)
    rec = get_account(store, new_id)
    if args.json:
        _print_json(rec)
    else:
        _emit(f"Added account {rec['id']}: {rec['site_name']} ({rec['site_url']}), health {rec['health_status']}.")
    return 0


def _refuse_empty_secret(args: argparse.Namespace, token: str | None, cookie: str | None, outcome: str) -> None:
    """``--token ''`` (or ``-`` with nothing on standard input) is a mistake, never "no auth"."""
    for flag, given, value in (("access token", args.token, token), ("session cookie", args.cookie, cookie)):
        if given is not None and not (value or "").strip():
            source = " on standard input" if given == "-" else ""
            raise _Fail(2, f"The {flag}{source} is empty; {outcome}.")


def _filter(args: argparse.Namespace):
    from .query import AccountFilter

    return AccountFilter(tags=args.tag or [], search=args.search or "",
                         status="all" if args.include_disabled else "enabled")


def cmd_account_list(args: argparse.Namespace) -> int:
    from .accounts import account_records
    from .export import to_csv

    store = _store(args)
    records = account_records(store, f=_filter(args))
    if args.json:
        _print_json(records)
    elif args.csv:
        _print_csv(to_csv(records))
    else:
        _print_table(records)
    return 0


def _print_table(records: list[dict]) -> None:
    if not records:
        _emit("No accounts.")
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

    # Escaped before measuring, so widths count what the terminal shows.
    rows = [[terminal_safe(cell(r, k)) for _, k in cols] for r in records]
    widths = [min(max(len(h), *(len(row[i]) for row in rows)), 40) for i, (h, _) in enumerate(cols)]
    _emit("  ".join(h.ljust(w) for (h, _), w in zip(cols, widths)))
    for row in rows:
        _emit("  ".join(c[:w].ljust(w) for c, w in zip(row, widths)))


def cmd_account_show(args: argparse.Namespace) -> int:
    from .accounts import get_account

    rec = get_account(_store(args), args.id)
    if args.json:
        _print_json(rec)
    else:
        width = max(len(k) for k in rec)
        for k, v in rec.items():
            _emit(f"{k.ljust(width)}  {', '.join(v) if isinstance(v, list) else ('' if v is None else v)}")
    return 0


def cmd_account_set(args: argparse.Namespace) -> int:
    from .accounts import (
        check_credentials, get_account, parse_exchange_rate, parse_id, set_pinned, set_secrets, update_accounts,
    )

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
    _refuse_empty_secret(args, token, cookie, "nothing was changed")
    check_credentials(access_token=token, cookie=cookie)
    if args.exchange_rate is not None:
        parse_exchange_rate(args.exchange_rate)
    if not changes and not (args.pin or args.unpin or token or cookie):
        raise _Fail(2, "Nothing to change: give at least one option (see 'allhub account set --help').")
    if changes:
        update_accounts(store, {aid: changes})
    if args.pin or args.unpin:
        set_pinned(store, [aid], bool(args.pin))
    if token or cookie:
        set_secrets(store, aid, access_token=token, cookie=cookie)
    rec = get_account(store, aid)
    _emit(f"Updated account {rec['id']}: {rec['site_name']}.")
    return 0


def cmd_account_rm(args: argparse.Namespace) -> int:
    from .accounts import account_records, delete_accounts, parse_id

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
        answer = input(terminal_safe(f"Delete {names}? [y/N] "))
        if answer.strip().lower() not in ("y", "yes"):
            _emit("Nothing deleted.")
            return 0
    n = delete_accounts(store, ids)
    _emit(f"Deleted {n} account(s).")
    return 0


# ---- dedupe / export -------------------------------------------------------------------
def cmd_dedupe(args: argparse.Namespace) -> int:
    from .dedupe import apply_dedupe, scan_duplicates

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
    _emit(scan.summary() + (f"; {scan.unscannable} account(s) without a user id were skipped" if scan.unscannable else ""))
    for g in scan.groups:
        keep = next(a for a in g.accounts if a["id"] == g.keep_id)
        _emit(f"- {g.origin} user {g.user_id}: keep {g.keep_id} ({keep['site_name']}; {g.reason}), "
              f"delete {', '.join(map(str, g.delete_ids))}")
    if args.apply:
        _emit(f"Deleted {deleted} account(s).")
    elif scan.groups:
        _emit("Nothing deleted: run again with --apply to delete.")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from .accounts import account_records
    from .export import to_csv, to_json
    from .query import AccountFilter

    store = _store(args)
    if args.format == "allhub":
        raise _Fail(2, "The All API Hub backup format is not available yet; use --format json or csv.")
    if args.format == "csv" and args.include_secrets:
        raise _Fail(2, "CSV exports never contain secrets; use --format json --include-secrets.")
    records = account_records(store, f=AccountFilter(), include_secrets=args.include_secrets)
    text = to_json(records, include_secrets=args.include_secrets) if args.format == "json" else to_csv(records)
    if args.out:
        try:
            if args.include_secrets:
                _write_private(args.out, text)
            else:
                with open(args.out, "w", encoding="utf-8", newline="") as fh:
                    fh.write(text)
        except OSError as exc:
            raise _Fail(2, f"Cannot write {args.out}: {exc.strerror or type(exc).__name__}.") from None
        _emit(f"Exported {len(records)} account(s) to {args.out}.", err=True)
    elif args.format == "csv":
        _print_csv(text)
    else:
        _emit(text, end="", keep=("\n",))
    return 0


def _write_private(path: str, text: str) -> None:
    """Write ``text`` to ``path`` so that only the owner can read it, even if ``path`` existed
    with looser permissions: a new 0600 file in the same folder replaces it (os.replace), so no
    one can read it in between and a reader holding the old file open never sees the secrets."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


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

    from . import cli_net

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
            _emit(f"allhub: {exc}", err=True)
        return exc.code
    except StoreBusy as exc:
        _emit(f"allhub: {exc}", err=True)
        return 1
    except AllhubError as exc:
        _emit(f"allhub: {exc}", err=True)
        return 2
    except KeyboardInterrupt:
        _emit("allhub: interrupted.", err=True)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - a bug still gets one sentence, not a traceback
        if os.environ.get("ALLHUB_DEBUG"):
            raise
        _emit(f"allhub: unexpected internal error ({type(exc).__name__}); run again with ALLHUB_DEBUG=1 "
              "to see the details.", err=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
