"""Domain errors: each carries one clear sentence for the user.

The CLI prints ``str(err)`` to stderr and exits 2 (bad input) or 1; the dashboard shows it in
an error box. No traceback and no secret ever reaches the user through these.
"""

__all__ = ["AllhubError", "ValidationError", "StoreError", "StoreBusy", "NotFound", "DuplicateAccount"]


class AllhubError(Exception):
    """Base class: ``str(err)`` is a complete sentence meant for the user."""


class ValidationError(AllhubError):
    """The user's input is not acceptable; nothing was changed."""


class StoreError(AllhubError):
    """The database or its key file cannot be used."""


class StoreBusy(StoreError):
    """Another process held the database lock for longer than we were willing to wait."""


class NotFound(AllhubError):
    """An id that names no account or tag."""


class DuplicateAccount(AllhubError):
    """An account with the same origin and user id exists (and duplicates were not allowed)."""

    def __init__(self, message: str, existing: list[dict] | None = None):
        super().__init__(message)
        self.existing = existing or []
