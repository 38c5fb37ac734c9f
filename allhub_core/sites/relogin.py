"""The re-login check-in's batch (issue 21): accounts whose check-in method is ``relogin`` log in
again with their stored username and password, and the credited amount is reported.

A family offers it with a ``relogin_check_in(handle, username, password, keep_cookie=...)``
operation (the New API family: ``newapi._relogin``); ``relogin_family`` asks for it, never names a
family. A site's logins go one at a time (one lane per site, its accounts in turn), so the site's
critical window (login is a critical route, ``net.CRITICAL_PATHS``) is met by one login after the
other; the sites go side by side. Each account runs under its deadline like any check-in, its
password is scrubbed from every sentence, and a login is sent once (never retried).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import Any

from allhub_core.errors import ValidationError
from allhub_core.net import (
    InvalidSiteUrl,
    Politeness,
    Transport,
    scrub,
    short,
)
from allhub_core.origin import origin_key
from allhub_core.sites._api import _auth_for, _Progress, checkin_failed, checkin_within_deadline
from allhub_core.sites._attempt import reason_of
from allhub_core.sites._concurrent import notify
from allhub_core.sites._types import CheckInOutcome, SiteCredentials
from allhub_core.sites.family import SiteFamily
from allhub_core.sites.registry import family_for
from allhub_core.vocab import AuthType, CheckInMethod, Health
from allhub_core.vocab import CheckInReason as Why
from allhub_core.vocab import CheckInResult as Checked

__all__ = ["RELOGIN", "ReloginItem", "relogin_accounts", "relogin_family"]

RELOGIN = CheckInMethod.RELOGIN.value
#: one account to log in again: its credentials and its stored username and password (None: none stored)
ReloginItem = tuple[SiteCredentials, str | None, str | None]
NO_LOGIN = ("No login is stored for this account; store its username and password to check in by "
            "logging in again.")


def relogin_family(site_type: str | None) -> SiteFamily[Any]:
    """The family that logs this site type in again; ``ValidationError`` when it cannot."""
    family = family_for(site_type)
    if not callable(getattr(family, "relogin_check_in", None)):
        raise ValidationError(f"Logging in again to check in works only on New API family sites, not on "
                              f"{family.site_type.label} sites.")
    return family


def _keeps_cookie(creds: SiteCredentials) -> bool:
    """The account authenticates with its session cookie: the new session replaces it."""
    return creds.auth_type == AuthType.COOKIE or (bool(creds.cookie) and not creds.access_token)


async def _relogin_one(t: Transport, item: ReloginItem, progress: _Progress) -> CheckInOutcome:
    creds, username, password = item
    secrets = [*creds.secrets(), *([password] if password else [])]
    out = CheckInOutcome(account_id=creds.account_id, result=Checked.FAILED.value, message="",
                         health_status=Health.UNKNOWN.value, health_reason="")
    try:
        family = relogin_family(creds.site_type)
        if not (username and password):
            out.message, out.reason, out.health_checked = NO_LOGIN, Why.TOKEN_REJECTED.value, False
            return out
        session = progress.session = t.session(creds.site_url, _auth_for(creds, family), secrets)
        handle = progress.handle = family.open(session, creds)
        attempt = await family.relogin_check_in(handle, username, password,  # type: ignore[attr-defined]
                                                keep_cookie=_keeps_cookie(creds))
        out.result, out.message = attempt.result, short(scrub(attempt.message, secrets))
        out.reward_quota, out.reason = attempt.reward_quota, reason_of(attempt).value
        if out.result in (Checked.SUCCESS, Checked.ALREADY_CHECKED):
            out.health_status, out.health_reason = Health.HEALTHY.value, ""
        else:
            out.health_checked = False  # a refused login says nothing of the stored token's health
        if out.result == Checked.NEEDS_BROWSER:
            out.checkin_url = creds.checkin_url or session.origin
        return out
    except (InvalidSiteUrl, ValidationError) as exc:
        out.message, out.health_checked = str(exc), False
        return out
    except Exception as exc:  # noqa: BLE001 - one account's failure is its own result
        return checkin_failed(out, exc, creds, secrets, "re-login check-in")
    finally:
        out.rotated = progress.rotated()
        out.requests_made = progress.requests_made()


async def relogin_accounts(items: list[ReloginItem], politeness: Politeness | None = None,
                           on_result: Callable[[CheckInOutcome], None] | None = None) -> list[CheckInOutcome]:
    """Log every account in again; one result per account, in input order. A site's accounts one
    after another, the sites side by side."""
    lanes: dict[str, list[int]] = {}
    for i, (creds, _u, _p) in enumerate(items):
        lanes.setdefault(origin_key(creds.site_url) or creds.site_url, []).append(i)
    out: dict[int, CheckInOutcome] = {}
    async with Transport.open(politeness) as t:
        async def lane(indexes: list[int]) -> None:
            for i in indexes:
                item = items[i]
                out[i] = await checkin_within_deadline(t, item[0], partial(_relogin_one, t, item))
                notify(on_result, out[i])

        await asyncio.gather(*(lane(ix) for ix in lanes.values()))
    return [out[i] for i in range(len(items))]
