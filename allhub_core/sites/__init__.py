"""Site adapters: one module per relay-site family over the shared transport.

Plain dataclasses in (``SiteCredentials``), plain dataclasses out; nothing here
knows about the database.  Each family implements ``SiteFamily`` (``family``) and
has its line in ``FAMILIES`` (``registry``): ``newapi`` serves the whole New API
family through a variant table, ``sub2api`` the JWT-based Sub2API, ``voapi_v2``
says VoAPI v2 is not supported yet.  The entry points are in ``_api`` (refresh,
check-in, keys, models, prices, redemption) and ``recognition``.
"""

from allhub_core.net import Politeness, SiteError
from allhub_core.sites._api import (
    checkin_accounts,
    create_token,
    get_pricing,
    list_models,
    list_tokens,
    redeem,
    refresh_accounts,
    reveal_token,
)
from allhub_core.sites._types import (
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
from allhub_core.sites._usage_logs import UsageLogResult, UsageLogRow, UsageLogs, UsageQuery, fetch_usage_logs
from allhub_core.sites._variants import VARIANTS
from allhub_core.sites.custom_checkin import EXAMPLE_REQUEST, PLACEHOLDERS, CheckinRequest, parse_checkin_request
from allhub_core.sites.family import SiteFamily
from allhub_core.sites.recognition import recognize
from allhub_core.sites.registry import FAMILIES, checkin_family, default_checkin_method, family_for
from allhub_core.vocab import SITE_TYPES, canonical_site_type

__all__ = [
    "DEFAULT_EXCHANGE_RATE",
    "EXAMPLE_REQUEST",
    "FAMILIES",
    "PLACEHOLDERS",
    "QUOTA_PER_USD",
    "SITE_TYPES",
    "VARIANTS",
    "ApiToken",
    "CheckInResult",
    "CheckinRequest",
    "ModelPrice",
    "Politeness",
    "Pricing",
    "RecognizeResult",
    "RedeemResult",
    "RefreshResult",
    "SiteCredentials",
    "SiteError",
    "SiteFamily",
    "TokenSpec",
    "TypedInput",
    "UsageLogResult",
    "UsageLogRow",
    "UsageLogs",
    "UsageQuery",
    "canonical_site_type",
    "checkin_accounts",
    "checkin_family",
    "create_token",
    "default_checkin_method",
    "family_for",
    "fetch_usage_logs",
    "get_pricing",
    "list_models",
    "list_tokens",
    "parse_checkin_request",
    "recognize",
    "redeem",
    "refresh_accounts",
    "reveal_token",
]
