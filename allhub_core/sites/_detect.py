"""Which kind of relay site is this?  (docs/site-api.md, in the extension's order.)

1. host table; 2. ``/api/user/info`` anonymously (VoAPI v2); 3. ``/api/v1/auth/me``
anonymously (Sub2API answers with a string ``code``); 4. the home page
``<title>``, then ``system_name`` of ``/api/status``; 5. ``/api/user/self``
without a user-id header, whose error names the header the fork expects.
Veloera's own ``check_in_enabled`` spelling in ``/api/status`` is a last,
unambiguous hint.  Anything else is ``unknown`` (generic New API).
"""

from __future__ import annotations

import html
import re

from allhub_core.net import Auth, HttpStatusError, SiteError, SiteSession, host_of
from allhub_core.sites._concurrent import together
from allhub_core.sites._types import SiteStatus
from allhub_core.sites._variants import type_from_title, type_from_user_id_message
from allhub_core.vocab import SiteType

HOSTS = {"modelflare.dev": SiteType.MODELFLARE.value, "anyrouter.top": SiteType.ANYROUTER.value}
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
_VOAPI_MSG = re.compile(r"unauthorized|auth expire|token|jwt", re.I)


def _json_or_none(text: str):
    import json

    try:
        return json.loads(text)
    except ValueError:
        return None


async def _probe_body(session: SiteSession, path: str):
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
        return (await session.get("/", public=True)).text
    except SiteError:
        return None


async def anonymous_probes(session: SiteSession) -> dict[str, object]:
    """The three anonymous reads of steps 2 to 4, asked together (the per-site limits still
    decide how many go at once): a new account's recognition no longer waits for each in turn."""
    info, me, page = await together(_probe_body(session, "/api/user/info"), _probe_body(session, "/api/v1/auth/me"),
                                    _home_page(session))
    return {"info": info, "me": me, "page": page}


def known_host(origin: str) -> str | None:
    host = host_of(origin)
    for name, site_type in HOSTS.items():
        if host == name or host.endswith("." + name):
            return site_type
    return None


async def detect_site_type(session: SiteSession, status: SiteStatus | None, *, auth: Auth | None = None,
                           probes: dict[str, object] | None = None) -> str:
    """``probes``: what ``anonymous_probes`` found, when the caller asked already."""
    known = known_host(session.origin)
    if known:
        return known
    if probes is None:
        probes = await anonymous_probes(session)

    body = probes["info"]
    if isinstance(body, dict) and not isinstance(body.get("code"), bool):
        code, data = body.get("code"), body.get("data", "missing")
        msg = str(body.get("msg") or body.get("message") or "")
        if isinstance(code, (int, float)) and data is None and _VOAPI_MSG.search(msg):
            return SiteType.VOAPI_V2.value
        if code == 0 and isinstance(data, dict) and ("basicBalance" in data or "bindBalance" in data):
            return SiteType.VOAPI_V2.value

    body = probes["me"]
    if isinstance(body, dict) and isinstance(body.get("code"), str):
        return SiteType.SUB2API.value

    page = probes["page"]
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

    if status is not None and isinstance(status.raw.get("check_in_enabled"), bool):
        return SiteType.VELOERA.value
    return SiteType.UNKNOWN.value


