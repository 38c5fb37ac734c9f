"""Read-only probes of one account's site, for a diagnosis a user can paste into a bug report.

``probe_account`` asks, in order, each over the account's own session and politeness:

- **status**: ``GET /api/status`` (public): site name, version, check-in enabled, Turnstile and the
  exchange rate, where the site tells them (docs/site-api.md 3.3);
- **user**: the family's refresh read (New API's ``/api/user/self``, Sub2API's ``/auth/me``,
  VoAPI v2's ``/api/user/info``): user id, username and the balance in USD; never a token;
- **check-in status**: the family's read-only check-in status (6.1-6.5), never the check-in;
- **keys**: how many keys the account has (7.1), never a key;
- **pricing**: how many models are priced and the groups the account can use (8);
- **check-in method**: no request: the method the account's check-in runs and its endpoint.

Nothing here sends a check-in or changes anything on the site. The only write a site may see is
Sub2API's token refresh, when the stored access token has expired (as every call there does); the
rotated tokens reach ``on_rotated``. Each probe's failure is its own line (the sentence and the
HTTP status), never an exception; every text is scrubbed of the account's secrets and of every
key the site listed. A feature the family lacks is "not offered" (``ok`` None), not a failure.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from allhub_core.errors import AllhubError, ValidationError
from allhub_core.net import Politeness, SiteError, Transport, UnsupportedError, scrub, short
from allhub_core.sites._api import _auth_for
from allhub_core.sites._plans import PlansGate
from allhub_core.sites._status import fetch_status
from allhub_core.sites._types import SiteCredentials, SiteStatus
from allhub_core.sites.custom_checkin import parse_checkin_request
from allhub_core.sites.registry import checkin_family, family_for
from allhub_core.vocab import QUOTA_PER_USD, AuthType, CheckInMethod, CheckInState

__all__ = ["CHECKIN_ENDPOINTS", "PROBES", "Probe", "probe_account"]

#: The probes, in the order they run and are reported.
PROBES = ("status", "user", "check-in status", "keys", "pricing", "check-in method")

#: Each built-in check-in's request and its read-only status request (docs/site-api.md 6).
CHECKIN_ENDPOINTS: dict[str, tuple[str, str | None]] = {
    CheckInMethod.NEW_API.value: ("POST /api/user/checkin", "GET /api/user/checkin?month=YYYY-MM"),
    CheckInMethod.VELOERA.value: ("POST /api/user/check_in", "GET /api/user/check_in_status"),
    CheckInMethod.WONG_GONGYI.value: ("POST /api/user/checkin", "GET /api/user/checkin"),
    CheckInMethod.ANYROUTER.value: ("POST /api/user/sign_in", None),
    CheckInMethod.VOAPI_V2.value: ("POST /api/check_in", "GET /api/check_in/stats"),
}

OnRotated = Callable[[str, dict[str, str]], None]


@dataclass
class Probe:
    """What one probe asked and what the site answered.

    ok: True answered, False failed, None not offered by this site type (or not asked).
    summary: the answer in a few words, or the failure's sentence (scrubbed).
    """

    name: str
    ok: bool | None
    summary: str
    http_status: int | None = None
    elapsed_ms: int = 0

    @property
    def outcome(self) -> str:
        return "ok" if self.ok else ("failed" if self.ok is False else "not offered")


def _yes_no(value: Any) -> str:
    return "unknown" if not isinstance(value, bool) else ("yes" if value else "no")


def _status_summary(status: SiteStatus) -> str:
    raw = status.raw
    parts = [f"name {status.system_name!r}" if status.system_name else "no name"]
    version = raw.get("version")
    if isinstance(version, (str, int, float)) and str(version).strip():
        parts.append(f"version {str(version).strip()[:40]}")
    parts.append(f"check-in enabled {_yes_no(status.checkin_enabled)}")
    parts.append(f"turnstile {_yes_no(status.turnstile_check)}")
    parts.append(f"exchange rate {status.exchange_rate:g}")
    return ", ".join(parts)


def _usd(quota: int | None) -> str:
    return "balance unknown" if quota is None else f"balance {quota / QUOTA_PER_USD:.2f} USD"


def _method(creds: SiteCredentials) -> Probe:
    """The check-in the account runs and its endpoint, from what is stored (no request)."""
    name = "check-in method"
    if creds.checkin_method == CheckInMethod.CUSTOM:
        try:
            req = parse_checkin_request(creds.checkin_request or "")
        except ValidationError as exc:
            return Probe(name, False, f"custom request: {exc}")
        path = req.url.split("?", 1)[0]
        return Probe(name, True, f"custom request: {req.method} {path}")
    if creds.checkin_method == CheckInMethod.RELOGIN:  # sites.relogin: no check-in route, a login
        return Probe(name, True, "log in again: POST /api/user/login with the stored login; the credit read "
                                 "from /api/user/self before and after")
    try:
        family = checkin_family(creds.site_type, creds.checkin_method)
    except ValidationError as exc:
        return Probe(name, False, str(exc))
    method = family.default_checkin_method if family.has_checkin else None
    if method is None:
        return Probe(name, None, "this site type has no check-in")
    post, status = CHECKIN_ENDPOINTS.get(method, ("endpoint not known", None))
    chosen = "automatic" if creds.checkin_method in ("", CheckInMethod.AUTO) else "chosen"
    read = f"; its status: {status}" if status else "; no read-only status (only checking in tells)"
    return Probe(name, True, f"{method} ({chosen}): {post}{read}")


async def probe_account(creds: SiteCredentials, politeness: Politeness | None = None,
                        on_rotated: OnRotated | None = None) -> list[Probe]:
    """Every probe of ``PROBES`` for one account, in order; never raises for a site's answer."""
    secrets: list[str] = list(creds.secrets())
    probes: list[Probe] = []

    def clean(text: str) -> str:
        return short(scrub(text, secrets))

    async def run(name: str, work: Callable[[], Awaitable[tuple[bool | None, str]]]) -> None:
        start = time.perf_counter()
        status: int | None = None
        try:
            ok, summary = await work()
        except UnsupportedError as exc:
            ok, summary = None, str(exc)
        except SiteError as exc:
            ok, summary, status = False, str(exc) or type(exc).__name__, exc.http_status
        except AllhubError as exc:
            ok, summary = False, str(exc)
        except Exception as exc:  # noqa: BLE001 - a diagnosis reports every probe, whatever one did
            ok, summary = False, f"unexpected error ({type(exc).__name__})"
        elapsed = int((time.perf_counter() - start) * 1000)
        probes.append(Probe(name, ok, clean(summary), status, elapsed))

    try:
        family = family_for(creds.site_type)
    except ValidationError as exc:
        return [Probe(n, False, clean(str(exc))) for n in PROBES]
    no_secret = creds.auth_type == AuthType.NONE or not secrets
    async with Transport.open(politeness) as t:
        try:
            session = t.session(creds.site_url, _auth_for(creds, family), secrets)
        except SiteError as exc:
            return [Probe(n, False, clean(str(exc))) for n in PROBES]
        handle: Any = None
        seen_status: list[SiteStatus] = []

        async def status() -> tuple[bool | None, str]:
            try:
                found = await fetch_status(session)
            except SiteError as exc:
                if exc.http_status in (404, 405):  # Sub2API and other rewrites have none
                    return None, f"this site has no /api/status (HTTP {exc.http_status})"
                raise
            seen_status.append(found)
            return True, _status_summary(found)

        async def opened() -> Any:
            nonlocal handle
            if no_secret:
                raise ValidationError("No access token or cookie is stored for this account, so it was not asked.")
            if handle is None:
                handle = family.open(session, dataclasses.replace(creds, checkin_known_today=True))
            return handle

        async def user() -> tuple[bool | None, str]:
            h = await opened()
            extra: dict[str, Any] = {"plans": PlansGate(False)} if getattr(family, "asks_plans", False) else {}

            async def known() -> SiteStatus | None:
                return seen_status[0] if seen_status else None

            result = await family.refresh(h, status=known, exchange_rate=creds.exchange_rate, **extra)
            if not result.ok:
                return False, result.health_reason or "the site did not return the user"
            who = f"user id {result.user_id or '?'}, username {result.username or '?'}"
            return True, f"{who}, {_usd(result.quota)}"

        async def checkin_state() -> tuple[bool | None, str]:
            if creds.checkin_method == CheckInMethod.CUSTOM:
                return None, "a custom check-in: its state comes from its own runs only"
            if creds.checkin_method == CheckInMethod.RELOGIN:
                return None, "a re-login check-in: its state comes from its own runs only (not probed: a login)"
            try:
                chosen = checkin_family(creds.site_type, creds.checkin_method)
            except ValidationError as exc:
                return False, str(exc)
            if not chosen.has_checkin:
                return None, "this site type has no check-in"
            h = await opened()
            if chosen is not family:
                h = chosen.open(session, creds)
            state = await chosen.checkin_status(h)
            if state == CheckInState.UNKNOWN:
                endpoints = CHECKIN_ENDPOINTS.get(chosen.default_checkin_method or "")
                if endpoints is not None and endpoints[1] is None:
                    return None, "the site has no read-only check-in status (only checking in tells)"
                return False, "today: unknown (the site's check-in status could not be read)"
            return True, f"today: {state.replace('_', ' ')}"

        async def keys() -> tuple[bool | None, str]:
            listed = await family.list_tokens(await opened())
            secrets.extend(k.key for k in listed if k.key and "*" not in k.key)
            return True, f"{len(listed)} key(s)"

        async def pricing() -> tuple[bool | None, str]:
            prices = await family.get_pricing(await opened())
            groups = sorted(str(g) for g in prices.usable_group) or sorted(prices.group_ratio)
            shown = ", ".join(groups[:10]) + (f" and {len(groups) - 10} more" if len(groups) > 10 else "")
            return True, f"{len(prices.models)} model(s) priced; groups: {shown or 'none told'}"

        try:
            for name, work in (("status", status), ("user", user), ("check-in status", checkin_state),
                               ("keys", keys), ("pricing", pricing)):
                await run(name, work)
        finally:
            rotated = dict(getattr(handle, "rotated", None) or {})
            secrets.extend(rotated.values())
            if rotated and on_rotated is not None:
                on_rotated(creds.account_id, rotated)
    probes.append(_method(creds))
    return [dataclasses.replace(p, summary=clean(p.summary)) for p in probes]
