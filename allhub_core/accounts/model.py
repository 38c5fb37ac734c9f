"""The account as a user types it: input, validation and the rules of each editable field.

Validation happens before any write, with the extension's messages, so bad input changes
nothing. Messages are one sentence, never quote a secret and name no CLI flag.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from allhub_core.errors import ValidationError
from allhub_core.origin import is_http_url, normalize_site_url
from allhub_core.vocab import AUTH_TYPES, DEFAULT_EXCHANGE_RATE, HEALTH_VALUES, SITE_TYPES

__all__ = [
    "AUTH_TYPES",
    "DEFAULT_EXCHANGE_RATE",
    "EDITABLE_FIELDS",
    "MAX_EXCHANGE_RATE",
    "SITE_TYPES",
    "AccountInput",
    "check_credentials",
    "check_url",
    "clean_value",
    "parse_exchange_rate",
    "parse_id",
    "parse_money",
]


#: CNY per USD is about 7; anything above this is a typo (or a hostile site) and would turn the
#: CNY figures into infinities.
MAX_EXCHANGE_RATE = 1_000_000.0
#: Fields that grid edits and ``account set`` may change, with their kind.
EDITABLE_FIELDS = {
    "site_name": "text", "notes": "text", "exchange_rate": "rate", "tags": "tags",
    "pinned": "bool", "disabled": "bool", "exclude_from_total_balance": "bool",
    "exclude_from_today_income": "bool", "auto_checkin": "bool", "checkin_url": "url",
    "redeem_url": "url", "username": "text", "user_id": "text", "site_type": "site_type",
    "manual_balance_usd": "money", "manual_position": "order",
}


def parse_exchange_rate(value: Any) -> float:
    """A finite number with 0 < rate <= ``MAX_EXCHANGE_RATE``, else the extension's message."""
    try:
        rate = float(str(value).strip()) if value is not None and str(value).strip() != "" else None
    except ValueError:
        rate = None
    if rate is None or not math.isfinite(rate) or rate <= 0:
        raise ValidationError("Please enter a valid exchange rate, greater than 0.")
    if rate > MAX_EXCHANGE_RATE:
        raise ValidationError(f"Please enter a valid exchange rate, at most {MAX_EXCHANGE_RATE:,.0f} (CNY per USD).")
    return rate


# What an HTTP header can carry: tokens and user ids travel in headers (Authorization, New-API-User
# and friends), cookies in the Cookie header. Header values are ASCII; anything else used to fail
# deep in the HTTP client. Tokens and user ids never hold a space; a Cookie header does ("a=1; b=2").
_VISIBLE_ASCII = frozenset(map(chr, range(0x21, 0x7F)))
_HEADER_ASCII = _VISIBLE_ASCII | {" "}
_NO_SPACES = ("may contain only ASCII letters, digits and punctuation (no spaces, accented letters or control "
              "characters).")
_CREDENTIAL_RULES = {
    "access_token": (f"The access token {_NO_SPACES}", _VISIBLE_ASCII),
    "refresh_token": (f"The refresh token {_NO_SPACES}", _VISIBLE_ASCII),
    "cookie": ("The session cookie may contain only ASCII characters (no accented letters or control characters).",
               _HEADER_ASCII),
    "user_id": (("The user ID may contain only ASCII letters, digits and punctuation, for example 12 (no "
                 "full-width digits, other scripts, spaces or control characters)."), _VISIBLE_ASCII),
}


def check_credentials(*, access_token: str | None = None, cookie: str | None = None,
                      refresh_token: str | None = None, user_id: str | None = None) -> None:
    """Raise ValidationError (one sentence, never quoting the value) for a credential that an
    HTTP header cannot carry. Values are judged as stored: stripped; empty ones are not judged."""
    for name, value in (("access_token", access_token), ("cookie", cookie), ("refresh_token", refresh_token),
                        ("user_id", user_id)):
        text = str(value).strip() if value is not None else ""
        message, allowed = _CREDENTIAL_RULES[name]
        if text and not set(text) <= allowed:
            raise ValidationError(message)


def parse_money(value: Any) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == "":
        return None
    try:
        amount = float(str(value).strip())
    except ValueError:
        amount = -1.0
    if not math.isfinite(amount) or amount < 0:
        raise ValidationError("Please enter a valid amount (>= 0).")
    return amount


def check_url(value: str | None, what: str) -> str:
    text = (value or "").strip()
    if text and not is_http_url(text):
        raise ValidationError(f"The {what} must be an http(s) URL.")
    return text


@dataclass
class AccountInput:
    """Everything a user can type when adding an account (manual or after auto-recognize)."""

    site_url: str
    site_name: str = ""
    site_type: str = "unknown"
    user_id: str = ""
    username: str = ""
    auth_type: str = "access_token"
    access_token: str = ""
    cookie: str = ""
    refresh_token: str = ""
    tags: list[str] = field(default_factory=list)
    notes: str = ""
    exchange_rate: Any = DEFAULT_EXCHANGE_RATE
    checkin_url: str = ""
    redeem_url: str = ""
    auto_checkin: bool = True
    manual_balance_usd: Any = None
    exclude_from_total_balance: bool = False
    exclude_from_today_income: bool = False
    disabled: bool = False
    # What a successful recognize/refresh learned; None means "not known yet".
    quota: int | None = None
    checkin_supported: bool | None = None
    health_status: str = "unknown"
    health_reason: str = ""

    def validated(self) -> AccountInput:
        """Return a cleaned copy or raise ValidationError with one sentence."""
        site_url = normalize_site_url(self.site_url)
        name = " ".join((self.site_name or "").split())
        if not name:
            raise ValidationError("Please fill in all account information: the site name is empty.")
        if self.site_type not in SITE_TYPES:
            raise ValidationError(f"'{self.site_type}' is not a known site type; use one of: {', '.join(SITE_TYPES)}.")
        if self.auth_type not in AUTH_TYPES:
            raise ValidationError("The auth mode must be access_token, cookie or none.")
        user_id = str(self.user_id if self.user_id is not None else "").strip()
        if not user_id and self.auth_type != "none":
            raise ValidationError("Please fill in all account information: the user ID is empty.")
        token = (self.access_token or "").strip()
        cookie = (self.cookie or "").strip()
        if self.auth_type == "access_token" and not token:
            raise ValidationError("Please fill in all account information: the access token is empty.")
        if self.auth_type == "cookie" and not cookie:
            raise ValidationError("Please fill in all account information: the session cookie is empty.")
        check_credentials(access_token=token, cookie=cookie, refresh_token=self.refresh_token, user_id=user_id)
        if self.health_status not in HEALTH_VALUES:
            raise ValidationError("Unknown health status.")
        return AccountInput(
            site_url=site_url, site_name=name, site_type=self.site_type, user_id=user_id,
            username=(self.username or "").strip(), auth_type=self.auth_type, access_token=token,
            cookie=cookie, refresh_token=(self.refresh_token or "").strip(),
            tags=[t for t in (self.tags or []) if t and t.strip()], notes=self.notes or "",
            exchange_rate=parse_exchange_rate(self.exchange_rate),
            checkin_url=check_url(self.checkin_url, "check-in URL"),
            redeem_url=check_url(self.redeem_url, "redeem URL"), auto_checkin=bool(self.auto_checkin),
            manual_balance_usd=parse_money(self.manual_balance_usd),
            exclude_from_total_balance=bool(self.exclude_from_total_balance),
            exclude_from_today_income=bool(self.exclude_from_today_income),
            disabled=bool(self.disabled), quota=self.quota, checkin_supported=self.checkin_supported,
            health_status=self.health_status, health_reason=self.health_reason or "",
        )


def parse_id(value: Any) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        raise ValidationError(f"'{value}' is not an account id (ids are whole numbers).") from None


def clean_value(name: str, value: Any) -> Any:
    kind = EDITABLE_FIELDS.get(name)
    if kind is None:
        raise ValidationError(f"'{name}' cannot be edited.")
    if kind == "text":
        text = "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
        if name == "site_name":
            text = " ".join(text.split())
            if not text:
                raise ValidationError("The site name cannot be empty.")
        if name == "user_id":
            text = text.strip()
            check_credentials(user_id=text)
        return text
    if kind == "rate":
        return parse_exchange_rate(value)
    if kind == "bool":
        return bool(value)
    if kind == "url":
        return check_url(value if isinstance(value, str) else "", name.replace("_", " "))
    if kind == "site_type":
        if value not in SITE_TYPES:
            raise ValidationError(f"'{value}' is not a known site type.")
        return value
    if kind == "money":
        return parse_money(value)
    if kind == "order":
        if value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == "":
            return None
        try:
            pos = int(float(str(value)))
        except ValueError:
            pos = 0
        if pos < 1:
            raise ValidationError("The manual order must be a whole number of at least 1 (or empty).")
        return pos
    if kind == "tags":
        if value is None:
            return []
        return [str(t) for t in value if str(t).strip()]
    raise AssertionError(kind)
