"""The one report protocol (L0): what every user action returns to the CLI and the pages.

``summary()`` is one sentence, ``rows()`` one dict per item (what ``--json`` prints), and
``exit_code()`` the CLI's exit status (0 all done, 1 something failed or needs the user). All
three are methods on every report, so both surfaces treat any report the same way;
``tests/test_reports.py`` holds each report class to it.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

__all__ = ["Report"]


@runtime_checkable
class Report(Protocol):
    def summary(self) -> str: ...

    def rows(self) -> list[dict[str, Any]]: ...

    def exit_code(self) -> int: ...
