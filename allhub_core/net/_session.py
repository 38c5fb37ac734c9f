"""One account's requests on one site: its origin, credentials, secrets to scrub and a counter.

Site adapters talk to a ``SiteSession`` (``get``/``post``/``request`` with a path); the batch's
``Transport`` sends for every session of the batch.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from allhub_core.net._headers import NO_AUTH, Auth
from allhub_core.net._politeness import Politeness
from allhub_core.net._reply import Reply

if TYPE_CHECKING:
    from allhub_core.net._transport import Transport

__all__ = ["Meter", "SiteSession"]


class Meter:
    """Counts requests actually sent for one account (shared by its sessions)."""

    def __init__(self) -> None:
        self.count = 0


class SiteSession:
    """Requests for one account on one site; counts what it sends."""

    def __init__(self, transport: Transport, origin: str, auth: Auth, secrets: Iterable[str | None],
                 meter: Meter | None = None) -> None:
        self.transport = transport
        self.origin = origin
        self.auth = auth
        self.extra_secrets = tuple(s for s in secrets if s)
        self.meter = meter or Meter()

    @property
    def requests_made(self) -> int:
        return self.meter.count

    @property
    def politeness(self) -> Politeness:
        return self.transport.politeness

    def with_auth(self, auth: Auth) -> SiteSession:
        """Same site and counter, other credentials (e.g. after a token rotation)."""
        return SiteSession(self.transport, self.origin, auth, (*self.extra_secrets, *self.auth.secrets()), self.meter)

    def add_secret(self, secret: str | None) -> None:
        if secret:
            self.extra_secrets = (*self.extra_secrets, secret)

    async def request(self, method: str, path: str, *, params: Any = None, json: Any = None,
                      headers: dict[str, str] | None = None, public: bool = False,
                      auth: Auth | None = None, idempotent: bool | None = None) -> Reply:
        url = self.origin + "/" + path.lstrip("/")
        use_auth = NO_AUTH if public else (auth or self.auth)
        return await self.transport.send(
            method, url, auth=use_auth, params=params, json_body=json, headers=headers,
            idempotent=idempotent, secrets=(*self.extra_secrets, *self.auth.secrets()), meter=self.meter,
        )

    async def get(self, path: str, **kw: Any) -> Reply:
        return await self.request("GET", path, **kw)

    async def post(self, path: str, **kw: Any) -> Reply:
        return await self.request("POST", path, **kw)
