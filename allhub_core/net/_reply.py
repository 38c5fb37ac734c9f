"""A read response and the rules for turning it into data.

Separating "what the site said" from "what we expected" keeps the health rules
in one place: HTML that looks like a challenge is a ``ChallengeError``, other
non-JSON is a ``BadResponseError``, ``success:false`` is a ``BusinessError``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from allhub_core.net._errors import BadResponseError, BusinessError, ChallengeError, looks_like_auth_failure
from allhub_core.net._redact import scrub, short, strip_controls

_CHALLENGE_MARKERS = (
    "just a moment", "cf-chl", "cf_chl", "challenge-platform", "attention required",
    "checking your browser", "cf-browser-verification", "ddos-guard", "captcha",
    "turnstile", "verify you are human", "cloudflare",
)
_CHALLENGE_STATUSES = (401, 403, 429, 503)


def looks_like_html(content_type: str, text: str) -> bool:
    if "html" in (content_type or "").lower():
        return True
    head = (text or "").lstrip()[:64].lower()
    return head.startswith("<!doctype html") or head.startswith("<html")


def looks_like_challenge(text: str) -> bool:
    low = (text or "")[:20000].lower()
    return any(m in low for m in _CHALLENGE_MARKERS)


def server_message(body: Any) -> str:
    """``message`` / ``msg`` / ``error.message`` / ``error`` of a JSON body, else ''.

    Control characters are stripped here, where a site's words enter: every reason and
    check-in message is built from this.
    """
    if not isinstance(body, dict):
        return ""
    for key in ("message", "msg"):
        value = body.get(key)
        if isinstance(value, str) and strip_controls(value).strip():
            return strip_controls(value).strip()
    err = body.get("error")
    if isinstance(err, dict) and isinstance(err.get("message"), str):
        return strip_controls(err["message"]).strip()
    if isinstance(err, str):
        return strip_controls(err).strip()
    return ""


@dataclass
class Reply:
    status: int
    url: str
    content_type: str
    text: str
    set_cookies: dict[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()
    location: str | None = None
    retry_after: str | None = None

    def clean(self, text: str) -> str:
        return short(scrub(text, self.secrets))

    # -- parsing -----------------------------------------------------------
    def json(self) -> Any:
        """The JSON body, or the health-classified reason why there is none."""
        if looks_like_html(self.content_type, self.text):
            if looks_like_challenge(self.text) or self.status in _CHALLENGE_STATUSES:
                raise ChallengeError(self.status)
            raise BadResponseError(
                "The site answered with a web page instead of API data; check the site address."
            )
        try:
            return json.loads(self.text)
        except ValueError:
            raise BadResponseError("The site's answer is not valid JSON.") from None

    def json_object(self) -> dict[str, Any]:
        body = self.json()
        if not isinstance(body, dict):
            raise BadResponseError("The site's answer is not the expected JSON object.")
        return body

    def message(self) -> str:
        try:
            return self.clean(server_message(json.loads(self.text)))
        except ValueError:
            return ""

    def envelope(self, *, require_data: bool = True) -> Any:
        """Unwrap ``{success, message, data}`` (docs/site-api.md) and return ``data``."""
        body = self.json_object()
        success = body.get("success")
        if success is False:
            msg = self.clean(server_message(body))
            raise BusinessError(msg, auth=looks_like_auth_failure(msg), http_status=self.status)
        if not isinstance(success, bool) and "code" in body and not isinstance(body.get("code"), bool):
            # ``{code, msg, data}`` style envelopes (VoAPI-like forks).
            if body.get("code") not in (0, "0", 200):
                msg = self.clean(server_message(body))
                raise BusinessError(msg, auth=looks_like_auth_failure(msg), http_status=self.status)
        if require_data and "data" not in body:
            raise BadResponseError("The site's answer has no data field.")
        return body.get("data")
