"""Prices and models (L3, a floor: the room exists so the import contracts hold it before it is built).

What goes here: each account's model list and pricing rows (with the user's groups and their
ratios) stored in DuckDB with when they were fetched, the price formulas (per 1M input and output
tokens, or per call, in USD or CNY, after the account's top-up rate) and the cross-site cheapest
as SQL over the stored rows. The site calls are family operations (``sites``: models, pricing);
``sync/prices.py`` joins them to this room. It imports ``store``, L0 and the ``accounts`` facade,
never ``net``, ``sites`` or another L3 room.
"""

from allhub_core.prices.query import (
    BILLINGS,
    MODEL_COLUMNS,
    TOKEN_WEIGHTS,
    model_facets,
    model_frame,
    model_rows,
    model_sites,
    model_syncs,
)

__all__: list[str] = []
__all__ += ["BILLINGS", "MODEL_COLUMNS", "TOKEN_WEIGHTS", "model_facets", "model_frame", "model_rows", "model_sites",
            "model_syncs"]

# The write side (issue 19, models sync): each account's models and prices as its site gave them,
# with the models added or removed between two syncs.
from allhub_core.prices.cache import (  # noqa: E402
    BILLING_KINDS,
    CHANGE_KINDS,
    GroupRecord,
    PriceRecord,
    check_days,
    last_model_syncs,
    model_changes,
    store_models,
    stored_models,
    usable_groups,
)

__all__ += ["BILLING_KINDS", "CHANGE_KINDS", "GroupRecord", "PriceRecord", "check_days", "last_model_syncs",
            "model_changes", "store_models", "stored_models", "usable_groups"]
