"""Standalone API credentials (L3, a floor: the room exists so the import contracts hold it before it is built).

What goes here: the library of standalone API keys (base URL, key, API type, name, tags, notes,
expiry) with their secrets encrypted, and their last telemetry (balance, usage). The telemetry
calls go through ``net`` in ``sync/credentials_telemetry.py`` (or a ``sync`` module of that kind);
this room imports ``store``, L0 and the ``accounts`` facade, never ``net``, ``sites`` or another
L3 room.
"""

__all__: list[str] = []
