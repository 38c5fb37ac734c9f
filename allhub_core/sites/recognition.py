"""Recognise a site and an account from what the user typed (docs/site-api.md).

One public read of ``/api/status``, then the site type (the one the user chose, else
``_detect``), then that type's family identifies the account.  Whatever goes wrong comes
back as ``RecognizeResult(ok=False)`` with one sentence saying what to check: bad input
gets a sentence, never a traceback, and never a secret the user typed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from allhub_core.errors import DuplicateAccount
from allhub_core.net import (
    Auth,
    ChallengeError,
    HttpStatusError,
    InvalidSiteUrl,
    NetworkError,
    Politeness,
    SiteError,
    SiteSession,
    Transport,
    normalize_site_url,
    scrub,
    short,
)
from allhub_core.sites._concurrent import together
from allhub_core.sites._detect import anonymous_probes, detect_site_type, known_host
from allhub_core.sites._reasons import health, reason
from allhub_core.sites._status import parse_status
from allhub_core.sites._types import RecognizeResult, SiteStatus, TypedInput
from allhub_core.sites.registry import family_for
from allhub_core.vocab import canonical_site_type

__all__ = ["recognize"]

log = logging.getLogger("allhub_core.sites")

_NETWORK_HINTS = {
    "dns": "The host name does not resolve (DNS lookup failed); check the address.",
    "tls": "The site's TLS certificate or handshake failed; check the address (http vs https).",
    "timeout": "The site did not answer in time; check the address or try again later.",
}


def _failure(exc: BaseException, secrets: list[str]) -> RecognizeResult:
    if isinstance(exc, NetworkError):
        msg = _NETWORK_HINTS.get(exc.kind, "The site could not be reached; check the address and your connection.")
    elif isinstance(exc, ChallengeError):
        msg = "The site is behind a browser check (Cloudflare or similar); it cannot be added headless right now."
    elif isinstance(exc, HttpStatusError) and exc.http_status in (404, 405):
        msg = "This address does not look like a relay site (its API routes are missing)."
    elif isinstance(exc, SiteError) and exc.kind == "parse":
        msg = "The site answered with something other than relay-site API data; check the address."
    else:
        msg = reason(exc, secrets)
    busy = isinstance(exc, HttpStatusError) and (exc.http_status == 429 or (exc.http_status or 0) >= 500)
    return RecognizeResult(ok=False, message=short(scrub(msg, secrets)),
                           health_status=health(exc), health_reason=reason(exc, secrets),
                           unreachable=isinstance(exc, (NetworkError, ChallengeError)) or busy)


async def _public_status(session: SiteSession) -> SiteStatus | None:
    """``/api/status`` without credentials, or None; an unreachable or challenged site raises."""
    try:
        reply = await session.get("/api/status", public=True)
    except (NetworkError, ChallengeError):
        raise
    except SiteError:
        return None
    try:
        return parse_status(reply.envelope())
    except SiteError:
        return None


async def recognize(site_url: str, *, username: str | None = None, password: str | None = None,
                    access_token: str | None = None, cookie: str | None = None, user_id: str | None = None,
                    site_type: str | None = None, refresh_token: str | None = None,
                    politeness: Politeness | None = None,
                    check_duplicate: Callable[[str, str], None] | None = None) -> RecognizeResult:
    """Identify a site and an account from what the user typed; never raises for bad input.

    ``check_duplicate(origin, user_id)`` (``TypedInput.check_duplicate``) is asked before a
    login whose user id was typed, and by the family as soon as a login has told it; the
    ``DuplicateAccount`` it raises comes out of here, with no state-changing request made.
    """
    secrets = [s for s in (password, access_token, cookie, refresh_token) if s]
    try:
        origin = normalize_site_url(site_url)
    except InvalidSiteUrl as exc:
        return RecognizeResult(ok=False, message=str(exc))
    if not (access_token or cookie or (username and password) or refresh_token):
        return RecognizeResult(ok=False, site_url=origin,
                               message="Give a username and password, an access token or a session cookie.")
    typed = TypedInput(username=username, password=password, access_token=access_token, cookie=cookie,
                       user_id=user_id, refresh_token=refresh_token, secrets=secrets,
                       check_duplicate=check_duplicate)
    if check_duplicate and username and password and user_id and user_id.strip():
        check_duplicate(origin, user_id.strip())  # known before the login: not even that is sent
    try:
        async with Transport.open(politeness) as t:
            session = t.session(origin, Auth(), secrets)
            kind: str | None = canonical_site_type(site_type) if site_type else known_host(origin)
            if kind is None:  # the public status and the anonymous probes go together
                status, probes = await together(_public_status(session), anonymous_probes(session))
                kind = await detect_site_type(session, status, auth=Auth(cookie=cookie) if cookie else None,
                                              probes=probes)
            else:
                status = await _public_status(session)
            return await family_for(kind).recognize(session, origin, status, typed)
    except DuplicateAccount:
        raise  # the caller's own rule said no (check_duplicate): its sentence, not a site failure
    except Exception as exc:  # noqa: BLE001 - bad input gets a sentence, not a traceback
        if not isinstance(exc, SiteError):
            log.error("recognise failed with %s", type(exc).__name__)
        failure = _failure(exc, secrets)
        failure.site_url = origin
        return failure
