"""Check-in: today's free quota from every site that offers it, each account logged as it finishes
(``_progressive``: what finished is written about every second, so a stopped run keeps it)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from allhub_core.accounts import checkin_methods, parse_id
from allhub_core.accounts import logins as _logins
from allhub_core.accounts import set_checkin_method as _store_checkin_method
from allhub_core.accounts.status import record_checkins
from allhub_core.errors import ValidationError
from allhub_core.sites import CheckInOutcome as SiteCheckIn
from allhub_core.sites import (
    Politeness,
    checkin_accounts,
    checkin_family,
    default_checkin_method,
    parse_checkin_request,
)
from allhub_core.sites import SiteCredentials as _Creds
from allhub_core.sites.relogin import RELOGIN, relogin_accounts, relogin_family
from allhub_core.store import Store
from allhub_core.sync._progressive import run_storing
from allhub_core.sync.credentials import account_names, politeness_for
from allhub_core.vocab import CheckInMethod, CheckInReason, CheckInResult

__all__ = ["CHECKIN_METHOD_LABELS", "CheckInReport", "auto_checkin_label", "checkin", "forget_login",
           "login_usernames", "set_checkin_method"]

#: The re-login check-in's stored login for the page ("Forget the password", whose login is
#: stored): ``accounts.logins``; ``set_checkin_method`` stores one.
forget_login = _logins.clear_login
login_usernames = _logins.login_usernames

#: How an account checks in, as the page and ``account set --checkin-method`` offer it.
CHECKIN_METHOD_LABELS = {m.value: m.label for m in CheckInMethod}


@dataclass
class CheckInReport:
    """What a check-in run did; iterates over its per-account results like a list."""

    results: list[SiteCheckIn]
    names: dict[str, str] = field(default_factory=dict)
    interrupted: bool = False  # stopped by ``cancel``: ``results`` are the accounts that finished

    def __iter__(self) -> Iterator[SiteCheckIn]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def __getitem__(self, i: int) -> SiteCheckIn:
        return self.results[i]

    def counts(self) -> dict[CheckInResult, int]:
        out = {k: 0 for k in CheckInResult}
        for r in self.results:
            out[CheckInResult(r.result)] += 1
        return {k: v for k, v in out.items() if v}

    @property
    def needs_attention(self) -> bool:
        """Some account failed or needs the user's browser."""
        return any(not CheckInResult(r.result).ok for r in self.results)

    def summary(self) -> str:
        if not self.results:
            return "No accounts to check in."
        text = ", ".join(f"{n} {k.label.lower()}" for k, n in self.counts().items())
        return f"Check-in finished: {text}."

    def rows(self) -> list[dict[str, Any]]:
        """One row per account: id, ok, result, its reason and whether that is retryable, message,
        health (and the link when a browser is needed)."""
        return [{"id": r.account_id, "ok": CheckInResult(r.result).ok, "result": r.result, "reason": r.reason,
                 "retryable": _retryable(r), "message": r.message,
                 "health_status": r.health_status, "health_reason": r.health_reason,
                 **({"checkin_url": r.checkin_url} if r.checkin_url else {})} for r in self.results]

    def exit_code(self) -> int:
        return 1 if self.needs_attention else 0


def checkin(store: Store, ids: list[Any] | None = None, *, politeness: Politeness | None = None,
            on_result: Callable[[SiteCheckIn], None] | None = None,
            on_written: Callable[[list[SiteCheckIn]], None] | None = None,
            cancel: threading.Event | None = None) -> CheckInReport:
    """Check in the given (or all enabled, check-in capable) accounts; each result is written as
    it comes (``on_result`` hears of each, ``on_written`` of each batch once stored). ``cancel``
    stops the run within a second (the report holds what finished)."""
    aids = [parse_id(i) for i in ids] if ids is not None else None
    politeness = politeness or politeness_for(store)
    creds, names = account_names(store, aids, only_enabled=aids is None, checkin=aids is None)
    if not creds:
        return CheckInReport([], names)
    relogin = [c for c in creds if c.checkin_method == RELOGIN]
    logins = _logins.open_logins(store, [c.account_id for c in relogin]) if relogin else {}
    p = politeness
    results, complete = run_storing(lambda collect: _both(creds, logins, p, collect),
                                    lambda batch: _record(store, batch), on_result=on_result,
                                    on_written=on_written, cancel=cancel, away=store.released())
    return CheckInReport(results, names, interrupted=not complete)


async def _both(creds: list[_Creds], logins: dict[int, tuple[str, str]], politeness: Politeness,
                collect: Callable[[SiteCheckIn], None]) -> list[SiteCheckIn]:
    """The built-in and custom check-ins, and beside them the re-login ones (``sites.relogin``:
    a site's logins one at a time, with each account's stored login); results in input order."""
    plain = [c for c in creds if c.checkin_method != RELOGIN]
    items = [(c, *logins.get(int(c.account_id), (None, None))) for c in creds if c.checkin_method == RELOGIN]
    if not items:
        return await checkin_accounts(plain, politeness, on_result=collect)
    done = await asyncio.gather(checkin_accounts(plain, politeness, on_result=collect),
                                relogin_accounts(items, politeness, on_result=collect))
    by_id = {r.account_id: r for part in done for r in part}
    return [by_id[c.account_id] for c in creds]


def _retryable(r: SiteCheckIn) -> bool:
    """A failed result whose reason a later try can overcome (a done or unsupported one: nothing to retry)."""
    return r.result == CheckInResult.FAILED and CheckInReason.retryable_value(r.reason)


def _record(store: Store, results: list[SiteCheckIn]) -> None:
    record_checkins(store, [{"account_id": r.account_id, "result": r.result, "reason": r.reason, "message": r.message,
                             "checkin_url": r.checkin_url, "rotated": r.rotated, "health_checked": r.health_checked,
                             "health_status": r.health_status, "health_reason": r.health_reason} for r in results])


def set_checkin_method(store: Store, ids: list[Any], method: str, request: str | dict[str, Any] | None = None,
                       *, username: str | None = None, password: str | None = None) -> int:
    """Choose how accounts check in: ``auto``, a built-in by its id (``new-api:daily-checkin``...,
    as the extension names them), ``custom`` with its request (JSON text or object) or ``relogin``
    (log in again: sites that credit the daily reward on login).

    A built-in must suit each account's site type; a request is checked against each account's
    site (an address on another site is refused) and stored in its normal form. ``relogin``
    needs each account's login stored (``accounts.logins``): given ``username`` and ``password``
    (one account), they are stored sealed first (opt-in: a password is kept only for this
    method). Nothing changes when one account fails the check.
    """
    method = (method or "").strip()
    if method not in CHECKIN_METHOD_LABELS:
        raise ValidationError(f"The check-in method is one of: {', '.join(CHECKIN_METHOD_LABELS)}.")
    text = ""
    rows = checkin_methods(store, ids)
    if method == RELOGIN or username or password:
        _check_relogin(store, rows, method, username, password)
        return _store_checkin_method(store, ids, method, text)
    if method == CheckInMethod.CUSTOM or request:
        if request in (None, "", {}):
            raise ValidationError("A custom check-in method needs its request (a JSON object with at least a url).")
        assert request is not None
        for row in rows:
            text = parse_checkin_request(request, row["site_url"]).to_json()
    for row in rows:
        checkin_family(row["site_type"], method)
    return _store_checkin_method(store, ids, method, text)


def _check_relogin(store: Store, rows: list[dict[str, Any]], method: str, username: str | None,
                   password: str | None) -> None:
    """``relogin`` on sites that can log in, each account with its login; a given login stored."""
    if method != RELOGIN:
        raise ValidationError("A username and password are stored only for the re-login check-in.")
    for row in rows:
        relogin_family(row["site_type"])
    if username or password:
        if len(rows) != 1:
            raise ValidationError("A login belongs to one account: choose one account to store it for.")
        _logins.set_login(store, rows[0]["id"], username or "", password or "")
        return
    known = _logins.login_usernames(store, [r["id"] for r in rows])
    missing = [str(r["id"]) for r in rows if r["id"] not in known]
    if missing:
        raise ValidationError(f"Logging in again needs the account's username and password stored first "
                              f"(account {', '.join(missing)}).")


def auto_checkin_label(site_type: str | None) -> str:
    """What "automatic" runs for a site type, in words (for the page and ``account show``)."""
    method = default_checkin_method(site_type)
    return method.label if method else "none (this site type has no built-in check-in)"
