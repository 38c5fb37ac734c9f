"""From the store to what the network needs: credentials of accounts, politeness of a run.

``politeness_for`` makes every run on a store share one request window per site: the sites'
own windows (``accounts.site_windows``), the shared folder beside the database file
(``<database>.requests/``, see ``net._shared_window``) and a keeper that stores a window a 429
lowered (``accounts.lower_site_window``) when the batch ends. Every job that asks a site with
it (refresh, check-in, usage sync, adding an account) is therefore counted in one window, in
whichever process it runs, and remembers a 429.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

from allhub_core.accounts import get_preferences, lower_site_window, set_secrets, site_rows, site_windows
from allhub_core.accounts.preferences import check_run_limits
from allhub_core.accounts.site_profiles import window_changes
from allhub_core.accounts.status import credential_rows
from allhub_core.errors import AllhubError, NotFound, ValidationError
from allhub_core.net import scrub, short, unstored_lowerings, window_from_rpm
from allhub_core.sites import Politeness, SiteCredentials
from allhub_core.store import Store

__all__ = ["SiteAsker", "account_names", "credentials_for", "politeness_for", "shared_window_dir", "window_keeper"]

log = logging.getLogger("allhub_core.sync")

#: The folder of the shared request windows: beside the database file, this suffix added.
SHARED_WINDOW_SUFFIX = ".requests"


def shared_window_dir(store: Store) -> str | None:
    """``<database file>.requests``: where every process on this store keeps each site's
    request starts; None for a store without a file of its own."""
    path = str(getattr(store, "path", "") or "")
    if not path or path == ":memory:" or path.startswith(":memory:"):
        return None
    return os.path.abspath(path) + SHARED_WINDOW_SUFFIX


def window_keeper(store: Store) -> Callable[[str, int, float], None]:
    """``(origin, N, W)`` -> stored with ``lower_site_window`` (only when lower than what holds);
    a store that refuses (busy, a window out of bounds) is logged, never the run's error."""

    def keep(origin: str, requests: int, seconds: float) -> None:
        try:
            if lower_site_window(store, origin, requests, seconds):
                log.info("%s answered 429: its window is now %d per %g s", origin, requests, seconds)
        except AllhubError as exc:
            log.warning("the lower request window of %s was not stored: %s", origin, exc)

    return keep


def politeness_for(store: Store, per_site_concurrency: int | None = None,
                   per_site_rpm: float | None = None, *, per_site_window: tuple[int, float] | None = None,
                   account_deadline_s: float | None = None) -> Politeness:
    """The saved politeness settings, with per-run overrides.

    ``per_site_window=(N, W)``: at most N requests per site in any W seconds (N = 0: no limit,
    also for the critical routes). ``per_site_rpm`` (the old bucket's rate, kept for scripts)
    is a window of that many per 60 s; 0 is no limit. ``account_deadline_s`` 0: no deadline.
    The overrides are checked by ``accounts.check_run_limits`` (the CLI's check too); they set
    the run's default, and a site's own window (the user's or a 429's) still holds for that site.
    The request windows are shared with every other process on the store (see the module).
    """
    window = check_run_limits(per_site_concurrency, per_site_rpm, per_site_window, account_deadline_s)
    prefs = get_preferences(store)
    conc = per_site_concurrency if per_site_concurrency is not None else prefs["per_site_concurrency"]
    if per_site_rpm is not None:
        n, w = window_from_rpm(per_site_rpm)
    elif window is not None:
        n, w = window
    else:
        n, w = prefs["per_site_window_requests"], prefs["per_site_window_s"]
    deadline = account_deadline_s if account_deadline_s is not None else prefs["account_deadline_s"]
    critical = Politeness.critical_requests if n else 0  # no limit: not for the critical routes either
    folder, keeper = shared_window_dir(store), window_keeper(store)
    known_at = window_changes(store)
    if folder is not None:
        # A 429's window a killed run could not store: stored now, so Settings shows what runs obey.
        unstored = unstored_lowerings(folder, [r["origin"] for r in site_rows(store)], known_at)
        for origin, (low_n, low_w) in unstored.items():
            keeper(origin, low_n, low_w)
        if unstored:
            known_at = window_changes(store)
    own = {origin: (sw.requests, sw.seconds) for origin, sw in site_windows(store).items()}
    return Politeness(per_site_concurrency=int(conc), window_requests=int(n), window_s=float(w),
                      critical_requests=critical, account_deadline_s=float(deadline), site_windows=own,
                      windows_known_at=known_at, shared_window_dir=folder, on_window_lowered=keeper)


def _credentials(row: dict[str, Any]) -> SiteCredentials:
    return SiteCredentials(**{k: v for k, v in row.items() if k != "site_name"})


def credentials_for(store: Store, ids: list[int] | None, *, only_enabled: bool = True,
                    checkin: bool = False) -> list[SiteCredentials]:
    """The accounts' credentials for the sites layer (see ``accounts.status.credential_rows``)."""
    return account_names(store, ids, only_enabled=only_enabled, checkin=checkin)[0]


def account_names(store: Store, ids: list[int] | None, *, only_enabled: bool = True,
                  checkin: bool = False) -> tuple[list[SiteCredentials], dict[str, str]]:
    """Credentials plus ``{account id: site name}`` so a report can name the accounts."""
    rows = credential_rows(store, ids, only_enabled=only_enabled, checkin=checkin)
    return [_credentials(r) for r in rows], {r["account_id"]: r["site_name"] for r in rows}


class SiteAsker:
    """One account of a run asking its site: its credentials kept current when the site rotates
    them on use (Sub2API: a refresh token works once), the rotated ones saved with the run's
    results (``save_rotated``, in the run's write transaction), and every failure one sentence
    scrubbed of them (``clean``). Pass ``on_rotated`` to every ``sites`` call of the account."""

    def __init__(self, creds: SiteCredentials, name: str, politeness: Politeness) -> None:
        self.creds, self.name, self.politeness = creds, name, politeness
        self.rotated: dict[str, str] = {}

    @property
    def id(self) -> int:
        return int(self.creds.account_id)

    def on_rotated(self, _account_id: str, rotated: dict[str, str]) -> None:
        self.rotated.update(rotated)
        for name in ("access_token", "refresh_token"):
            if rotated.get(name):
                setattr(self.creds, name, rotated[name])

    def clean(self, exc: BaseException, also: list[str] | tuple[str, ...] = ()) -> str:
        text = str(exc) or type(exc).__name__
        return short(scrub(text, [*self.creds.secrets(), *self.rotated.values(), *also]))

    def save_rotated(self, store: Store, con: Any) -> None:
        for name in ("access_token", "refresh_token"):
            if self.rotated.get(name):
                try:
                    set_secrets(store, self.id, con=con, **{name: self.rotated[name]})
                except (NotFound, ValidationError):
                    pass  # deleted meanwhile, or a token we would refuse anyway
