"""Which kind of relay site is this?  (docs/site-api.md, in the extension's order.)

Every step asks the registered families (``registry.FAMILIES``, ordered by ``detect_rank``)
for their own fingerprint; nothing here names a family:

1. ``owns_host``: the address alone (ModelFlare, AnyRouter);
2. ``fingerprint``: each family's anonymous probe (``probe_path``; VoAPI v2's ``/api/user/info``,
   Sub2API's ``/api/v1/auth/me``), all asked together with the home page;
3. ``title_pattern`` against the home page ``<title>``, then ``system_name`` of ``/api/status``;
4. ``user_id_header``: ``/api/user/self`` without a user-id header, whose error names the header
   the fork expects;
5. ``status_hint``: a last, unambiguous sign in ``/api/status`` (Veloera's ``check_in_enabled``).

Anything else is ``unknown`` (generic New API).
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from allhub_core.net import Auth, HttpStatusError, SiteError, SiteSession
from allhub_core.sites._concurrent import together
from allhub_core.sites._types import SiteStatus
from allhub_core.sites.family import SiteFamily
from allhub_core.sites.registry import FAMILIES
from allhub_core.vocab import SiteType

__all__ = ["anonymous_probes", "detect_site_type", "known_host", "type_from_title", "type_from_user_id_message"]

_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
_HOME = "/"


def _ranked() -> list[SiteFamily[Any]]:
    return sorted(FAMILIES.values(), key=lambda f: f.detect_rank)


def _json_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


async def _probe_body(session: SiteSession, path: str) -> Any:
    """JSON body of an anonymous GET whatever its status, or None."""
    try:
        reply = await session.get(path, public=True)
        return _json_or_none(reply.text)
    except HttpStatusError as exc:
        return getattr(exc, "body", None)
    except SiteError:
        return None


async def _home_page(session: SiteSession) -> str | None:
    try:
        return (await session.get(_HOME, public=True)).text
    except SiteError:
        return None


async def anonymous_probes(session: SiteSession) -> dict[str, Any]:
    """Every family's anonymous probe and the home page, asked together (the per-site limits still
    decide how many go at once): a new account's recognition does not wait for each in turn."""
    paths = list(dict.fromkeys(f.probe_path for f in _ranked() if f.probe_path))
    found = await together(*(_probe_body(session, p) for p in paths), _home_page(session))
    return {**dict(zip(paths, found[:-1], strict=True)), _HOME: found[-1]}


def known_host(origin: str) -> str | None:
    return next((f.site_type.value for f in FAMILIES.values() if f.owns_host(origin)), None)


def type_from_title(title: str) -> str | None:
    text = (title or "").strip()
    return next((f.site_type.value for f in _ranked() if f.title_pattern and f.title_pattern.search(text)), None)


def type_from_user_id_message(message: str) -> str | None:
    """Which user-id header the server says is missing (in registration order)."""
    low = (message or "").lower()
    return next((f.site_type.value for f in FAMILIES.values()
                 if f.user_id_header and f.user_id_header.lower() in low), None)


async def detect_site_type(session: SiteSession, status: SiteStatus | None, *, auth: Auth | None = None,
                           probes: dict[str, Any] | None = None) -> str:
    """``probes``: what ``anonymous_probes`` found, when the caller asked already."""
    known = known_host(session.origin)
    if known:
        return known
    if probes is None:
        probes = await anonymous_probes(session)

    for family in _ranked():
        if family.probe_path and family.fingerprint(probes.get(family.probe_path)):
            return family.site_type.value

    page = probes.get(_HOME)
    match = _TITLE.search(page[:200_000]) if isinstance(page, str) else None
    if match:
        found = type_from_title(html.unescape(match.group(1)))
        if found:
            return found
    if status is not None and status.system_name:
        found = type_from_title(status.system_name)
        if found:
            return found

    probe_auth = Auth(cookie=auth.cookie) if auth is not None and auth.cookie else Auth()
    try:
        await session.get("/api/user/self", auth=probe_auth)
    except HttpStatusError as exc:
        found = type_from_user_id_message(exc.server_message)
        if found:
            return found
    except SiteError as exc:
        found = type_from_user_id_message(str(exc))
        if found:
            return found

    if status is not None:
        hinted = next((f for f in FAMILIES.values() if f.status_hint(status)), None)
        if hinted is not None:
            return hinted.site_type.value
    return SiteType.UNKNOWN.value
