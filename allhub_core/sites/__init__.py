"""Site adapters: one module per relay-site family over the shared transport.

Plain dataclasses in (``SiteCredentials``), plain dataclasses out; nothing here
knows about the database.  ``newapi`` serves the whole New API family through a
variant table, ``sub2api`` the JWT-based Sub2API.
"""

from ..net import Limits, Politeness, SiteError
from ._api import (
    checkin_accounts, create_token, get_pricing, list_models, list_tokens, recognize, redeem, refresh_accounts,
    reveal_token,
)
from ._types import (
    COMPLETE, DEFAULT_EXCHANGE_RATE, PARTIAL, QUOTA_PER_USD, UNAVAILABLE, ApiToken, CheckInResult, ModelPrice,
    Pricing, RecognizeResult, RedeemResult, RefreshResult, SiteCredentials,
)
from ._variants import VARIANTS, canonical_site_type

SITE_TYPES = (*VARIANTS, "sub2api")

__all__ = [
    "Limits", "Politeness", "SiteError",
    "checkin_accounts", "create_token", "get_pricing", "list_models", "list_tokens", "recognize", "redeem",
    "refresh_accounts", "reveal_token",
    "COMPLETE", "DEFAULT_EXCHANGE_RATE", "PARTIAL", "QUOTA_PER_USD", "UNAVAILABLE",
    "ApiToken", "CheckInResult", "ModelPrice", "Pricing", "RecognizeResult", "RedeemResult", "RefreshResult",
    "SiteCredentials", "SITE_TYPES", "VARIANTS", "canonical_site_type",
]
