"""The New API family: New API, One API, Veloera, OneHub, DoneHub, AnyRouter, WONG,
V-API, VoAPI, Super-API, Rix-Api, neo-Api, ModelFlare and unknown forks.

One package because they share routes and envelopes; what differs lives in
``_variants.VARIANTS``, and ``NewApiFamily(variant)`` serves one row of it.

- ``_account``: the user, the refresh, logging in with a password;
- ``_catalog``: models, prices, top-up codes;
- ``_family``: the ``SiteFamily`` over both, recognition included.

Check-in (``_checkin``), keys (``_tokens``) and today's figures (``_usage``) are
sibling modules of ``sites``, keyed by the same variant table.
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

__all__ = [
    "USE_TOKEN", "LoginError", "LoginOutcome", "NewApiFamily", "NewApiHandle", "checkin_supported", "fetch_self",
    "get_pricing", "list_models", "login", "login_refusal", "parse_user", "redeem", "refresh",
]
