"""What every family's announcements share: the extension's identity of an announcement, its
times, and the Sub2API list read into ``Notice`` rows.

The identity is the extension's (``AH:src/services/siteAnnouncements/text.ts``
``fingerprintAnnouncement`` and ``providers.ts``): each part trimmed, its inner whitespace made one
space, written as ``<length>:<part>`` and joined by ``|``. ``Notice.id`` carries it, so the store
can tell a new or changed announcement from one it has seen:

- New API's ``/api/notice``: the text alone (a changed notice is a new one);
- the structured announcements of ``/api/status``: id, type, publish date, content and extra;
- Sub2API: the site's id; without one, title, content, created and updated times.

Nothing here renders text: the sites' HTML and Markdown are untrusted and go to the store as the
site sent them, without control characters; the pages make them safe.
"""

from __future__ import annotations

import re
from typing import Any

from allhub_core.net import strip_controls
from allhub_core.sites._types import Notice, epoch_of

__all__ = ["announcement_text", "epoch_of", "fingerprint", "sub2api_notices"]

_SPACE = re.compile(r"\s+")
MAX_TEXT = 100_000  # one announcement's text, as stored (a site could send megabytes)


def announcement_text(value: Any) -> str:
    """A string field trimmed, without control characters or escape sequences (its lines kept); any
    other value is empty (the extension's ``normalizeAnnouncementText``)."""
    if not isinstance(value, str):
        return ""
    lines = value[:MAX_TEXT].replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(strip_controls(line).rstrip() for line in lines).strip()


def fingerprint(parts: list[Any]) -> str:
    """The extension's ``fingerprintAnnouncement``: ``len:part`` of each normalised part, by ``|``."""
    norm = [_SPACE.sub(" ", str("" if p is None else p).strip()) for p in parts]
    return "|".join(f"{len(p)}:{p}" for p in norm)


def _sub2api_one(item: Any) -> Notice | None:
    if not isinstance(item, dict):
        return None
    title = announcement_text(item.get("title"))
    content = (announcement_text(item.get("content")) or announcement_text(item.get("message"))
               or announcement_text(item.get("body")))
    if not title and not content:
        return None
    raw_id = item.get("id")
    plain = raw_id is not None and not isinstance(raw_id, (dict, list, bool))
    upstream = strip_controls(str(raw_id)).strip() if plain else ""
    created, updated = epoch_of(item.get("created_at")), epoch_of(item.get("updated_at"))
    ident = upstream or fingerprint([title, content, "" if created is None else created * 1000,
                                     "" if updated is None else updated * 1000])
    return Notice(title=title, content=content, published_at=created, id=ident, upstream_id=upstream)


def sub2api_notices(data: Any) -> list[Notice]:
    """Sub2API's ``/api/v1/announcements`` answer (a list, or a page with ``items``) as notices."""
    items = data if isinstance(data, list) else data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return []
    return [n for n in map(_sub2api_one, items) if n is not None]
