"""CC Switch: a deeplink that adds a provider to one of the apps CC Switch manages (the
extension's ``src/services/integrations/ccSwitch.ts`` and ``CCSwitchExportDialog.tsx``).

``ccswitch://v1/import?resource=provider&app=&name=&homepage=&endpoint=&apiKey=[&model=][&notes=]``,
the query written as ``URLSearchParams`` writes it (space as ``+``; only ASCII letters, digits and
``*-._`` left as they are). The ``/v1`` rules: Codex writes the endpoint into its ``base_url``, so a
bare origin gets ``/v1``; every other app takes the base URL as stored. Hermes derives its provider
id from the name, so the name becomes a lower-case dash slug."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from allhub_core.errors import ValidationError
from allhub_core.transfer.clients._common import coerce_suffix, need_key
from allhub_core.transfer.clients.types import ClientExport, ClientTarget

__all__ = ["APPS", "DEFAULT_APP", "FORMAT", "LABEL", "endpoint_for", "form_encode", "render"]

FORMAT = "cc-switch"
LABEL = "CC Switch"
#: The apps CC Switch imports a provider into (``CCSWITCH_APPS``), in the extension's order.
APPS = ("claude", "codex", "gemini", "grokbuild", "hermes", "opencode", "openclaw")
DEFAULT_APP = "claude"
_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*-._")


def form_encode(value: str) -> str:
    """One value as ``URLSearchParams.toString()`` writes it (application/x-www-form-urlencoded)."""
    out = []
    for byte in value.encode("utf-8"):
        if byte in _SAFE:
            out.append(chr(byte))
        elif byte == 0x20:
            out.append("+")
        else:
            out.append(f"%{byte:02X}")
    return "".join(out)


def endpoint_for(app: str, base_url: str) -> str:
    """The endpoint CC Switch gets: Codex's conservative one (``/v1`` on a bare origin, a URL with
    a path kept), the base URL as stored for the other apps."""
    if app == "codex" and not urlsplit(base_url).path.rstrip("/"):
        return coerce_suffix(base_url, "/v1")
    return base_url


def _hermes_name(name: str, endpoint: str) -> str:
    def slug(v: str) -> str:
        return re.sub(r"^-|-$", "", re.sub(r"[^a-z0-9]+", "-", v.strip().lower()))
    return slug(name) or slug(urlsplit(endpoint).hostname or "") or "provider"


def render(target: ClientTarget, app: str = DEFAULT_APP, notes: str | None = None) -> ClientExport:
    """The deeplink that imports this key into ``app`` (one of ``APPS``)."""
    if app not in APPS:
        raise ValidationError(f"CC Switch has no app '{app}'; choose one of: {', '.join(APPS)}.")
    need_key(target, LABEL)
    endpoint = endpoint_for(app, target.base_url)
    name = target.name.strip() or target.base_url
    params = [("resource", "provider"), ("app", app),
              ("name", _hermes_name(name, endpoint) if app == "hermes" else name),
              ("homepage", target.base_url), ("endpoint", endpoint), ("apiKey", target.api_key)]
    if target.model and target.model.strip():
        params.append(("model", target.model.strip()))
    if notes and notes.strip():
        params.append(("notes", notes.strip()))
    query = "&".join(f"{form_encode(k)}={form_encode(v)}" for k, v in params)
    return ClientExport(format=FORMAT, kind="link", text=f"ccswitch://v1/import?{query}",
                        note=f"Opens CC Switch (if installed) to add this provider to {app}; the link carries the key.")
