"""The batch entry points: refresh and check in (the single-account ones are in ``_account_ops``).

Batch functions open one transport (one httpx client) inside the running loop,
run every account concurrently under the per-origin limiter, and never raise
for one account's failure: each account gets its own result with a health
status and a short reason.  Each account's whole refresh or check-in runs under
a deadline (``Politeness.account_deadline_s``, paused while our own limiter holds
it back), so a site that hangs fails its own accounts and delays no other site's.
Every reason passes through ``scrub`` with the account's secrets, so no token,
cookie or password can leak into the store.

Each operation looks its family up once (``registry.family_for``) and calls it;
what a family lacks raises ``UnsupportedError``.  Recognition is in ``recognition``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from allhub_core.errors import ValidationError
from allhub_core.net import (
    NO_AUTH,
    AccountClock,
    Auth,
    ChallengeError,
    InvalidSiteUrl,
    Politeness,
    SharedWork,
    SiteError,
    SiteSession,
    Transport,
    current_clock,
    scrub,
    short,
)
from allhub_core.sites._attempt import error_reason, reason_of
from allhub_core.sites._concurrent import each
from allhub_core.sites._plans import PlansProbes
from allhub_core.sites._reasons import health as _health
from allhub_core.sites._reasons import reason as _reason
from allhub_core.sites._status import try_status
from allhub_core.sites._types import (
    CheckInOutcome,
    RefreshResult,
    SiteCredentials,
    SiteStatus,
)
from allhub_core.sites.custom_checkin import custom_check_in, parse_checkin_request
from allhub_core.sites.family import AccountHandle, SiteFamily
from allhub_core.sites.registry import checkin_family, family_for
from allhub_core.vocab import AuthType, CheckInState, Health
from allhub_core.vocab import CheckInReason as Why
from allhub_core.vocab import CheckInResult as Checked

log = logging.getLogger("allhub_core.sites")


# -- helpers -------------------------------------------------------------------

def _auth_for(creds: SiteCredentials, family: SiteFamily[Any]) -> Auth:
    no_auth = creds.auth_type == AuthType.NONE
    token = creds.access_token if not no_auth else None
    send_cookie = creds.auth_type == AuthType.COOKIE or not token or family.always_send_cookie
    cookie = creds.cookie if send_cookie and not no_auth else None
    return Auth(access_token=token, cookie=cookie, user_id=creds.user_id, raw_authorization=family.raw_authorization)


def deadline_reason(seconds: float, *, checkin: bool = False) -> str:
    """The health reason of an account whose run outlived its deadline."""
    tail = ("the check-in may still have reached it; the next refresh will tell." if checkin
            else "it may be down or overloaded; try again later.")
    return f"The site did not finish answering within {seconds:g} s; {tail}"


@dataclass
class _Progress:
    """What one account's run has opened so far, still readable after its deadline cancelled it."""

    handle: AccountHandle | None = None
    session: SiteSession | None = None

    def rotated(self) -> dict[str, str]:
        return dict(self.handle.rotated) if self.handle is not None else {}

    def requests_made(self) -> int:
        return self.session.requests_made if self.session is not None else 0



class _StatusCache:
    """One ``/api/status`` per origin per batch, shared by that origin's accounts."""

    def __init__(self) -> None:
        self._tasks: dict[str, tuple[asyncio.Task[SiteStatus | None], SharedWork]] = {}

    async def get(self, session: SiteSession) -> SiteStatus | None:
        entry = self._tasks.get(session.origin)
        if entry is None:
            # The shared fetch counts on the deadline of each account awaiting it.
            work = SharedWork()
            task = asyncio.get_running_loop().create_task(try_status(session), context=work.context())
            entry = self._tasks[session.origin] = (task, work)
        task, work = entry
        with work.awaited_by(current_clock()):
            return await asyncio.shield(task)

    def close(self) -> None:
        """Cancel fetches nobody waits for any more (an account whose deadline passed)."""
        for task, _ in self._tasks.values():
            task.cancel()


# -- refresh -----------------------------------------------------------------------

async def _refresh_one(t: Transport, creds: SiteCredentials, statuses: _StatusCache, probes: PlansProbes,
                       progress: _Progress) -> RefreshResult:
    secrets = creds.secrets()
    base = RefreshResult(account_id=creds.account_id, ok=False, health_status=Health.UNKNOWN.value, health_reason="")
    try:
        try:  # a chosen built-in check-in also reads its own status
            family = checkin_family(creds.site_type, creds.checkin_method)
        except ValidationError:
            family = family_for(creds.site_type)
        try:
            session = progress.session = t.session(creds.site_url, _auth_for(creds, family), secrets)
        except InvalidSiteUrl as exc:
            base.health_status, base.health_reason = Health.WARNING.value, str(exc)
            return base
        if creds.auth_type == AuthType.NONE or not (creds.access_token or creds.cookie or creds.refresh_token):
            base.health_status = Health.WARNING.value
            base.health_reason = "No access token or cookie is stored for this account."
            return base
        opened = session
        custom = creds.checkin_method == "custom"
        # A custom check-in's state comes from its own runs only: the built-in one is not asked.
        handle = progress.handle = family.open(
            opened, dataclasses.replace(creds, checkin_known_today=True) if custom else creds)
        extra: dict[str, Any] = {}
        if getattr(family, "asks_plans", False):
            extra["plans"] = probes.gate(opened.origin, creds.ask_plans)
        result = await family.refresh(handle, status=lambda: statuses.get(opened), exchange_rate=creds.exchange_rate,
                                      **extra)
        result.account_id = creds.account_id
        if creds.checkin_method == "custom":
            # The built-in status says nothing about a fork's own check-in: only its runs do.
            result.checkin_status, result.checkin_supported = CheckInState.UNKNOWN.value, None
        base = result
        return result
    except Exception as exc:  # noqa: BLE001 - one account's failure is its own result
        if not isinstance(exc, SiteError):
            log.error("refresh of account %s failed with %s", creds.account_id, type(exc).__name__)
        base.health_status, base.health_reason = _health(exc), _reason(exc, secrets)
        return base
    finally:
        base.rotated = progress.rotated()
        base.requests_made = progress.requests_made()


async def _refresh_within_deadline(t: Transport, creds: SiteCredentials, statuses: _StatusCache,
                                   probes: PlansProbes) -> RefreshResult:
    progress = _Progress()
    clock = AccountClock(t.politeness.account_deadline_s)
    try:
        async with clock.running():
            return await _refresh_one(t, creds, statuses, probes, progress)
    except TimeoutError:
        if not clock.expired:
            raise
        t.mark_unresponsive(creds.site_url, clock.seconds)
        return RefreshResult(account_id=creds.account_id, ok=False, health_status=Health.ERROR.value,
                             health_reason=deadline_reason(clock.seconds), rotated=progress.rotated(),
                             requests_made=progress.requests_made())


async def refresh_accounts(creds: list[SiteCredentials], politeness: Politeness | None = None,
                           on_result: Callable[[RefreshResult], None] | None = None) -> list[RefreshResult]:
    """Refresh every account concurrently; one result per account, in input order.

    Each site's ``/api/status`` is asked once per batch, and its plans once (``sites._plans``)
    where the credentials say they are not known (``SiteCredentials.ask_plans``)."""
    async with Transport.open(politeness) as t:
        statuses = _StatusCache()
        probes = PlansProbes()

        async def one(c: SiteCredentials) -> RefreshResult:
            result = await _refresh_within_deadline(t, c, statuses, probes)
            result.health_reason = short(scrub(result.health_reason, c.secrets()))
            # Availability reasons quote errors (stored as stats_reason): same rules as a reason.
            result.availability = {k: (state, short(scrub(why, c.secrets())))
                                   for k, (state, why) in result.availability.items()}
            return result

        try:
            return await each(creds, one, on_result)
        finally:
            statuses.close()
            probes.close()


# -- check-in ---------------------------------------------------------------------

async def _checkin_one(t: Transport, creds: SiteCredentials, progress: _Progress) -> CheckInOutcome:
    secrets = creds.secrets()
    out = CheckInOutcome(account_id=creds.account_id, result=Checked.FAILED.value, message="",
                        health_status=Health.UNKNOWN.value, health_reason="")
    try:
        family = checkin_family(creds.site_type, creds.checkin_method)
        if creds.checkin_method == "custom":
            spec = parse_checkin_request(creds.checkin_request or "", creds.site_url)
            session = progress.session = t.session(creds.site_url, NO_AUTH, secrets)
            outcome = await custom_check_in(session, spec, access_token=creds.access_token,
                                            user_id=creds.user_id, cookie=creds.cookie)
        elif not family.has_checkin:
            out.result, out.message = Checked.UNSUPPORTED.value, "This site type has no check-in."
            out.reason = Why.NO_CHECKIN.value
            out.health_checked = False
            return out
        else:
            session = progress.session = t.session(creds.site_url, _auth_for(creds, family), secrets)
            handle = progress.handle = family.open(session, creds)
            outcome = await family.check_in(handle)
        out.result, out.message = outcome.result, short(scrub(outcome.message, secrets))
        out.reward_quota = outcome.reward_quota
        out.reason = reason_of(outcome).value
        if outcome.error is not None:
            out.health_status, out.health_reason = outcome.error.health_status, _reason(outcome.error, secrets)
        elif outcome.result in (Checked.SUCCESS, Checked.ALREADY_CHECKED):
            out.health_status, out.health_reason = Health.HEALTHY.value, ""
        else:
            # A refusal in the site's own words (e.g. an invalid token) says nothing certain
            # about the account's health: leave it to the next refresh.
            out.health_checked = False
        if isinstance(outcome.error, ChallengeError):
            out.result, out.reason = Checked.NEEDS_BROWSER.value, Why.BROWSER_REQUIRED.value
        if out.result == Checked.NEEDS_BROWSER:
            out.checkin_url = creds.checkin_url or session.origin
        return out
    except InvalidSiteUrl as exc:
        out.message = out.health_reason = str(exc)
        out.health_status = Health.WARNING.value
        return out
    except ValidationError as exc:  # a stored custom request that no longer reads
        out.message, out.health_checked = str(exc), False
        return out
    except Exception as exc:  # noqa: BLE001
        return checkin_failed(out, exc, creds, secrets)
    finally:
        out.rotated = progress.rotated()
        out.requests_made = progress.requests_made()


def checkin_failed(out: CheckInOutcome, exc: Exception, creds: SiteCredentials, secrets: list[str],
                   what: str = "check-in") -> CheckInOutcome:
    """``out`` for a check-in (or a re-login) that raised: the health and reason the error tells,
    in one sentence scrubbed of ``secrets``; a challenge page sends the user to the site."""
    if not isinstance(exc, SiteError):
        log.error("%s of account %s failed with %s", what, creds.account_id, type(exc).__name__)
    out.health_status, out.health_reason = _health(exc), _reason(exc, secrets)
    out.message, out.reason = out.health_reason, error_reason(exc).value
    if isinstance(exc, ChallengeError):
        out.result, out.checkin_url = Checked.NEEDS_BROWSER.value, creds.checkin_url or creds.site_url
    return out


async def checkin_within_deadline(t: Transport, creds: SiteCredentials,
                                  attempt: Callable[[_Progress], Awaitable[CheckInOutcome]]) -> CheckInOutcome:
    """``attempt`` (one account's check-in or re-login) under the account's deadline: past it, a
    failed result that says so, and the site marked unresponsive for the rest of the run."""
    progress = _Progress()
    clock = AccountClock(t.politeness.account_deadline_s)
    try:
        async with clock.running():
            return await attempt(progress)
    except TimeoutError:
        if not clock.expired:
            raise
        t.mark_unresponsive(creds.site_url, clock.seconds)
        reason = deadline_reason(clock.seconds, checkin=True)
        return CheckInOutcome(account_id=creds.account_id, result=Checked.FAILED.value, message=reason,
                             health_status=Health.ERROR.value, health_reason=reason, rotated=progress.rotated(),
                             requests_made=progress.requests_made(), reason=Why.NETWORK_TIMEOUT.value)


async def checkin_accounts(creds: list[SiteCredentials], politeness: Politeness | None = None,
                           on_result: Callable[[CheckInOutcome], None] | None = None) -> list[CheckInOutcome]:
    """Check every account in; one result per account, in input order."""
    async with Transport.open(politeness) as t:
        return await each(creds, lambda c: checkin_within_deadline(t, c, lambda p: _checkin_one(t, c, p)), on_result)
