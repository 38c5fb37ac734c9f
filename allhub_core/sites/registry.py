"""Which ``SiteFamily`` serves which ``SiteType``: the one table the entry points consult.

Adding a kind of relay site is a module implementing ``SiteFamily`` plus one line here
(a New API fork is a row in ``_variants.VARIANTS`` instead, which adds its line itself).
Every ``SiteType`` member has an entry; ``tests/sites/test_families.py`` holds us to it.
"""

from __future__ import annotations

from typing import Any

from ..vocab import SiteType, canonical_site_type
from ._variants import VARIANTS
from .family import SiteFamily
from .newapi import NewApiFamily
from .sub2api import Sub2ApiFamily
from .voapi_v2 import VoApiV2Family

__all__ = ["FAMILIES", "family_for"]

FAMILIES: dict[SiteType, SiteFamily[Any]] = {
    **{SiteType(v.site_type): NewApiFamily(v) for v in VARIANTS.values()},
    SiteType.SUB2API: Sub2ApiFamily(),
    SiteType.VOAPI_V2: VoApiV2Family(),
}


def family_for(site_type: str | None) -> SiteFamily[Any]:
    """The family for a stored ``site_type`` (any casing); unknown types act as ``unknown``."""
    return FAMILIES.get(canonical_site_type(site_type) or SiteType.UNKNOWN) or FAMILIES[SiteType.UNKNOWN]
