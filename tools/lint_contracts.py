"""Import-linter contract types of our own, registered in ``pyproject.toml`` (``contract_types``).

``allowlist``: the modules of ``source_modules`` (and everything under them) may import only the
standard library and the modules named in ``allowed_modules``. Import-linter's own ``forbidden``
contract needs the forbidden packages named one by one, so a new dependency would slip past it; an
allow-list cannot be outgrown that way. ``lint-imports`` puts the working directory on ``sys.path``,
which is how it finds this module.
"""

from __future__ import annotations

import sys

import grimp
from importlinter import Contract, ContractCheck, fields, output

__all__ = ["AllowListContract"]

_STDLIB = frozenset(sys.stdlib_module_names) | {"__future__"}


def _top(name: str) -> str:
    return name.split(".", 1)[0]


class AllowListContract(Contract):
    """Modules that may import only the standard library and a named list of modules."""

    type_name = "allowlist"

    source_modules = fields.ListField(subfield=fields.ModuleField())
    allowed_modules = fields.ListField(subfield=fields.ModuleField(), required=False)

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        allowed = {m.name for m in (self.allowed_modules or [])}  # type: ignore[union-attr]
        sources = {m.name for m in self.source_modules}  # type: ignore[attr-defined]
        importers: set[str] = set()
        for name in sources:
            importers.add(name)
            if graph.find_children(name):
                importers |= graph.find_descendants(name)
        broken: list[dict[str, str]] = []
        for importer in sorted(importers):
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                if imported in importers or _top(imported) in _STDLIB:
                    continue
                if any(imported == a or imported.startswith(a + ".") for a in allowed):
                    continue
                broken.append({"importer": importer, "imported": imported})
        return ContractCheck(kept=not broken, metadata={"broken": broken})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for item in check.metadata["broken"]:
            output.print_error(f"{item['importer']} imports {item['imported']}, which is not on the allow-list.")
            output.new_line()
