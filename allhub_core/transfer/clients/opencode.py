"""OpenCode: a custom provider in ``opencode.json`` (the same provider shape Kilo Code 7, an
OpenCode fork, imports): ``{"$schema", provider: {<id>: {npm, name, options: {baseURL, apiKey},
models: {<model>: {name}}}}[, model: "<id>/<model>"]}``; ``baseURL`` ends in ``/v1``."""

from __future__ import annotations

from allhub_core.transfer.clients._common import coerce_suffix, model_ids, need_key, pretty_json, slugify
from allhub_core.transfer.clients.kilo_code import NPM
from allhub_core.transfer.clients.types import ClientExport, ClientTarget

__all__ = ["FORMAT", "LABEL", "render"]

FORMAT = "opencode"
LABEL = "OpenCode"


def render(target: ClientTarget) -> ClientExport:
    """The opencode.json snippet for this key (its models, the chosen one as the default)."""
    need_key(target, LABEL)
    pid = slugify(target.name.strip() or target.base_url)
    models = model_ids([*target.models, target.model])
    config: dict = {"$schema": "https://opencode.ai/config.json",
                    "provider": {pid: {"npm": NPM.get(target.api_type, NPM["openai-compatible"]),
                                       "name": target.name.strip() or pid,
                                       "options": {"baseURL": coerce_suffix(target.base_url, "/v1"),
                                                   "apiKey": target.api_key},
                                       "models": {m: {"name": m} for m in models}}}}
    if target.model and target.model.strip():
        config["model"] = f"{pid}/{target.model.strip()}"
    return ClientExport(format=FORMAT, kind="snippet", text=pretty_json(config) + "\n", filename="opencode.json",
                        mime="application/json",
                        note="Merge into ~/.config/opencode/opencode.json (or opencode.json in a project). "
                             "It carries the key.")
