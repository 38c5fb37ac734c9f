"""What the transport reads off a request or an answer to decide its next step.

May a redirect take this request to another origin (only when it carries no secret at all),
how long an answer's ``Retry-After`` says to wait, and whether a login limit forbids a retry.
Pure functions; ``_transport.Transport.send`` applies them.
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Iterator
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from allhub_core.net._headers import SENSITIVE_HEADERS, Auth

__all__ = ["REDIRECTS", "SESSION_LIMIT_CODES", "carries_secret", "parse_retry_after", "reason_phrase",
           "session_limit", "session_limit_code"]

REDIRECTS = (301, 302, 303, 307, 308)

#: Modern New API's login limits (409 too many active sessions, 429 too many new ones): waiting
#: a few seconds does not lift them, so they are never retried (docs/site-api.md, errors).
SESSION_LIMIT_CODES = ("AUTH_SESSION_LIMIT", "AUTH_SESSION_ISSUANCE_LIMIT")


def parse_retry_after(value: str | None, cap: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta seconds or HTTP date), capped."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - time.time()
    return max(0.0, min(cap, seconds))


def _strings(value: Any) -> Iterator[str]:
    """Every string in a JSON-like value (keys too), for the secret check below."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(value, (list, tuple, set)):
        for v in value:
            yield from _strings(v)
    elif value is not None:
        yield str(value)


def carries_secret(url: str, auth: Auth, headers: dict[str, str] | None, params: Any, json_body: Any,
                   secrets: tuple[str, ...]) -> bool:
    """True when a request would carry a credential or any of ``secrets`` anywhere."""
    if auth.has_credentials:
        return True
    if headers and any(name.lower() in SENSITIVE_HEADERS for name in headers):
        return True
    texts = list(_strings([urlsplit(url).query, headers, params, json_body]))
    return any(secret in text for text in texts for secret in secrets)


def session_limit(text: str) -> bool:
    """True when an answer's body names one of the login limits (never retried)."""
    return "AUTH_SESSION" in text and session_limit_code(text) is not None


def session_limit_code(body: Any) -> str | None:
    """The session-limit code of a reply body (text or parsed JSON), if it names one."""
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            return None
    code = body.get("code") if isinstance(body, dict) else None
    return code if code in SESSION_LIMIT_CODES else None


def reason_phrase(status: int) -> str:
    """``Not Found`` for 404; '' for a status HTTP does not name."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
