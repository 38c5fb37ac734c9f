"""Kelivo (mobile): a share code and its QR image (the extension's
``src/services/integrations/kelivo.ts``, after Kelivo 1.2.1's own importer).

``ai-provider:v1:<Base64 of the UTF-8 JSON {type, name, apiKey[, baseUrl]}>``: ``type`` is
``openai`` (OpenAI and OpenAI-compatible), ``claude`` or ``google``; ``baseUrl`` ends in ``/v1``,
and Google has none (Kelivo always uses ``generativelanguage.googleapis.com/v1beta``). Desktop
Kelivo has no import: the user types the values in."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

from allhub_core.errors import ValidationError
from allhub_core.transfer.clients._common import b64, coerce_suffix, js_json, need_key
from allhub_core.transfer.clients.types import ClientExport, ClientTarget

__all__ = ["FORMAT", "LABEL", "PREFIX", "qr_svg", "render"]

FORMAT = "kelivo"
LABEL = "Kelivo"
PREFIX = "ai-provider:v1:"
_TYPES = {"openai": "openai", "openai-compatible": "openai", "anthropic": "claude", "google": "google"}


def qr_svg(text: str) -> str:
    """The QR code of ``text`` as an SVG document (segno: pure Python, the same picture each time)."""
    import segno  # noqa: PLC0415 - loaded only when a share code is made

    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="svg", scale=5, border=2, xmldecl=False)
    return out.getvalue().decode("utf-8")


def render(target: ClientTarget) -> ClientExport:
    """The share code for this key, with its QR image."""
    need_key(target, LABEL)
    kind = _TYPES.get(target.api_type)
    if kind is None:
        raise ValidationError(f"Kelivo takes OpenAI, Claude or Google providers, not '{target.api_type}'.")
    name, key = target.name.strip(), target.api_key.strip()
    if not name:
        raise ValidationError("Kelivo needs a provider name.")
    parts = urlsplit(target.base_url.strip())
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValidationError("Kelivo needs a base URL without credentials, query or fragment.")
    payload = {"type": kind, "name": name, "apiKey": key}
    if kind != "google":
        payload["baseUrl"] = coerce_suffix(target.base_url, "/v1")
    code = PREFIX + b64(js_json(payload))
    return ClientExport(format=FORMAT, kind="share", text=code, qr_svg=qr_svg(code),
                        note="In Kelivo (mobile): Providers → import, then scan the QR code or paste the code. "
                             "The code carries the key.")
