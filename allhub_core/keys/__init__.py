"""Keys (L3, a floor: the room exists so the import contracts hold it before it is built).

What goes here: the API keys of every account cached in DuckDB with when they were fetched and
without their secrets (a revealed secret is stored only when the user asks, encrypted like every
other secret), and the SQL the Keys page and ``allhub keys list`` read. The site calls are family
operations (``sites``: tokens, create, update, delete, reveal); the flows that join them to this
room live in ``sync/keys.py``. It imports ``store``, L0 and the ``accounts`` facade, never ``net``,
``sites`` or another L3 room.
"""

__all__: list[str] = []
