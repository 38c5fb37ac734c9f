"""Cursor++: one provider object to paste into ``providers`` of ``~/.ccursor/providers.json``
(the extension's ``cursorPlusExport.ts`` and ``CursorPlusExportDialog.tsx``).

``{id: "<slug of name>-<FNV-1a of the key's selection id>", name, type: openai-chat |
openai-responses | anthropic | gemini, baseUrl, auth: {kind: "apiKey", value}, models: [{id,
apiModel, defaultOn: true}]}``, ``JSON.stringify(.., null, 2)``. The name is "<site> - <key name>",
``baseUrl`` the base URL with ``/v1`` (the dialog's default; used as it is), the models sorted, at
least one."""

from __future__ import annotations

from allhub_core.errors import ValidationError
from allhub_core.transfer.clients._common import coerce_suffix, fnv1a, model_ids, need_key, pretty_json, slugify
from allhub_core.transfer.clients.types import ClientExport, ClientTarget

__all__ = ["FORMAT", "LABEL", "TYPES", "render"]

FORMAT = "cursor"
LABEL = "Cursor++"
#: Our API type to Cursor++'s provider type (OpenAI chat unless the key speaks another protocol).
TYPES = {"openai-compatible": "openai-chat", "openai": "openai-chat", "anthropic": "anthropic", "google": "gemini"}


def render(target: ClientTarget) -> ClientExport:
    """The provider object for this key."""
    need_key(target, LABEL)
    name = f"{target.name.strip()} - {target.key_name.strip() or f'Token {target.key_id}'}".strip()
    models = model_ids([*target.models, target.model])
    if not models:
        raise ValidationError("Cursor++ needs at least one model: sync the account's models or name one.")
    selection = f"{target.account_id}:{target.key_id}"
    provider = {"id": f"{slugify(name)}-{fnv1a(selection)}", "name": name,
                "type": TYPES.get(target.api_type, "openai-chat"),
                "baseUrl": coerce_suffix(target.base_url, "/v1").rstrip("/"),
                "auth": {"kind": "apiKey", "value": target.api_key},
                "models": [{"id": m, "apiModel": m, "defaultOn": True} for m in models]}
    return ClientExport(format=FORMAT, kind="snippet", text=pretty_json(provider), mime="application/json",
                        note="Add this object to the \"providers\" list of ~/.ccursor/providers.json. "
                             "It carries the key.")
