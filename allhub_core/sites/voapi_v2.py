"""VoAPI v2: a rewrite with its own ``/api/user/info`` routes and a raw JWT (docs/site-api.md).

The dashboard JWT is sent as ``Authorization: <jwt>`` (no ``Bearer ``; ``raw_authorization``).
Every answer is ``{code, data, msg}``: 0 success, 1 already signed in (check-in), 2 auth expired.

* recognise: ``GET /api/user/info`` with the JWT (no login: the user pastes the dashboard token);
* refresh: balance = ``basicBalance`` + ``bindBalance`` (USD) from ``/api/user/info``; today's
  consumption and requests from ``GET /api/dash/statistics?t=h&s=<ms>&e=<ms>``; tokens and
  income are not reported (``unavailable``); the check-in state from ``/api/check_in/stats``;
* check-in: read ``/api/check_in/stats`` (``todaySigned``), then ``POST /api/check_in`` once;
  ``code:1`` is "already", success is confirmed by the stats.  The POST is never resent.
* API keys (docs/site-api.md 7.5): ``GET /api/keys?page=&size=&sl[name]=true&sl[token]=true&sl[note]=true``
  (``data: {records, page, size, total, pages}``, or a bare list; keys masked in ``tokenMasked``),
  their groups from ``GET /api/keys/template`` (``groups: [{id, name, ratio, note}]``: a key names
  its groups by id, shown here by name), reveal ``POST /api/keys/{id}/token`` (``data`` the key,
  ``{token}``, or a top-level ``token``), create ``POST /api/keys``, update ``PUT /api/keys/{id}``
  (the whole key: VoAPI v2 sets every field from the body), delete ``DELETE /api/keys/{id}``.
  Amounts are USD strings (``amount`` is what is left, ``used`` what was spent), ``expireTime``
  epoch milliseconds (-1 never); the site reports only ``enable``, so expired and exhausted are
  read from the expiry and the amount, as New API reports them.

Models, prices and redemption codes are not supported for these sites yet.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from allhub_core.errors import ValidationError
from allhub_core.net import (
    Auth,
    BadResponseError,
    BusinessError,
    HttpStatusError,
    Reply,
    SiteError,
    SiteSession,
    UnsupportedError,
    looks_like_auth_failure,
    server_message,
    strip_controls,
)
from allhub_core.sites._attempt import (
    CHECKED,
    NOT_CHECKED,
    UNKNOWN,
    UNSUPPORTED,
    is_already,
    is_disabled,
    needs_turnstile,
    post_failure,
)
from allhub_core.sites._groups import UserGroup
from allhub_core.sites._reasons import reason
from allhub_core.sites._status import site_name
from allhub_core.sites._types import (
    ApiToken,
    RecognizeResult,
    RefreshResult,
    SiteCredentials,
    SiteStatus,
    TokenSpec,
    TypedInput,
    merge_new,
    remote_text,
)
from allhub_core.sites.family import BaseFamily, CheckInAttempt, SiteFamily, StatusSource
from allhub_core.vocab import (
    DEFAULT_EXCHANGE_RATE,
    QUOTA_PER_USD,
    AnySiteType,
    AuthType,
    Availability,
    CheckInMethod,
    Health,
    SiteType,
)
from allhub_core.vocab import CheckInResult as R

__all__ = ["VoApiV2Family", "VoApiV2Handle"]

ALREADY_SIGNED, AUTH_EXPIRED = 1, 2
_AUTH_EXPIRED_MSG = re.compile(r"auth\s*expire|unauthorized|token|jwt|login", re.I)
_SIGNED_MSG = re.compile(r"signed|check", re.I)
_PROBE_MSG = re.compile(r"unauthorized|auth expire|token|jwt", re.I)
_UNSUPPORTED = {
    "have no model list": "The model list of VoAPI v2 sites is not supported yet.",
    "have no price list": "The price list of VoAPI v2 sites is not supported yet.",
}


@dataclass
class VoApiV2Handle:
    """One VoAPI v2 account: its session (the raw JWT included)."""

    session: SiteSession
    user_id: str | None = None
    rotated: dict[str, str] = field(default_factory=dict)  # the JWT is not refreshed headless


def unwrap(reply: Reply) -> Any:
    """``data`` of a ``{code, data, msg}`` answer; a non-zero code is a ``BusinessError``."""
    body = reply.json_object()
    code = body.get("code")
    if not isinstance(code, int) or isinstance(code, bool):
        raise BadResponseError("The site's answer is not a VoAPI v2 envelope.")
    if code != 0:
        message = reply.clean(server_message(body))
        auth = (code == AUTH_EXPIRED and bool(_AUTH_EXPIRED_MSG.search(message))) or looks_like_auth_failure(message)
        raise BusinessError(message, auth=auth, http_status=reply.status)
    return body.get("data")


def _number(value: Any) -> float | None:
    """A finite number, or a numeric string (VoAPI v2 sends amounts as strings); else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def amount_to_quota(value: Any) -> int | None:
    """A USD amount in quota units (negative counts as 0); None when it is not a number."""
    number = _number(value)
    return None if number is None else max(0, round(number * QUOTA_PER_USD))


def _today_ms() -> tuple[int, int]:
    """Local midnight and 23:59:59.999 of today, epoch milliseconds."""
    start = datetime.now().replace(hour=0, minute=0, second=0, microsecond=0)
    first = int(start.timestamp() * 1000)
    return first, first + 86_400_000 - 1


async def user_info(session: SiteSession) -> dict[str, Any]:
    data = unwrap(await session.get("/api/user/info"))
    if not isinstance(data, dict) or data.get("id") in (None, ""):
        raise BadResponseError("The user data from the site is not in a known format.")
    return data


def _who(data: dict[str, Any]) -> tuple[str, str | None, int]:
    uid = remote_text(data.get("id")) or ""
    name = next((remote_text(data[k]) for k in ("username", "nickname")
                 if isinstance(data.get(k), str) and data[k].strip()), None)
    quota = (amount_to_quota(data.get("basicBalance")) or 0) + (amount_to_quota(data.get("bindBalance")) or 0)
    return uid, name, quota


async def checkin_state(session: SiteSession) -> str:
    """``todaySigned`` of ``/api/check_in/stats``; a missing route is unsupported, anything else unknown."""
    try:
        data = unwrap(await session.get("/api/check_in/stats"))
    except HttpStatusError as exc:
        return UNSUPPORTED if exc.http_status in (404, 405) else UNKNOWN
    except SiteError:
        return UNKNOWN
    flag = data.get("todaySigned") if isinstance(data, dict) else None
    return UNKNOWN if not isinstance(flag, bool) else (CHECKED if flag else NOT_CHECKED)


async def refresh(handle: VoApiV2Handle) -> RefreshResult:
    session = handle.session
    uid, name, quota = _who(await user_info(session))
    result = RefreshResult(
        account_id="", ok=True, health_status=Health.HEALTHY.value, health_reason="", quota=quota,
        username=name, user_id=uid, site_name=site_name(None, session.origin),
        exchange_rate=DEFAULT_EXCHANGE_RATE, site_type=SiteType.VOAPI_V2.value,
    )
    result.availability["tokens"] = (Availability.UNAVAILABLE, "VoAPI v2 does not report token counts")
    result.availability["income"] = (Availability.UNAVAILABLE, "VoAPI v2 does not report income")
    start, end = _today_ms()
    try:
        data = unwrap(await session.get("/api/dash/statistics", params={"t": "h", "s": start, "e": end}))
        d = data.get("d") if isinstance(data, dict) else None
        if not isinstance(d, dict):
            raise BadResponseError("The statistics are not in a known format.")
        used = [amount_to_quota(d.get(k)) for k in ("usedBasicBalance", "usedBindBalance")]
        known = [u for u in used if u is not None]
        if known:
            result.today_consumption = sum(known)
            result.availability["consumption"] = (Availability.COMPLETE, "") if len(known) == 2 else \
                (Availability.PARTIAL, "only one of the two balances was reported")
        else:
            result.availability["consumption"] = (Availability.UNAVAILABLE, "the statistics carry no usage amounts")
        requests = _number(d.get("requests"))
        if requests is not None:
            result.today_requests = max(0, int(requests))
            result.availability["requests"] = (Availability.COMPLETE, "")
        else:
            result.availability["requests"] = (Availability.UNAVAILABLE, "the statistics carry no request count")
    except SiteError as exc:
        why = f"today's statistics unavailable: {exc}"
        result.availability["consumption"] = (Availability.UNAVAILABLE, why)
        result.availability["requests"] = (Availability.UNAVAILABLE, why)
    result.checkin_status = await checkin_state(session)
    result.checkin_supported = result.checkin_status != UNSUPPORTED
    return result


def _refused(message: str, exc: SiteError) -> CheckInAttempt:
    if is_disabled(message):
        return CheckInAttempt(R.UNSUPPORTED, message)
    if needs_turnstile(message):
        return CheckInAttempt(R.NEEDS_BROWSER, "The site wants a Turnstile check for check-in; open it in a browser.")
    auth = isinstance(exc, BusinessError) and exc.health_status == Health.WARNING
    return CheckInAttempt(R.FAILED, message or "The site refused the check-in.", error=exc if auth else None)


async def check_in(handle: VoApiV2Handle) -> CheckInAttempt:
    session = handle.session
    # The user asked for it: only a stats read that says "done" skips the POST.
    if await checkin_state(session) == CHECKED:
        return CheckInAttempt(R.ALREADY_CHECKED, "Already checked in today.")
    try:
        reply = await session.post("/api/check_in", idempotent=False)
        body = reply.json_object()
        message = reply.clean(server_message(body))
        if body.get("code") == ALREADY_SIGNED and (_SIGNED_MSG.search(message) or is_already(message)):
            return CheckInAttempt(R.ALREADY_CHECKED, message or "Already checked in today.")
        data = unwrap(reply)
    except BusinessError as exc:
        return _refused(exc.server_message, exc)
    except SiteError as exc:
        settled = post_failure(exc)
        if settled is not None:
            return settled
        err = exc
    else:
        reward = amount_to_quota(data.get("amount")) if isinstance(data, dict) else None
        bonus = amount_to_quota(data.get("bonusAmount")) if isinstance(data, dict) else None
        if reward is not None and bonus:
            reward += bonus
        if await checkin_state(session) == NOT_CHECKED:
            return CheckInAttempt(R.FAILED, "The site accepted the check-in but does not show it as done today.")
        return CheckInAttempt(R.SUCCESS, message if message and message.lower() != "success" else "Checked in.", reward)
    # Ambiguous: look, never resend.
    if await checkin_state(session) == CHECKED:
        return CheckInAttempt(R.SUCCESS, "Checked in (confirmed by re-reading the check-in status).")
    return CheckInAttempt(R.FAILED, f"{err} The check-in may or may not have happened; not resent.", error=err)


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
    number = _number(value)
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
        ratio = _number(raw.get("ratio"))
        out[name] = UserGroup(strip_controls(str(raw.get("note") or "")).strip()[:200] or name,
                              ratio if ratio is not None and ratio >= 0 else None)
    return out


class VoApiV2Family(BaseFamily[VoApiV2Handle]):
    site_type: AnySiteType = SiteType.VOAPI_V2
    has_checkin = True
    raw_authorization = True  # VoAPI v2 sends the JWT without "Bearer "
    checkin_methods: tuple[str, ...] = (CheckInMethod.VOAPI_V2.value,)
    # Detection: first of all, ``/api/user/info`` asked anonymously; or the title "… - VoAPI公益站".
    detect_rank = 0
    probe_path: str | None = "/api/user/info"
    title_pattern: re.Pattern[str] | None = re.compile(r"^(?:.* - )?VoAPI公益站$")

    def fingerprint(self, body: Any) -> bool:
        if not isinstance(body, dict) or isinstance(body.get("code"), bool):
            return False
        code, data = body.get("code"), body.get("data", "missing")
        msg = str(body.get("msg") or body.get("message") or "")
        if isinstance(code, (int, float)) and data is None and _PROBE_MSG.search(msg):
            return True
        return code == 0 and isinstance(data, dict) and ("basicBalance" in data or "bindBalance" in data)

    def refuse_checkin_method(self, method: str, other: SiteFamily[Any]) -> str:
        return "The VoAPI v2 check-in works only on VoAPI v2 sites (their own login)."

    def _unsupported(self, lacks: str) -> UnsupportedError:
        return UnsupportedError(_UNSUPPORTED.get(lacks, f"{self.site_type.label} sites {lacks}."))

    def open(self, session: SiteSession, creds: SiteCredentials) -> VoApiV2Handle:
        return VoApiV2Handle(session, creds.user_id)

    async def refresh(self, handle: VoApiV2Handle, *, status: StatusSource,
                      exchange_rate: float | None = None) -> RefreshResult:
        return await refresh(handle)  # no /api/status on VoAPI v2

    async def checkin_status(self, handle: VoApiV2Handle) -> str:
        return await checkin_state(handle.session)

    async def check_in(self, handle: VoApiV2Handle) -> CheckInAttempt:
        return await check_in(handle)

    async def list_tokens(self, handle: VoApiV2Handle) -> list[ApiToken]:
        return await list_keys(handle.session)

    async def create_token(self, handle: VoApiV2Handle, spec: TokenSpec) -> ApiToken:
        return await create_key(handle.session, spec)

    async def update_token(self, handle: VoApiV2Handle, token_id: str, spec: TokenSpec) -> ApiToken:
        return await update_key(handle.session, str(token_id), spec)

    async def delete_token(self, handle: VoApiV2Handle, token_id: str) -> None:
        await delete_key(handle.session, str(token_id))

    async def reveal_token(self, handle: VoApiV2Handle, token_id: str) -> str:
        return await reveal_key(handle.session, str(token_id))

    async def list_groups(self, handle: VoApiV2Handle) -> dict[str, UserGroup]:
        return await key_groups(handle.session)

    async def recognize(self, session: SiteSession, origin: str, status: SiteStatus | None,
                        typed: TypedInput) -> RecognizeResult:
        kind, secrets = self.site_type.value, typed.secrets

        def refused(message: str) -> RecognizeResult:
            return RecognizeResult(ok=False, site_url=origin, site_type=kind, message=message)

        token = typed.access_token
        if not token:
            return refused("VoAPI v2 sites are added with the dashboard token (the JWT the site keeps after "
                           "you log in), as the access token.")
        who = session.with_auth(Auth(access_token=token, user_id=typed.user_id, raw_authorization=True))
        who.add_secret(token)
        try:
            data = await user_info(who)
        except BusinessError as exc:
            return refused(f"The site rejected the access token: {reason(exc, secrets)[len('Site refused: '):]}")
        except HttpStatusError as exc:
            if exc.http_status not in (401, 403):
                raise
            return refused(f"The site rejected the access token ({reason(exc, secrets)}).")
        uid, name, quota = _who(data)
        if typed.user_id and uid and typed.user_id.strip() != uid:
            return refused("The user id does not match this account; check the number on your profile page.")
        state = await checkin_state(who)
        return RecognizeResult(
            ok=True, message="Recognised.", site_url=origin, site_type=kind, site_name=site_name(None, origin),
            exchange_rate=DEFAULT_EXCHANGE_RATE, user_id=uid, username=name or uid,
            auth_type=AuthType.ACCESS_TOKEN.value, access_token=token, checkin_supported=state != UNSUPPORTED,
            quota=quota, health_status=Health.HEALTHY.value, health_reason="",
        )
