"""New API family announcements: the structured ones of ``/api/status`` and ``/api/notice``.

As the extension reads them (``AH:src/services/apiService/newApiFamily/default/siteAnnouncements.ts``,
``siteNotice.ts``, ``src/services/siteAnnouncements/providers.ts``), both public (no credentials):

- ``GET /api/status``: newer New API puts ``announcements`` there (``[{id, content, publishDate,
  type, extra}]``) unless ``announcements_enabled`` is false; an item without ``content`` is
  dropped, ``extra`` follows the content after a blank line, ``type`` is kept only when it is one
  of default/ongoing/success/warning/error;
- ``GET /api/notice``: ``data`` is one Markdown/HTML string (empty: no notice).

The structured ones come first, the notice last, as the extension lists them. A fork without
either route (404/405/403) has none; any other failure is the site's error (the caller keeps what
it stored before rather than read it as "no announcements").
"""

from __future__ import annotations

from typing import Any

from allhub_core.net import SiteError, SiteSession
from allhub_core.sites._announce import announcement_text, epoch_of, fingerprint
from allhub_core.sites._reasons import route_missing
from allhub_core.sites._types import Notice

__all__ = ["TYPES", "newapi_notices", "notice_of", "structured_notices"]

TYPES = ("default", "ongoing", "success", "warning", "error")


def _structured_one(item: Any) -> Notice | None:
    if not isinstance(item, dict):
        return None
    content = announcement_text(item.get("content"))
    if not content:
        return None
    raw_id = item.get("id")
    upstream = str(raw_id) if isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool) else ""
    raw_date = item.get("publishDate")
    publish = raw_date if isinstance(raw_date, str) else ""
    kind = item.get("type") if item.get("type") in TYPES else ""
    extra = announcement_text(item.get("extra"))
    return Notice(title="", content=f"{content}\n\n{extra}" if extra else content,
                  published_at=epoch_of(publish) if publish.strip() else None,
                  id=fingerprint([upstream, kind, publish, content, extra]))


def structured_notices(status: Any) -> list[Notice]:
    """The ``announcements`` of an ``/api/status`` ``data`` object (none when disabled or absent)."""
    if not isinstance(status, dict) or status.get("announcements_enabled") is False:
        return []
    items = status.get("announcements")
    if not isinstance(items, list):
        return []
    return [n for n in map(_structured_one, items) if n is not None]


def notice_of(data: Any) -> list[Notice]:
    """The ``/api/notice`` string as one notice (none when empty)."""
    content = announcement_text(data)
    return [Notice(title="", content=content, id=fingerprint([content]))] if content else []


async def _public_data(session: SiteSession, path: str) -> Any:
    """``data`` of a public route; None where the fork has no such route."""
    try:
        return (await session.get(path, public=True)).envelope(require_data=False)
    except SiteError as exc:
        if route_missing(exc):
            return None
        raise


async def newapi_notices(session: SiteSession) -> list[Notice]:
    """The site's announcements: the structured ones of ``/api/status``, then ``/api/notice``."""
    status = await _public_data(session, "/api/status")
    notice = await _public_data(session, "/api/notice")
    return structured_notices(status) + notice_of(notice)
