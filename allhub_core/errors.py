"""One error tree: every error allhub means a person to read is an ``AllhubError``.

``str(err)`` is one complete sentence for the user, free of secrets, and names no CLI flag
(the dashboard shows the same sentence). ``err.title`` is a short heading for an error box.
Wrap a lower error with ``raise SomeError(...) from exc``: the cause stays for debugging
(``ALLHUB_DEBUG=1``), and the message is written so it never needs the cause's text.

The CLI maps the tree to exit codes once (``allhub_core.cli.main``); a page catches it once
(``pages/_ui.user_errors``). Standard library only (layer L0, see docs/architecture.md).
"""

from __future__ import annotations

__all__ = [
    "AllhubError",
    "DuplicateAccount",
    "NotFound",
    "SiteError",
    "StoreBusy",
    "StoreError",
    "ValidationError",
]


class AllhubError(Exception):
    """Base class: ``str(err)`` is a complete sentence meant for the user."""

    title = "Something went wrong"

    def __init__(self, message: str = "", *, title: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if title is not None:
            self.title = title


class ValidationError(AllhubError):
    """The user's input is not acceptable; nothing was changed."""

    title = "Not accepted"


class StoreError(AllhubError):
    """The database or its key file cannot be used."""

    title = "Database problem"


class StoreBusy(StoreError):
    """Another process held the database lock for longer than we were willing to wait."""

    title = "Database busy"


class NotFound(AllhubError):
    """An id that names no account or tag."""

    title = "Not found"


class DuplicateAccount(AllhubError):
    """An account with the same origin and user id exists (and duplicates were not allowed)."""

    title = "Duplicate account"

    def __init__(self, message: str, existing: list[dict] | None = None):
        super().__init__(message)
        self.existing = existing or []


class SiteError(AllhubError):
    """A call to a relay site failed.  ``str(err)`` is the human reason, already scrubbed.

    ``health_status`` is what this failure means for the account (docs/health.md); the
    subclasses in ``allhub_core.net`` set it.
    """

    title = "The site did not answer as expected"
    health_status: str = "unknown"
    kind: str = "site"

    def __init__(self, reason: str, *, http_status: int | None = None, ambiguous: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.http_status = http_status
        # True when a non-idempotent request may have been processed anyway
        # (read timeout, 5xx after sending): callers must re-read state, not resend.
        self.ambiguous = ambiguous
