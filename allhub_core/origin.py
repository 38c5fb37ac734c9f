"""The origin key: one function that says which site a URL belongs to.

Used by the add-time duplicate warning, duplicate cleanup and search, so that
``https://A.com/``, ``a.com/panel`` and ``https://a.com:443/v1`` are all one site while
``http://a.com`` is another (upstream ``sanitizeOriginUrl`` semantics).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from .errors import ValidationError

__all__ = ["origin_key", "normalize_site_url", "is_http_url"]

_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_key(url: str | None) -> str | None:
    """Return ``scheme://host[:port]`` in lower case, or None when the text is not a usable URL.

    A bare host (``example.com``) gets ``https://``; the path, query and fragment are dropped;
    default ports are dropped. Inputs starting with ``?``, ``#``, ``/`` or ``.`` are not URLs.
    """
    if url is None:
        return None
    text = url.strip()
    if not text or text[0] in "?#/." or any(c.isspace() for c in text):
        return None
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        scheme = parts.scheme.lower()
        host = parts.hostname
        port = parts.port
    except ValueError:
        return None
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    host = host.lower().rstrip(".")
    if not host or host.startswith(".") or ".." in host:
        return None
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}:{port}"
    return f"{scheme}://{host}"


def normalize_site_url(url: str | None) -> str:
    """The stored form of a site URL (its origin key), or a ValidationError with one sentence."""
    if url is None or not url.strip():
        raise ValidationError("Site URL cannot be empty.")
    key = origin_key(url)
    if key is None:
        raise ValidationError(
            f"'{url.strip()[:80]}' is not a valid site URL; use the form https://example.com."
        )
    return key


def is_http_url(url: str | None) -> bool:
    """True for an absolute http(s) URL; used to validate custom check-in and redeem URLs."""
    if not url:
        return False
    text = url.strip()
    return text.lower().startswith(("http://", "https://")) and origin_key(text) is not None
