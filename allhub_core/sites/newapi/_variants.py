"""The New API family as a table: one row per ``site_type``.

Most relay sites are forks of New API / One API that differ only in a handful
of routes and payload shapes (docs/site-api.md).  Keeping those
differences as data lets one adapter serve them all.  The ``site_type`` strings
are exact, odd casing included (``Veloera``, ``neo-Api``): every key is a
``vocab.SiteType`` value, and ``registry.FAMILIES`` holds one ``NewApiFamily`` per row.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from allhub_core.net import USER_ID_HEADERS
from allhub_core.site_kinds import kind_of
from allhub_core.vocab import CheckInMethod


@dataclass(frozen=True)
class Variant:
    """How one New API family member differs from plain New API.

    user_id_header: the header its server checks (used only for detection).
    checkin: check-in dialect: ``new-api`` | ``veloera`` | ``anyrouter`` | ``wong`` | None; read from
        the site type's ``SiteKind.checkin_method`` (``_with_kind``), never written in a row.
    token_paging: ``newapi`` (1-based object) | ``oneapi`` (0-based array, stop on empty) |
        ``veloera`` (0-based array, stop on short page) | ``compat`` (probe ``p=0``) |
        ``onehub`` (``page``/``size``, ``{data,total_count}``).
    log_paging: ``newapi`` | ``oneapi`` (0-based bare array) | ``onehub`` | ``done-hub``
        (``page``/``size``/``log_type``).
    model_routes: tried in order; 404/405 moves on.  ``onehub`` = keys of ``/api/available_model``.
    pricing: ``newapi`` (``/api/pricing``) | ``onehub`` | None.
    reveal_method: method of ``/api/token/{id}/key``.
    title: regex matched against the home page ``<title>`` (detection step 4), case-insensitive.
    hosts: host names that are always this fork (detection step 1).
    status_flag: a boolean of ``/api/status`` only this fork sends (Veloera's own
        ``check_in_enabled`` spelling), detection's last, unambiguous hint.
    always_send_cookie: send a stored cookie along with the access token (AnyRouter's
        sign-in is cookie-only).
    subscriptions: the site may have New API's plans (``/api/subscription/self``); asked on
        every refresh, a 404 or a refusal means "no subscription quota", never a failure.
    """

    site_type: str
    user_id_header: str | None = None
    checkin: str | None = None
    token_paging: str = "compat"
    log_paging: str = "newapi"
    model_routes: tuple[str, ...] = ("/api/user/models", "/api/user/available_models")
    pricing: str | None = "newapi"
    reveal_method: str = "POST"
    title: str | None = None
    redeem: bool = True
    always_send_cookie: bool = False
    subscriptions: bool = False
    hosts: tuple[str, ...] = ()
    status_flag: str | None = None


VARIANTS: dict[str, Variant] = {
    v.site_type: v
    for v in (
        Variant("new-api", "New-Api-User", token_paging="newapi", title=r"\bnew[-_ ]?api\b",
                subscriptions=True),
        Variant("ModelFlare", "X-ModelFlare-User", token_paging="newapi", hosts=("modelflare.dev",)),
        Variant("one-api", None, token_paging="oneapi", log_paging="oneapi",
                model_routes=("/api/user/available_models", "/api/user/models"), pricing=None,
                title=r"\bone[-_ ]?api\b"),
        Variant("Veloera", "Veloera-User", token_paging="veloera", title=r"\bveloera\b",
                status_flag="check_in_enabled"),
        Variant("one-hub", None, token_paging="onehub", log_paging="onehub", model_routes=("onehub",),
                pricing="onehub", title=r"\bone[-_ ]?hub\b"),
        Variant("done-hub", None, token_paging="onehub", log_paging="done-hub", model_routes=("onehub",),
                pricing="onehub", title=r"\bdone[-_ ]?hub\b"),
        Variant("anyrouter", None, title=r"any\s*router", always_send_cookie=True, hosts=("anyrouter.top",)),
        Variant("wong-gongyi", None, reveal_method="GET", title=r"wong\s*公益站"),
        Variant("v-api", "X-Api-User", model_routes=("/api/user/available_models", "/api/user/models"),
                title=r"\bv[-_ ]?api\b"),
        Variant("VoAPI", "voapi-user", title=r"\bvoapi\b"),
        Variant("Super-API", None, title=r"\bsuper[-_ ]?api\b"),
        Variant("Rix-Api", "Rix-Api-User", title=r"\brix[-_ ]?api\b"),
        Variant("neo-Api", "neo-api-user", title=r"\bneo[-_ ]?api\b"),
        Variant("unknown", None),
    )
}

# Detection order for titles: the more specific names first, so "Done Hub"
# never reads as "One Hub" and "WONG公益站" wins over anything else in it.
TITLE_ORDER = ("wong-gongyi", "anyrouter", "done-hub", "one-hub", "Veloera", "Super-API", "Rix-Api",
               "neo-Api", "VoAPI", "v-api", "one-api", "new-api")

#: The built-in check-in a user may choose on any New API family site -> the dialect it runs.
DIALECT_OF_METHOD = {CheckInMethod.NEW_API.value: "new-api", CheckInMethod.VELOERA.value: "veloera",
                     CheckInMethod.WONG_GONGYI.value: "wong", CheckInMethod.ANYROUTER.value: "anyrouter"}


def _with_kind(variant: Variant) -> Variant:
    """The row with its check-in dialect read from its ``SiteKind`` (the one place that says which
    built-in check-in "automatic" runs, shared with the extension's import mapping)."""
    kind = kind_of(variant.site_type)
    method = kind.checkin_method if kind is not None else None
    return dataclasses.replace(variant, checkin=DIALECT_OF_METHOD.get(method) if method else None)


VARIANTS = {k: _with_kind(v) for k, v in VARIANTS.items()}

# The user-id headers are the transport's (one list, allhub_core/net/_headers.py).
USER_ID_HEADERS_LOWER = tuple(h.lower() for h in USER_ID_HEADERS)
