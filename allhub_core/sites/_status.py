"""Public site facts: ``/api/status`` parsing, exchange rate and site name.

The exchange rate is the first positive of ``price``, ``stripe_unit_price``,
``PaymentUSDRate``, else ``vocab.DEFAULT_EXCHANGE_RATE`` (docs/site-api.md).  Check-in support reads
``checkin_enabled`` and, unlike the extension, Veloera's ``check_in_enabled``
spelling too.  A site name that is just a product name ("New API"; every family's
``SiteKind`` says its own) is replaced by the domain's label, which tells accounts apart in a list.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from allhub_core.net import SiteError, SiteSession, host_of
from allhub_core.site_kinds import known_site_names
from allhub_core.sites._types import DEFAULT_EXCHANGE_RATE, SiteStatus, remote_text

_MULTI_SUFFIXES = {"com.cn", "net.cn", "org.cn", "co.uk", "com.hk", "com.tw", "co.jp", "com.au"}


def _positive(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def parse_status(data: Any) -> SiteStatus:
    if not isinstance(data, dict):
        return SiteStatus()
    rate = DEFAULT_EXCHANGE_RATE
    for key in ("price", "stripe_unit_price", "PaymentUSDRate"):
        value = _positive(data.get(key))
        if value is not None:
            rate = value
            break
    enabled = data.get("checkin_enabled")
    if not isinstance(enabled, bool):
        enabled = data.get("check_in_enabled") if isinstance(data.get("check_in_enabled"), bool) else None
    name = data.get("system_name")
    return SiteStatus(
        system_name=remote_text(name) if isinstance(name, str) else None,
        exchange_rate=rate, checkin_enabled=enabled,
        turnstile_check=data.get("turnstile_check") if isinstance(data.get("turnstile_check"), bool) else None,
        raw=data,
    )


async def fetch_status(session: SiteSession) -> SiteStatus:
    """``GET /api/status`` without credentials; raises ``SiteError`` on failure."""
    return parse_status((await session.get("/api/status", public=True)).envelope())


async def try_status(session: SiteSession) -> SiteStatus | None:
    try:
        return await fetch_status(session)
    except SiteError:
        return None


def domain_label(site_url: str) -> str:
    host = host_of(site_url)
    try:
        ipaddress.ip_address(host.strip("[]"))
        return site_url.split("://", 1)[-1]
    except ValueError:
        pass
    parts = [p for p in host.split(".") if p]
    if len(parts) >= 3 and ".".join(parts[-2:]) in _MULTI_SUFFIXES:
        label = parts[-3]
    elif len(parts) >= 2:
        label = parts[-2]
    else:
        label = host
    return label[:1].upper() + label[1:]


def site_name(system_name: str | None, site_url: str) -> str:
    if system_name and re.sub(r"[-_ ]", "", system_name.lower()) not in known_site_names():
        return system_name
    return domain_label(site_url)
