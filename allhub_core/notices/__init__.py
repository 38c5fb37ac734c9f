"""Site announcements (L3, a floor: the room exists so the import contracts hold it before it is built).

What goes here: each site's announcements synced into DuckDB with their read state (a new or
changed one is unread once, never twice) and the SQL of the Announcements page and ``allhub
notices``. The site calls are family operations (``sites``: notices); ``sync/notices.py`` joins
them to this room. It imports ``store``, L0 and the ``accounts`` facade, never ``net``, ``sites``
or another L3 room.
"""

__all__: list[str] = []
