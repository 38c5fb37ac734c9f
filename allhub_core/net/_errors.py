"""Domain errors of the network layer, each carrying its account health.

docs/health.md is the contract: any HTTP status error is ``warning`` with
``HTTP <code>: <server message>``; a network failure or timeout is ``error``; a
response that is not the expected JSON is ``unknown``, except an HTML challenge
page, which is ``warning`` telling the user the site wants a browser check.
Every error's ``str()`` is that short reason, already free of secrets (the
transport scrubs server text before it builds one of these). The WebDAV client's errors
(``webdav``) are at the end.
"""

from __future__ import annotations

from allhub_core.errors import SiteError, ValidationError
from allhub_core.vocab import Health


class NetworkError(SiteError):
    """DNS, TLS, connect or timeout failure: the site could not be talked to."""

    health_status = Health.ERROR

    def __init__(self, reason: str, *, kind: str = "connect", ambiguous: bool = False) -> None:
        super().__init__(reason, ambiguous=ambiguous)
        self.kind = kind  # "dns" | "tls" | "timeout" | "connect" | "protocol"


class HttpStatusError(SiteError):
    """The site answered with a non-2xx status."""

    health_status = Health.WARNING
    kind = "http"

    def __init__(self, status: int, server_message: str, *, ambiguous: bool = False) -> None:
        super().__init__(f"HTTP {status}: {server_message}", http_status=status, ambiguous=ambiguous)
        self.server_message = server_message
        self.body: object = None  # parsed JSON body, if any


class ChallengeError(SiteError):
    """An HTML challenge page (Cloudflare and the like) instead of API data."""

    health_status = Health.WARNING
    kind = "challenge"

    def __init__(self, status: int) -> None:
        super().__init__(
            f"The site wants a browser check (HTTP {status} challenge page); "
            "open it in a browser, or try again later.",
            http_status=status,
        )


class BadResponseError(SiteError):
    """A 2xx answer that is not the JSON this call expects."""

    health_status = Health.UNKNOWN
    kind = "parse"


class BusinessError(SiteError):
    """HTTP 200 with ``success:false`` (or a non-zero ``code``) and a message.

    Authentication refusals (invalid token, not logged in, banned user) are a
    ``warning``: the account needs attention.  Other refusals stay ``unknown``.
    """

    kind = "business"

    def __init__(self, server_message: str, *, auth: bool, http_status: int | None = None) -> None:
        message = server_message or "the site refused the request"
        super().__init__(f"Site refused: {message}", http_status=http_status)
        self.server_message = server_message
        self.auth = auth
        self.health_status = Health.WARNING if auth else Health.UNKNOWN


class RedirectError(SiteError):
    """A call that carries a secret (or any non-GET) was redirected to another origin; not followed."""

    health_status = Health.ERROR
    kind = "redirect"

    def __init__(self, status: int, target_origin: str) -> None:
        super().__init__(
            f"HTTP {status}: the site redirected to another origin ({target_origin}), which was not "
            "followed so nothing was sent there; check the site address.",
            http_status=status,
        )
        self.target_origin = target_origin


class UnsupportedError(SiteError):
    """The site type has no such feature."""

    health_status = Health.UNKNOWN
    kind = "unsupported"


_AUTH_HINTS = (
    "access token", "token 无效", "无权", "未登录", "未提供", "封禁", "unauthorized",
    "not logged", "login", "invalid token", "token invalid", "expired", "过期", "disabled",
    "权限", "forbidden", "jwt",
)


def looks_like_auth_failure(message: str) -> bool:
    text = (message or "").lower()
    return any(h in text for h in _AUTH_HINTS)


class WebdavError(SiteError):
    """The WebDAV server could not be used; ``str()`` is one sentence without secrets."""

    title = "WebDAV server problem"
    kind = "webdav"


class WebdavAuthError(WebdavError):
    """The server refused the user name or password (401/403)."""

    title = "WebDAV login refused"


class WebdavConfigError(ValidationError):
    """The WebDAV settings are incomplete or not a usable address."""

    title = "WebDAV settings"
