"""From the store to what the network needs: credentials of accounts, politeness of a run."""

from __future__ import annotations

from typing import Any

from allhub_core.accounts import get_preferences
from allhub_core.accounts.status import credential_rows
from allhub_core.errors import ValidationError
from allhub_core.sites import Politeness, SiteCredentials
from allhub_core.store import Store

__all__ = ["politeness_for", "credentials_for", "account_names"]


def politeness_for(store: Store, per_site_concurrency: int | None = None,
                   per_site_rpm: float | None = None) -> Politeness:
    """The saved politeness settings, with per-run overrides (a rate of 0: no rate limit)."""
    prefs = get_preferences(store)
    conc = per_site_concurrency if per_site_concurrency is not None else prefs["per_site_concurrency"]
    rpm = per_site_rpm if per_site_rpm is not None else prefs["per_site_rpm"]
    if conc < 1:
        raise ValidationError("The number of requests in flight per site must be at least 1.")
    if rpm < 0:
        raise ValidationError("The requests per minute per site must be 0 (no limit) or more.")
    return Politeness(per_site_concurrency=int(conc), per_site_rpm=float(rpm))


def _credentials(row: dict[str, Any]) -> SiteCredentials:
    return SiteCredentials(**{k: v for k, v in row.items() if k != "site_name"})


def credentials_for(store: Store, ids: list[int] | None, *, only_enabled: bool = True,
                    checkin: bool = False) -> list[SiteCredentials]:
    """The accounts' credentials for the sites layer (see ``accounts.status.credential_rows``)."""
    return [_credentials(r) for r in credential_rows(store, ids, only_enabled=only_enabled, checkin=checkin)]


def account_names(store: Store, ids: list[int] | None, *, only_enabled: bool = True,
                  checkin: bool = False) -> tuple[list[SiteCredentials], dict[str, str]]:
    """Credentials plus ``{account id: site name}`` so a report can name the accounts."""
    rows = credential_rows(store, ids, only_enabled=only_enabled, checkin=checkin)
    return [_credentials(r) for r in rows], {r["account_id"]: r["site_name"] for r in rows}
