"""A check-in request the user writes, for forks whose check-in no built-in method knows.

An account's check-in method is ``auto`` (its site family's built-in check-in) or ``custom``:
one HTTP request on the account's own site, described as JSON::

    {"url": "/api/fork/sign", "method": "POST",
     "headers": {"X-Sign-Token": "{access_token}"},
     "body": {"uid": "{user_id}"},
     "success": {"path": "code", "equals": 0},
     "already": {"contains": "today signed"}}

* Placeholders ``{access_token}``, ``{user_id}`` and ``{cookie}`` are filled from the account at
  run time. Secrets enter only through them: a credential-looking header (Authorization, Cookie,
  anything with token/key/secret/session in its name) without a placeholder is refused, and the
  address may carry ``{user_id}`` but never a secret (servers and proxies log addresses).
* ``body`` is JSON (placeholders inside its strings, filled without breaking the JSON) or absent.
* A rule is ``{"path": "data.status", "equals": VALUE}`` (a dotted JSON path, list indexes as
  numbers) or ``{"contains": "text"}`` (case-insensitive, in the answer's text). "already" is
  tested first, as Veloera's own client does. Without rules: success is a 2xx answer whose JSON
  does not say ``success: false`` or a non-zero ``code``; "already" is the shared detector
  (``已签到``, ``already``...).
* The request is sent once and never resent (a check-in is not idempotent).

Parsing is pure (``parse_checkin_request`` raises ``ValidationError`` with one sentence); the
request goes through the polite transport like every other call (``custom_check_in``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from allhub_core.errors import ValidationError
from allhub_core.net import ChallengeError, HttpStatusError, SiteError, SiteSession, origin_key, server_message
from allhub_core.sites._attempt import CheckInAttempt, is_already, needs_turnstile
from allhub_core.vocab import CheckInReason as Why
from allhub_core.vocab import CheckInResult as R

__all__ = [
    "EXAMPLE_REQUEST",
    "PLACEHOLDERS",
    "CheckinRequest",
    "Rule",
    "custom_check_in",
    "parse_checkin_request",
]

PLACEHOLDERS = ("access_token", "user_id", "cookie")
_SECRET_PLACEHOLDERS = ("access_token", "cookie")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_SENSITIVE_HEADER = re.compile(r"authorization|cookie|token|secret|key|session|password|auth", re.I)
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_METHODS = ("GET", "POST", "PUT", "PATCH")
_MAX_TEXT = 8000

EXAMPLE_REQUEST = {
    "url": "/api/fork/sign", "method": "POST", "headers": {"X-Sign-Token": "{access_token}"},
    "body": {"uid": "{user_id}"}, "success": {"path": "code", "equals": 0},
    "already": {"contains": "today signed"},
}


@dataclass(frozen=True)
class Rule:
    """What an answer must look like: a JSON path equal to a value, or a text it contains."""

    path: str | None = None
    equals: Any = None
    contains: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"contains": self.contains} if self.contains is not None else {"path": self.path, "equals": self.equals}

    def matches(self, body: Any, text: str) -> bool:
        if self.contains is not None:
            return self.contains.casefold() in (text or "").casefold()
        found, value = _lookup(body, self.path or "")
        if not found:
            return False
        if isinstance(self.equals, bool) or isinstance(value, bool):
            return value is self.equals or str(value).lower() == str(self.equals).lower()
        return value == self.equals or str(value) == str(self.equals)


@dataclass(frozen=True)
class CheckinRequest:
    url: str
    method: str = "POST"
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    success: Rule | None = None
    already: Rule | None = None

    def to_json(self) -> str:
        out: dict[str, Any] = {"url": self.url, "method": self.method}
        if self.headers:
            out["headers"] = dict(self.headers)
        if self.body is not None:
            out["body"] = self.body
        if self.success:
            out["success"] = self.success.to_json()
        if self.already:
            out["already"] = self.already.to_json()
        return json.dumps(out, ensure_ascii=False, sort_keys=True)

    def placeholders(self) -> set[str]:
        found = set(_PLACEHOLDER.findall(self.url))
        for k, v in self.headers.items():
            found |= set(_PLACEHOLDER.findall(k)) | set(_PLACEHOLDER.findall(v))
        for s in _strings(self.body):
            found |= set(_PLACEHOLDER.findall(s))
        return found


def _lookup(body: Any, path: str) -> tuple[bool, Any]:
    value = body
    for part in [p for p in path.split(".") if p]:
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.lstrip("-").isdigit() and -len(value) <= int(part) < len(value):
            value = value[int(part)]
        else:
            return False, None
    return True, value


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _fill_text(text: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def _fill(value: Any, values: dict[str, str]) -> Any:
    if isinstance(value, str):
        return _fill_text(value, values)
    if isinstance(value, dict):
        return {_fill_text(k, values): _fill(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, values) for v in value]
    return value


def _rule(raw: Any, which: str) -> Rule | None:
    if raw is None or raw == {}:
        return None
    if not isinstance(raw, dict):
        raise ValidationError(f"The {which} rule must be an object with \"path\" and \"equals\", or \"contains\".")
    unknown = set(raw) - {"path", "equals", "contains"}
    if unknown:
        raise ValidationError(f"The {which} rule has an unknown key: {sorted(unknown)[0]}.")
    if "contains" in raw:
        if "path" in raw or not isinstance(raw["contains"], str) or not raw["contains"].strip():
            raise ValidationError(f"The {which} rule's \"contains\" must be a non-empty text, without \"path\".")
        return Rule(contains=raw["contains"])
    path = raw.get("path")
    if not isinstance(path, str) or not path.strip() or "equals" not in raw:
        raise ValidationError(f"The {which} rule needs a JSON \"path\" (like data.status) and the value it "
                              "\"equals\", or a \"contains\" text.")
    if isinstance(raw["equals"], (dict, list)):
        raise ValidationError(f"The {which} rule's \"equals\" must be a text, a number, true, false or null.")
    return Rule(path=path.strip(), equals=raw["equals"])


def parse_checkin_request(raw: str | dict[str, Any], site_url: str | None = None) -> CheckinRequest:
    """The request as JSON text (or an object), checked; ``site_url`` also checks the address's site."""
    if isinstance(raw, str):
        if len(raw) > _MAX_TEXT:
            raise ValidationError("The custom check-in request is too long.")
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValidationError(f"The custom check-in request is not valid JSON ({exc.msg}, line {exc.lineno}).") \
                from None
    if not isinstance(raw, dict):
        raise ValidationError("The custom check-in request must be a JSON object with at least a \"url\".")
    unknown = set(raw) - {"url", "method", "headers", "body", "success", "already"}
    if unknown:
        raise ValidationError(f"The custom check-in request has an unknown key: {sorted(unknown)[0]} "
                              "(known: url, method, headers, body, success, already).")
    url = raw.get("url")
    if not isinstance(url, str) or not url.strip():
        raise ValidationError("The custom check-in request needs a \"url\": a path on the site such as "
                              "/api/user/sign, or the full address on the account's site.")
    url = url.strip()
    if any(c in url for c in "\r\n\t ") or any(ord(c) < 32 for c in url):
        raise ValidationError("The custom check-in address must not contain spaces or control characters.")
    if not url.startswith("/"):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValidationError("The custom check-in \"url\" must start with / (a path on the site) or "
                                  "http:// or https://.")
        if site_url:
            try:
                same = origin_key(url) == origin_key(site_url)
            except ValueError:
                same = False
            if not same:
                raise ValidationError("The custom check-in address must be on the account's own site "
                                      f"({origin_key(site_url)}): its secrets never go to another site.")
    in_url = set(_PLACEHOLDER.findall(url))
    if in_url & set(_SECRET_PLACEHOLDERS):
        raise ValidationError("Put {access_token} and {cookie} in a header or the body, not in the address "
                              "(servers and proxies log addresses).")
    method = str(raw.get("method") or "POST").upper()
    if method not in _METHODS:
        raise ValidationError(f"The custom check-in method must be one of {', '.join(_METHODS)}.")
    headers_raw = raw.get("headers") or {}
    if not isinstance(headers_raw, dict):
        raise ValidationError("The custom check-in \"headers\" must be an object of names and texts.")
    headers: dict[str, str] = {}
    for name, value in headers_raw.items():
        if not isinstance(name, str) or not _HEADER_NAME.match(name):
            raise ValidationError(f"{str(name)[:40]!r} is not a valid header name.")
        if not isinstance(value, str) or any(c in value for c in "\r\n"):
            raise ValidationError(f"The header {name} must be a single-line text.")
        if _SENSITIVE_HEADER.search(name) and not (set(_PLACEHOLDER.findall(value)) & set(PLACEHOLDERS)):
            raise ValidationError(f"The header {name} carries a credential: write it with a placeholder such as "
                                  "{access_token} or {cookie}, never the secret itself.")
        headers[name] = value
    body = raw.get("body")
    if isinstance(body, str):
        if body.strip():
            try:
                body = json.loads(body)
            except ValueError:
                raise ValidationError("The custom check-in body must be JSON (placeholders go inside its "
                                      "texts, like {\"uid\": \"{user_id}\"}), or left out.") from None
        else:
            body = None
    if body is not None and method == "GET":
        raise ValidationError("A GET check-in request cannot have a body.")
    spec = CheckinRequest(url=url, method=method, headers=headers, body=body,
                          success=_rule(raw.get("success"), "success"), already=_rule(raw.get("already"), "already"))
    unknown_ph = spec.placeholders() - set(PLACEHOLDERS)
    if unknown_ph:
        raise ValidationError(f"Unknown placeholder {{{sorted(unknown_ph)[0]}}}; the known ones are "
                              + ", ".join("{" + p + "}" for p in PLACEHOLDERS) + ".")
    return spec


def _default_success(body: Any, status: int) -> bool:
    if not 200 <= status < 300:
        return False
    if isinstance(body, dict):
        if body.get("success") is False:
            return False
        code = body.get("code")
        if code is not None and not isinstance(code, bool) and code not in (0, "0", 200, "200", "success", "ok"):
            return False
    return True


def _judge(spec: CheckinRequest, body: Any, text: str, status: int) -> tuple[str, str]:
    message = server_message(body) if isinstance(body, dict) else ""
    message = message or (text.strip()[:200] if not isinstance(body, (dict, list)) else "")
    already = spec.already.matches(body, text) if spec.already else is_already(message)
    if already:
        return R.ALREADY_CHECKED.value, message or "Already checked in today."
    success = spec.success.matches(body, text) if spec.success else _default_success(body, status)
    if success and 200 <= status < 300:
        return R.SUCCESS.value, message or "Checked in."
    if needs_turnstile(message) or "captcha" in message.lower():
        return R.NEEDS_BROWSER.value, message
    if spec.success or spec.already:
        return R.FAILED.value, ("The answer matched neither the success nor the already-checked-in rule"
                                + (f": {message}" if message else "."))
    return R.FAILED.value, message or f"The site answered HTTP {status}."


async def custom_check_in(session: SiteSession, spec: CheckinRequest, *, access_token: str | None,
                          user_id: str | None, cookie: str | None) -> CheckInAttempt:
    """Send the account's custom check-in request once and read the answer by its rules."""
    values = {"access_token": access_token or "", "user_id": user_id or "", "cookie": cookie or ""}
    missing = sorted(p for p in spec.placeholders() if not values.get(p))
    if missing:
        what = {"access_token": "access token", "user_id": "user id", "cookie": "session cookie"}[missing[0]]
        return CheckInAttempt(R.FAILED.value, f"This custom check-in needs the account's {what}, which is not stored.")
    url = _fill_text(spec.url, values)
    if not url.startswith("/"):
        if origin_key(url) != session.origin:
            return CheckInAttempt(R.FAILED.value, "The custom check-in address is not on this account's site.")
        parts = urlsplit(url)
        url = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {k: _fill_text(v, values) for k, v in spec.headers.items()}
    try:
        reply = await session.request(spec.method, url, json=_fill(spec.body, values), headers=headers,
                                      public=True, idempotent=False)
    except ChallengeError as exc:
        return CheckInAttempt(R.NEEDS_BROWSER.value, str(exc), error=exc)
    except HttpStatusError as exc:
        result, message = _judge(spec, exc.body, exc.server_message, exc.http_status or 0)
        if result == R.ALREADY_CHECKED:
            return CheckInAttempt(result, message)
        if exc.http_status in (404, 405):
            return CheckInAttempt(R.FAILED.value, f"The custom check-in address does not exist on the site "
                                           f"(HTTP {exc.http_status}).", error=exc,
                                  reason=Why.NO_CHECKIN.value)  # a retry cannot find it either
        if exc.ambiguous:
            return CheckInAttempt(R.FAILED.value, "The site did not finish answering the check-in; it was not sent "
                                  "again (look at the site before trying once more).", error=exc)
        return CheckInAttempt(R.FAILED.value, str(exc), error=exc)
    except SiteError as exc:
        if exc.ambiguous:
            return CheckInAttempt(R.FAILED.value, "No answer after the check-in was sent; it was not sent again "
                                           "(look at the site before trying once more).", error=exc)
        return CheckInAttempt(R.FAILED.value, str(exc), error=exc)
    try:
        body: Any = json.loads(reply.text) if reply.text.strip() else None
    except ValueError:
        body = None
    result, message = _judge(spec, body, reply.text, reply.status)
    return CheckInAttempt(result, reply.clean(message))
