"""From the store to what the network needs: credentials of accounts, politeness of a run."""

from __future__ import annotations

from typing import Any

from allhub_core.accounts import get_preferences
from allhub_core.accounts.preferences import check_run_limits
from allhub_core.accounts.status import credential_rows
from allhub_core.net import window_from_rpm
from allhub_core.sites import Politeness, SiteCredentials
from allhub_core.store import Store

__all__ = ["account_names", "credentials_for", "politeness_for"]


def politeness_for(store: Store, per_site_concurrency: int | None = None,
                   per_site_rpm: float | None = None, *, per_site_window: tuple[int, float] | None = None,
                   account_deadline_s: float | None = None) -> Politeness:
    """The saved politeness settings, with per-run overrides.

    ``per_site_window=(N, W)``: at most N requests per site in any W seconds (N = 0: no limit,
    also for the critical routes). ``per_site_rpm`` (the old bucket's rate, kept for scripts)
    is a window of that many per 60 s; 0 is no limit. ``account_deadline_s`` 0: no deadline.
    The overrides are checked by ``accounts.check_run_limits`` (the CLI's check too).
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
    return Politeness(per_site_concurrency=int(conc), window_requests=int(n), window_s=float(w),
                      critical_requests=critical, account_deadline_s=float(deadline))


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
