"""Which ``SiteFamily`` serves which ``SiteType``: the one table the entry points consult.

Adding a kind of relay site is a module implementing ``SiteFamily`` plus one line here
(a New API fork is a row in ``_variants.VARIANTS`` instead, which adds its line itself).
Every ``SiteType`` member has an entry; ``tests/sites/test_families.py`` holds us to it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from allhub_core.errors import ValidationError
from allhub_core.sites._variants import VARIANTS
from allhub_core.sites.family import SiteFamily
from allhub_core.sites.newapi import NewApiFamily
from allhub_core.sites.sub2api import Sub2ApiFamily
from allhub_core.sites.voapi_v2 import VoApiV2Family
from allhub_core.vocab import CheckInMethod, SiteType, canonical_site_type

__all__ = ["FAMILIES", "checkin_family", "default_checkin_method", "family_for"]

FAMILIES: dict[SiteType, SiteFamily[Any]] = {
    **{SiteType(v.site_type): NewApiFamily(v) for v in VARIANTS.values()},
    SiteType.SUB2API: Sub2ApiFamily(),
    SiteType.VOAPI_V2: VoApiV2Family(),
}


def family_for(site_type: str | None) -> SiteFamily[Any]:
    """The family for a stored ``site_type`` (any casing); unknown types act as ``unknown``."""
    return FAMILIES.get(canonical_site_type(site_type) or SiteType.UNKNOWN) or FAMILIES[SiteType.UNKNOWN]


#: A built-in check-in the user may choose -> the New API family's check-in dialect it runs.
_DIALECT_OF = {CheckInMethod.NEW_API: "new-api", CheckInMethod.VELOERA: "veloera",
               CheckInMethod.WONG_GONGYI: "wong", CheckInMethod.ANYROUTER: "anyrouter"}
_METHOD_OF = {v: k for k, v in _DIALECT_OF.items()}


def default_checkin_method(site_type: str | None) -> CheckInMethod | None:
    """The built-in check-in "automatic" runs for a site type, or None when it has none."""
    family = family_for(site_type)
    if isinstance(family, VoApiV2Family):
        return CheckInMethod.VOAPI_V2
    if isinstance(family, NewApiFamily) and family.variant.checkin:
        return _METHOD_OF.get(family.variant.checkin)
    return None


def checkin_family(site_type: str | None, method: str | None) -> SiteFamily[Any]:
    """The family whose check-in an account runs: its site type's (``auto``), or the site type's
    family with the chosen built-in dialect. ``ValidationError`` when the two cannot go together."""
    family = family_for(site_type)
    if not method or method in (CheckInMethod.AUTO, CheckInMethod.CUSTOM):
        return family
    try:
        chosen = CheckInMethod(method)
    except ValueError:
        raise ValidationError(f"Unknown check-in method {method!r}.") from None
    if chosen is CheckInMethod.VOAPI_V2:
        if isinstance(family, VoApiV2Family):
            return family
        raise ValidationError("The VoAPI v2 check-in works only on VoAPI v2 sites (their own login).")
    if not isinstance(family, NewApiFamily):
        raise ValidationError(f"The {chosen.label} works only on New API family sites, not on "
                              f"{family.site_type.label} sites.")
    dialect = _DIALECT_OF[chosen]
    if family.variant.checkin == dialect:
        return family
    return NewApiFamily(dataclasses.replace(family.variant, checkin=dialect,
                                            always_send_cookie=family.variant.always_send_cookie
                                            or dialect == "anyrouter"))
