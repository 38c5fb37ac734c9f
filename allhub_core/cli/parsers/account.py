"""``allhub account``'s parsers; the commands are in ``allhub_core.cli.account`` (list, show, rm) and
``allhub_core.cli.account_edit`` (add, set: they may ask a site)."""

from __future__ import annotations

import argparse

from allhub_core.cli.terminal import Parser
from allhub_core.vocab import DEFAULT_EXCHANGE_RATE, CheckInMethod

__all__ = ["register"]

_CMD = "allhub_core.cli.account:"
_NOT_BUILT_IN = (CheckInMethod.AUTO, CheckInMethod.CUSTOM, CheckInMethod.RELOGIN)


def register(sub: argparse._SubParsersAction) -> None:
    acc = sub.add_parser("account", help="add, list, show, change and remove accounts")
    asub = acc.add_subparsers(dest="account_command", metavar="ACTION", parser_class=Parser)
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
    a.add_argument("--exchange-rate", type=float,
                   help=f"CNY per USD (default: from the site, else {DEFAULT_EXCHANGE_RATE})")
    a.add_argument("--no-refresh", action="store_true", help="save without contacting the site")
    a.add_argument("--allow-duplicate", action="store_true", help="add even if the same origin + user id exists")
    a.add_argument("--provision-key", action="store_true", help="create a default API key if the account has none")
    a.add_argument("--json", action="store_true", help="print the stored account as JSON")
    a.set_defaults(run="allhub_core.cli.account_edit:cmd_account_add")

    ls = asub.add_parser("list", help="list accounts in the configured sort order")
    fmt = ls.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print a JSON array")
    fmt.add_argument("--csv", action="store_true", help="print CSV (formula-injection safe)")
    ls.add_argument("--tag", action="append", help="only accounts with this tag (repeatable: any of them)")
    ls.add_argument("--search", help="free text over name, username, URL, tags and notes")
    ls.add_argument("--include-disabled", action="store_true", help="also list disabled accounts")
    ls.add_argument("--needs-attention", action="store_true",
                    help="only accounts with an error or warning, or whose check-in today failed or needs you")
    ls.set_defaults(run=_CMD + "cmd_account_list")

    sh = asub.add_parser("show", help="show one account")
    sh.add_argument("id")
    sh.add_argument("--json", action="store_true", help="print JSON")
    sh.set_defaults(run=_CMD + "cmd_account_show")

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
    auto = st.add_mutually_exclusive_group()
    auto.add_argument("--auto-checkin", action="store_true", dest="auto_checkin_on",
                      help="include in the daily automatic check-in")
    auto.add_argument("--no-auto-checkin", action="store_true", dest="auto_checkin_off",
                      help="leave out of the daily automatic check-in")
    st.add_argument("--notes")
    st.add_argument("--exchange-rate", help="CNY per USD, greater than 0")
    st.add_argument("--token", help="replace the access token (e.g. after it expired); '-' reads stdin")
    st.add_argument("--cookie", help="replace the session cookie; '-' reads stdin")
    st.add_argument("--checkin-method", choices=CheckInMethod.values(), metavar="METHOD",
                    help="auto (the site type's own check-in), a built-in chosen by its id ("
                         + ", ".join(m.value for m in CheckInMethod if m not in _NOT_BUILT_IN)
                         + "), custom: the request given with --checkin-request, or relogin: log in again "
                         "each day (sites that credit on login) with the login given by --username and "
                         "--password-stdin (stored encrypted) or stored before")
    st.add_argument("--checkin-request", metavar="JSON",
                    help="the custom check-in request as JSON, @FILE or - (stdin): url, method, headers and "
                         "body with {access_token} {user_id} {cookie} placeholders, and success/already rules "
                         "({\"path\": P, \"equals\": V} or {\"contains\": TEXT}); see the README")
    st.add_argument("--username", help="with --checkin-method relogin: the username the site logs in with")
    st.add_argument("--password-stdin", action="store_true",
                    help="with --checkin-method relogin: read the site's password from stdin and store it "
                         "encrypted (opt-in: kept only for this method)")
    st.add_argument("--forget-login", action="store_true",
                    help="forget the stored login (a relogin account goes back to auto)")
    st.set_defaults(run="allhub_core.cli.account_edit:cmd_account_set")

    rm = asub.add_parser("rm", help="delete accounts")
    rm.add_argument("ids", nargs="+", metavar="ID")
    rm.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    rm.set_defaults(run=_CMD + "cmd_account_rm")
