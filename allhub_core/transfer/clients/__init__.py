"""Exports to clients (part of ``transfer``, L3): a key and its base URL in each client's own
format, byte for byte what the All API Hub extension makes (see each module's docstring for the
extension's source it follows).

One module per format, each with a pure ``render(target) -> ClientExport`` (``kilo-code`` and
``roo-code`` also ``render_many(targets)``: one file for several keys). ``FORMATS`` names them as
``allhub export-client FORMAT`` does: deeplinks (Cherry Studio, CC Switch with ``app``), a share
code with its QR image (Kelivo), settings files (Kilo Code 7, Roo Code / Kilo Code 5) and snippets
(Cursor++, Claude Code, Codex CLI, OpenCode, CLIProxyAPI). ``render_export`` is the one entry:
the flows that find and reveal the key (``sync/client_export.py``) and the credentials call it.
Pushing to a service the user runs goes through ``net`` from ``sync``, never from here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from allhub_core.errors import ValidationError
from allhub_core.transfer.clients import (
    cc_switch,
    cherry_studio,
    claude_code,
    cliproxyapi,
    codex,
    cursor,
    kelivo,
    kilo_code,
    opencode,
    roo_code,
)
from allhub_core.transfer.clients.cc_switch import APPS as CC_SWITCH_APPS
from allhub_core.transfer.clients.cc_switch import DEFAULT_APP as CC_SWITCH_DEFAULT_APP
from allhub_core.transfer.clients.types import ClientExport, ClientTarget

__all__ = ["CC_SWITCH_APPS", "CC_SWITCH_DEFAULT_APP", "FORMATS", "ClientExport", "ClientFormat", "ClientTarget",
           "check_options", "format_of", "render_export"]


@dataclass(frozen=True)
class ClientFormat:
    """One export format: its ``allhub export-client`` name, what the pages call it, the group the
    extension's Export menu puts it in, what it gives (link, file, snippet, share) and whether
    several keys go into one output (``render_many``)."""

    name: str
    label: str
    group: str
    kind: str
    render: Callable[[ClientTarget], ClientExport]
    render_many: Callable[[Sequence[ClientTarget]], ClientExport] | None = None
    needs_models: bool = False


#: Every format, in the order the pages list them.
FORMATS: dict[str, ClientFormat] = {f.name: f for f in (
    ClientFormat("cherry-studio", cherry_studio.LABEL, "chat clients", "link", cherry_studio.render),
    ClientFormat("cc-switch", cc_switch.LABEL, "coding agents", "link", cc_switch.render),
    ClientFormat("kelivo", kelivo.LABEL, "chat clients", "share", kelivo.render),
    ClientFormat("kilo-code", kilo_code.LABEL, "coding agents", "file", kilo_code.render, kilo_code.render_many,
                 needs_models=True),
    ClientFormat("roo-code", roo_code.LABEL, "coding agents", "file", roo_code.render, roo_code.render_many),
    ClientFormat("cursor", cursor.LABEL, "coding agents", "snippet", cursor.render, needs_models=True),
    ClientFormat("claude-code", claude_code.LABEL, "coding agents", "snippet", claude_code.render),
    ClientFormat("codex", codex.LABEL, "coding agents", "snippet", codex.render),
    ClientFormat("opencode", opencode.LABEL, "coding agents", "snippet", opencode.render),
    ClientFormat("cliproxyapi", "CLIProxyAPI", "gateways", "snippet", cliproxyapi.render),
)}


def format_of(name: str) -> ClientFormat:
    """The format called ``name``, or one sentence naming those there are."""
    fmt = FORMATS.get((name or "").strip().lower())
    if fmt is None:
        raise ValidationError(f"There is no client format '{name}'; choose one of: {', '.join(FORMATS)}.")
    return fmt


def check_options(name: str, app: str | None = None) -> ClientFormat:
    """The format, with its options checked, before any key is looked for: ``app`` is CC Switch's
    only (one of ``CC_SWITCH_APPS``)."""
    fmt = format_of(name)
    if app is not None and fmt.name != "cc-switch":
        raise ValidationError(f"An app is chosen for CC Switch only, not for {fmt.label}.")
    if app is not None and app not in CC_SWITCH_APPS:
        raise ValidationError(f"CC Switch has no app '{app}'; choose one of: {', '.join(CC_SWITCH_APPS)}.")
    return fmt


def render_export(name: str, targets: Sequence[ClientTarget], *, app: str | None = None) -> list[ClientExport]:
    """The exports of these keys in format ``name``: one file for them all where the format takes
    several (Kilo Code, Roo Code), else one export per key. ``app`` is CC Switch's app (claude by
    default) and is refused for every other format."""
    fmt = check_options(name, app)
    if not targets:
        raise ValidationError("Choose at least one key to export.")
    if fmt.name == "cc-switch":
        return [cc_switch.render(t, app or CC_SWITCH_DEFAULT_APP) for t in targets]
    if fmt.render_many is not None:
        return [fmt.render_many(targets)]
    return [fmt.render(t) for t in targets]
