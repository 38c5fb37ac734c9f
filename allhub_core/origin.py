"""The origin key: one function that says which site a URL belongs to.

Used by the add-time duplicate warning, duplicate cleanup, search and (through
``allhub_core.net``) the network layer's credential scope, so that ``https://A.com/``,
``a.com/panel``, ``https://a.com:443/v1``, ``https://ａ.com`` and ``https://a.com.`` are
all one site while ``http://a.com`` is another (upstream ``sanitizeOriginUrl`` semantics).

The host is normalised the way a browser does before it is compared or stored: NFKC
(full-width letters and dots become ASCII), ideographic full stops become dots, then
IDNA (UTS #46, non-transitional, as browsers) so a Unicode host and its punycode are one
key, lower case, one trailing dot dropped.  DNS limits apply (a label is 1..63
characters, the host at most 253), the port is 1..65535, and control characters,
invisible characters and spaces are refused.  IPv4 and [IPv6] literals (the latter in
their compressed form), ``localhost`` and explicit ports keep working.
"""

from __future__ import annotations

import functools
import ipaddress
import re
import types
import unicodedata
from urllib.parse import urlsplit

from allhub_core.errors import ValidationError

_idna: types.ModuleType | None
try:  # httpx depends on ``idna`` (IDNA 2008 + UTS #46, what browsers use); the stdlib codec is IDNA 2003
    import idna as _idna
except ImportError:  # pragma: no cover - httpx always brings it
    _idna = None

__all__ = ["is_http_url", "normalize_site_url", "origin_key", "origin_problem"]

_DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_LABEL = 63
MAX_HOST = 253
_JOINERS = {"\u200c", "\u200d"}  # ZWNJ/ZWJ: legitimate inside some IDN labels; IDNA checks their context
_ASCII_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?")
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
_USERINFO = re.compile(r"^((?:[A-Za-z][A-Za-z0-9+.-]*:)?//)?[^/?#@]*@")
# "javascript:", "data:", "mailto:" without "//": a scheme, unless a port follows ("localhost:3000/x")
_BARE_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+-]*:(?!\d*(?:[/?#]|$))")
_NOT_HTTP = "only http:// and https:// addresses can be relay sites"


class _Bad(Exception):
    """Why a text is not a site URL: the end of a sentence ('' when the text is plainly no URL)."""


def _check_characters(text: str) -> None:
    if text.isascii() and text.isprintable() and " " not in text:
        return  # the common case, without a per-character look-up
    for c in text:
        cat = unicodedata.category(c)
        if cat == "Cc":
            raise _Bad("it contains a control character")
        if c.isspace() or cat == "Zs":
            raise _Bad("it contains a space")
        if cat == "Cf" and c not in _JOINERS:
            raise _Bad("it contains an invisible character")


def _port(netloc: str, scheme: str) -> int | None:
    hostport = netloc.rpartition("@")[2]
    if hostport.startswith("["):
        _, _, rest = hostport.partition("]")
        text = rest[1:] if rest.startswith(":") else None
    else:
        text = hostport.rpartition(":")[2] if ":" in hostport else None
    if not text:  # none given, or "host:" with nothing after the colon
        return None
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 65535:
        raise _Bad("the port must be a number from 1 to 65535")
    port = int(text)
    return None if port == _DEFAULT_PORTS[scheme] else port


def _label(label: str) -> str:
    """One label in its ASCII (punycode) form, or ``_Bad``."""
    if label.isascii() and not label.startswith("xn--"):
        if not _ASCII_LABEL.fullmatch(label):
            if label.startswith("-") or label.endswith("-"):
                raise _Bad("a part of the host name starts or ends with a hyphen")
            raise _Bad("the host name may contain only letters, digits, hyphens and dots")
        return label
    try:
        if _idna is not None:
            return _idna.encode(label, uts46=True, transitional=False).decode("ascii")
        return label.encode("idna").decode("ascii")
    except (UnicodeError, ValueError) as exc:  # idna.IDNAError is a UnicodeError
        if "too long" in str(exc).lower():
            raise _Bad(f"a part of the host name is longer than {MAX_LABEL} characters") from exc
        raise _Bad("the host name is not a valid domain name") from exc


@functools.lru_cache(maxsize=4096)  # every request asks for its origin; hosts repeat
def _host(raw: str) -> str:
    """The host of a URL in its stored form (IP literal or IDNA ASCII), or ``_Bad``."""
    if raw.startswith("[") or ":" in raw:
        try:
            return f"[{ipaddress.IPv6Address(raw.strip('[]')).compressed}]"
        except ValueError:
            raise _Bad("the IPv6 address is not valid") from None
    host = unicodedata.normalize("NFKC", raw).translate(_DOTS).lower()
    _check_characters(host)  # NFKC may have produced a space (U+3000 -> " ")
    host = host.removesuffix(".")  # "a.com." is "a.com"; "a.com.." still has an empty label
    if not host:
        raise _Bad("it has no host name")
    labels = host.split(".")
    if any(not label for label in labels):
        raise _Bad("the host name has an empty label (a leading dot or two dots in a row)")
    # Unicode length <= ASCII length, so these checks are safe before the (slower) encoding.
    if any(len(label) > MAX_LABEL for label in labels):
        raise _Bad(f"a part of the host name is longer than {MAX_LABEL} characters")
    if len(host) > MAX_HOST:
        raise _Bad(f"the host name is longer than {MAX_HOST} characters")
    try:
        return str(ipaddress.IPv4Address(host))
    except ValueError:
        pass
    ascii_labels = [_label(label) for label in labels]
    if any(len(label) > MAX_LABEL for label in ascii_labels):
        raise _Bad(f"a part of the host name is longer than {MAX_LABEL} characters")
    out = ".".join(ascii_labels)
    if len(out) > MAX_HOST:
        raise _Bad(f"the host name is longer than {MAX_HOST} characters")
    return out


def _parse(url: str | None) -> str:
    """``scheme://host[:port]`` or ``_Bad`` with the reason."""
    text = (url or "").strip()
    if not text:
        raise _Bad("")
    _check_characters(text)
    if text[0] in "?#/.":
        raise _Bad("")
    if "://" not in text:
        if _BARE_SCHEME.match(text):
            raise _Bad(_NOT_HTTP)
        text = "https://" + text
    try:
        parts = urlsplit(text)
        raw_host = parts.hostname
    except ValueError:
        raise _Bad("") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise _Bad(_NOT_HTTP)
    if not raw_host:
        raise _Bad("it has no host name")
    if "%" in raw_host:
        raise _Bad("the host name may contain only letters, digits, hyphens and dots")
    port = _port(parts.netloc, scheme)
    host = _host(raw_host)
    return f"{scheme}://{host}" if port is None else f"{scheme}://{host}:{port}"


def _shown(url: str) -> str:
    """The typed address for an error message, without ``user:password@``, query and fragment
    (which may hold a secret) and control characters, at most 80 characters."""
    text = _USERINFO.sub(lambda m: m.group(1) or "", url.strip())
    text = re.split(r"[?#]", text, maxsplit=1)[0] if text[:1] not in ("?", "#") else text
    text = "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cf"))
    return text if len(text) <= 80 else text[:79] + "…"


def origin_problem(url: str | None) -> str | None:
    """None when ``url`` is a usable site URL, else one sentence saying why it is not."""
    try:
        _parse(url)
    except _Bad as why:
        if url is None or not url.strip():
            return "Site URL cannot be empty."
        detail = f": {why}" if str(why) else ""
        return f"'{_shown(url)}' is not a valid site URL{detail}; use the form https://example.com."
    return None


@functools.lru_cache(maxsize=4096)  # pure, and asked several times per request
def origin_key(url: str | None) -> str | None:
    """Return ``scheme://host[:port]`` (host lower-case, IDNA ASCII), or None when the text
    is not a usable URL.

    A bare host (``example.com``) gets ``https://``; the path, query, fragment and any
    ``user:password@`` are dropped; default ports are dropped. Inputs starting with ``?``,
    ``#``, ``/`` or ``.`` are not URLs.
    """
    try:
        return _parse(url)
    except _Bad:
        return None


def normalize_site_url(url: str | None) -> str:
    """The stored form of a site URL (its origin key), or a ValidationError with one sentence."""
    try:
        return _parse(url)
    except _Bad:
        raise ValidationError(origin_problem(url) or "The site URL is not valid.") from None


def is_http_url(url: str | None) -> bool:
    """True for an absolute http(s) URL; used to validate custom check-in and redeem URLs."""
    if not url:
        return False
    text = url.strip()
    return text.lower().startswith(("http://", "https://")) and origin_key(text) is not None
