"""The store (layer L1): one DuckDB file, one write path, secrets encrypted at rest.

``db`` holds ``Store`` (sessions, the single write lock, one transaction per write),
``files`` the checks of the file before DuckDB opens it (and DuckDB's errors as sentences),
``crypto`` the key file and ``SecretBox``, ``sealed`` the one helper for encrypted columns
(every secret sealed and opened through it), ``settings`` the one way to read and write the
settings tables (``preferences``, ``automation_settings``), ``migrations`` the numbered schema steps
(``bookkeeping``: which ran, and whether a file is allhub's).
See docs/architecture.md.
"""

from allhub_core.store.crypto import KEY_ENV, SecretBox, key_path_for, mask_secret
from allhub_core.store.db import DEFAULT_DB, Store, default_db_path, one_row, rows_table
from allhub_core.store.sealed import enc_column, open_one, opened, seal_one, sealed
from allhub_core.store.secrets import delete_secret, get_secret, has_secret, set_secret
from allhub_core.store.settings import AUTOMATION, PREFERENCES, Damaged, delete_settings, read_settings, write_settings

__all__ = [
    "AUTOMATION",
    "DEFAULT_DB",
    "KEY_ENV",
    "PREFERENCES",
    "Damaged",
    "SecretBox",
    "Store",
    "default_db_path",
    "delete_secret",
    "delete_settings",
    "enc_column",
    "get_secret",
    "has_secret",
    "key_path_for",
    "mask_secret",
    "one_row",
    "open_one",
    "opened",
    "read_settings",
    "rows_table",
    "seal_one",
    "sealed",
    "set_secret",
    "write_settings",
]
