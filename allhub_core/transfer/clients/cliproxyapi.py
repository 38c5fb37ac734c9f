"""CLIProxyAPI's provider entry for one key (``allhub export-client cliproxyapi``): the
``openai-compatibility`` item of its ``config.yaml``, as YAML ready to paste under that list.

The entry is ``push_payloads.cliproxy_entry``'s, the one a push through CLIProxyAPI's management
API writes, so the snippet and the push cannot differ. Every string is written as a JSON string,
which YAML reads as a double-quoted scalar: a name with a colon or a quote stays one value.
"""

from __future__ import annotations

import json
from typing import Any

from allhub_core.transfer.clients.push_payloads import cliproxy_entry
from allhub_core.transfer.clients.types import ClientExport, ClientTarget

__all__ = ["LABEL", "render", "yaml_entry"]

LABEL = "CLIProxyAPI"

NOTE = ("Paste under `openai-compatibility:` in CLIProxyAPI's config.yaml (or push it with its "
        "management API). It contains the key in plain text.")


def _q(value: Any) -> str:
    return json.dumps(str(value), ensure_ascii=False)


def yaml_entry(entry: dict[str, Any]) -> str:
    """One ``openai-compatibility`` list item as YAML, under its list key."""
    lines = ["openai-compatibility:", f"  - name: {_q(entry['name'])}", f"    base-url: {_q(entry['base-url'])}",
             "    api-key-entries:"]
    lines += [f"      - api-key: {_q(row['api-key'])}" for row in entry["api-key-entries"]]
    if entry.get("models"):
        lines.append("    models:")
        for m in entry["models"]:
            lines.append(f"      - name: {_q(m['name'])}")
            if m.get("alias"):
                lines.append(f"        alias: {_q(m['alias'])}")
    return "\n".join(lines) + "\n"


def render(target: ClientTarget) -> ClientExport:
    """The provider entry for ``target``'s key (kind ``snippet``)."""
    return ClientExport(format="cliproxyapi", kind="snippet", text=yaml_entry(cliproxy_entry(target)),
                        filename="cliproxyapi-provider.yaml", mime="application/yaml", note=NOTE)
