"""``allhub account add`` and ``allhub account set``: the account commands that may ask a site
(recognise, refresh, a custom check-in request), so they load ``sites`` and ``sync``; ``list``,
``show`` and ``rm`` (``cli/account.py``) read the store only."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from allhub_core.accounts import (
    SITE_TYPES,
    AccountInput,
    check_credentials,
    get_account,
    parse_exchange_rate,
    parse_id,
    set_pinned,
    set_secrets,
    update_accounts,
)
from allhub_core.accounts.logins import clear_login
from allhub_core.cli.output import Fail, emit, open_store, print_json, read_secret
from allhub_core.errors import DuplicateAccount, SiteError
from allhub_core.net import prewarm
from allhub_core.origin import normalize_site_url
from allhub_core.sites import parse_checkin_request
from allhub_core.sync import host_of, onboard, set_checkin_method
from allhub_core.vocab import DEFAULT_EXCHANGE_RATE

__all__ = ["cmd_account_add", "cmd_account_set"]


def cmd_account_add(args: argparse.Namespace) -> int:

    if not args.no_refresh:
        prewarm()  # the HTTP client made ready in a thread while the store opens (recognition asks the site)
    # the schema check's connection kept for the command unless a secret is read from stdin first
    store = open_store(args, warm="-" not in (args.token, args.cookie, args.password))
    token, cookie, password = read_secret(args.token), read_secret(args.cookie), read_secret(args.password)
    _refuse_empty_secret(args, token, cookie, "nothing was added")
    if args.username and not password and not (token or cookie):
        raise Fail(2, "--username needs --password (or use --token / --cookie).")
    # Bad input is refused before any network work: URL, site type, secrets, user id, rate.
    normalize_site_url(args.url)
    if args.site_type and args.site_type not in SITE_TYPES:
        raise Fail(2, f"'{args.site_type}' is not a known site type; use one of: {', '.join(SITE_TYPES)}.")
    check_credentials(access_token=token, cookie=cookie, user_id=args.user_id)
    if args.exchange_rate is not None:
        parse_exchange_rate(args.exchange_rate)
    data = AccountInput(
        site_url=args.url, site_name=args.name or "", site_type=args.site_type or "unknown",
        user_id=args.user_id or "", username=args.username or "",
        auth_type="cookie" if args.cookie is not None else ("access_token" if (token or password) else "none"),
        access_token=token or "", cookie=cookie or "", tags=args.tag or [], notes=args.notes or "",
        exchange_rate=args.exchange_rate if args.exchange_rate is not None else DEFAULT_EXCHANGE_RATE,
    )
    if args.no_refresh and not data.site_name:
        data.site_name = host_of(data.site_url)
    # One connection for the whole command (the file is let go while the sites are asked).
    with store.session():
        try:
            report = onboard(store, data, password=password, recognize_first=not args.no_refresh,
                             explicit_site_type=bool(args.site_type), explicit_rate=args.exchange_rate is not None,
                             allow_duplicate=args.allow_duplicate,
                             provision_key=True if args.provision_key else None, refresh_after=not args.no_refresh)
        except DuplicateAccount as exc:
            raise Fail(1, f"{exc} Use --allow-duplicate to add it anyway.") from None
        except SiteError as exc:  # the site said no (or could not answer): an item that failed, not bad usage
            raise Fail(1, str(exc)) from None
        rec = get_account(store, report.account_id)
    for note in report.notes:
        emit(note, err=True)
    if report.key_note:
        emit(report.key_note, err=True)
    if args.json:
        print_json(rec)
    else:
        emit(f"Added account {rec['id']}: {rec['site_name']} ({rec['site_url']}), health {rec['health_status']}.")
    return 0


def _refuse_empty_secret(args: argparse.Namespace, token: str | None, cookie: str | None, outcome: str) -> None:
    """``--token ''`` (or ``-`` with nothing on standard input) is a mistake, never "no auth"."""
    for flag, given, value in (("access token", args.token, token), ("session cookie", args.cookie, cookie)):
        if given is not None and not (value or "").strip():
            source = " on standard input" if given == "-" else ""
            raise Fail(2, f"The {flag}{source} is empty; {outcome}.")


def cmd_account_set(args: argparse.Namespace) -> int:

    store = open_store(args)
    aid = parse_id(args.id)
    with store.session():  # its preferences and its row in one opening of the file
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
    if args.auto_checkin_on or args.auto_checkin_off:
        changes["auto_checkin"] = bool(args.auto_checkin_on)
    if args.tag or args.untag:
        tags = [t for t in current["tags"] if t.casefold() not in {u.casefold() for u in args.untag or []}]
        tags += [t for t in args.tag or [] if t.casefold() not in {x.casefold() for x in tags}]
        changes["tags"] = tags
    token, cookie = read_secret(args.token), read_secret(args.cookie)
    _refuse_empty_secret(args, token, cookie, "nothing was changed")
    check_credentials(access_token=token, cookie=cookie)
    if args.exchange_rate is not None:
        parse_exchange_rate(args.exchange_rate)
    method, request = _checkin_method_args(args, current)
    username, password = _login_args(args, method)
    forget = bool(getattr(args, "forget_login", False))
    if not changes and not (args.pin or args.unpin or token or cookie or method or forget):
        raise Fail(2, "Nothing to change: give at least one option (see 'allhub account set --help').")
    with store.session():  # one opening of the file for the changes (what stdin gives is read already)
        changed = bool(update_accounts(store, {aid: changes})) if changes else False
        if args.pin or args.unpin:
            set_pinned(store, [aid], bool(args.pin))
        if token or cookie:
            set_secrets(store, aid, access_token=token, cookie=cookie)
        if method:
            set_checkin_method(store, [aid], method, request, username=username, password=password)
        forgot = clear_login(store, aid) if forget else False
        rec = get_account(store, aid)
    if forget:
        emit(f"Forgot the stored login of account {rec['id']}; its check-in method is {rec['checkin_method']}."
             if forgot else f"Account {rec['id']} had no stored login.")
    if not (changed or args.pin or args.unpin or token or cookie or method):
        if not forget:
            emit(f"Nothing changed: account {rec['id']} ({rec['site_name']}) already has those values.")
        return 0
    emit(f"Updated account {rec['id']}: {rec['site_name']}.")
    return 0



def _login_args(args: argparse.Namespace, method: str | None) -> tuple[str | None, str | None]:
    """``--username`` and ``--password-stdin`` (the re-login check-in's login), checked before
    anything is written; the password is read from stdin only, never from the command line."""
    username = getattr(args, "username", None)
    password = sys.stdin.readline().rstrip("\r\n") if getattr(args, "password_stdin", False) else None
    if getattr(args, "password_stdin", False) and not password:
        raise Fail(2, "The password on standard input is empty; nothing was changed.")
    if getattr(args, "forget_login", False) and (method == "relogin" or username or password):
        raise Fail(2, "--forget-login cannot go with a login or the relogin method; nothing was changed.")
    if (username or password) and method != "relogin":
        raise Fail(2, "--username and --password-stdin go with --checkin-method relogin.")
    if bool(username) != bool(password):
        raise Fail(2, "The re-login check-in needs both --username and --password-stdin.")
    return username, password


def _checkin_method_args(args: argparse.Namespace, current: dict[str, Any]) -> tuple[str | None, str | None]:
    """``--checkin-method`` and ``--checkin-request`` (JSON, @FILE or - for stdin), checked before
    anything is written so a bad request changes nothing."""

    raw = args.checkin_request
    if raw is None:
        if args.checkin_method == "custom" and not current.get("checkin_request"):
            raise Fail(2, "A custom check-in method needs --checkin-request (JSON, @FILE or - for stdin).")
        return args.checkin_method, None
    if raw == "-":
        raw = sys.stdin.read()
    elif raw.startswith("@"):
        try:
            with open(raw[1:], encoding="utf-8") as fh:
                raw = fh.read()
        except OSError as exc:
            raise Fail(2, f"Cannot read {raw[1:]}: {exc.strerror or type(exc).__name__}.") from None
    parse_checkin_request(raw, current["site_url"])
    return args.checkin_method or "custom", raw
