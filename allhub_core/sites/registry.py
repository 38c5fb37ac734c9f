"""Which ``SiteFamily`` serves which site type: the one table the entry points consult.

Adding a kind of relay site is a module implementing ``SiteFamily`` plus one line here
(``register_family(MyFamily())`` below, or the same call from outside, as the test family of
``tests/sites/test_test_family.py`` does); a New API fork is a row in ``newapi/_variants.py``
instead, which adds its line itself. ``register_family`` registers the family's data row
(``site_kinds.register_kind(family.kind)``) too, so the site type is known to every room.
Nothing here or in the entry points names a family: they ask it (``with_checkin_method``,
``default_checkin_method``, the detection facts).
"""

from __future__ import annotations

from typing import Any

from allhub_core.errors import ValidationError
from allhub_core.site_kinds import register_kind, unregister_kind
from allhub_core.sites.family import SiteFamily
from allhub_core.sites.newapi import VARIANTS, NewApiFamily
from allhub_core.sites.sub2api import Sub2ApiFamily
from allhub_core.sites.voapi_v2 import VoApiV2Family
from allhub_core.vocab import CheckInMethod, SiteType, canonical_site_type

__all__ = ["FAMILIES", "checkin_family", "default_checkin_method", "family_for", "register_family", "unregister_family"]

FAMILIES: dict[str, SiteFamily[Any]] = {}


def register_family(family: SiteFamily[Any]) -> SiteFamily[Any]:
    """Make ``family`` serve its site type (its ``kind`` registered with it); returns it."""
    site_type = register_kind(family.kind)
    FAMILIES[site_type] = family
    return family


def unregister_family(site_type: str) -> None:
    """Take a family registered at run time out again (its kind too)."""
    canon = canonical_site_type(site_type)
    if canon is not None:
        FAMILIES.pop(canon, None)
        unregister_kind(canon.value)


for _variant in VARIANTS.values():
    register_family(NewApiFamily(_variant))
register_family(Sub2ApiFamily())
register_family(VoApiV2Family())


def family_for(site_type: str | None) -> SiteFamily[Any]:
    """The family for a stored ``site_type`` (any casing); unknown types act as ``unknown``."""
    canon = canonical_site_type(site_type)
    return FAMILIES.get(canon.value if canon is not None else SiteType.UNKNOWN) or FAMILIES[SiteType.UNKNOWN]


def default_checkin_method(site_type: str | None) -> CheckInMethod | None:
    """The built-in check-in "automatic" runs for a site type, or None when it has none (or it is
    a family's own, not one of the extension's methods)."""
    method = family_for(site_type).default_checkin_method
    try:
        return CheckInMethod(method) if method else None
    except ValueError:
        return None


def checkin_family(site_type: str | None, method: str | None) -> SiteFamily[Any]:
    """The family whose check-in an account runs: its site type's (``auto``), or the site type's
    family with the chosen built-in dialect. ``ValidationError`` when the two cannot go together."""
    family = family_for(site_type)
    if not method or method in (CheckInMethod.AUTO, CheckInMethod.CUSTOM):
        return family
    chosen = family.with_checkin_method(method)
    if chosen is not None:
        return chosen
    owner = next((f for f in FAMILIES.values() if method in f.checkin_methods), None)
    if owner is None:
        raise ValidationError(f"Unknown check-in method {method!r}.")
    raise ValidationError(owner.refuse_checkin_method(method, family))

