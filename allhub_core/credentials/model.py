"""What a credential is before it reaches the store: its input checked in one place, its key
masked and hashed, and the base URL and key found in pasted text.

A credential is a base URL and an API key that need no relay account (the extension's "API
credential profiles"). The base URL is kept as the extension keeps it: without a trailing
``/v1`` or ``/v1beta`` (the calls add their own version), so the same endpoint pasted two ways
is one credential. Nothing here talks to the network.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

from allhub_core.errors import ValidationError
from allhub_core.origin import origin_key

__all__ = [
    "API_TYPES",
    "TELEMETRY_LABELS",
    "TELEMETRY_MODES",
    "CredentialInput",
    "Pasted",
    "guess_api_type",
    "hash_key",
    "mask_key",
    "normalize_base_url",
    "parse_expiry",
    "parse_pasted",
]

#: The API types the extension knows (its ``apiType``); the first is the default.
API_TYPES = ("openai-compatible", "openai", "anthropic", "google")

#: How a credential's balance is asked: ``auto`` tries each in turn, the first that answers
#: wins. The first five are the extension's ``telemetryConfig.mode`` spellings, so its backups
#: read without a table; the four balance endpoints of the big providers are ours.
TELEMETRY_LABELS = {
    "auto": "Automatic (first that answers)",
    "disabled": "Off (models only)",
    "newApiTokenUsage": "New API per-key usage",
    "sub2apiUsage": "Sub2API usage",
    "openaiBilling": "OpenAI billing",
    "openrouter": "OpenRouter credits",
    "deepseek": "DeepSeek balance",
    "moonshot": "Moonshot / Kimi balance",
    "zhipu": "Zhipu / GLM balance",
    "customReadOnlyEndpoint": "Custom read-only endpoint",
}
TELEMETRY_MODES = tuple(TELEMETRY_LABELS)

_VERSION_TAIL = re.compile(r"/(v1|v1beta)/?$", re.IGNORECASE)
_MAX_TEXT = 2000


def normalize_base_url(url: str | None) -> str:
    """The stored base URL: http(s), a host, no query, no trailing slash or ``/v1``/``/v1beta``.
    A URL pasted with its endpoint (``.../v1/chat/completions``) keeps only the part before it."""
    text = (url or "").strip()
    if not text:
        raise ValidationError("The base URL is empty.")
    if not re.match(r"^https?://", text, re.IGNORECASE):
        raise ValidationError("The base URL must start with http:// or https://.")
    if any(c.isspace() for c in text):
        raise ValidationError("The base URL must not contain spaces.")
    origin = origin_key(text)
    if not origin:
        raise ValidationError("The base URL is not a valid web address.")
    path = urlsplit(text).path
    for endpoint in ("/chat/completions", "/completions", "/messages", "/models", "/responses"):
        if path.lower().endswith(endpoint):
            path = path[: -len(endpoint)]
            break
    path = _VERSION_TAIL.sub("", path.rstrip("/")).rstrip("/")
    return origin + path


def mask_key(key: str) -> str:
    """First 4 and last 4 characters around asterisks; only asterisks for a short key."""
    text = key.strip()
    return "**********" if len(text) <= 12 else f"{text[:4]}**********{text[-4:]}"


def hash_key(key: str) -> str:
    """sha256 of the key: finds a key already in the library without keeping it readable."""
    return hashlib.sha256(key.strip().encode()).hexdigest()


def guess_api_type(base_url: str, key: str = "") -> str:
    """The API type a URL or key tells (Anthropic's and Google's hosts and key prefixes, OpenAI's
    own host); anything else is OpenAI-compatible."""
    host = (urlsplit(base_url).hostname or "").lower()
    if host.endswith("anthropic.com") or key.startswith("sk-ant-"):
        return "anthropic"
    if host.endswith("generativelanguage.googleapis.com") or key.startswith("AIza"):
        return "google"
    if host == "api.openai.com":
        return "openai"
    return "openai-compatible"


def parse_expiry(value: str | date | datetime | None) -> datetime | None:
    """``YYYY-MM-DD`` (the end of that day, UTC), a datetime, or nothing."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, 23, 59, 59, tzinfo=UTC)
    try:
        return parse_expiry(date.fromisoformat(str(value).strip()))
    except ValueError:
        raise ValidationError("The expiry date must be written YYYY-MM-DD.") from None


def _clean_key(key: str | None) -> str:
    text = (key or "").strip()
    if text.lower().startswith("bearer "):
        text = text[7:].strip()
    if not text:
        raise ValidationError("The API key is empty.")
    if any(c.isspace() for c in text) or not text.isprintable():
        raise ValidationError("The API key must be one word, without spaces.")
    if len(text) > 512:
        raise ValidationError("The API key is longer than 512 characters.")
    return text


def _clean_tags(tags: list[str] | tuple[str, ...] | None) -> list[str]:
    out: list[str] = []
    for t in tags or ():
        name = " ".join(str(t).split())
        if len(name) > 64:
            raise ValidationError("A tag is longer than 64 characters.")
        if name and name.casefold() not in {o.casefold() for o in out}:
            out.append(name)
    return out


def _clean_path(path: str, what: str) -> str:
    text = path.strip()
    if text and not all(seg.strip() for seg in text.split(".")):
        raise ValidationError(f"The {what} path must be dotted names such as data.balance.")
    return ".".join(seg.strip() for seg in text.split(".")) if text else ""


@dataclass(frozen=True)
class CredentialInput:
    """One credential as the user gives it; ``checked()`` returns it cleaned or raises one
    ``ValidationError`` sentence. ``api_type`` empty: guessed from the URL and key."""

    base_url: str
    key: str
    name: str = ""
    api_type: str = ""
    tags: list[str] = field(default_factory=list)
    notes: str = ""
    expires_at: datetime | str | None = None
    telemetry: str = "auto"
    custom_url: str = ""
    custom_balance_path: str = ""
    custom_used_path: str = ""
    custom_total_path: str = ""

    def checked(self) -> CredentialInput:
        base = normalize_base_url(self.base_url)
        key = _clean_key(self.key)
        api_type = (self.api_type or "").strip() or guess_api_type(base, key)
        if api_type not in API_TYPES:
            raise ValidationError(f"The API type must be one of: {', '.join(API_TYPES)}.")
        telemetry = (self.telemetry or "auto").strip()
        if telemetry not in TELEMETRY_MODES:
            raise ValidationError(f"The balance source must be one of: {', '.join(TELEMETRY_MODES)}.")
        custom_url = self.custom_url.strip()
        if custom_url and not (custom_url.startswith("/") and not custom_url.startswith("//")):
            custom_url = normalize_base_url(custom_url) if not urlsplit(custom_url).query else custom_url
        if telemetry == "customReadOnlyEndpoint" and not custom_url:
            raise ValidationError("A custom balance source needs its endpoint (a path such as /api/me or a URL).")
        name = " ".join(self.name.split())[:120] or (urlsplit(base).hostname or base)
        notes = self.notes.strip()
        if len(notes) > _MAX_TEXT:
            raise ValidationError(f"The notes are longer than {_MAX_TEXT} characters.")
        return replace(
            self, base_url=base, key=key, name=name, api_type=api_type, tags=_clean_tags(self.tags), notes=notes,
            expires_at=parse_expiry(self.expires_at), telemetry=telemetry, custom_url=custom_url,
            custom_balance_path=_clean_path(self.custom_balance_path, "balance"),
            custom_used_path=_clean_path(self.custom_used_path, "used"),
            custom_total_path=_clean_path(self.custom_total_path, "total"))


# ----- pasted text ----------------------------------------------------------------------------

_URL = re.compile(r"https?://[^\s\"'<>`,;)\]}]+", re.IGNORECASE)
# Keys as providers print them: sk-..., sk-ant-..., sk-or-v1-..., AIza..., Zhipu's id.secret,
# or any long run of key characters after a word such as "key", "token" or "API_KEY=".
_KEY_SHAPES = (
    re.compile(r"\bsk-[A-Za-z0-9_\-]{16,}"),
    re.compile(r"\bAIza[A-Za-z0-9_\-]{30,}"),
    re.compile(r"\b[0-9a-f]{32}\.[A-Za-z0-9]{16}\b"),
)
_LABELLED = re.compile(r"(?:key|token|secret)[\"']?\s*[:=]\s*[\"']?(?:Bearer\s+)?([A-Za-z0-9._\-]{16,})", re.IGNORECASE)


@dataclass(frozen=True)
class Pasted:
    """What pasted text holds: every base URL and key candidate, in the order they appear.
    ``base_url``/``key``: the first of each (None when there is none)."""

    urls: list[str]
    keys: list[str]

    @property
    def base_url(self) -> str | None:
        return self.urls[0] if self.urls else None

    @property
    def key(self) -> str | None:
        return self.keys[0] if self.keys else None

    @property
    def api_type(self) -> str:
        return guess_api_type(self.base_url or "", self.key or "")


def parse_pasted(text: str | None) -> Pasted:
    """The base URLs and keys in text a provider or a relay showed (an .env file, a JSON config,
    a curl line, a message): URLs normalized as stored, keys by their shape or their label."""
    body = (text or "")[:20_000]
    urls: list[str] = []
    for m in _URL.finditer(body):
        try:
            url = normalize_base_url(m.group(0).rstrip(".'\""))
        except ValidationError:
            continue
        if url not in urls:
            urls.append(url)
    found: list[tuple[int, str]] = []
    for shape in _KEY_SHAPES:
        found += [(m.start(), m.group(0)) for m in shape.finditer(body)]
    found += [(m.start(1), m.group(1)) for m in _LABELLED.finditer(body)]
    keys: list[str] = []
    for _, key in sorted(found):
        if key not in keys and not any(key in u for u in urls) and not any(key in k or k in key for k in keys):
            keys.append(key)
    return Pasted(urls, keys)
