"""Named secrets: a password the app keeps for itself (the WebDAV login, a backup password).

Each is one ``meta`` row keyed ``secret:<name>``, its value encrypted with the store's key
(``SecretBox``) in ``value_blob``, so a copied database holds no readable password. Setting an
empty value deletes it.
"""

from __future__ import annotations

from allhub_core.store.db import Store
from allhub_core.store.sealed import open_one, seal_one

__all__ = ["delete_secret", "get_secret", "has_secret", "set_secret"]

_PREFIX = "secret:"


def get_secret(store: Store, name: str) -> str | None:
    """The secret's plain text, or None when it is not set."""
    with store.read() as con:
        row = con.execute("SELECT value_blob FROM meta WHERE key = ?", [_PREFIX + name]).fetchone()
    return open_one(store.box, row[0]) if row else None


def has_secret(store: Store, name: str) -> bool:
    with store.read() as con:
        row = con.execute("SELECT value_blob IS NOT NULL FROM meta WHERE key = ?", [_PREFIX + name]).fetchone()
    return bool(row and row[0])


def set_secret(store: Store, name: str, value: str | None) -> None:
    """Store ``value`` encrypted (None or '' deletes the secret)."""
    if not value:
        delete_secret(store, name)
        return
    blob = seal_one(store.box, value)
    with store.write() as con:
        con.execute(
            "INSERT INTO meta (key, value_blob) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value_blob = excluded.value_blob",
            [_PREFIX + name, blob],
        )


def delete_secret(store: Store, name: str) -> None:
    with store.write() as con:
        con.execute("DELETE FROM meta WHERE key = ?", [_PREFIX + name])
