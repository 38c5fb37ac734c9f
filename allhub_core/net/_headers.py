"""Request headers for the New API family (docs/site-api.md).

``Authorization: Bearer <token>`` whenever an access token is known (raw for
VoAPI v2), the user id under every compatible header name (each fork reads a
different one and sending the others is harmless), ``Cookie`` for cookie mode,
and ``Content-Type``/``Pragma`` always.  Public calls get none of the secrets.
"""

from __future__ import annotations

from dataclasses import dataclass

USER_ID_HEADERS = (
    "New-API-User",
    "X-ModelFlare-User",
    "Veloera-User",
    "X-Api-User",
    "voapi-user",
    "User-id",
    "Rix-Api-User",
    "neo-api-user",
)

# Headers that may carry a secret or an identity: never sent across origins.
SENSITIVE_HEADERS = frozenset(h.lower() for h in ("Authorization", "Cookie", *USER_ID_HEADERS))

BASE_HEADERS = {
    "Content-Type": "application/json",
    "Pragma": "no-cache",
    "Accept": "application/json, text/plain, */*",
}


@dataclass(frozen=True)
class Auth:
    """What identifies one account to its site.

    raw_authorization: send the token without ``Bearer `` (VoAPI v2 only).
    send_user_id: attach the user-id headers when a user id is known.
    """

    access_token: str | None = None
    cookie: str | None = None
    user_id: str | None = None
    raw_authorization: bool = False
    send_user_id: bool = True

    def headers(self) -> dict[str, str]:
        out: dict[str, str] = {}
        token = (self.access_token or "").strip()
        if token:
            out["Authorization"] = token if self.raw_authorization else f"Bearer {token}"
        if self.cookie and self.cookie.strip():
            out["Cookie"] = self.cookie.strip()
        uid = (self.user_id or "").strip()
        if uid and self.send_user_id:
            for name in USER_ID_HEADERS:
                out[name] = uid
        return out

    def secrets(self) -> list[str]:
        found = [self.access_token, self.cookie]
        # Each cookie value on its own too, so a server echoing one is scrubbed.
        if self.cookie:
            for part in self.cookie.split(";"):
                _, _, value = part.partition("=")
                found.append(value)
        return [s.strip() for s in found if s and len(s.strip()) >= 4]

    @property
    def has_credentials(self) -> bool:
        return bool(self.headers())


NO_AUTH = Auth()
