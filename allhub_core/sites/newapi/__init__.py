"""The New API family: New API, One API, Veloera, OneHub, DoneHub, AnyRouter, WONG,
V-API, VoAPI, Super-API, Rix-Api, neo-Api, ModelFlare and unknown forks.

One package because they share routes and envelopes; what differs lives in
``_variants.VARIANTS``, and ``NewApiFamily(variant)`` serves one row of it.

- ``_variants``: the table (``VARIANTS``), each row's check-in dialect read from its ``SiteKind``;
- ``_account``: the user, the refresh, logging in with a password;
- ``_checkin``: the check-in dialects (status and the POST);
- ``_tokens``: relay keys (list, create, reveal);
- ``_usage``: today's figures from the logs; ``_usage_logs``: the usage sync's log rows;
- ``_catalog``: models, prices, top-up codes;
- ``_family``: the ``SiteFamily`` over all of them, recognition and detection facts included.
"""

from allhub_core.sites.newapi._account import (
    USE_TOKEN,
    LoginError,
    LoginOutcome,
    checkin_supported,
    fetch_self,
    login,
    login_refusal,
    parse_user,
    refresh,
)
from allhub_core.sites.newapi._catalog import get_pricing, list_models, redeem
from allhub_core.sites.newapi._family import NewApiFamily, NewApiHandle
from allhub_core.sites.newapi._usage import today_usage, today_window
from allhub_core.sites.newapi._variants import VARIANTS, Variant

__all__ = [
    "USE_TOKEN", "VARIANTS", "LoginError", "LoginOutcome", "NewApiFamily", "NewApiHandle", "Variant",
    "checkin_supported", "fetch_self", "get_pricing", "list_models", "login", "login_refusal", "parse_user",
    "redeem", "refresh", "today_usage", "today_window",
]
