"""The groups an account may put its keys in, and what each costs (docs/site-api.md 7.5).

Each family tells them its own way; all come back as ``{group: UserGroup}``:

- New API and its forks: ``GET /api/user/self/groups`` -> ``data: {"<g>": {"desc", "ratio"}}``;
  V-API answers ``"<desc>=x 1.5倍"`` strings instead of objects; New API's ``auto`` group has the
  ratio ``"自动"`` (no number: ``ratio`` None).
- OneHub / DoneHub: ``GET /api/user_group_map`` -> ``data: {"<g>": {id, symbol, name, ratio}}``.
- Sub2API: ``GET /api/v1/groups/available`` (``[{id, name, description, rate_multiplier}]``) and
  ``GET /api/v1/groups/rates`` (``{"<id>": rate}``, the user's own rates, which win). A Sub2API
  key names its group by id, so the groups are keyed by id here too.

A site without the route (404/405) raises ``UnsupportedError``: the caller may ask the price list.
"""

from __future__ import annotations

import math
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from allhub_core.net import BadResponseError, HttpStatusError, SiteSession, UnsupportedError, strip_controls

__all__ = ["UserGroup", "newapi_groups", "parse_group_map", "parse_self_groups", "sub2api_groups"]

_VAPI_RATIO = re.compile(r"[x×*]\s*([0-9]+(?:\.[0-9]+)?)\s*倍?")
MAX_GROUPS = 500


@dataclass(frozen=True)
class UserGroup:
    """One usable group: its description as the site words it, and its price ratio (None: unknown)."""

    description: str
    ratio: float | None


def _ratio(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) and number >= 0 else None


def _text(value: Any) -> str:
    return strip_controls(str(value)).strip()[:200] if isinstance(value, (str, int, float)) else ""


def _vapi(text: str) -> UserGroup:
    """``"<desc>=x 1.5倍"``: the description before ``=``, the number after ``x``."""
    desc, _, tail = text.partition("=")
    m = _VAPI_RATIO.search(tail or text)
    return UserGroup(_text(desc if tail else text), _ratio(m.group(1)) if m else None)


def _groups(data: Any, one: Callable[[Any], UserGroup]) -> dict[str, UserGroup]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise BadResponseError("The group list is not in a known format.")
    out: dict[str, UserGroup] = {}
    for name, raw in list(data.items())[:MAX_GROUPS]:
        key = _text(name)
        if key:
            out[key] = one(raw)
    return out


def parse_self_groups(data: Any) -> dict[str, UserGroup]:
    """New API's ``/api/user/self/groups`` data (objects, or V-API's strings)."""

    def one(raw: Any) -> UserGroup:
        if isinstance(raw, str):
            return _vapi(raw)
        if isinstance(raw, dict):
            return UserGroup(_text(raw.get("desc", raw.get("description", ""))), _ratio(raw.get("ratio")))
        return UserGroup("", _ratio(raw))

    return _groups(data, one)


def parse_group_map(data: Any) -> dict[str, UserGroup]:
    """OneHub's ``/api/user_group_map`` data."""

    def one(raw: Any) -> UserGroup:
        if isinstance(raw, dict):
            return UserGroup(_text(raw.get("name", "")), _ratio(raw.get("ratio")))
        return UserGroup("", _ratio(raw))

    return _groups(data, one)


def _missing_route(exc: HttpStatusError) -> bool:
    return exc.http_status in (404, 405)


async def newapi_groups(session: SiteSession, *, onehub: bool) -> dict[str, UserGroup]:
    """The account's groups on a New API family site (OneHub's map where ``onehub``)."""
    path = "/api/user_group_map" if onehub else "/api/user/self/groups"
    try:
        data = (await session.get(path)).envelope(require_data=False)
    except HttpStatusError as exc:
        if _missing_route(exc):
            raise UnsupportedError("This site does not list the account's groups.") from exc
        raise
    return parse_group_map(data) if onehub else parse_self_groups(data)


async def sub2api_groups(call: Callable[..., Awaitable[Any]]) -> dict[str, UserGroup]:
    """Sub2API's groups, keyed by id; ``call(method, path)`` is its client's call (token refresh
    included). The user's own rates (``/groups/rates``) win over a group's ``rate_multiplier``;
    a site without the rates route still tells its groups."""
    try:
        available = await call("GET", "/api/v1/groups/available")
    except HttpStatusError as exc:
        if _missing_route(exc):
            raise UnsupportedError("This site does not list the account's groups.") from exc
        raise
    if isinstance(available, dict):
        available = available.get("items", available.get("groups"))
    if available is None:
        return {}
    if not isinstance(available, list):
        raise BadResponseError("The group list is not in a known format.")
    try:
        rates = await call("GET", "/api/v1/groups/rates")
    except HttpStatusError as exc:
        if not _missing_route(exc):
            raise
        rates = {}
    rates = rates if isinstance(rates, dict) else {}
    out: dict[str, UserGroup] = {}
    for raw in available[:MAX_GROUPS]:
        if not isinstance(raw, dict) or raw.get("id") in (None, ""):
            continue
        gid = _text(raw["id"])
        if not gid or str(raw.get("status", "active")) not in ("active", "1"):
            continue
        name, desc = _text(raw.get("name", "")), _text(raw.get("description", ""))
        label = f"{name}: {desc}" if name and desc and desc != name else (name or desc)
        ratio = _ratio(rates.get(gid, rates.get(raw["id"])))  # JSON keys are strings
        out[gid] = UserGroup(label, ratio if ratio is not None else _ratio(raw.get("rate_multiplier")))
    return out
