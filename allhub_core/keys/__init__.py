"""Keys (L3): the API keys of every account, cached in DuckDB without their secrets.

``cache`` writes the cache: ``store_keys`` (an account's keys as its site listed them, replacing
what was cached, with when they were fetched), ``upsert_key`` (a key just created),
``remove_keys`` (keys deleted on the site), and the one way a revealed secret is kept when the
user asks (``keep_secret``, sealed like every other secret; ``kept_secret``, ``forget_secret``).
A key is masked on its way in (``mask_key``), so no full key is ever stored unsealed.
``query`` reads it: ``key_rows`` (what the Keys page and ``allhub keys list`` show: masked keys,
a status computed as the sites mean it, USD), ``key_groups``, ``synced_accounts``.

The site calls are family operations (``sites``: list, create, update, delete, reveal); the flows
that join them to this room live in ``sync/keys.py``. It imports ``store``, L0 and the
``accounts`` facade, never ``net``, ``sites`` or another L3 room.
"""

from allhub_core.keys.cache import (
    KeyRecord,
    forget_secret,
    is_masked,
    keep_secret,
    kept_secret,
    mask_key,
    remove_keys,
    store_keys,
    upsert_key,
)
from allhub_core.keys.query import (
    KEY_COLUMNS,
    KEY_STATUSES,
    STATUS_SQL,
    key_attention,
    key_counts,
    key_groups,
    key_rows,
    synced_accounts,
)

__all__ = [
    "KEY_COLUMNS",
    "KEY_STATUSES",
    "STATUS_SQL",
    "KeyRecord",
    "forget_secret",
    "is_masked",
    "keep_secret",
    "kept_secret",
    "key_attention",
    "key_counts",
    "key_groups",
    "key_rows",
    "mask_key",
    "remove_keys",
    "store_keys",
    "synced_accounts",
    "upsert_key",
]
