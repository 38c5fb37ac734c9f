"""Cherry Studio: a deeplink that opens the installed app on its "add provider" screen
(the extension's ``src/services/integrations/cherryStudio.ts``).

``cherrystudio://providers/api-keys?v=1&data=<Base64 of the UTF-8 JSON {id, baseUrl, apiKey,
name}>``: the Base64 is the standard alphabet with padding, put in the link as it is (not
percent-encoded), and ``baseUrl`` is the account's base URL as stored (no ``/v1``)."""

from __future__ import annotations

from allhub_core.transfer.clients._common import b64, js_json, need_key
from allhub_core.transfer.clients.types import ClientExport, ClientTarget

__all__ = ["FORMAT", "LABEL", "render"]

FORMAT = "cherry-studio"
LABEL = "Cherry Studio"


def render(target: ClientTarget) -> ClientExport:
    """The deeplink for this key. ``id``: the account's id (the extension sends its account id),
    or the base URL for a key with no account."""
    need_key(target, LABEL)
    data = {"id": target.account_id or target.base_url, "baseUrl": target.base_url, "apiKey": target.api_key,
            "name": target.name}
    return ClientExport(format=FORMAT, kind="link", text=f"cherrystudio://providers/api-keys?v=1&data={b64(js_json(data))}",
                        note="Opens Cherry Studio (if installed) to add this provider; the link carries the key.")
