"""Kilo Code 7: ``kilo-settings.json`` (the extension's ``kiloCodeExport.ts``,
``kiloCodeV7Catalog.ts`` and ``kiloCodeExportPolicy.ts``).

``{_meta: {version: 1, exportedAt}, provider: {<id>: {name, npm, models: {<model>: {name}},
options: {apiKey, baseURL}}}, model: "<id>/<model>"}``, written as ``JSON.stringify(.., null, 2)``.
One provider per key: its id is the slug of "<site>-<key name>" and the FNV-1a digest of
(account, base URL, key id, key name), and must match ``^[a-z0-9][a-z0-9-]*$``; ``baseURL`` ends in
``/v1``; its models are the account's, sorted (at least one). Kilo Code refuses an import over
1 MiB, so a bigger file is refused here."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from allhub_core.errors import ValidationError
from allhub_core.transfer.clients._common import (
    coerce_suffix,
    fnv1a,
    model_ids,
    need_key,
    pretty_json,
    slugify,
    unique_names,
)
from allhub_core.transfer.clients.types import ClientExport, ClientTarget

__all__ = ["FILENAME", "FORMAT", "LABEL", "MAX_IMPORT_BYTES", "NPM", "provider_id", "render", "render_many"]

FORMAT = "kilo-code"
LABEL = "Kilo Code 7"
FILENAME = "kilo-settings.json"
#: Kilo Code's MAX_IMPORT_SIZE (settings-io.ts).
MAX_IMPORT_BYTES = 1_048_576
#: The AI SDK package per protocol: OpenAI-compatible (the default), Responses, Anthropic.
NPM = {"openai-compatible": "@ai-sdk/openai-compatible", "openai": "@ai-sdk/openai", "anthropic": "@ai-sdk/anthropic"}
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def provider_id(target: ClientTarget) -> str:
    """``defaultKiloCodeV7ProviderId``: readable slug, then a digest of the key's identity."""
    base_url = coerce_suffix(target.base_url, "/v1")
    identity = "\u0000".join([target.account_id, base_url, target.key_id, target.key_name.strip()])
    return f"{slugify(f'{target.name.strip()}-{target.key_name.strip()}')}-{fnv1a(identity)}"


def _base_name(t: ClientTarget) -> str:
    return f"{t.name.strip() or t.base_url.strip()} - {t.key_name.strip() or f'Token {t.key_id}'}"


def _sort_key(t: ClientTarget) -> str:
    return "\u0000".join([t.name.strip(), t.base_url.strip(), t.key_name.strip(), t.key_id, t.account_id])


def _models(t: ClientTarget) -> list[str]:
    found = model_ids([*t.models, t.model])
    if not found:
        raise ValidationError(f"Kilo Code needs at least one model for {_base_name(t)}: sync the account's models "
                              "or name one.")
    return found


def render_many(targets: Sequence[ClientTarget], now: datetime | None = None) -> ClientExport:
    """One settings file with a provider per key; the default model is the first key's chosen model
    when it has one, else its first model (``reconcileKiloCodeV7DefaultSelection``)."""
    if not targets:
        raise ValidationError("Choose at least one key to export to Kilo Code.")
    for t in targets:
        need_key(t, LABEL)
    ids = [provider_id(t) for t in targets]
    if len(set(ids)) != len(ids):
        raise ValidationError("Two of these keys would get the same Kilo Code provider id; choose each key once.")
    if not all(_ID.match(i) for i in ids):
        raise ValidationError("A Kilo Code provider id would not be settings-safe.")
    names = unique_names(targets, _base_name, lambda t: t.base_url, _sort_key)
    models = [_models(t) for t in targets]
    provider = {pid: {"name": name, "npm": NPM.get(t.api_type, NPM["openai-compatible"]),
                      "models": {m: {"name": m} for m in ms},
                      "options": {"apiKey": t.api_key, "baseURL": coerce_suffix(t.base_url, "/v1")}}
                for pid, name, t, ms in zip(ids, names, targets, models, strict=True)}
    first = targets[0].model.strip() if targets[0].model else ""
    default = first if first in models[0] else models[0][0]
    when = (now or datetime.now(UTC)).astimezone(UTC)
    text = pretty_json({"_meta": {"version": 1, "exportedAt": when.strftime("%Y-%m-%dT%H:%M:%S.")
                                  + f"{when.microsecond // 1000:03d}Z"},
                        "provider": provider, "model": f"{ids[0]}/{default}"})
    size = len(text.encode("utf-8"))
    if size > MAX_IMPORT_BYTES:
        raise ValidationError(f"This Kilo Code settings file would be {size:,} bytes; Kilo Code imports at most "
                              f"1 MiB ({MAX_IMPORT_BYTES:,} bytes): export fewer keys or models.")
    return ClientExport(format=FORMAT, kind="file", text=text, filename=FILENAME, mime="application/json",
                        note="Kilo Code 7: Settings → Import settings, choose this file. It carries the key(s).")


def render(target: ClientTarget) -> ClientExport:
    """The settings file for one key."""
    return render_many([target])
