"""An import's API credentials (``Bundle.credentials``: only a backup with secrets has them): the
ones whose key the library does not hold yet are added, in the import's one transaction, in
merge and in replace alike. A replace never removes a credential: the library is not part of
what "the backup becomes the store" replaces (a file without secrets holds no credential, and
replacing by one would throw the keys away).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from allhub_core.credentials.library import add_credential_records, credentials_to_add
from allhub_core.store import SecretBox
from allhub_core.transfer.bundle import Bundle

__all__ = ["CredentialCounts", "plan_credentials", "write_credentials"]


@dataclass(frozen=True)
class CredentialCounts:
    """What an import does with a file's credentials: ``new`` added, ``known`` left (the key is
    in the library, or earlier in the file), ``unreadable`` left (no key, a bad field)."""

    new: int = 0
    known: int = 0
    unreadable: int = 0

    def text(self, *, done: bool) -> str:
        """'; credentials: 2 new, 1 already here' for a preview (``done``: '2 added'); '' when
        the file has none."""
        if not (self.new or self.known or self.unreadable):
            return ""
        parts = [f"{self.new} {'added' if done else 'new'}"]
        parts += [f"{self.known} already here"] if self.known else []
        parts += [f"{self.unreadable} unreadable"] if self.unreadable else []
        return "; credentials: " + ", ".join(parts)

    def as_json(self) -> dict[str, int]:
        return {"new": self.new, "existing": self.known, "unreadable": self.unreadable}


def plan_credentials(con: duckdb.DuckDBPyConnection, bundle: Bundle) -> CredentialCounts:
    """What ``write_credentials`` would do, read on the caller's connection."""
    if not bundle.credentials:
        return CredentialCounts()
    todo, known, bad = credentials_to_add(con, bundle.credentials)
    return CredentialCounts(len(todo), known, bad)


def write_credentials(con: duckdb.DuckDBPyConnection, box: SecretBox, bundle: Bundle) -> CredentialCounts:
    """Add the file's new credentials inside the caller's transaction."""
    if not bundle.credentials:
        return CredentialCounts()
    done = add_credential_records(con, box, bundle.credentials)
    return CredentialCounts(done["added"], done["known"], done["unreadable"])
