"""Exports to clients (part of ``transfer``, L3; a floor: the package exists before it is built).

One module per client export (Cherry Studio and CC Switch deeplinks, the Kelivo share code,
Kilo Code and Roo Code settings files, the Cursor++ provider object, Claude Code, Codex CLI and
OpenCode snippets). Each turns a base URL and a key into the client's own format; pushing to a
service the user runs goes through ``net`` from ``sync``, never from here.
"""

__all__: list[str] = []
