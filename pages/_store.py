"""Where the database of this dashboard is: ``ALLHUB_DB``, else the default path."""

from __future__ import annotations

import os

from allhub_core.store import default_db_path

__all__ = ["db_path"]


def db_path() -> str:
    return os.environ.get("ALLHUB_DB") or default_db_path()
