"""What a relay-site family does for one account, and the base every family starts from.

A family is one kind of relay site.  The New API forks share one implementation through
their variant table (``newapi``); Sub2API and VoAPI v2 have their own modules.  The entry
points (``_api``, ``_logs``, ``recognition``, ``_detect``) pick a family with
``registry.family_for(site_type)`` or walk ``registry.FAMILIES`` and ask each; they never
branch on a type name. Everything that differs between families is an attribute or a
method here: its ``kind`` (the data-only ``site_kinds.SiteKind`` that the network-free rooms
read too: check-in method, refresh-token field of the extension's backups, default-key policy),
its detection fingerprint (``hosts``, ``probe_path`` + ``fingerprint``, ``title_pattern``,
``user_id_header``, ``status_hint``, ordered by ``detect_rank``), the built-in check-ins it
offers (``checkin_methods``, ``with_checkin_method``), and its operations.

Per account, a family first ``open``s a handle over the account's ``SiteSession`` (the
session already carries the credentials); every other operation takes that handle.  A
handle's ``rotated`` holds the credentials the site replaced during the call: Sub2API
rotates its refresh token on every use, so the caller must store ``rotated`` even when the
operation failed.

A family implements only what it has.  Everything else comes from ``BaseFamily``, whose
operations raise ``UnsupportedError`` with one sentence a person can read.
``has_checkin`` says without a network call whether check-in exists at all, so a batch can
answer "unsupported" for those accounts without touching their sites. The operations still to
get their rooms (keys: ``list/create/update/delete/reveal_token``, ``reveal_tokens``,
``list_groups``; ``list_models`` and ``get_pricing``; ``redeem``; ``notices``) have their place here already.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any, Generic, Protocol, TypeVar

from allhub_core.net import SiteSession, UnsupportedError, host_of
from allhub_core.site_kinds import SiteKind, kind_of
from allhub_core.sites._attempt import CheckInAttempt
from allhub_core.sites._groups import UserGroup
from allhub_core.sites._types import (
    ApiToken,
    Notice,
    Pricing,
    RecognizeResult,
    RedeemResult,
    RefreshResult,
    SiteCredentials,
    SiteStatus,
    TokenSpec,
    TypedInput,
    UsageLogs,
)
from allhub_core.vocab import AnySiteType, CheckInMethod, SiteType

__all__ = ["AccountHandle", "BaseFamily", "CheckInAttempt", "SiteFamily", "StatusSource", "method_label"]

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
    asks_plans (optional, ``BaseFamily`` says False): its ``refresh`` takes ``plans=`` and may
        ask the account's subscription plans (``sites._plans``).
    """

    site_type: AnySiteType
    has_checkin: bool
    raw_authorization: bool
    always_send_cookie: bool
    detect_rank: int
    hosts: tuple[str, ...]
    probe_path: str | None
    title_pattern: re.Pattern[str] | None
    user_id_header: str | None
    checkin_methods: tuple[str, ...]

    @property
    def kind(self) -> SiteKind:
        """The family's data row (``site_kinds``), shared with the rooms that have no network."""
        ...

    @property
    def default_checkin_method(self) -> str | None:
        """The built-in check-in "automatic" runs here (``kind.checkin_method``)."""
        ...

    @property
    def auto_default_key(self) -> bool:
        """Whether adding an account creates the default API key (``kind.auto_default_key``)."""
        ...

    def owns_host(self, origin: str) -> bool:
        """Detection step 1: the address alone says this family."""
        ...

    def fingerprint(self, body: Any) -> bool:
        """Detection step 2: the anonymous answer of ``probe_path`` (JSON, or None) is this family's."""
        ...

    def status_hint(self, status: SiteStatus) -> bool:
        """Detection's last step: ``/api/status`` carries a sign only this family's sites give."""
        ...

    def with_checkin_method(self, method: str) -> SiteFamily[Any] | None:
        """The family that runs the built-in check-in ``method`` on these sites, or None."""
        ...

    def refuse_checkin_method(self, method: str, other: SiteFamily[Any]) -> str:
        """The sentence for ``method`` (one this family offers) chosen on ``other``'s sites."""
        ...

    def open(self, session: SiteSession, creds: SiteCredentials) -> H:
        """The per-account handle every other operation takes; makes no request."""
        ...

    async def refresh(self, handle: H, *, status: StatusSource, exchange_rate: float | None = None) -> RefreshResult:
        """Balance, today's figures and check-in state; ``SiteError`` if the account cannot be read.

        A family whose sites may sell plans sets ``asks_plans`` and also takes ``plans=`` (a
        ``sites._plans.PlansGate``: ask, skip, or follow the batch's probe of the site)."""
        ...

    async def checkin_status(self, handle: H) -> str:
        """Today's ``CheckInState`` value, read without checking in."""
        ...

    async def check_in(self, handle: H) -> CheckInAttempt:
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

    async def update_token(self, handle: H, token_id: str, spec: TokenSpec) -> ApiToken:
        ...

    async def delete_token(self, handle: H, token_id: str) -> None:
        ...

    async def reveal_token(self, handle: H, token_id: str) -> str:
        ...

    async def reveal_tokens(self, handle: H, token_ids: list[str]) -> dict[str, str]:
        """The full keys of several tokens, ``{id: key}``, in as few requests as the site allows
        (``BaseFamily``: one ``reveal_token`` each)."""
        ...

    async def list_groups(self, handle: H) -> dict[str, UserGroup]:
        """The groups the account may give a key, with their descriptions and ratios (``_groups``)."""
        ...

    async def list_models(self, handle: H) -> list[str]:
        ...

    async def get_pricing(self, handle: H) -> Pricing:
        ...

    async def redeem(self, handle: H, code: str) -> RedeemResult:
        ...

    async def notices(self, handle: H) -> list[Notice]:
        """The site's announcements, newest first."""
        ...

    async def mark_notice_read(self, handle: H, upstream_id: str) -> None:
        """Mark one announcement read on the site itself, where the site keeps a read state."""
        ...

    async def usage_logs(self, handle: H, window: tuple[int, int], *, page_limit: int, row_limit: int) -> UsageLogs:
        """Consume-log rows in ``window`` (epoch seconds, both ends included), newest first, at most
        ``page_limit`` pages and ``row_limit`` rows (``_usage_logs``)."""
        ...


class BaseFamily(Generic[H]):
    """A family that can do nothing: subclasses override what their sites offer."""

    site_type: AnySiteType = SiteType.UNKNOWN
    has_checkin: bool = False
    raw_authorization: bool = False
    always_send_cookie: bool = False
    asks_plans: bool = False
    detect_rank: int = 100
    hosts: tuple[str, ...] = ()
    probe_path: str | None = None
    title_pattern: re.Pattern[str] | None = None
    user_id_header: str | None = None
    checkin_methods: tuple[str, ...] = ()

    @property
    def kind(self) -> SiteKind:
        return kind_of(self.site_type) or SiteKind(str(self.site_type), self.site_type.label)

    @property
    def default_checkin_method(self) -> str | None:
        return self.kind.checkin_method if self.has_checkin else None

    @property
    def auto_default_key(self) -> bool:
        return self.kind.auto_default_key

    def owns_host(self, origin: str) -> bool:
        host = host_of(origin)
        return any(host == name or host.endswith("." + name) for name in self.hosts)

    def fingerprint(self, body: Any) -> bool:
        return False

    def status_hint(self, status: SiteStatus) -> bool:
        return False

    def with_checkin_method(self, method: str) -> SiteFamily[Any] | None:
        return self if method == self.default_checkin_method else None

    def refuse_checkin_method(self, method: str, other: SiteFamily[Any]) -> str:
        return (f"The {method_label(method)} works only on {self.site_type.label} sites, not on "
                f"{other.site_type.label} sites.")

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

    async def check_in(self, handle: H) -> CheckInAttempt:
        raise self._unsupported("have no check-in")

    async def recognize(self, session: SiteSession, origin: str, status: SiteStatus | None,
                        typed: TypedInput) -> RecognizeResult:
        raise self._unsupported("cannot be added yet")

    async def list_tokens(self, handle: H) -> list[ApiToken]:
        raise self._unsupported("have no API keys to list")

    async def create_token(self, handle: H, spec: TokenSpec) -> ApiToken:
        raise self._unsupported("cannot create API keys")

    async def update_token(self, handle: H, token_id: str, spec: TokenSpec) -> ApiToken:
        raise self._unsupported("cannot change API keys")

    async def delete_token(self, handle: H, token_id: str) -> None:
        raise self._unsupported("cannot delete API keys")

    async def reveal_token(self, handle: H, token_id: str) -> str:
        raise self._unsupported("cannot reveal API keys")

    async def reveal_tokens(self, handle: H, token_ids: list[str]) -> dict[str, str]:
        return {str(t): await self.reveal_token(handle, str(t)) for t in dict.fromkeys(token_ids)}

    async def list_groups(self, handle: H) -> dict[str, UserGroup]:
        raise self._unsupported("do not list the account's groups")

    async def list_models(self, handle: H) -> list[str]:
        raise self._unsupported("have no model list")

    async def get_pricing(self, handle: H) -> Pricing:
        raise self._unsupported("have no price list")

    async def redeem(self, handle: H, code: str) -> RedeemResult:
        raise self._unsupported("have no redemption codes")

    async def notices(self, handle: H) -> list[Notice]:
        raise self._unsupported("have no announcements")

    async def mark_notice_read(self, handle: H, upstream_id: str) -> None:
        raise self._unsupported("keep no read state of announcements")

    async def usage_logs(self, handle: H, window: tuple[int, int], *, page_limit: int, row_limit: int) -> UsageLogs:
        raise self._unsupported("have no usage logs")



def method_label(method: str) -> str:
    """A built-in check-in's name in words (its ``CheckInMethod`` label; the id for a family's own)."""
    try:
        return CheckInMethod(method).label
    except ValueError:
        return method

