"""What a push to a service the user runs sends, and what it would change (issue 20), as pure
functions: no network, no store. ``sync.client_push`` reads the service's current entries, asks
``plan_*`` here, and writes only when the plan says something changes.

The shapes follow All API Hub's integrations (``cliProxyService.ts``,
``claudeCodeRouterService.ts``, ``managedSites/providers/newApi.ts``):

- CLIProxyAPI: an ``openai-compatibility`` entry ``{name, base-url: <site>/v1,
  api-key-entries: [{api-key}], models?: [{name, alias}]}``. An entry with the same base URL
  (then the same name) is the one updated: our key joins its ``api-key-entries``.
- Claude Code Router: a ``Providers`` entry ``{name, api_base_url: <site>/v1/chat/completions,
  api_key, models}``. Matched by base URL and key, then by name.
- New API (the user's own): a channel ``{name, type: 1 (OpenAI), key, base_url, models: "a,b",
  group: "default", priority: 0, weight: 0, status: 1}``. Matched by base URL and key (New API's
  channel search finds a channel by its exact key; its answers leave the key out), then by name.

A plan lists each field that changes with its old and new value, a key shown masked: the
preview may be printed, logged or saved as JSON.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from allhub_core.keys import mask_key
from allhub_core.transfer.clients.types import ClientTarget

__all__ = [
    "ADD",
    "NOTHING",
    "UPDATE",
    "FieldChange",
    "PushPlan",
    "ccr_provider",
    "cliproxy_entry",
    "newapi_channel",
    "plan_ccr",
    "plan_cliproxy",
    "plan_newapi",
    "same_base_url",
]

ADD, UPDATE, NOTHING = "add", "update", "nothing"
#: New API's channel type for an OpenAI-compatible upstream (its ``constant/channel.go``)
NEWAPI_TYPE_OPENAI = 1
_SECRET_FIELDS = frozenset({"api-key", "api_key", "key"})
_TAILS = ("/v1/chat/completions", "/chat/completions", "/v1")


@dataclass(frozen=True)
class FieldChange:
    """One field of the entry: what the service has (None: nothing) and what the push writes.
    Keys are already masked here."""

    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class PushPlan:
    """What a push would do: ``add`` a new entry, ``update`` the entry at ``index`` (the service's
    list position, or New API's channel id), or ``nothing`` (it holds this key as it would be
    written). ``entry`` is what gets written (it carries the key: never shown)."""

    action: str
    entry: dict[str, Any] = field(repr=False)
    index: int | None = None
    matched_by: str | None = None
    changes: tuple[FieldChange, ...] = ()
    name: str = ""

    @property
    def changes_something(self) -> bool:
        return self.action != NOTHING


# -- the entries -----------------------------------------------------------------------------

def _v1(base_url: str) -> str:
    return base_url.rstrip("/") + "/v1"


def _models(target: ClientTarget) -> list[str]:
    names = [m.strip() for m in target.models if m and m.strip()]
    if not names and target.model and target.model.strip():
        names = [target.model.strip()]
    return list(dict.fromkeys(names))


def cliproxy_entry(target: ClientTarget) -> dict[str, Any]:
    """CLIProxyAPI's ``openai-compatibility`` entry for this key; ``models`` (each with its own
    name as alias, as the extension offers them) only when the key's models are known."""
    entry: dict[str, Any] = {
        "name": target.name.strip() or target.base_url,
        "base-url": _v1(target.base_url),
        "api-key-entries": [{"api-key": target.api_key}],
    }
    models = _models(target)
    if models:
        entry["models"] = [{"name": m, "alias": m} for m in models]
    return entry


def ccr_provider(target: ClientTarget) -> dict[str, Any]:
    """Claude Code Router's ``Providers`` entry for this key (its router asks the chat endpoint)."""
    return {
        "name": target.name.strip() or target.base_url,
        "api_base_url": _v1(target.base_url) + "/chat/completions",
        "api_key": target.api_key,
        "models": _models(target),
    }


def newapi_channel(target: ClientTarget, *, group: str = "default") -> dict[str, Any]:
    """New API's channel for this key, as ``POST /api/channel/`` takes it inside
    ``{mode: "single", channel: ...}``: an OpenAI-type channel on the site's origin."""
    return {
        "name": target.name.strip() or target.base_url,
        "type": NEWAPI_TYPE_OPENAI,
        "key": target.api_key,
        "base_url": target.base_url.rstrip("/"),
        "models": ",".join(_models(target)),
        "group": group,
        "priority": 0,
        "weight": 0,
        "status": 1,
    }


# -- matching --------------------------------------------------------------------------------

def _url_key(url: Any) -> str:
    text = str(url or "").strip().rstrip("/").lower()
    for tail in _TAILS:
        if text.endswith(tail):
            return text[: -len(tail)].rstrip("/")
    return text


def same_base_url(a: Any, b: Any) -> bool:
    """Two addresses of one upstream: case, a trailing slash, ``/v1`` and ``/chat/completions``
    aside."""
    return bool(_url_key(a)) and _url_key(a) == _url_key(b)


def _same_name(a: Any, b: Any) -> bool:
    return bool(str(a or "").strip()) and str(a or "").strip().lower() == str(b or "").strip().lower()


def _shown(name: str, value: Any) -> Any:
    if name in _SECRET_FIELDS:
        return mask_key(value) if isinstance(value, str) else value
    if isinstance(value, list):
        return [_shown_item(v) for v in value]
    return value


def _shown_item(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _shown(k, v) for k, v in value.items()}
    return value


def _diff(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> tuple[FieldChange, ...]:
    """The fields of ``new`` whose value differs from ``old``'s (all of them for a new entry)."""
    before = old or {}
    return tuple(FieldChange(k, _shown(k, before.get(k)) if k in before else None, _shown(k, v))
                 for k, v in new.items() if k not in before or before[k] != v)


def _plan(existing: Mapping[str, Any] | None, merged: dict[str, Any], index: int | None,
          matched_by: str | None, name: str) -> PushPlan:
    if existing is None:
        return PushPlan(ADD, merged, None, None, _diff(None, merged), name)
    changes = _diff(existing, merged)
    return PushPlan(UPDATE if changes else NOTHING, merged, index, matched_by, changes, name)


def _entry_keys(entry: Mapping[str, Any]) -> list[str]:
    rows = entry.get("api-key-entries")
    return [str(r.get("api-key", "")) for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []


def plan_cliproxy(entries: Sequence[Mapping[str, Any]], entry: dict[str, Any]) -> PushPlan:
    """Where ``entry`` goes among CLIProxyAPI's ``openai-compatibility`` entries: the one with this
    base URL and key, else this base URL, else this name, is updated (the key added to its
    ``api-key-entries``, the others kept); none: a new entry."""
    key = entry["api-key-entries"][0]["api-key"]
    rows = [e for e in entries if isinstance(e, Mapping)]
    found: tuple[int, str] | None = None
    for i, e in enumerate(rows):
        if same_base_url(e.get("base-url"), entry["base-url"]) and key in _entry_keys(e):
            found = (i, "url and key")
            break
    if found is None:
        found = next(((i, "url") for i, e in enumerate(rows) if same_base_url(e.get("base-url"), entry["base-url"])),
                     None) \
            or next(((i, "name") for i, e in enumerate(rows) if _same_name(e.get("name"), entry["name"])), None)
    if found is None:
        return _plan(None, entry, None, None, entry["name"])
    i, how = found
    old = dict(rows[i])
    listed = old.get("api-key-entries")
    old_rows: list[Any] = listed if isinstance(listed, list) else []
    ours = [r for r in old_rows if isinstance(r, dict) and r.get("api-key") == key]
    keys = list(old_rows) if ours else [*old_rows, *entry["api-key-entries"]]
    merged = {**old, "name": entry["name"], "base-url": entry["base-url"], "api-key-entries": keys}
    if "models" in entry:
        merged["models"] = entry["models"]
    return _plan(old, merged, i, how, entry["name"])


def plan_ccr(providers: Sequence[Mapping[str, Any]], provider: dict[str, Any]) -> PushPlan:
    """Where ``provider`` goes among Claude Code Router's ``Providers``: the one with this base URL
    and key, else this name, is replaced by ours (its other fields kept); none: appended."""
    rows = [p for p in providers if isinstance(p, Mapping)]
    found = next(((i, "url and key") for i, p in enumerate(rows)
                  if same_base_url(p.get("api_base_url"), provider["api_base_url"])
                  and p.get("api_key") == provider["api_key"]), None) \
        or next(((i, "name") for i, p in enumerate(rows) if _same_name(p.get("name"), provider["name"])), None)
    if found is None:
        return _plan(None, provider, None, None, provider["name"])
    i, how = found
    merged = {**rows[i], **provider}
    if not provider["models"] and rows[i].get("models"):
        merged["models"] = rows[i]["models"]  # models not known here: the router's list stays
    return _plan(rows[i], merged, i, how, provider["name"])


def plan_newapi(by_key: Sequence[Mapping[str, Any]], by_name: Sequence[Mapping[str, Any]],
                channel: dict[str, Any]) -> PushPlan:
    """Where ``channel`` goes on the user's New API: ``by_key`` are the channels its search found
    for this key (those on this base URL match), ``by_name`` those it found for this name. A match
    is updated with ``PUT /api/channel/`` (its id, our fields, no status: New API refuses it there,
    no key: the match already has it or keeps its own); none: a new channel."""
    found = next(((c, "url and key") for c in by_key if isinstance(c, Mapping)
                  and same_base_url(c.get("base_url"), channel["base_url"])), None) \
        or next(((c, "name") for c in by_name if isinstance(c, Mapping) and _same_name(c.get("name"), channel["name"])),
                None)
    if found is None:
        return _plan(None, channel, None, None, channel["name"])
    old, how = found
    wanted = {k: v for k, v in channel.items() if k not in ("status", "key")}
    if not wanted["models"] and old.get("models"):
        wanted.pop("models")  # models not known here: the channel's list stays
    if how == "name":
        wanted["key"] = channel["key"]  # another key on a channel of this name: ours replaces it
    current = {k: old.get(k) for k in wanted if k in old}
    changes = _diff(current, wanted)
    if how == "name" and "key" not in old:
        others = tuple(c for c in changes if c.field != "key")
        changes = (*others, FieldChange("key", "(another key)", mask_key(channel["key"])))
    cid = old.get("id")
    merged = {**wanted, "id": cid}
    return PushPlan(UPDATE if changes else NOTHING, merged, cid if isinstance(cid, int) else None, how,
                    changes, channel["name"])
