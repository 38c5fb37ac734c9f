"""The sentence and the health a failure leaves on an account.

Shared by the batch entry points, recognition and the families, so that every reason
is scrubbed of the account's secrets and shortened the same way.
"""

from __future__ import annotations

from allhub_core.net import HttpStatusError, SiteError, UnsupportedError, scrub, short
from allhub_core.vocab import Health


def reason(exc: BaseException, secrets: list[str]) -> str:
    """``str(exc)`` of a site error, scrubbed and shortened; a fixed sentence for anything else."""
    if isinstance(exc, SiteError):
        return short(scrub(str(exc), secrets))
    # Never str() an unexpected exception into a reason: it might quote a request.
    return f"Unexpected error ({type(exc).__name__}) in allhub while talking to the site; please report it."


def health(exc: BaseException) -> str:
    """What the failure means for the account's health (``unknown`` when it is not a site error)."""
    return exc.health_status if isinstance(exc, SiteError) else Health.UNKNOWN.value


def route_missing(exc: SiteError) -> bool:
    """The site has no such route (404/405), refuses it outright (403), or the family lacks it."""
    return isinstance(exc, UnsupportedError) or (
        isinstance(exc, HttpStatusError) and exc.http_status in (403, 404, 405))
