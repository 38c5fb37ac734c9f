"""Origins: the unit of politeness and of credential scope.

A credential belongs to exactly one origin (scheme + host + port).  The limiter
keys on it, and the redirect policy compares origins before forwarding any
Authorization, Cookie or user-id header, or any request body.

There is one normaliser, ``allhub_core.origin`` (NFKC, IDNA, DNS limits, ports
1..65535); this module only gives it the network layer's exception type, so the
origin a request is scoped to is exactly the one the store keeps and the duplicate
check compares.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from allhub_core.errors import ValidationError
from allhub_core.origin import origin_key as _origin_key
from allhub_core.origin import origin_problem


class InvalidSiteUrl(ValidationError, ValueError):
    """The text given as a site address is not a usable http(s) URL; ``str()`` says why."""


def normalize_site_url(url: str) -> str:
    """Reduce a typed address to ``scheme://host[:port]`` (see ``allhub_core.origin``).

    A bare host gets ``https://``; path, query and fragment are dropped and a
    default port is omitted (docs/site-api.md).
    """
    key = _origin_key(url)
    if key is None:
        raise InvalidSiteUrl(origin_problem(url) or "The site URL is not valid.")
    return key


def origin_key(url: str) -> str:
    """The origin of any absolute URL, in the same form as ``normalize_site_url``."""
    return normalize_site_url(url)


def same_origin(a: str, b: str) -> bool:
    try:
        return origin_key(a) == origin_key(b)
    except InvalidSiteUrl:
        return False


def host_of(url: str) -> str:
    """The host of a URL in its normalised form (IDNA ASCII, lower case, an IPv6 address
    without brackets, as ``urlsplit().hostname``); '' if it has none."""
    key = _origin_key(url)
    if key is None:
        return (urlsplit(url).hostname or "").lower()
    return urlsplit(key).hostname or ""
