"""What a relay-site family does for one account, and the base every family starts from.

A family is one kind of relay site.  The New API forks share one implementation through
their variant table (``newapi``); Sub2API and VoAPI v2 have their own modules.  The entry
points (``_api``, ``recognition``) pick a family with ``registry.family_for(site_type)``
and call it; they never branch on a type name.

Per account, a family first ``open``s a handle over the account's ``SiteSession`` (the
session already carries the credentials); every other operation takes that handle.  A
handle's ``rotated`` holds the credentials the site replaced during the call: Sub2API
rotates its refresh token on every use, so the caller must store ``rotated`` even when the
operation failed.

A family implements only what it has.  Everything else comes from ``BaseFamily``, whose
operations raise ``UnsupportedError`` with one sentence a person can read.
``has_checkin`` says without a network call whether check-in exists at all, so a batch can
answer "unsupported" for those accounts without touching their sites.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Generic, Protocol, TypeVar

from allhub_core.net import SiteSession, UnsupportedError
from allhub_core.sites._checkin import Outcome
from allhub_core.sites._types import (
    ApiToken,
    Pricing,
    RecognizeResult,
    RedeemResult,
    RefreshResult,
    SiteCredentials,
    SiteStatus,
    TokenSpec,
    TypedInput,
)
from allhub_core.sites._usage_logs import UsageLogs
from allhub_core.vocab import SiteType

__all__ = ["AccountHandle", "BaseFamily", "CheckInOutcome", "SiteFamily", "StatusSource"]

CheckInOutcome = Outcome
"""What one check-in attempt came to, before the batch layer turns it into a ``CheckInResult``."""

StatusSource = Callable[[], Awaitable[SiteStatus | None]]
"""Gives the site's public ``/api/status`` facts, fetched once per origin per batch and only
when a family asks (Sub2API never does)."""


class AccountHandle(Protocol):
    """One account opened on its site by a family."""

    rotated: dict[str, str]
    """Credentials the site replaced (``access_token``, ``refresh_token``); empty for most families."""


H = TypeVar("H", bound=AccountHandle)


class SiteFamily(Protocol[H]):
    """What one relay-site family does for one account.

    site_type: the ``SiteType`` this instance serves (one New API instance per variant).
    has_checkin: whether check-in exists at all for the type (decided without a request).
    raw_authorization: send the access token without ``Bearer `` (VoAPI v2).
    always_send_cookie: send a stored cookie along with the token (AnyRouter's sign-in).
    """

    site_type: SiteType
    has_checkin: bool
    raw_authorization: bool
    always_send_cookie: bool

    def open(self, session: SiteSession, creds: SiteCredentials) -> H:
        """The per-account handle every other operation takes; makes no request."""
        ...

    async def refresh(self, handle: H, *, status: StatusSource, exchange_rate: float | None = None) -> RefreshResult:
        """Balance, today's figures and check-in state; ``SiteError`` if the account cannot be read."""
        ...

    async def checkin_status(self, handle: H) -> str:
        """Today's ``CheckInState`` value, read without checking in."""
        ...

    async def check_in(self, handle: H) -> CheckInOutcome:
        """Check in once; never resends a POST whose outcome is unknown."""
        ...

    async def recognize(self, session: SiteSession, origin: str, status: SiteStatus | None,
                        typed: TypedInput) -> RecognizeResult:
        """Identify the account from what the user typed, on a site already known to be this family.

        ``session`` carries no credentials; ``status`` is the parsed ``/api/status`` or None.
        Returns ``ok=False`` with a sentence for a refused login or token; raises ``SiteError``
        for anything that says the site itself is unreachable or not a relay site.
        """
        ...

    async def list_tokens(self, handle: H) -> list[ApiToken]:
        ...

    async def create_token(self, handle: H, spec: TokenSpec) -> ApiToken:
        ...

    async def reveal_token(self, handle: H, token_id: str) -> str:
        ...

    async def list_models(self, handle: H) -> list[str]:
        ...

    async def get_pricing(self, handle: H) -> Pricing:
        ...

    async def redeem(self, handle: H, code: str) -> RedeemResult:
        ...

    async def usage_logs(self, handle: H, window: tuple[int, int], *, page_limit: int, row_limit: int) -> UsageLogs:
        """Consume-log rows in ``window`` (epoch seconds, both ends included), newest first, at most
        ``page_limit`` pages and ``row_limit`` rows (``_usage_logs``)."""
        ...


class BaseFamily(Generic[H]):
    """A family that can do nothing: subclasses override what their sites offer."""

    site_type: SiteType = SiteType.UNKNOWN
    has_checkin: bool = False
    raw_authorization: bool = False
    always_send_cookie: bool = False

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.site_type.value!r})"

    def _unsupported(self, lacks: str) -> UnsupportedError:
        """One sentence for an operation the family lacks; ``lacks`` completes "<sites> ..."."""
        subject = "Sites of unknown type" if self.site_type is SiteType.UNKNOWN else f"{self.site_type.label} sites"
        return UnsupportedError(f"{subject} {lacks}.")

    def open(self, session: SiteSession, creds: SiteCredentials) -> H:
        raise self._unsupported("are not supported yet")

    async def refresh(self, handle: H, *, status: StatusSource, exchange_rate: float | None = None) -> RefreshResult:
        raise self._unsupported("cannot be refreshed")

    async def checkin_status(self, handle: H) -> str:
        raise self._unsupported("have no check-in")

    async def check_in(self, handle: H) -> CheckInOutcome:
        raise self._unsupported("have no check-in")

    async def recognize(self, session: SiteSession, origin: str, status: SiteStatus | None,
                        typed: TypedInput) -> RecognizeResult:
        raise self._unsupported("cannot be added yet")

    async def list_tokens(self, handle: H) -> list[ApiToken]:
        raise self._unsupported("have no API keys to list")

    async def create_token(self, handle: H, spec: TokenSpec) -> ApiToken:
        raise self._unsupported("cannot create API keys")

    async def reveal_token(self, handle: H, token_id: str) -> str:
        raise self._unsupported("cannot reveal API keys")

    async def list_models(self, handle: H) -> list[str]:
        raise self._unsupported("have no model list")

    async def get_pricing(self, handle: H) -> Pricing:
        raise self._unsupported("have no price list")

    async def redeem(self, handle: H, code: str) -> RedeemResult:
        raise self._unsupported("have no redemption codes")

    async def usage_logs(self, handle: H, window: tuple[int, int], *, page_limit: int, row_limit: int) -> UsageLogs:
        raise self._unsupported("have no usage logs")

