"""Prices and models (L3): each account's models and prices as its site gave them, and the prices
worked out from them, all of it SQL over the stored rows.

``cache`` writes and reads what the sites said: ``store_models`` (an account's price rows and
groups, replacing the last sync's, recording the models added or removed since), ``model_changes``,
``stored_models``, ``usable_groups``. ``query`` prices them the extension's way (per 1M input and
output tokens or per call, each usable group's ratio, the best group, what you really pay after a
top-up rate, the cheapest of all your sites): ``model_rows`` (``allhub models``), ``model_frame``
(the Models page), ``model_count``, ``model_sites`` (its chart: one line per site); ``facets``:
``model_facets``, ``model_accounts``, ``model_syncs``. ``memo`` keeps the page's results in the
process under a key that changes with every write of what they read.

The site calls are family operations (``sites``: pricing, the model list); ``sync/prices.py`` joins
them to this room. It imports ``store``, L0 and the ``accounts`` facade, never ``net``, ``sites``
or another L3 room.
"""

from allhub_core.prices.cache import (
    BILLINGS,
    CHANGE_KINDS,
    GroupRecord,
    PriceRecord,
    check_days,
    model_changes,
    store_models,
    stored_models,
    usable_groups,
)
from allhub_core.prices.facets import model_accounts, model_facets, model_syncs
from allhub_core.prices.offers import rebuild_offers
from allhub_core.prices.query import (
    MODEL_COLUMNS,
    SORTS,
    TOKEN_WEIGHTS,
    model_count,
    model_frame,
    model_rows,
    model_sites,
)

__all__ = [
    "BILLINGS",
    "CHANGE_KINDS",
    "MODEL_COLUMNS",
    "SORTS",
    "TOKEN_WEIGHTS",
    "GroupRecord",
    "PriceRecord",
    "check_days",
    "model_accounts",
    "model_changes",
    "model_count",
    "model_facets",
    "model_frame",
    "model_rows",
    "model_sites",
    "model_syncs",
    "rebuild_offers",
    "store_models",
    "stored_models",
    "usable_groups",
]
