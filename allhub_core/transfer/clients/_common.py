"""What several client formats share, each a copy of the All API Hub extension's own helper so
the output is byte for byte what the extension makes: ``JSON.stringify`` (compact or indented by
two), standard Base64 of UTF-8 (``encodeUtf8Base64``), ``coerceBaseUrlToPathSuffix`` (the ``/v1``
rule), the settings-safe slug, the FNV-1a digest of provider ids, the model-id order and the
"unique name" rule of the Kilo Code and Roo Code profiles."""

from __future__ import annotations

import base64
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from allhub_core.errors import ValidationError
from allhub_core.transfer.clients.types import ClientTarget

__all__ = ["b64", "coerce_suffix", "fnv1a", "js_json", "model_ids", "need_key", "pretty_json", "slugify",
           "unique_names"]

T = TypeVar("T")


def js_json(value: Any) -> str:
    """``JSON.stringify(value)``: no spaces, non-ASCII kept as it is."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def pretty_json(value: Any) -> str:
    """``JSON.stringify(value, null, 2)``."""
    return json.dumps(value, ensure_ascii=False, indent=2)


def b64(text: str) -> str:
    """``encodeUtf8Base64``: standard Base64 (``+``, ``/``, ``=`` padding) of the UTF-8 bytes."""
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def coerce_suffix(base_url: str, suffix: str = "/v1") -> str:
    """``coerceBaseUrlToPathSuffix``: the URL with its path ending in ``suffix`` (added unless it is
    there already), no trailing slash."""
    trimmed = (base_url or "").strip()
    if not trimmed:
        return trimmed
    suffix = suffix if suffix.startswith("/") else f"/{suffix}"
    parts = urlsplit(trimmed)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return trimmed.rstrip("/")
    path = parts.path.rstrip("/")
    if not path.endswith(suffix):
        path = re.sub(r"/{2,}", "/", f"{path}{suffix}")
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment)).rstrip("/")


def slugify(value: str) -> str:
    """The extension's settings-safe id part: NFKD, lower case, ``[^a-z0-9]+`` as ``-``, no dash at
    either end, ``provider`` when nothing is left."""
    text = unicodedata.normalize("NFKD", value).lower()
    return re.sub(r"^-+|-+$", "", re.sub(r"[^a-z0-9]+", "-", text)) or "provider"


def fnv1a(value: str) -> str:
    """``hashProviderCatalogValue``: 32-bit FNV-1a over each code point's first UTF-16 unit (what
    ``charCodeAt(0)`` of a ``for..of`` character gives), as eight hex digits."""
    h = 0x811C9DC5
    for ch in value:
        code = ord(ch)
        if code > 0xFFFF:  # the high surrogate, as JavaScript sees the character
            code = 0xD800 + ((code - 0x10000) >> 10)
        h = ((h ^ code) * 16777619) & 0xFFFFFFFF
    return f"{h:08x}"


def model_ids(values: Iterable[Any]) -> list[str]:
    """``normalizeProviderCatalogModelIds``: strings trimmed, blanks dropped, de-duplicated,
    in code-point order."""
    return sorted({v.strip() for v in values if isinstance(v, str) and v.strip()})


def need_key(target: ClientTarget, client: str) -> None:
    """A client export without a key, a name or an http(s) base URL is refused in one sentence."""
    if not (target.api_key or "").strip():
        raise ValidationError(f"{client} needs the full key; this one is empty.")
    parts = urlsplit((target.base_url or "").strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError(f"{client} needs an http(s) base URL; '{target.base_url}' is not one.")


def unique_names(items: Sequence[T], base_name: Callable[[T], str], base_url: Callable[[T], str],
                 sort_key: Callable[[T], str]) -> list[str]:
    """``buildUniqueKiloCodeProviderNames``: a name shared by several items gets ``(host)``; one
    still shared gets `` #n`` in a stable order."""
    bases = [base_name(i) for i in items]
    hosts = [urlsplit(base_url(i)).netloc or base_url(i).strip() for i in items]
    named = [b if bases.count(b) <= 1 else f"{b} ({h})" for b, h in zip(bases, hosts, strict=True)]
    out = []
    for idx, name in enumerate(named):
        group = [j for j, n in enumerate(named) if n == name]
        if len(group) <= 1:
            out.append(name)
            continue
        ordered = sorted(group, key=lambda j: sort_key(items[j]))
        out.append(f"{name} #{ordered.index(idx) + 1}")
    return out
