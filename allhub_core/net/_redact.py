"""Keep secrets out of reasons, messages and logs.

Tokens never travel in URLs, and headers are never logged, but servers do echo
input back ("token abc... is invalid").  Every piece of remote text passes
through ``scrub`` with the secrets of the request before it is stored.
"""

from __future__ import annotations

from typing import Iterable

MAX_MESSAGE = 200


def scrub(text: str, secrets: Iterable[str | None]) -> str:
    out = text or ""
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        out = out.replace(secret, "***")
        if secret.startswith("Bearer "):
            out = out.replace(secret[7:], "***")
    return out


def short(text: str, limit: int = MAX_MESSAGE) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
