"""VoAPI v2's API keys (``sites/voapi_v2``'s family calls these), as the extension's client reads
them: the list ``GET /api/keys`` (``sl[...]`` flags, 100 a page, masked ``tokenMasked``), the
groups from ``GET /api/keys/template`` (a key names its groups by id, shown here by name), reveal
``POST /api/keys/{id}/token``, create ``POST /api/keys``, update ``PUT /api/keys/{id}`` (the whole
key), delete ``DELETE /api/keys/{id}``. Amounts are USD strings, ``expireTime`` epoch
milliseconds (-1 never); the site reports only ``enable``, so expired and exhausted are read from
the expiry and the amount, as New API reports them."""

from __future__ import annotations

import time
from typing import Any

from allhub_core.errors import ValidationError
from allhub_core.net import (
    BadResponseError,
    SiteError,
    SiteSession,
    strip_controls,
)
from allhub_core.sites._groups import UserGroup
from allhub_core.sites._types import (
    ApiToken,
    TokenSpec,
    merge_new,
    remote_text,
)
from allhub_core.sites._voapi_v2_wire import amount_to_quota, as_number, unwrap
from allhub_core.vocab import (
    QUOTA_PER_USD,
)

__all__ = ["create_key", "delete_key", "key_groups", "list_keys", "reveal_key", "template_models", "update_key"]


KEYS_PATH = "/api/keys"
KEY_TEMPLATE_PATH = "/api/keys/template"
KEY_PAGE_SIZE = 100
MAX_KEY_PAGES = 100
_NEVER = -1


def _key_id(token_id: str) -> str:
    """A key id as the site's paths take it; anything but a number is refused before a request."""
    text = str(token_id).strip()
    if not text.isdigit():
        raise BadResponseError("That is not an API key id of this site (a number).")
    return text


def _group_id(value: Any) -> str:
    """A group id of the template or a key as text (``2`` and ``"2"`` are one group)."""
    if isinstance(value, bool):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return strip_controls(str(value)).strip() if isinstance(value, (int, str)) else ""


async def key_template(session: SiteSession) -> dict[str, Any]:
    """``GET /api/keys/template``: the groups (and models) a new key may have."""
    data = unwrap(await session.get(KEY_TEMPLATE_PATH))
    if not isinstance(data, dict):
        raise BadResponseError("The key template is not in a known format.")
    return data


async def template_models(session: SiteSession) -> list[str]:
    """The models a key may use, from the key template (``models: [{idKey, enable, hidden}]``):
    VoAPI v2 tells no prices, so these are the account's model list (billing unknown)."""
    models = (await key_template(session)).get("models")
    names = {remote_text(m.get("idKey")) for m in models if isinstance(m, dict)
             and m.get("enable", True) is not False and not m.get("hidden")} if isinstance(models, list) else set()
    return sorted(n for n in names if n)


def _template_groups(template: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """``(id, name, raw)`` of each template group; a group without a name is called by its id."""
    groups = template.get("groups")
    out: list[tuple[str, str, dict[str, Any]]] = []
    for raw in groups if isinstance(groups, list) else []:
        gid = _group_id(raw.get("id")) if isinstance(raw, dict) else ""
        if gid:
            out.append((gid, remote_text(raw.get("name")) or gid, raw))
    return out


async def _group_names(session: SiteSession) -> dict[str, str]:
    """``{id: name}`` for showing a key's group; an unreadable template shows the ids (as the
    extension does: the keys are still worth listing)."""
    try:
        return {gid: name for gid, name, _ in _template_groups(await key_template(session))}
    except SiteError:
        return {}


def _expiry_s(value: Any) -> int:
    """``expireTime`` (epoch ms; seconds from older builds; -1 or 0 never) in epoch seconds, -1 never."""
    number = as_number(value)
    if number is None or number <= 0:
        return _NEVER
    return int(number // 1000) if number > 1_000_000_000_000 else int(number)


def parse_key(raw: dict[str, Any], names: dict[str, str]) -> ApiToken:
    """A VoAPI v2 key: ``amount`` left and ``used`` in USD, ``boundlessAmount`` unlimited, the first
    of ``groups`` its group (by name), ``enable`` its switch; expired and exhausted as New API's 3/4."""
    key = str(raw.get("tokenMasked") or raw.get("token") or "").strip()
    unlimited = raw.get("boundlessAmount") is True
    remain = amount_to_quota(raw.get("amount"))
    expires = _expiry_s(raw.get("expireTime"))
    groups = raw.get("groups")
    first = _group_id(groups[0]) if isinstance(groups, list) and groups else ""
    if raw.get("enable") is False:
        status = 2
    elif expires != _NEVER and expires <= time.time():
        status = 3
    elif not unlimited and remain == 0:
        status = 4
    else:
        status = 1
    return ApiToken(
        id=_group_id(raw.get("id")), name=strip_controls(str(raw.get("name") or "")), key=key, masked="*" in key,
        status=status, remain_quota=0 if unlimited else remain, unlimited_quota=unlimited,
        used_quota=amount_to_quota(raw.get("used")), expired_time=expires,
        group=names.get(first, first) or None, raw=raw,
    )


async def _key_pages(session: SiteSession) -> list[dict[str, Any]]:
    """Every key object of the account, 100 a page, until the last page the site announces (or a
    short page, or a page with nothing new: a site that ignores ``page``)."""
    found: dict[str, dict[str, Any]] = {}
    for page in range(1, MAX_KEY_PAGES + 1):
        data = unwrap(await session.get(KEYS_PATH, params={
            "page": page, "size": KEY_PAGE_SIZE, "sl[name]": "true", "sl[token]": "true", "sl[note]": "true"}))
        items = data if isinstance(data, list) else \
            (data.get("records") or data.get("list") or []) if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise BadResponseError("The key list is not in a known format.")
        new = 0
        for raw in items:
            kid = _group_id(raw.get("id")) if isinstance(raw, dict) else ""
            if kid and kid not in found:
                found[kid], new = raw, new + 1
        pages = data.get("pages") if isinstance(data, dict) else None
        last = page >= pages if isinstance(pages, int) and not isinstance(pages, bool) else len(items) < KEY_PAGE_SIZE
        if last or new == 0:
            return list(found.values())
    raise SiteError(f"The key list has more than {MAX_KEY_PAGES} pages; stopped reading.")


async def list_keys(session: SiteSession) -> list[ApiToken]:
    names = await _group_names(session)
    found: dict[str, ApiToken] = {}
    merge_new(found, await _key_pages(session), lambda raw: parse_key(raw, names))
    return list(found.values())


async def _raw_key(session: SiteSession, key_id: str) -> dict[str, Any]:
    for raw in await _key_pages(session):
        if _group_id(raw.get("id")) == key_id:
            return raw
    raise SiteError(f"No key with id {key_id} on this account.")


async def _group_ids(session: SiteSession, group: str, current: Any = None) -> list[int]:
    """The ``groups`` of a key body: the chosen group (its name or id in the template), or the
    key's current groups when none is chosen or the chosen one is its group already (a key may have
    several: an update that does not change the group keeps them all). VoAPI v2 wants a group on
    every key: with neither (a create where no group was chosen), the template's first group."""
    chosen = group.strip()
    kept = [int(g) for g in map(_group_id, current) if g.isdigit()] if isinstance(current, list) else []
    if kept and not chosen:
        return kept
    groups = _template_groups(await key_template(session))
    if kept and chosen in {str(kept[0])} | {name for gid, name, _ in groups if gid == str(kept[0])}:
        return kept
    if not chosen:
        if not groups or not groups[0][0].isdigit():
            raise BadResponseError("The site offers no group for a new key.")
        return [int(groups[0][0])]
    for gid, name, _ in groups:
        if chosen in (gid, name) and gid.isdigit():
            return [int(gid)]
    raise ValidationError(f"This account has no group {chosen!r}.")


def _amount(quota: int) -> str:
    """Quota units as the USD string VoAPI v2 keeps (six decimals at most, no trailing zeros)."""
    return f"{quota / QUOTA_PER_USD:.6f}".rstrip("0").rstrip(".") or "0"


def key_body(spec: TokenSpec, groups: list[int], current: dict[str, Any] | None = None) -> dict[str, Any]:
    """The create body (``genCount: 1``), or the whole update body (the current ``enable``, ``used``
    and ``note`` kept: the site sets every field it is given)."""
    body: dict[str, Any] = {
        "name": spec.name, "groups": groups,
        "amount": "0" if spec.unlimited_quota else _amount(spec.remain_quota),
        "boundlessAmount": bool(spec.unlimited_quota),
        "enable": current.get("enable", True) is not False if current is not None else True,
        "expireTime": spec.expired_time * 1000 if spec.expired_time and spec.expired_time > 0 else _NEVER,
    }
    if current is None:
        body["genCount"] = 1
    else:
        body["used"] = current.get("used") if current.get("used") is not None else "0"
        body["note"] = current.get("note") if isinstance(current.get("note"), str) else ""
    return body


async def reveal_key(session: SiteSession, key_id: str) -> str:
    """``POST /api/keys/{id}/token``: the key as ``data``, ``data.token`` or a top-level ``token``."""
    reply = await session.post(f"{KEYS_PATH}/{_key_id(key_id)}/token", idempotent=True)
    body = reply.json_object()
    top = body.get("token")
    data = unwrap(reply)
    key = data.get("token") if isinstance(data, dict) else data
    if not (isinstance(key, str) and key.strip()) and body.get("code") == 0:
        key = top
    if not isinstance(key, str) or not key.strip() or "*" in key:
        raise BadResponseError("The site returned no key.")
    session.add_secret(key.strip())
    return key.strip()


async def create_key(session: SiteSession, spec: TokenSpec) -> ApiToken:
    """``POST /api/keys`` answers no key: the new one is the key the list shows after and not
    before, revealed at once (kept masked if the reveal fails: it can be retried)."""
    groups = await _group_ids(session, spec.group)
    before = {t.id for t in await list_keys(session)}
    unwrap(await session.post(KEYS_PATH, json=key_body(spec, groups), idempotent=False))
    new = [t for t in await list_keys(session) if t.id not in before]
    if len(new) > 1:
        new = [t for t in new if t.name == spec.name]
    if len(new) != 1:
        raise SiteError("The site accepted the new key but it could not be found in the key list.")
    token = new[0]
    if token.masked:
        try:
            token.key, token.masked = await reveal_key(session, token.id), False
        except SiteError:
            pass
    return token


async def update_key(session: SiteSession, key_id: str, spec: TokenSpec) -> ApiToken:
    """``PUT /api/keys/{id}`` with the whole key (``id`` included); the key as the list shows it after."""
    kid = _key_id(key_id)
    current = await _raw_key(session, kid)
    groups = await _group_ids(session, spec.group, current.get("groups"))
    unwrap(await session.request("PUT", f"{KEYS_PATH}/{kid}", json={"id": int(kid), **key_body(spec, groups, current)},
                                 idempotent=True))
    for token in await list_keys(session):
        if token.id == kid:
            return token
    raise SiteError("The site accepted the change but the key is no longer in its key list.")


async def delete_key(session: SiteSession, key_id: str) -> None:
    """``DELETE /api/keys/{id}``; never resent (a second delete of a key that went is refused)."""
    unwrap(await session.request("DELETE", f"{KEYS_PATH}/{_key_id(key_id)}", idempotent=False))


async def key_groups(session: SiteSession) -> dict[str, UserGroup]:
    """The template's groups by name (a key shows its group by name), described by their note."""
    out: dict[str, UserGroup] = {}
    for _, name, raw in _template_groups(await key_template(session)):
        ratio = as_number(raw.get("ratio"))
        out[name] = UserGroup(strip_controls(str(raw.get("note") or "")).strip()[:200] or name,
                              ratio if ratio is not None and ratio >= 0 else None)
    return out
