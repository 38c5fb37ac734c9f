"""Codex CLI: a custom provider in ``~/.codex/config.toml``. ``base_url`` gets ``/v1`` (Codex adds
``/responses``; the same rule as CC Switch's Codex endpoint), ``wire_api = "responses"`` (the only
value recent Codex accepts), and the key as ``experimental_bearer_token`` so the snippet works on
its own. The provider id is the site name's slug."""

from __future__ import annotations

import json

from allhub_core.transfer.clients._common import need_key, slugify
from allhub_core.transfer.clients.cc_switch import endpoint_for
from allhub_core.transfer.clients.types import ClientExport, ClientTarget

__all__ = ["FORMAT", "LABEL", "render"]

FORMAT = "codex"
LABEL = "Codex CLI"


def _toml(value: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's (``\\"``, ``\\\\``, ``\\n``, ``\\uXXXX``)."""
    return json.dumps(value, ensure_ascii=False)


def render(target: ClientTarget) -> ClientExport:
    """The config.toml snippet for this key."""
    need_key(target, LABEL)
    pid = slugify(target.name.strip() or target.base_url)
    lines = [f"model_provider = {_toml(pid)}"]
    if target.model and target.model.strip():
        lines.append(f"model = {_toml(target.model.strip())}")
    lines += ["", f"[model_providers.{pid}]", f"name = {_toml(target.name.strip() or pid)}",
              f"base_url = {_toml(endpoint_for('codex', target.base_url))}", 'wire_api = "responses"',
              f"experimental_bearer_token = {_toml(target.api_key)}"]
    return ClientExport(format=FORMAT, kind="snippet", text="\n".join(lines) + "\n", filename="config.toml",
                        mime="application/toml",
                        note="Add to ~/.codex/config.toml (top-level keys before any [table]). It carries the key.")
