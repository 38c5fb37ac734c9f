"""Push a key to a service the user runs (issue 20): a CLIProxyAPI instance (its management API),
Claude Code Router (its config API) or the user's own New API (a channel).

Settings: each service's address (and, for New API, the admin's user id) is a row of
``preferences`` (``push_<kind>_url``, ``push_<kind>_user``); its management key is a named secret,
sealed with the store's key (``store.secrets``), never shown again, never in a report.

A push is previewed first: ``preview_push`` reads what the service holds now, finds the entry this
key belongs to (by base URL and key, then by name: ``transfer.clients.push_payloads``) and lists
each field that would change: add, update, or nothing. ``apply_push`` previews again and writes
only when that says something changes, so a second push changes nothing. These are the user's own
services, not relay sites: the requests go through ``net``'s transport (scrubbed errors, no
redirect off the address) with the store's lock let go.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from allhub_core.accounts import whole_number
from allhub_core.errors import SiteError, ValidationError
from allhub_core.net import Auth, BusinessError, HttpStatusError, Politeness, Transport
from allhub_core.store import PREFERENCES, Store, get_secret, has_secret, read_settings, set_secret, write_settings
from allhub_core.sync._lanes import network
from allhub_core.transfer.clients.push_payloads import (
    NOTHING,
    PushPlan,
    ccr_provider,
    cliproxy_entry,
    newapi_channel,
    plan_ccr,
    plan_cliproxy,
    plan_newapi,
)
from allhub_core.transfer.clients.types import ClientTarget

__all__ = [
    "PUSH_KINDS",
    "PushPreview",
    "PushTargetSettings",
    "apply_push",
    "preview_push",
    "push_target",
    "push_targets",
    "save_push_target",
]

log = logging.getLogger(__name__)
_SEARCH_PATH = "/api/channel/search"  # httpx logs it without its query (net._client)
#: the services a key can be pushed to, by the name ``allhub push-client TARGET`` takes
PUSH_KINDS = {"cliproxyapi": "CLIProxyAPI", "ccr": "Claude Code Router", "newapi": "New API (your own)"}
CLIPROXY_PATH = "/v0/management"
CLIPROXY_LIST = "openai-compatibility"


# -- settings ---------------------------------------------------------------------------------

def _check_kind(kind: str) -> str:
    k = (kind or "").strip().lower()
    if k not in PUSH_KINDS:
        raise ValidationError(f"There is no push target called {kind!r}; the targets are "
                              f"{', '.join(PUSH_KINDS)}.")
    return k


def _secret_name(kind: str) -> str:
    return f"push_{kind}_key"


@dataclass(frozen=True)
class PushTargetSettings:
    """One service's settings as the pages and ``--json`` show them: never the key itself."""

    kind: str
    url: str = ""
    has_key: bool = False
    user_id: int | None = None

    @property
    def label(self) -> str:
        return PUSH_KINDS[self.kind]

    @property
    def complete(self) -> bool:
        """Enough to push: an address, a key, and for New API the admin's user id."""
        return bool(self.url and self.has_key and (self.kind != "newapi" or self.user_id))

    def as_dict(self) -> dict[str, Any]:
        return {"target": self.kind, "label": self.label, "url": self.url, "key_set": self.has_key,
                "user_id": self.user_id, "complete": self.complete}


def push_target(store: Store, kind: str) -> PushTargetSettings:
    k = _check_kind(kind)
    p = read_settings(store, PREFERENCES, [f"push_{k}_url", f"push_{k}_user"])
    url, user = p.get(f"push_{k}_url"), p.get(f"push_{k}_user")
    return PushTargetSettings(k, url if isinstance(url, str) else "", has_secret(store, _secret_name(k)),
                              user if isinstance(user, int) and not isinstance(user, bool) else None)


def push_targets(store: Store) -> list[PushTargetSettings]:
    """Every push target's settings, set or not, in ``PUSH_KINDS`` order."""
    return [push_target(store, k) for k in PUSH_KINDS]


def check_service_url(kind: str, url: str) -> str:
    """The service's address as saved: http(s), a host, no user name, query or fragment, no
    trailing slash; CLIProxyAPI's bare address gets its management path (``/v0/management``)."""
    text = (url or "").strip()
    what = f"The {PUSH_KINDS[kind]} address"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ValidationError(f"{what} is not a valid web address.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or any(ord(c) <= 32 for c in text):
        raise ValidationError(f"{what} must be an http:// or https:// address with a host.")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValidationError(f"{what} must not carry a user name, a query or a fragment.")
    path = parts.path.rstrip("/")
    if kind == "cliproxyapi" and not path:
        path = CLIPROXY_PATH
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}{f':{port}' if port else ''}{path}"


def save_push_target(store: Store, kind: str, url: str | None = None, management_key: str | None = None,
                     *, user_id: Any = None) -> PushTargetSettings:
    """Save a push target's address, its management key (sealed; None keeps the saved one, ''
    forgets it) and, for New API, the admin's user id. Bad input changes nothing."""
    k = _check_kind(kind)
    values: dict[str, Any] = {}
    if url is not None:
        values[f"push_{k}_url"] = check_service_url(k, url) if url.strip() else ""
    if user_id is not None and str(user_id).strip():
        if k != "newapi":
            raise ValidationError(f"{PUSH_KINDS[k]} takes no user id; only New API does.")
        values[f"push_{k}_user"] = whole_number(user_id, 1, 2**31 - 1, "The New API admin's user id")
    if management_key is not None and any(ord(c) < 32 for c in management_key):
        raise ValidationError("The management key must be one line without control characters.")
    if values:
        write_settings(store, values, PREFERENCES)
    if management_key is not None:
        set_secret(store, _secret_name(k), management_key.strip())
    return push_target(store, k)


# -- the key to push ----------------------------------------------------------------------------

# -- preview and apply --------------------------------------------------------------------------

@dataclass
class PushPreview:
    """What a push to one service would change (``applied``: what it did). ``rows()``: one row,
    each changed field with its old and new value, keys masked."""

    kind: str
    url: str
    plan: PushPlan = field(repr=False)
    applied: bool = False

    @property
    def label(self) -> str:
        return PUSH_KINDS[self.kind]

    def summary(self) -> str:
        name, where = self.plan.name, f"{self.label} at {self.url}"
        if self.plan.action == NOTHING:
            return f"{where} already has {name!r} with this key as it would be written; nothing to change."
        what = ", ".join(c.field for c in self.plan.changes)
        verb = {"add": ("Added", "Would add"), "update": ("Updated", "Would update")}[self.plan.action]
        matched = f" (matched by {self.plan.matched_by})" if self.plan.matched_by else ""
        return f"{verb[0] if self.applied else verb[1]} {name!r}{matched} on {where}: {what}."

    def rows(self) -> list[dict[str, Any]]:
        return [{"target": self.kind, "url": self.url, "name": self.plan.name, "action": self.plan.action,
                 "matched_by": self.plan.matched_by, "applied": self.applied,
                 "changes": [{"field": c.field, "old": c.old, "new": c.new} for c in self.plan.changes]}]

    def exit_code(self) -> int:
        return 0


@dataclass(frozen=True)
class _Service:
    kind: str
    url: str
    key: str = field(repr=False)
    user_id: int | None

    def auth(self) -> Auth:
        return Auth(access_token=self.key, user_id=str(self.user_id) if self.user_id else None,
                    send_user_id=self.kind == "newapi")


def _service(store: Store, kind: str) -> _Service:
    s = push_target(store, kind)
    if not s.url or not s.has_key:
        raise ValidationError(f"Set the {s.label} address and management key in Settings first.")
    if s.kind == "newapi" and not s.user_id:
        raise ValidationError("Set the New API admin's user id in Settings first.")
    return _Service(s.kind, s.url, get_secret(store, _secret_name(s.kind)) or "", s.user_id)


class _Calls:
    """One push's requests to one service: its address, key and the relay key to scrub."""

    def __init__(self, transport: Transport, svc: _Service, target: ClientTarget) -> None:
        self.transport, self.svc, self.target = transport, svc, target

    async def send(self, method: str, path: str, *, params: Any = None, body: Any = None) -> Any:
        url = self.svc.url + path
        try:
            reply = await self.transport.send(method, url, auth=self.svc.auth(), params=params, json_body=body,
                                              secrets=(self.svc.key, self.target.api_key))
            data = reply.json()
            if self.svc.kind == "newapi" and isinstance(data, dict) and "success" in data:
                return reply.envelope(require_data=False)
            return data
        except HttpStatusError as exc:
            label = PUSH_KINDS[self.svc.kind]
            if exc.http_status in (401, 403):
                raise SiteError(f"{label} at {self.svc.url} refused the management key (HTTP {exc.http_status}); "
                                f"check it in Settings.", http_status=exc.http_status) from exc
            if exc.http_status == 404:
                raise SiteError(f"{label} at {self.svc.url} has no such API (HTTP 404); check the address.",
                                http_status=404) from exc
            raise SiteError(f"{label} at {self.svc.url} failed: {exc}", http_status=exc.http_status) from exc
        except BusinessError as exc:
            raise SiteError(f"{PUSH_KINDS[self.svc.kind]} at {self.svc.url} refused it: {exc}") from exc
        except SiteError as exc:
            raise SiteError(f"{PUSH_KINDS[self.svc.kind]} at {self.svc.url} did not answer as expected: {exc}") \
                from exc


async def _plan(calls: _Calls) -> PushPlan:
    kind, target = calls.svc.kind, calls.target
    if kind == "cliproxyapi":
        data = await calls.send("GET", "/" + CLIPROXY_LIST)
        entries = data.get(CLIPROXY_LIST) if isinstance(data, dict) else data
        return plan_cliproxy(entries if isinstance(entries, list) else [], cliproxy_entry(target))
    if kind == "ccr":
        config = await calls.send("GET", "/api/config")
        providers = config.get("Providers") if isinstance(config, dict) else None
        return plan_ccr(providers if isinstance(providers, list) else [], ccr_provider(target))
    channel = newapi_channel(target)
    by_key = _items(await calls.send("GET", _SEARCH_PATH, params={"keyword": channel["key"]}))
    by_name = _items(await calls.send("GET", _SEARCH_PATH, params={"keyword": channel["name"]}))
    return plan_newapi(by_key, by_name, channel)


def _items(data: Any) -> list[Any]:
    """New API's search answer: ``{items, total}``, or a plain list on older versions."""
    items = data.get("items") if isinstance(data, dict) else data
    return items if isinstance(items, list) else []


async def _write(calls: _Calls, plan: PushPlan) -> None:
    kind = calls.svc.kind
    if kind == "cliproxyapi":
        if plan.index is None:
            data = await calls.send("GET", "/" + CLIPROXY_LIST)
            entries = data.get(CLIPROXY_LIST) if isinstance(data, dict) else data
            await calls.send("PUT", "/" + CLIPROXY_LIST, body=[*(entries or []), plan.entry])
        else:
            await calls.send("PATCH", "/" + CLIPROXY_LIST, body={"index": plan.index, "value": plan.entry})
    elif kind == "ccr":
        config = await calls.send("GET", "/api/config")
        config = dict(config) if isinstance(config, dict) else {}
        providers = list(config.get("Providers") or [])
        if plan.index is None:
            providers.append(plan.entry)
        else:
            providers[plan.index] = plan.entry
        await calls.send("POST", "/api/config", body={**config, "Providers": providers})
        await calls.send("POST", "/api/restart")  # the router reads its config when it starts
    elif plan.index is None:
        await calls.send("POST", "/api/channel/", body={"mode": "single", "channel": plan.entry})
    else:
        await calls.send("PUT", "/api/channel/", body=plan.entry)


def _run(store: Store, kind: str, target: ClientTarget, apply: bool, politeness: Politeness | None) -> PushPreview:
    svc = _service(store, _check_kind(kind))
    if not target.api_key.strip() or not target.base_url.strip():
        raise ValidationError("The key to push needs its site address and the full key.")

    async def go() -> PushPlan:
        async with Transport.open(politeness or Politeness(retries=1)) as transport:
            calls = _Calls(transport, svc, target)
            plan = await _plan(calls)
            if apply and plan.changes_something:
                await _write(calls, plan)
            return plan

    plan = network(store, go)
    done = apply and plan.changes_something
    log.info("push to %s: %s%s", PUSH_KINDS[svc.kind], plan.action, " (written)" if done else "")
    return PushPreview(svc.kind, svc.url, plan, applied=done)


def preview_push(store: Store, target_kind: str, client_target: ClientTarget, *,
                 politeness: Politeness | None = None) -> PushPreview:
    """What pushing ``client_target``'s key to this service would change; nothing is written."""
    return _run(store, target_kind, client_target, False, politeness)


def apply_push(store: Store, target_kind: str, client_target: ClientTarget, *,
               politeness: Politeness | None = None) -> PushPreview:
    """Preview, then write what it lists (nothing when it lists nothing): a second push of the
    same key changes nothing."""
    return _run(store, target_kind, client_target, True, politeness)
