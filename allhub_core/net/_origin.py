"""Origins: the unit of politeness and of credential scope.

A credential belongs to exactly one origin (scheme + host + port).  The limiter
keys on it, and the redirect policy compares origins before forwarding any
Authorization, Cookie or user-id header.
"""

from __future__ import annotations

from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


class InvalidSiteUrl(ValueError):
    """The text given as a site address is not an http(s) URL."""


def normalize_site_url(url: str) -> str:
    """Reduce a typed address to ``scheme://host[:port]``, lower-case.

    A bare host gets ``https://``; path, query and fragment are dropped and a
    default port is omitted (site-api.md section 11).
    """
    text = (url or "").strip()
    if not text:
        raise InvalidSiteUrl("The site address is empty.")
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise InvalidSiteUrl("The site address must start with http:// or https://.")
    try:
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError as exc:  # bad port
        raise InvalidSiteUrl("The site address has an invalid port.") from exc
    if not host or " " in host:
        raise InvalidSiteUrl("The site address has no host name.")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def origin_key(url: str) -> str:
    """The origin of any absolute URL, in the same form as ``normalize_site_url``."""
    return normalize_site_url(url)


def same_origin(a: str, b: str) -> bool:
    try:
        return origin_key(a) == origin_key(b)
    except InvalidSiteUrl:
        return False


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()
