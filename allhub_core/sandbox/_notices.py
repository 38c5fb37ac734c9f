"""Sandbox announcements, as the sources serve them, editable between two syncs.

- New API family: ``GET /api/notice`` answers ``data: site.notice`` (one Markdown/HTML string;
  empty by default, as a fresh New API); New API proper (``status_flavour`` newapi) also puts
  ``site.announcements`` in ``/api/status`` as ``announcements`` (``{id, content, publishDate,
  type, extra}``) with ``announcements_enabled`` (``site.announcements_enabled``).
- Sub2API: ``GET /api/v1/announcements[?unread_only=1]`` lists ``site.announcements``
  (``{id, title, content, created_at, updated_at, read_at}``) as a page of ``items``, signed in;
  with ``unread_only``, those the user has not marked read (``POST /api/v1/announcements/{id}/read``).

A test (or ``allhub demo``) sets them: ``site.notice = HOSTILE_NOTICE``, ``site.announcements =
[structured(1, "...")]``; ``reset`` empties them again (``_site``). ``HOSTILE_NOTICE`` carries what a hostile
site could send (a script, an event handler, a remote image, a javascript: link) so the pages'
rendering can be seen to leave it inert.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.responses import JSONResponse, Response

from allhub_core.sandbox._http import Req, s2a
from allhub_core.sandbox._sub2api import require_user

if TYPE_CHECKING:
    from allhub_core.sandbox._server import Sandbox
    from allhub_core.sandbox._site import SandboxSite

__all__ = ["HOSTILE_IMAGE_URL", "HOSTILE_NOTICE", "demo_announcements", "structured", "sub2api_item", "sub2api_routes",
           "with_status_announcements"]

#: The remote image ``HOSTILE_NOTICE`` would load (a browser test looks for it in the page).
HOSTILE_IMAGE_URL = "https://tracker.invalid/pixel.png"

HOSTILE_NOTICE = (
    "## Maintenance tonight\n\n"
    "The relay restarts at 02:00 UTC; **requests may fail for 5 minutes**.\n\n"
    "<script>document.title = 'pwned'; window.__pwned = true;</script>"
    f"<img src=\"{HOSTILE_IMAGE_URL}\" onerror=\"window.__pwned = true\">"
    "<a href=\"javascript:window.__pwned=true\">details</a>"
    "<p onclick=\"window.__pwned = true\">Thank you for your patience.</p>"
)


def structured(ident: int, content: str, *, publish_date: str = "2026-12-01T08:00:00Z", kind: str = "default",
               extra: str = "") -> dict[str, Any]:
    """One New API ``/api/status`` announcement as the server keeps it."""
    return {"id": ident, "content": content, "publishDate": publish_date, "type": kind, "extra": extra}


def sub2api_item(ident: int, title: str, content: str, *, created_at: str = "2026-12-01T08:00:00Z",
                 updated_at: str | None = None) -> dict[str, Any]:
    """One Sub2API announcement as ``/api/v1/announcements`` lists it."""
    return {"id": ident, "title": title, "content": content, "created_at": created_at,
            "updated_at": updated_at or created_at, "read_at": None}


def with_status_announcements(table: list[tuple[str, str, Any]]) -> list[tuple[str, str, Any]]:
    """The route table with New API's ``/api/status`` also carrying the site's announcements."""
    def wrap(handler: Callable[..., Response]) -> Callable[..., Response]:
        def status(site: SandboxSite, req: Req) -> Response:
            response = handler(site, req)
            if site.spec.status_flavour != "newapi" or response.status_code != 200:
                return response
            body = json.loads(bytes(response.body))
            if isinstance(body.get("data"), dict):
                body["data"]["announcements_enabled"] = site.announcements_enabled
                body["data"]["announcements"] = list(site.announcements) if site.announcements_enabled else []
            return JSONResponse(body, status_code=response.status_code)
        return status
    return [(m, p, wrap(h) if (m, p) == ("GET", "/api/status") else h) for m, p, h in table]


def _sub2api_list(site: SandboxSite, req: Req) -> Response:
    user = require_user(site, req)
    read = site.announcement_reads.get(user.id, set())
    items = [{**a, "read_at": "2026-12-01T09:00:00Z" if str(a["id"]) in read else None} for a in site.announcements]
    if req.query.get("unread_only") in ("1", "true"):  # as Sub2API: only what this user has not read
        items = [a for a in items if a["read_at"] is None]
    return s2a({"items": items, "total": len(items), "page": 1, "page_size": 20, "pages": 1})


def _sub2api_read(site: SandboxSite, req: Req, notice_id: str) -> Response:
    """``POST /api/v1/announcements/{id}/read``: this user has read it."""
    user = require_user(site, req)
    if not any(str(a["id"]) == notice_id for a in site.announcements):
        return s2a(None, "announcement not found", code=404, status=404)
    site.announcement_reads.setdefault(user.id, set()).add(notice_id)
    return s2a(None, "ok")


def sub2api_routes() -> list[tuple[str, str, Any]]:
    return [("GET", "/api/v1/announcements", _sub2api_list),
            ("POST", r"/api/v1/announcements/(?P<notice_id>[^/]+)/read", _sub2api_read)]


def demo_announcements(sandbox: Sandbox) -> None:
    """Announcements for ``allhub demo``: a Markdown notice and two structured announcements on New
    API, a notice with a little HTML on the other New API family sites that have the route, one
    Sub2API announcement. Nothing hostile: the tests have ``HOSTILE_NOTICE``."""
    for site in sandbox.sites:
        with site.lock:
            if site.spec.family == "sub2api":
                site.announcements = [sub2api_item(
                    1, "Scheduled upgrade", "The service upgrades on **Sunday 03:00-03:30 UTC**; "
                    "requests may fail for a few minutes.")]
            elif site.spec.family != "voapi-v2":
                site.notice = (f"## Welcome to {site.name}\n\nTop up before the end of the month for a "
                               "<b>10%</b> bonus. Questions: see the [docs](https://docs.example.com).")
        if site.spec.status_flavour == "newapi":
            site.announcements = [
                structured(1, "New models: **gpt-5** and **claude-sonnet-4.5** are available.", kind="success",
                           publish_date="2026-12-01T08:00:00Z"),
                structured(2, "Maintenance tonight 02:00-02:15 UTC.", kind="warning",
                           publish_date="2026-12-05T18:00:00Z", extra="Running requests finish first."),
            ]
