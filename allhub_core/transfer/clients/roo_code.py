"""Roo Code and Kilo Code 5 (legacy): ``kilo-code-settings.json`` with ``providerProfiles`` (the
extension's ``buildKiloCodeApiConfigs`` and ``buildKiloCodeSettingsFile``).

``{providerProfiles: {currentApiConfigName, apiConfigs: {"<site> - <key name>": {id,
apiProvider: "openai", openAiBaseUrl: <base>/v1, openAiApiKey[, openAiModelId]}}}}``, one model per
profile, ``JSON.stringify(.., null, 2)``. A name shared by several keys gets ``(host)``, then
`` #n``. The current profile is the first name in order. Each profile's ``id`` is
``kilocode-api-config-<uuid>`` (random, like the extension's)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence

from allhub_core.errors import ValidationError
from allhub_core.transfer.clients._common import coerce_suffix, need_key, pretty_json, unique_names
from allhub_core.transfer.clients.types import ClientExport, ClientTarget

__all__ = ["FILENAME", "FORMAT", "LABEL", "render", "render_many"]

FORMAT = "roo-code"
LABEL = "Roo Code / Kilo Code 5"
FILENAME = "kilo-code-settings.json"


def _random_id(_name: str) -> str:
    return f"kilocode-api-config-{uuid.uuid4()}"


def _base_name(t: ClientTarget) -> str:
    return f"{t.name.strip() or t.base_url.strip()} - {t.key_name.strip() or f'Token {t.key_id}'}"


def _sort_key(t: ClientTarget) -> str:
    return "\u0000".join([t.name.strip(), t.base_url.strip(), t.key_name.strip(), t.key_id, t.account_id])


def render_many(targets: Sequence[ClientTarget], new_id: Callable[[str], str] = _random_id) -> ClientExport:
    """One settings file with a profile per key (``new_id(profile name)`` gives each its id)."""
    if not targets:
        raise ValidationError("Choose at least one key to export to Roo Code.")
    for t in targets:
        need_key(t, LABEL)
    names = unique_names(targets, _base_name, lambda t: t.base_url, _sort_key)
    configs: dict[str, dict[str, str]] = {}
    for name, t in zip(names, targets, strict=True):
        entry = {"id": new_id(name), "apiProvider": "openai", "openAiBaseUrl": coerce_suffix(t.base_url, "/v1"),
                 "openAiApiKey": t.api_key}
        if t.model and t.model.strip():
            entry["openAiModelId"] = t.model.strip()
        configs[name] = entry
    current = min(names, key=lambda n: (n.casefold(), n))  # the first in localeCompare's order
    text = pretty_json({"providerProfiles": {"currentApiConfigName": current, "apiConfigs": configs}})
    return ClientExport(format=FORMAT, kind="file", text=text, filename=FILENAME, mime="application/json",
                        note="Roo Code or Kilo Code 5: Settings → Import, choose this file (or paste its "
                             "apiConfigs). It carries the key(s).")


def render(target: ClientTarget) -> ClientExport:
    """The settings file for one key."""
    return render_many([target])
