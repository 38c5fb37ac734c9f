"""Facades that import each name on first use (PEP 562), below the rooms.

A facade (``sync``, ``automation``) lists where each of its names lives; ``lazy_facade`` gives it
the module ``__getattr__`` and ``__dir__`` that import the home module when the name is first
asked for, then keep the value in the facade (the next use is a plain lookup). A command then
loads only the flows it runs. The facade's ``TYPE_CHECKING`` imports stay what type checkers and
import-linter read; ``tests/test_architecture.py`` holds the two lists to each other.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_facade"]


def lazy_facade(package: str, homes: Mapping[str, tuple[str, str]]
                ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for the module ``package``, whose names live at
    ``homes[name] = (module, attribute)``.

    A name may not be a submodule's too: importing ``package.name`` (from anywhere, at any time)
    makes Python bind the submodule to the package's attribute ``name``, and the facade would then
    hand out the module instead of the function (``sync.diagnose`` did, once ``sync.Diagnosis``
    had loaded its module); such a facade is refused when it is made."""
    spec = sys.modules[package].__spec__
    entries = {entry.name.partition(".")[0] for folder in (spec and spec.submodule_search_locations) or ()
               for entry in os.scandir(folder)}  # modules (name.py) and subpackages, one listing
    clashes = sorted(set(homes) & entries)
    if clashes:
        raise ImportError(f"{package}: {', '.join(clashes)} would be shadowed by the submodule of the same name")

    def __getattr__(name: str) -> Any:
        try:
            module, attr = homes[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        value = getattr(importlib.import_module(module), attr)
        vars(sys.modules[package])[name] = value  # the next use is a plain lookup
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *homes})

    return __getattr__, __dir__
