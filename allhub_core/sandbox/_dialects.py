"""The per-family differences of the simulated sites, as data.

Every sandbox site runs the same handlers; what differs between New API, One API,
Veloera, OneHub, Sub2API... is captured here so the handlers can ask "does this
dialect check a user-id header?" instead of branching on names everywhere.
The values follow ``docs/site-api.md``; where the spec
leaves a point open the choice is noted on the field.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Dialect:
    """How one site family behaves on the wire."""

    name: str
    """Sandbox dialect name (``new-api``, ``one-api``, ``sub2api``...)."""
    site_type: str
    """The exact ``site_type`` string a client should detect (docs/site-api.md)."""
    title: str
    """``<title>`` of ``/`` and ``system_name`` of ``/api/status``."""
    family: str = "newapi"
    """``newapi`` (``{success,message,data}`` under ``/api``), ``sub2api`` or ``voapi-v2``
    (``{code,data,msg}``, raw JWT, ``/api/user/info``)."""
    user_id_header: str | None = None
    """Header that must carry the user id (401 when missing/bad/mismatched); None = not checked."""
    modern_auth: bool = False
    """New API >= v1.0.0-rc.22: AuthBundle login, 401 with string ``code``, no user-id check."""
    token_pages: str = "newapi"
    """Token list style: ``newapi`` (1-based ``p``, object), ``oneapi`` (0-based ``p``, fixed 10,
    bare array), ``veloera`` (0-based ``p``, honours ``size`` <= 100, bare array),
    ``onehub`` (1-based ``page``/``size``, ``{data,page,size,total_count}``)."""
    log_pages: str = "newapi"
    """Log list style: ``newapi`` (``{page,page_size,total,items}``), ``oneapi`` (0-based, bare
    array of 10), ``onehub`` (``page``/``size``/``log_type`` or ``p``/``page_size``/``type``,
    ``{data,page,size,total_count}``)."""
    checkin: str | None = "new-api"
    """Check-in flavour: ``new-api``, ``veloera``, ``anyrouter``, ``wong``, ``voapi-v2`` (its own
    routes, ``_voapi_v2``) or None (no routes)."""
    status_flavour: str = "newapi"
    """``newapi`` (price + checkin_enabled), ``oneapi`` (neither), ``veloera`` (check_in_enabled)."""
    masks_keys: bool = True
    """New API derived servers list keys masked (first 4 + ``**********`` + last 4)."""
    reveal_method: str | None = "POST"
    """Method of ``/api/token/{id}/key``; None when the route does not exist."""
    create_returns_token: bool = False
    """One API answers ``POST /api/token/`` with the created token; New API/Veloera with no data."""
    token_name_max: int = 50
    user_models_route: str | None = "/api/user/models"
    """Where the account's model list lives (v-api also answers ``/api/user/available_models``)."""
    extra_models_route: str | None = None
    pricing: str | None = "newapi"
    """``newapi`` (``/api/pricing``), ``vapi`` (``group_names`` instead of ``usable_group``),
    ``onehub`` (``/api/available_model`` + ``/api/user_group_map``) or None."""
    group_strings: bool = False
    """V-API: ``/api/user/self/groups`` values are ``"<desc>=x N倍"`` strings."""
    self_has_access_token_field: bool = False
    """One API returns ``access_token: ""`` in ``/api/user/self``; New API omits it."""
    topup_style: str = "number"
    """``number`` (``data: quota``) or ``veloera`` (``data: {quota, is_gift}``)."""
    default_auth: str = "access_token"
    """Auth mode the extension defaults to for this type (``cookie`` for anyrouter)."""
    subscriptions: bool = False
    """Newer New API: ``/api/subscription/self`` lists the user's plans (users 1, 3, 5... have one)."""



DIALECTS: dict[str, Dialect] = {
    d.name: d
    for d in [
        Dialect("new-api", "new-api", "New API", user_id_header="New-Api-User"),
        Dialect("new-api-modern", "new-api", "New API", modern_auth=True, subscriptions=True),
        Dialect(
            "one-api", "one-api", "One API", token_pages="oneapi", log_pages="oneapi",
            checkin=None, status_flavour="oneapi", masks_keys=False, reveal_method=None,
            create_returns_token=True, user_models_route=None,
            extra_models_route="/api/user/available_models", pricing=None,
            self_has_access_token_field=True,
        ),
        Dialect(
            "veloera", "Veloera", "Veloera", user_id_header="Veloera-User",
            token_pages="veloera", checkin="veloera", status_flavour="veloera",
            token_name_max=30, topup_style="veloera",
        ),
        Dialect(
            "one-hub", "one-hub", "One Hub", token_pages="onehub", log_pages="onehub",
            checkin=None, status_flavour="oneapi", masks_keys=False, user_models_route=None,
            pricing="onehub",
        ),
        Dialect(
            "done-hub", "done-hub", "Done Hub", token_pages="onehub", log_pages="onehub",
            checkin=None, status_flavour="oneapi", masks_keys=False, user_models_route=None,
            pricing="onehub",
        ),
        Dialect(
            "anyrouter", "anyrouter", "AnyRouter", user_id_header="New-Api-User",
            checkin="anyrouter", default_auth="cookie",
        ),
        Dialect(
            "wong-gongyi", "wong-gongyi", "WONG公益站", user_id_header="New-Api-User",
            checkin="wong", reveal_method="GET",
        ),
        Dialect(
            "sub2api", "sub2api", "Sub2API", family="sub2api", checkin=None,
            pricing=None, user_models_route=None,
        ),
        Dialect(
            "v-api", "v-api", "V-API", user_id_header="X-Api-User",
            extra_models_route="/api/user/available_models", pricing="vapi", group_strings=True,
        ),
        Dialect("voapi", "VoAPI", "VoAPI", user_id_header="voapi-user"),
        Dialect(
            "voapi-v2", "voapi-v2", "VoAPI公益站", family="voapi-v2", checkin="voapi-v2",
            status_flavour="none", masks_keys=False, reveal_method=None, pricing=None,
            user_models_route=None,
        ),
        Dialect("super-api", "Super-API", "Super-API", user_id_header="User-id"),
        Dialect("rix-api", "Rix-Api", "Rix-Api", user_id_header="Rix-Api-User"),
        Dialect("neo-api", "neo-Api", "neo-Api", user_id_header="neo-api-user"),
        # A New API clone with a custom name: no recognisable title, no user-id header.
        Dialect("unknown", "unknown", "Sandbox Relay"),
    ]
}


def get_dialect(name: str) -> Dialect:
    """Look a dialect up by sandbox name or by ``site_type`` (first match)."""
    if name in DIALECTS:
        return DIALECTS[name]
    for d in DIALECTS.values():
        if d.site_type == name:
            return d
    raise KeyError(f"unknown sandbox dialect {name!r}; known: {', '.join(DIALECTS)}")
