"""What a user gives for a key, checked before any request (``sync/keys.py``): its name, group,
quota in USD or unlimited, expiry, the models and addresses it is limited to, and key ids. Each
bad value is one sentence (``ValidationError``) and nothing is sent."""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

from allhub_core.errors import ValidationError
from allhub_core.net import short
from allhub_core.vocab import QUOTA_PER_USD

__all__ = [
    "CREATED_KEY_NAME",
    "MAX_NAME",
    "allow_ips_text",
    "check_key_id",
    "clean_text",
    "expiry",
    "model_limits_text",
    "quota",
    "update_expiry",
    "update_quota",
]

#: A key created without a name.
CREATED_KEY_NAME = "allhub"
MAX_NAME = 50  # New API's limit (Veloera's 30 is the site's to say)
MAX_QUOTA_USD = 1_000_000_000
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def clean_text(value: str | None, what: str, limit: int) -> str:
    text = (value or "").strip()
    if _CONTROLS.search(text):
        raise ValidationError(f"The key's {what} may not contain control characters.")
    if len(text) > limit:
        raise ValidationError(f"The key's {what} is longer than {limit} characters.")
    return text


def items(value: Iterable[str] | str | None) -> list[str]:
    """A list given as a list or as text (commas, spaces or new lines between items), each once."""
    parts = re.split(r"[,\s]+", value) if isinstance(value, str) else [str(v) for v in value or []]
    return list(dict.fromkeys(p.strip() for p in parts if p and p.strip()))


def model_limits_text(value: Iterable[str] | str | None) -> str:
    """The models a key may use (none: every model), as the sites store them: comma-separated."""
    models = items(value)
    for m in models:
        clean_text(m, "model name", 200)
    text = ",".join(models)
    if len(text) > 4000:
        raise ValidationError("The key's model list is too long (at most 4,000 characters).")
    return text


def allow_ips_text(value: Iterable[str] | str | None) -> str:
    """The addresses a key may be used from (none: anywhere): IPs or networks (CIDR), checked."""
    ips = items(value)
    for ip in ips:
        try:
            ipaddress.ip_network(ip, strict=False)
        except ValueError:
            raise ValidationError(f"'{short(ip, 60)}' is not an IP address or network (such as 203.0.113.7 "
                                  "or 10.0.0.0/8).") from None
    return ",".join(ips)


def quota(quota_usd: Any, unlimited: bool | None) -> tuple[bool, int]:
    if quota_usd is None:
        return True, 0
    if unlimited:
        raise ValidationError("A key is either unlimited or has a quota, not both.")
    try:
        usd = float(quota_usd)
    except (TypeError, ValueError):
        raise ValidationError(f"'{quota_usd}' is not an amount in USD.") from None
    if not math.isfinite(usd) or usd <= 0 or usd > MAX_QUOTA_USD:
        raise ValidationError(f"A key's quota must be more than 0 and at most {MAX_QUOTA_USD:,} USD.")
    return False, max(1, round(usd * QUOTA_PER_USD))


def expiry(expires: date | str | None, today: date | None = None) -> int:
    """Epoch seconds of the end of that (local) day; -1 for never."""
    if expires is None or expires == "":
        return -1
    if isinstance(expires, datetime):
        day = expires.date()
    elif isinstance(expires, date):
        day = expires
    else:
        try:
            day = date.fromisoformat(str(expires).strip())
        except ValueError:
            raise ValidationError(f"'{expires}' is not a date (YYYY-MM-DD).") from None
    if day <= (today or date.today()):
        raise ValidationError(f"A key's expiry must be a day after today, not {day.isoformat()}.")
    return int(datetime.combine(day, time(23, 59, 59)).timestamp())


def update_expiry(expires: date | str | None) -> int | None:
    """None: unchanged; ``never`` (or ``""``): -1; a day after today: the end of it."""
    if expires is None:
        return None
    if isinstance(expires, str) and expires.strip().lower() in ("", "never"):
        return -1
    return expiry(expires)


def update_quota(quota_usd: Any, unlimited: bool | None) -> tuple[bool, int] | None:
    """None: unchanged; (True, 0): unlimited; (False, quota units): that much left."""
    if quota_usd is None and unlimited is None:
        return None
    if quota_usd is None and unlimited is False:
        raise ValidationError("A key with a limit needs its quota in USD.")
    return quota(quota_usd, unlimited)


def check_key_id(value: Any) -> str:
    text = str(value if value is not None else "").strip()
    if not text or len(text) > 64 or not re.fullmatch(r"[A-Za-z0-9_.:-]+", text):
        raise ValidationError(f"'{_CONTROLS.sub('?', text)[:64]}' is not a key id.")
    return text
