"""Claude Code: the ``env`` block of ``~/.claude/settings.json`` (what CC Switch writes for its
``claude`` app): ``ANTHROPIC_BASE_URL`` is the base URL as stored (Claude Code adds
``/v1/messages`` itself), ``ANTHROPIC_AUTH_TOKEN`` the key, ``ANTHROPIC_MODEL`` the chosen model."""

from __future__ import annotations

from allhub_core.transfer.clients._common import need_key, pretty_json
from allhub_core.transfer.clients.types import ClientExport, ClientTarget

__all__ = ["FORMAT", "LABEL", "render"]

FORMAT = "claude-code"
LABEL = "Claude Code"


def render(target: ClientTarget) -> ClientExport:
    """The settings snippet for this key."""
    need_key(target, LABEL)
    env = {"ANTHROPIC_BASE_URL": target.base_url, "ANTHROPIC_AUTH_TOKEN": target.api_key}
    if target.model and target.model.strip():
        env["ANTHROPIC_MODEL"] = target.model.strip()
    return ClientExport(format=FORMAT, kind="snippet", text=pretty_json({"env": env}) + "\n",
                        filename="settings.json", mime="application/json",
                        note="Merge into ~/.claude/settings.json (or .claude/settings.json in a project). "
                             "It carries the key.")
