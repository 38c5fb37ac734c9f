"""Site adapters: one module per relay-site family over the shared transport.

Plain dataclasses in (``SiteCredentials``), plain dataclasses out; nothing here
knows about the database.  Each family implements ``SiteFamily`` (``family``) and
has its line in ``FAMILIES`` (``registry``): ``newapi`` serves the whole New API
family through a variant table, ``sub2api`` the JWT-based Sub2API, ``voapi_v2``
says VoAPI v2 is not supported yet.  The entry points are in ``_api`` (refresh,
check-in, keys, models, prices, redemption) and ``recognition``.
"""

from ..net import Politeness, SiteError
from ..vocab import SITE_TYPES, canonical_site_type
from ._api import (
    checkin_accounts,
    create_token,
    get_pricing,
    list_models,
    list_tokens,
    redeem,
    refresh_accounts,
    reveal_token,
)
from ._types import (
    DEFAULT_EXCHANGE_RATE,
    QUOTA_PER_USD,
    ApiToken,
    CheckInResult,
    ModelPrice,
    Pricing,
    RecognizeResult,
    RedeemResult,
    RefreshResult,
    SiteCredentials,
    TokenSpec,
    TypedInput,
)
from ._usage_logs import UsageLogResult, UsageLogRow, UsageLogs, UsageQuery, fetch_usage_logs
from ._variants import VARIANTS
from .custom_checkin import EXAMPLE_REQUEST, PLACEHOLDERS, CheckinRequest, parse_checkin_request
from .family import SiteFamily
from .recognition import recognize
from .registry import FAMILIES, checkin_family, default_checkin_method, family_for

__all__ = [
    "Politeness", "SiteError",
    "checkin_accounts", "create_token", "get_pricing", "list_models", "list_tokens", "recognize", "redeem",
    "refresh_accounts", "reveal_token",
    "DEFAULT_EXCHANGE_RATE", "QUOTA_PER_USD",
    "ApiToken", "CheckInResult", "ModelPrice", "Pricing", "RecognizeResult", "RedeemResult", "RefreshResult",
    "SiteCredentials", "SITE_TYPES", "VARIANTS", "canonical_site_type",
    "FAMILIES", "SiteFamily", "TokenSpec", "TypedInput", "family_for",
    "CheckinRequest", "EXAMPLE_REQUEST", "PLACEHOLDERS", "parse_checkin_request", "checkin_family",
    "default_checkin_method",
    "UsageLogResult", "UsageLogRow", "UsageLogs", "UsageQuery", "fetch_usage_logs",
]
