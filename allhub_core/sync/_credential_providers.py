"""Where each provider tells a key's balance, and how its answer reads (pure: no request here).

Each ``Provider`` names its endpoint(s) relative to the credential's base URL (stored without
``/v1``) and a parser of the JSON it answers into a ``Balance`` (USD; a provider that counts in
yuan is converted at the exchange rate and its own figure kept as ``raw_balance``). A parser
returns None when the answer is not that provider's: in ``auto`` the next one is asked.

The shapes: the extension's three (``src/services/apiCredentialProfiles/telemetry.ts``: New API
``/api/usage/token/`` in quota units at 500,000 a dollar, a negative grant meaning unlimited;
Sub2API ``/v1/usage``'s ``balance`` or ``remaining`` and ``usage.total.cost``; OpenAI billing's
subscription ``hard_limit_usd`` (or a direct ``balance``) minus the usage's ``total_usage`` in
cents, a limit of $1,000,000 or more being a placeholder, not a balance) and the providers' own
balance endpoints as their documentation shows them: OpenRouter ``/api/v1/credits``
(``data.total_credits`` - ``data.total_usage``), DeepSeek ``/user/balance`` (``balance_infos``:
``currency``, ``total_balance``), Moonshot/Kimi ``/v1/users/me/balance`` (``data.available_balance``,
yuan on moonshot.cn) and Zhipu/GLM's account report (``data.balance``, yuan) as monitoring tools
read it with the API key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from allhub_core.vocab import QUOTA_PER_USD

__all__ = ["AUTO_ORDER", "PROVIDERS", "Balance", "Provider", "auto_order", "read_custom", "read_path"]

OPENAI_PLACEHOLDER_LIMIT_USD = 1_000_000


@dataclass(frozen=True)
class Balance:
    """What a provider told: USD figures (None when it did not say), its currency and its own
    balance figure, and whether the key has no limit."""

    balance_usd: float | None = None
    used_usd: float | None = None
    total_usd: float | None = None
    currency: str = "USD"
    raw_balance: float | None = None
    unlimited: bool = False

    @property
    def said_something(self) -> bool:
        return self.unlimited or any(v is not None for v in (self.balance_usd, self.used_usd, self.total_usd))


def number(value: Any) -> float | None:
    """A finite number from a number or numeric text; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if value == value and abs(value) != float("inf") else None
    if isinstance(value, str) and value.strip():
        try:
            return number(float(value))
        except ValueError:
            return None
    return None


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _data(value: Any) -> dict[str, Any]:
    """The extension's ``dataLike``: ``data`` when it is an object, else the body itself."""
    body = _obj(value)
    return body["data"] if isinstance(body.get("data"), dict) else body


def read_path(body: Any, path: str) -> Any:
    """The value at a dotted path (``data.balance``); list items by index (``items.0.left``)."""
    current = body
    for seg in (s.strip() for s in path.split(".") if s.strip()):
        if isinstance(current, dict):
            current = current.get(seg)
        elif isinstance(current, list) and seg.isdigit() and int(seg) < len(current):
            current = current[int(seg)]
        else:
            return None
    return current


def _yuan(amount: float | None, rate: float) -> float | None:
    return None if amount is None else round(amount / rate, 6)


# ----- the parsers ----------------------------------------------------------------------------

def parse_new_api(body: Any, rate: float, base_url: str = "") -> Balance | None:
    d = _data(body)
    granted, used = number(d.get("total_granted")), number(d.get("total_used"))
    available = number(d.get("total_available"))
    if granted is None and used is None and available is None:
        return None
    unlimited = d.get("unlimited_quota") is True or (granted is not None and granted < 0)

    def usd(q: float | None) -> float | None:
        return None if q is None else max(0.0, q) / QUOTA_PER_USD

    return Balance(balance_usd=None if unlimited else usd(available), used_usd=usd(used),
                   total_usd=None if unlimited else usd(granted), unlimited=unlimited)


def parse_sub2api(body: Any, rate: float, base_url: str = "") -> Balance | None:
    d = _data(body)
    usage = _obj(d.get("usage"))
    balance = number(d.get("balance"))
    if balance is None:
        balance = number(d.get("remaining"))
    used = number(_obj(usage.get("total")).get("cost"))
    if balance is None and used is None:
        return None
    return Balance(balance_usd=balance, used_usd=used)


def parse_openai_billing(sub: Any, usage: Any) -> Balance | None:
    s, u = _data(sub), _data(usage)
    direct = number(s.get("balance"))
    if direct is not None:
        return Balance(balance_usd=direct)
    limit = number(s.get("hard_limit_usd"))
    raw_used = number(u.get("total_usage"))
    used = raw_used / 100 if raw_used is not None else number(u.get("used_usd"))
    if limit is None and used is None:
        return None
    if limit is not None and limit >= OPENAI_PLACEHOLDER_LIMIT_USD:
        return Balance(used_usd=used) if used is not None else None
    balance = max(0.0, limit - used) if limit is not None and used is not None else None
    return Balance(balance_usd=balance, used_usd=used, total_usd=limit)


def parse_openrouter(body: Any, rate: float, base_url: str = "") -> Balance | None:
    d = _data(body)
    total, used = number(d.get("total_credits")), number(d.get("total_usage"))
    if total is not None:  # /api/v1/credits
        return Balance(balance_usd=max(0.0, total - (used or 0.0)), used_usd=used, total_usd=total)
    used, limit, left = number(d.get("usage")), number(d.get("limit")), number(d.get("limit_remaining"))
    if used is None and limit is None and left is None:  # /api/v1/key
        return None
    return Balance(balance_usd=left, used_usd=used, total_usd=limit, unlimited=limit is None and left is None)


def parse_deepseek(body: Any, rate: float, base_url: str = "") -> Balance | None:
    infos = [i for i in _obj(body).get("balance_infos") or [] if isinstance(i, dict)]
    if not infos:
        return None
    info = next((i for i in infos if str(i.get("currency", "")).upper() == "USD"), infos[0])
    currency = str(info.get("currency") or "CNY").upper()
    raw = number(info.get("total_balance"))
    return Balance(balance_usd=raw if currency == "USD" else _yuan(raw, rate), currency=currency, raw_balance=raw)


def _moonshot_currency(base_url: str) -> str:
    return "CNY" if (urlsplit(base_url).hostname or "").endswith(".cn") else "USD"


def parse_moonshot(body: Any, rate: float, base_url: str = "") -> Balance | None:
    currency = _moonshot_currency(base_url)
    d = _obj(_obj(body).get("data"))
    raw = number(d.get("available_balance"))
    if raw is None:
        return None
    return Balance(balance_usd=raw if currency == "USD" else _yuan(raw, rate), currency=currency, raw_balance=raw)


def parse_zhipu(body: Any, rate: float, base_url: str = "") -> Balance | None:
    d = _obj(_obj(body).get("data"))
    raw = number(d.get("balance"))
    if raw is None:
        raw = number(d.get("availableBalance"))
    if raw is None:
        return None
    used = number(d.get("totalSpendAmount"))
    return Balance(balance_usd=_yuan(raw, rate), used_usd=_yuan(used, rate), currency="CNY", raw_balance=raw)


def read_custom(body: Any, balance_path: str, used_path: str, total_path: str) -> Balance | None:
    """The user's read-only endpoint through their dotted paths (USD as the endpoint says)."""
    values = [number(read_path(body, p)) if p else None for p in (balance_path, used_path, total_path)]
    b = Balance(balance_usd=values[0], used_usd=values[1], total_usd=values[2])
    return b if b.said_something else None


# ----- the table ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Provider:
    """One balance source: its id (``credentials.TELEMETRY_MODES``), the paths it asks in turn
    (the first that parses wins), whether they hang off the origin rather than the base URL, the
    Authorization form (``Bearer`` or the raw key), and its parser."""

    id: str
    paths: tuple[str, ...]
    parse: Callable[[Any, float, str], Balance | None]
    from_origin: bool = False
    raw_auth: bool = False
    hosts: tuple[str, ...] = ()


PROVIDERS: dict[str, Provider] = {p.id: p for p in (
    Provider("newApiTokenUsage", ("/api/usage/token/",), parse_new_api),
    Provider("sub2apiUsage", ("/v1/usage",), parse_sub2api),
    Provider("openrouter", ("/v1/credits", "/v1/key"), parse_openrouter, hosts=("openrouter.ai",)),
    Provider("deepseek", ("/user/balance",), parse_deepseek, hosts=("deepseek.com",)),
    Provider("moonshot", ("/v1/users/me/balance",), parse_moonshot, hosts=("moonshot.cn", "moonshot.ai")),
    Provider("zhipu", ("/api/biz/account/query-customer-account-report",), parse_zhipu, from_origin=True,
             raw_auth=True, hosts=("bigmodel.cn", "z.ai")),
)}

#: ``auto``'s order after a provider named by the host and the source that answered last time:
#: the relays' per-key endpoints first, then the providers' own, OpenAI billing last (its limits
#: are often placeholders).
AUTO_ORDER = ("newApiTokenUsage", "sub2apiUsage", "openrouter", "deepseek", "moonshot", "zhipu", "openaiBilling")


def auto_order(base_url: str, last_source: str = "") -> list[str]:
    """The sources ``auto`` asks for this base URL, in order, each once."""
    host = (urlsplit(base_url).hostname or "").lower()
    first = [p.id for p in PROVIDERS.values() if any(host == h or host.endswith("." + h) for h in p.hosts)]
    order = [*first, *([last_source] if last_source in AUTO_ORDER else []), *AUTO_ORDER]
    return list(dict.fromkeys(order))
