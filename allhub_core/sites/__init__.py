"""Site adapters: one module (or package) per relay-site family over the shared transport.

Plain dataclasses in (``SiteCredentials``), plain dataclasses out; nothing here
knows about the database.  Each family implements ``SiteFamily`` (``family``) and
has its line in ``FAMILIES`` (``registry.register_family``): ``newapi/`` serves the
whole New API family through a variant table, ``sub2api`` the JWT-based Sub2API,
``voapi_v2`` VoAPI v2.  The entry points are in ``_api`` (refresh, check-in) and ``_account_ops`` (keys,
models, prices, redemption, announcements), ``_logs`` (usage logs), ``_probes`` (a diagnosis's
read-only probes) and ``recognition`` (with ``_detect``); they ask the family, never name it.
"""

from allhub_core.net import Politeness, SiteError
from allhub_core.sites._account_ops import (
    create_token,
    delete_token,
    get_pricing,
    list_groups,
    list_models,
    list_tokens,
    mark_notices_read,
    notices,
    redeem,
    redeem_many,
    reveal_token,
    reveal_tokens,
    update_token,
)
from allhub_core.sites._api import checkin_accounts, refresh_accounts
from allhub_core.sites._groups import UserGroup
from allhub_core.sites._logs import UsageLogResult, UsageQuery, fetch_usage_logs
from allhub_core.sites._probes import CHECKIN_ENDPOINTS, PROBES, Probe, probe_account
from allhub_core.sites._seen import Seen
from allhub_core.sites._types import (
    DEFAULT_EXCHANGE_RATE,
    QUOTA_PER_USD,
    ApiToken,
    CheckInOutcome,
    ModelPrice,
    Notice,
    Pricing,
    RecognizeResult,
    RedeemResult,
    RefreshResult,
    SiteCredentials,
    SiteStatus,
    TokenSpec,
    TypedInput,
    UsageLogRow,
    UsageLogs,
)
from allhub_core.sites.custom_checkin import EXAMPLE_REQUEST, PLACEHOLDERS, CheckinRequest, parse_checkin_request
from allhub_core.sites.family import BaseFamily, CheckInAttempt, SiteFamily, StatusSource
from allhub_core.sites.newapi import VARIANTS
from allhub_core.sites.recognition import recognize
from allhub_core.sites.registry import (
    FAMILIES,
    checkin_family,
    default_checkin_method,
    family_for,
    register_family,
    unregister_family,
)
from allhub_core.vocab import SITE_TYPES, canonical_site_type

__all__ = [
    "CHECKIN_ENDPOINTS",
    "DEFAULT_EXCHANGE_RATE",
    "EXAMPLE_REQUEST",
    "FAMILIES",
    "PLACEHOLDERS",
    "PROBES",
    "QUOTA_PER_USD",
    "SITE_TYPES",
    "VARIANTS",
    "ApiToken",
    "BaseFamily",
    "CheckInAttempt",
    "CheckInOutcome",
    "CheckinRequest",
    "ModelPrice",
    "Notice",
    "Politeness",
    "Pricing",
    "Probe",
    "RecognizeResult",
    "RedeemResult",
    "RefreshResult",
    "Seen",
    "SiteCredentials",
    "SiteError",
    "SiteFamily",
    "SiteStatus",
    "StatusSource",
    "TokenSpec",
    "TypedInput",
    "UsageLogResult",
    "UsageLogRow",
    "UsageLogs",
    "UsageQuery",
    "UserGroup",
    "canonical_site_type",
    "checkin_accounts",
    "checkin_family",
    "create_token",
    "default_checkin_method",
    "delete_token",
    "family_for",
    "fetch_usage_logs",
    "get_pricing",
    "list_groups",
    "list_models",
    "list_tokens",
    "mark_notices_read",
    "notices",
    "parse_checkin_request",
    "probe_account",
    "recognize",
    "redeem",
    "redeem_many",
    "refresh_accounts",
    "register_family",
    "reveal_token",
    "reveal_tokens",
    "unregister_family",
    "update_token",
]
