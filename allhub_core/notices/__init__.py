"""Site announcements (L3): each site's announcements in DuckDB with their read state.

A new or changed announcement is unread once, never twice (``cache``: the extension's identity of
an announcement per site); the rows of the Announcements page and ``allhub notices`` (``query``);
the announcement made safe to show (``text``: untrusted HTML and Markdown in, inert text out);
per site whether its announcements are fetched and when they were last asked, and how often
(``notices_interval_s``, an hour by default). The site calls are family operations (``sites``:
notices); ``sync/notices.py`` joins them to this room. It imports ``store``, L0 and the
``accounts`` facade, never ``net``, ``sites`` or another L3 room.
"""

from allhub_core.notices.cache import (
    DEFAULT_INTERVAL_S,
    INTERVAL_KEY,
    NoticeRecord,
    configure_notices,
    due_origins,
    mark_read,
    mark_read_here,
    notice_id,
    notice_interval_s,
    record_site_sync,
    set_notice_interval,
    set_site_enabled,
    site_key,
    site_states,
    store_notices,
)
from allhub_core.notices.query import (
    NOTICE_COLUMNS,
    notice_details,
    notice_rows,
    notice_sites,
    notices_since,
    unread_by_site,
    unread_count,
)
from allhub_core.notices.text import display_title, plain_text, safe_markdown

__all__ = [
    "DEFAULT_INTERVAL_S",
    "INTERVAL_KEY",
    "NOTICE_COLUMNS",
    "NoticeRecord",
    "configure_notices",
    "display_title",
    "due_origins",
    "mark_read",
    "mark_read_here",
    "notice_details",
    "notice_id",
    "notice_interval_s",
    "notice_rows",
    "notice_sites",
    "notices_since",
    "plain_text",
    "record_site_sync",
    "safe_markdown",
    "set_notice_interval",
    "set_site_enabled",
    "site_key",
    "site_states",
    "store_notices",
    "unread_by_site",
    "unread_count",
]
