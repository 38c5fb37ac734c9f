"""Onboarding: recognise -> duplicate rule -> add -> refresh -> default key, as one flow.

``allhub account add`` and the Add account page both call ``onboard`` so they follow the same
rules and the same preferences (warn on duplicate, auto-provision a default key). The page
asks the duplicate question itself (``DuplicateAccount`` carries the existing accounts) and
calls again with ``allow_duplicate=True`` when the user continues.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from allhub_core.accounts import (
    AccountInput,
    account_records,
    add_account,
    check_credentials,
    get_preferences,
    refuse_duplicate,
    update_accounts,
)
from allhub_core.errors import SiteError, ValidationError
from allhub_core.origin import origin_key
from allhub_core.sites import Politeness, RecognizeResult, RefreshResult, Seen, recognize
from allhub_core.store import Store
from allhub_core.sync.credentials import credentials_for, politeness_for
from allhub_core.sync.keys import provision_default_key
from allhub_core.sync.refreshes import RefreshReport, refresh
from allhub_core.vocab import AuthType, Health, SiteType

__all__ = [
    "AccountRefused",
    "OnboardReport",
    "host_of",
    "onboard",
    "recognize_and_fill",
    "recognize_and_refresh",
    "recognize_input",
]


class AccountRefused(SiteError):
    """The site was asked and said no (wrong token, wrong user id, login refused); nothing was
    added.  Bad input refused before any request stays a ``ValidationError``."""

    health_status = Health.WARNING.value
    title = "The site did not accept the account"


def host_of(url: str) -> str:
    """The host (and port) of a site address, as a default account name."""
    key = origin_key(url)
    return key.split("://", 1)[1] if key else ""


def duplicate_rule(store: Store, *, allow_duplicate: bool = False,
                   warn_on_duplicate: bool | None = None) -> Callable[[str, str], None] | None:
    """The add-time duplicate rule as recognition's ``check_duplicate``: None when duplicates are
    allowed (``allow_duplicate``, or the *warn on duplicate* preference off; ``warn_on_duplicate``
    is that preference when the caller has read it already, else it is read here)."""
    if allow_duplicate:
        return None
    if warn_on_duplicate is None:
        warn_on_duplicate = get_preferences(store)["warn_on_duplicate"]
    if not warn_on_duplicate:
        return None
    return lambda origin, user_id: refuse_duplicate(store, origin, user_id)


def recognize_input(data: AccountInput, *, password: str | None = None, politeness: Politeness | None = None,
                    store: Store | None = None, allow_duplicate: bool = False,
                    warn_on_duplicate: bool | None = None) -> RecognizeResult:
    """Ask the site who this is (login, token or cookie); never raises for bad input.

    With ``store``, a login stops with ``DuplicateAccount`` as soon as the user id is known to
    be stored already (unless ``allow_duplicate`` or the preference allows it), before the
    request that would hand out a new access token and break the stored account's.
    ``warn_on_duplicate``: that preference, when the caller has read it already (see
    ``duplicate_rule``).
    """
    try:  # a credential no HTTP header can carry is refused here, before any request
        check_credentials(access_token=data.access_token, cookie=data.cookie, user_id=data.user_id,
                          refresh_token=data.refresh_token)
    except ValidationError as exc:
        return RecognizeResult(ok=False, message=str(exc))
    site_type = data.site_type if data.site_type and data.site_type != SiteType.UNKNOWN else None
    return asyncio.run(recognize(data.site_url, username=data.username or None, password=password,
                                 access_token=data.access_token or None, cookie=data.cookie or None,
                                 user_id=data.user_id or None, site_type=site_type,
                                 refresh_token=data.refresh_token or None, politeness=politeness,
                                 check_duplicate=duplicate_rule(store, allow_duplicate=allow_duplicate,
                                                                warn_on_duplicate=warn_on_duplicate)
                                 if store is not None else None))


def recognize_and_fill(data: AccountInput, *, password: str | None = None, explicit_site_type: bool = False,
                       explicit_rate: bool = False, politeness: Politeness | None = None,
                       store: Store | None = None, allow_duplicate: bool = False,
                       warn_on_duplicate: bool | None = None) -> tuple[AccountInput, str]:
    """Fill what the site tells us into ``data``; returns the new input and a note for the user.

    If the site cannot be reached but the user gave enough to save (URL, user id, secret), the
    account is saved with health ``warning`` and the reason, as the extension does; otherwise
    the recognition message is raised: ``AccountRefused`` when the site said no, else
    ``ValidationError``.
    """
    filled, note, _seen = _recognized(data, password=password, explicit_site_type=explicit_site_type,
                                      explicit_rate=explicit_rate, politeness=politeness, store=store,
                                      allow_duplicate=allow_duplicate, warn_on_duplicate=warn_on_duplicate)
    return filled, note


def _recognized(data: AccountInput, *, password: str | None, explicit_site_type: bool, explicit_rate: bool,
                politeness: Politeness | None, store: Store | None, allow_duplicate: bool,
                warn_on_duplicate: bool | None) -> tuple[AccountInput, str, Seen | None]:
    """``recognize_and_fill``, and what the site's family read on the way (``sites.Seen``: its
    status, the user record, today's check-in state) for the first refresh."""
    result = recognize_input(data, password=password, politeness=politeness, store=store,
                             allow_duplicate=allow_duplicate, warn_on_duplicate=warn_on_duplicate)
    if result.ok:
        filled = replace(
            data,
            site_url=result.site_url or data.site_url,
            site_type=data.site_type if explicit_site_type else (result.site_type or data.site_type),
            site_name=data.site_name or result.site_name or host_of(data.site_url),
            exchange_rate=data.exchange_rate if explicit_rate else (result.exchange_rate or data.exchange_rate),
            user_id=data.user_id or (result.user_id or ""),
            username=data.username or (result.username or ""),
            auth_type=result.auth_type or data.auth_type,
            access_token=result.access_token or data.access_token,
            cookie=result.cookie or data.cookie,
            refresh_token=result.refresh_token or data.refresh_token,
            checkin_supported=result.checkin_supported,
            quota=result.quota,
            health_status=Health.HEALTHY.value,
            health_reason="",
        )
        return filled, "", result.seen
    enough = data.user_id and (data.access_token or data.cookie) and origin_key(data.site_url)
    if enough and not result.needs_user_id and result.unreachable:
        saved = replace(data, site_name=data.site_name or host_of(data.site_url),
                        health_status=Health.WARNING.value, health_reason=result.message)
        return saved, f"Saved without live data: {result.message}", None
    if _site_said_no(result):
        raise AccountRefused(result.message)
    raise ValidationError(result.message)


def _site_said_no(result: RecognizeResult) -> bool:
    """The site's family was asked and refused (wrong token, wrong user id, login refused): such a
    result names the type.  Input refused before any request, and a site that could not be
    asked, do not."""
    return bool(result.site_type) and not result.unreachable


@dataclass
class OnboardReport:
    """What adding an account did: the new id, notes for the user, and the first refresh."""

    account_id: int
    notes: list[str] = field(default_factory=list)
    refreshed: RefreshResult | None = None
    key_note: str = ""
    no_credentials: bool = False

    @property
    def warning(self) -> bool:
        """The account was saved, but something needs the user's eye."""
        return bool(self.notes) or (self.refreshed is not None and not self.refreshed.ok)

    def summary(self) -> str:
        if self.no_credentials:
            return f"Account saved (id {self.account_id}); with no credentials it cannot be refreshed."
        if self.refreshed is not None and self.refreshed.ok:
            text = f"Account saved (id {self.account_id}) and refreshed."
        elif self.refreshed is not None:
            text = (f"Account saved (id {self.account_id}), but the latest balance and today's usage could not "
                    f"be fetched: {self.refreshed.health_reason}")
        else:
            text = f"Account saved (id {self.account_id})."
        return " ".join([text, *self.notes, self.key_note]).strip()

    def rows(self) -> list[dict[str, Any]]:
        """The one account added: id, whether its first refresh worked, and the notes."""
        r = self.refreshed
        notes = [*self.notes, self.key_note] if self.key_note else list(self.notes)
        return [{"id": self.account_id, "ok": r is None or r.ok, "health_status": r.health_status if r else None,
                 "health_reason": r.health_reason if r else None, "notes": notes}]

    def exit_code(self) -> int:
        """0: the account is saved; a first refresh that failed is a warning (``warning``), not a failure."""
        return 0


def onboard(store: Store, data: AccountInput, *, password: str | None = None, recognize_first: bool = True,
            explicit_site_type: bool = False, explicit_rate: bool = False, allow_duplicate: bool = False,
            provision_key: bool | None = None, refresh_after: bool = True,
            politeness: Politeness | None = None) -> OnboardReport:
    """Add one account the way both surfaces do it.

    1. ``recognize_first``: ask the site (login, token or cookie) and fill in what it says; an
       unreachable site still saves with health warning when enough was given.
    2. Duplicate rule: with the *warn on duplicate* preference on, an account with the same
       origin and user id raises ``DuplicateAccount`` unless ``allow_duplicate``; a login is
       stopped as soon as the user id is known, before the site hands out a new access token.
    3. Add it (one transaction), then ``refresh_after``: read today's figures (not for an
       account saved without live data, nor one without credentials).
    4. Default key: ``provision_key`` True/False, or None for the preference; only after a
       good refresh.
    """
    prefs = get_preferences(store)
    politeness = politeness or politeness_for(store)
    notes: list[str] = []
    seen: Seen | None = None
    if recognize_first:
        with store.released():  # no file lock held while the site is asked (the preference is read)
            data, note, seen = _recognized(data, password=password, explicit_site_type=explicit_site_type,
                                           explicit_rate=explicit_rate, politeness=politeness, store=store,
                                           allow_duplicate=allow_duplicate,
                                           warn_on_duplicate=prefs["warn_on_duplicate"])
        if note:
            notes.append(note)
    new_id = add_account(store, data, allow_duplicate=allow_duplicate or not prefs["warn_on_duplicate"])
    report = OnboardReport(new_id, notes)
    saved_without_live_data = recognize_first and data.health_status != Health.HEALTHY
    if not refresh_after or data.auth_type == AuthType.NONE or saved_without_live_data:
        report.no_credentials = data.auth_type == AuthType.NONE
        return report
    # what recognition read a moment ago (status, user record, check-in state) is not asked again
    outcome = refresh(store, [new_id], force=True, politeness=politeness, seen={new_id: seen})
    report.refreshed = outcome.results[0] if outcome.results else None
    want_key = prefs["auto_provision_key"] if provision_key is None else provision_key
    if want_key and report.refreshed is not None and report.refreshed.ok:
        report.key_note = provision_default_key(store, new_id)
    return report


def recognize_and_refresh(store: Store, ids: list[int], *, politeness: Politeness | None = None,
                          on_result: Callable[[RefreshResult], None] | None = None) -> RefreshReport:
    """After a bulk add (CSV import): ask each site what it is, then refresh the accounts.

    Accounts saved as ``unknown`` get the site type, exchange rate and user name the site
    reports (and its name, where the account only had its host name); recognition never
    changes a credential or adds anything. Then one refresh over all of them (``on_result``
    per account, for a progress bar). A site that cannot be recognised is left as it was and
    its refresh says why.
    """

    politeness = politeness or politeness_for(store)
    creds = [c for c in credentials_for(store, list(ids), only_enabled=False) if c.site_type == SiteType.UNKNOWN]

    async def ask_all() -> list[RecognizeResult]:
        return list(await asyncio.gather(*(recognize(
            c.site_url, access_token=c.access_token, cookie=c.cookie, user_id=c.user_id,
            refresh_token=c.refresh_token, politeness=politeness) for c in creds)))

    if creds:
        with store.released():
            found = asyncio.run(ask_all())
        changes: dict[int, dict[str, object]] = {}
        current_of = {int(a["id"]): a for a in account_records(store, ids=[int(c.account_id) for c in creds])}
        for c, r in zip(creds, found, strict=True):
            if not r.ok or not r.site_type or r.site_type == SiteType.UNKNOWN:
                continue
            aid = int(c.account_id)
            change: dict[str, object] = {"site_type": r.site_type}
            if r.exchange_rate:
                change["exchange_rate"] = r.exchange_rate
            current = current_of[aid]
            if r.username and not current["username"]:
                change["username"] = r.username
            if r.site_name and current["site_name"] == host_of(c.site_url):
                change["site_name"] = r.site_name
            changes[aid] = change
        if changes:
            update_accounts(store, changes)
    return refresh(store, list(ids), force=True, politeness=politeness, on_result=on_result)
