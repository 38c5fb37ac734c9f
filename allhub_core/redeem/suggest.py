"""Which accounts a pasted text is about: the sites named in it by URL or domain.

The extension redeems on the account whose site is the page the code was found on, preferring
accounts whose custom check-in or redeem URL is on that domain; a pasted text has no page, so
every URL (``https://host:port/...``) and bare domain (``host.tld``) in it stands for one. An
account matches when its site, check-in or redeem URL has that host (or a subdomain of it, or it
is a subdomain of the account's host; an IP address only exactly) and, where the text gave a
port, that port. Accounts whose own check-in or redeem URL matched come first, then by id;
disabled accounts are never suggested.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any
from urllib.parse import urlsplit

from allhub_core.store import Store

__all__ = ["hosts_in", "suggest_accounts"]

_URL = re.compile(r"https?://[^\s/?#\"'<>()\[\]{}，。、]+", re.IGNORECASE)
_DOMAIN = re.compile(r"(?<![\w.@/-])((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63})(?::(\d{1,5}))?(?![\w-])",
                     re.IGNORECASE)
_DEFAULT_PORT = {"http": 80, "https": 443}


def _split(url: str) -> tuple[str, int | None] | None:
    try:
        parts = urlsplit(url if "://" in url else f"https://{url}")
        host, port = (parts.hostname or "").lower().rstrip("."), parts.port
    except ValueError:
        return None
    if not host:
        return None
    return host, port if port is not None else _DEFAULT_PORT.get(parts.scheme.lower())


def hosts_in(text: str) -> list[tuple[str, int | None]]:
    """Each ``(host, port)`` the text names, once, in order; port None for a bare domain."""
    found: dict[tuple[str, int | None], None] = {}
    for m in _URL.finditer(text or ""):
        if (hp := _split(m.group(0))) is not None:
            found.setdefault(hp, None)
    for m in _DOMAIN.finditer(_URL.sub(" ", text or "")):
        found.setdefault((m.group(1).lower(), int(m.group(2)) if m.group(2) else None), None)
    return list(found)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _related(a: str, b: str) -> bool:
    if a == b:
        return True
    if _is_ip(a) or _is_ip(b):
        return False
    return a.endswith("." + b) or b.endswith("." + a)


def _matches(url: str, named: list[tuple[str, int | None]]) -> bool:
    own = _split(url) if url else None
    if own is None:
        return False
    return any(_related(own[0], host) and (port is None or port == own[1]) for host, port in named)


def suggest_accounts(store: Store, text: str) -> list[dict[str, Any]]:
    """The enabled accounts the text's URLs and domains point at (see the module): rows of
    account_id, site_name, site_url and ``by`` ("redeem URL", "check-in URL" or "site")."""
    named = hosts_in(text)
    if not named:
        return []
    with store.read() as con:
        rows = con.execute("SELECT id, site_name, site_url, checkin_url, redeem_url FROM accounts "
                           "WHERE NOT disabled ORDER BY id").fetchall()
    out: list[tuple[int, dict[str, Any]]] = []
    for aid, name, site_url, checkin_url, redeem_url in rows:
        by = ("redeem URL" if _matches(redeem_url, named) else "check-in URL" if _matches(checkin_url, named)
              else "site" if _matches(site_url, named) else "")
        if by:
            out.append((0 if by != "site" else 1, {"account_id": int(aid), "site_name": name,
                                                   "site_url": site_url, "by": by}))
    return [row for _, row in sorted(out, key=lambda p: (p[0], p[1]["account_id"]))]
