"""What the rooms without a network know about each site family: one data-only descriptor each.

A site family's behaviour lives in ``sites/`` (L2: requests, detection, check-in). The rooms of
layer L3 (``accounts``, ``transfer``) may not import ``sites``, yet they need a little of what a
family knows: which site types exist, which check-in the extension's backups mean for a site type,
and which field of those backups carries a family's rotating refresh token. That part is data, so
it lives here, in layer L0 beside ``vocab``, as one ``SiteKind`` per site type; ``sites`` reads the
same rows (a family's ``kind``), so the two never disagree.

A family added outside this file (a plug-in, the test family of ``tests/sites``) registers its kind
together with itself (``sites.register_family``), which calls ``register_kind`` here; the site type
is then known everywhere (``vocab.SITE_TYPES``, ``vocab.canonical_site_type``).
Standard library and L0 only.
"""

from __future__ import annotations

from dataclasses import dataclass

from allhub_core.vocab import (
    AnySiteType,
    CheckInMethod,
    SiteType,
    canonical_site_type,
    register_site_type,
    unregister_site_type,
)

__all__ = ["SiteKind", "all_kinds", "client_key", "kind_of", "known_site_names", "refresh_auth_fields", "register_kind",
           "unregister_kind"]


@dataclass(frozen=True)
class SiteKind:
    """One site type's data, readable by every layer.

    site_type: the ``site_type`` string, spelled as the extension spells it.
    label: what a person reads.
    checkin_method: the built-in check-in (the extension's method id, ``src/constants/checkIn.ts``)
        that "automatic" runs on these sites, which is also the method the extension's legacy
        backups mean by "check-in detection on" (config version 7 migration); None: no built-in.
    refresh_auth: the field of an extension account holding a rotating refresh token
        (``{"refreshToken": ..., "tokenExpiresAt": ...}``), for families that have one.
    auto_default_key: whether adding an account creates the default API key (``user group (auto)``).
    sk_prefix: the One/New API family's keys, which the sites store and reveal without ``sk-`` and
        accept with or without it: shown, copied and exported as ``sk-...``, the OpenAI form a
        client expects (the extension's ``OPTIONAL_SK_PREFIX_SITE_TYPES``, ``apiTokenKey.ts``).
    names: product names a site may show as its own name; a site called just that is named after
        its domain instead (the site type and label count too).
    """

    site_type: str
    label: str = ""
    checkin_method: str | None = None
    refresh_auth: str | None = None
    auto_default_key: bool = True
    names: tuple[str, ...] = ()
    sk_prefix: bool = False


_KINDS: dict[str, SiteKind] = {}


def register_kind(kind: SiteKind) -> AnySiteType:
    """Make ``kind`` known (its site type included); returns the site type's canonical spelling."""
    site_type = register_site_type(kind.site_type, kind.label)
    _KINDS[site_type.value] = kind
    return site_type


def unregister_kind(site_type: str) -> None:
    """Forget a kind registered at run time (a built-in member's site type stays a word of ``vocab``)."""
    canon = canonical_site_type(site_type)
    if canon is not None:
        _KINDS.pop(canon.value, None)
        unregister_site_type(canon.value)


def kind_of(site_type: str | None) -> SiteKind | None:
    """The kind of a stored ``site_type`` (any casing), or None for a type nobody registered."""
    canon = canonical_site_type(site_type)
    return _KINDS.get(canon.value) if canon is not None else None


def client_key(key: str, site_type: str | None) -> str:
    """A revealed key as a client takes it: trimmed, and ``sk-`` in front on the sites whose kind
    says so (``SiteKind.sk_prefix``); the sites' own form everywhere else (the extension's
    ``formatOptionalSkPrefixSiteTokenAuthKey``)."""
    key = key.strip()
    kind = kind_of(site_type)
    if key and kind is not None and kind.sk_prefix and not key.startswith("sk-"):
        return f"sk-{key}"
    return key


def all_kinds() -> tuple[SiteKind, ...]:
    return tuple(_KINDS.values())


def refresh_auth_fields() -> tuple[str, ...]:
    """Every backup field some family keeps a refresh token in."""
    return tuple(dict.fromkeys(k.refresh_auth for k in _KINDS.values() if k.refresh_auth))


def known_site_names() -> frozenset[str]:
    """Product names (lower case, without ``-``, ``_`` and spaces) that are no site's own name."""
    def squash(name: str) -> str:
        return name.lower().replace("-", "").replace("_", "").replace(" ", "")

    return frozenset(squash(n) for k in _KINDS.values() for n in (k.site_type, k.label, *k.names) if n)


# -- the built-in families' rows ----------------------------------------------------------------
# New API family: one row per fork (``sites/newapi``); Sub2API (``sites/sub2api``); VoAPI v2
# (``sites/voapi_v2``). A new built-in family adds its row here, beside its ``SiteType`` member.
def _row(member: SiteType, **facts: str | bool | None) -> SiteKind:
    return SiteKind(member.value, member.label, sk_prefix=member.value in _SK_PREFIX, **facts)  # type: ignore[arg-type]


# the One/New API family (``SiteKind.sk_prefix``), as the extension lists them
_SK_PREFIX = {t.value for t in (SiteType.ONE_API, SiteType.NEW_API, SiteType.MODELFLARE, SiteType.ANYROUTER,
                                SiteType.VELOERA, SiteType.ONE_HUB, SiteType.DONE_HUB, SiteType.V_API,
                                SiteType.VOAPI, SiteType.SUPER_API, SiteType.RIX_API, SiteType.NEO_API,
                                SiteType.WONG_GONGYI)}


_NEW_API = CheckInMethod.NEW_API.value
for _kind in (
    _row(SiteType.NEW_API, checkin_method=_NEW_API),
    _row(SiteType.ONE_API),
    _row(SiteType.VELOERA, checkin_method=CheckInMethod.VELOERA.value),
    _row(SiteType.ONE_HUB),
    _row(SiteType.DONE_HUB),
    _row(SiteType.ANYROUTER, checkin_method=CheckInMethod.ANYROUTER.value),
    _row(SiteType.WONG_GONGYI, checkin_method=CheckInMethod.WONG_GONGYI.value),
    _row(SiteType.V_API),
    _row(SiteType.VOAPI),
    _row(SiteType.VOAPI_V2, checkin_method=CheckInMethod.VOAPI_V2.value, auto_default_key=False),
    _row(SiteType.SUPER_API),
    _row(SiteType.RIX_API),
    _row(SiteType.NEO_API),
    _row(SiteType.MODELFLARE, checkin_method=_NEW_API),
    # Sub2API rotates its refresh token on every use; the extension keeps it in ``sub2apiAuth``.
    # Its keys are not New API tokens: the extension creates no default key there.
    _row(SiteType.SUB2API, refresh_auth="sub2apiAuth", auto_default_key=False),
    _row(SiteType.UNKNOWN),
):
    register_kind(_kind)
