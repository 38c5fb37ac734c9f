"""A sample text to paste on the Redeem page (``allhub demo`` leaves one with the sandbox's unused
codes). It holds codes, so it is kept sealed in the store's ``meta`` (``store.set_secret``), never
in the preferences a backup exports."""

from __future__ import annotations

from allhub_core.store import Store, get_secret, set_secret

__all__ = ["sample_text", "set_sample_text"]

_NAME = "redeem.sample_text"


def sample_text(store: Store) -> str | None:
    """The sample text, or None when there is none."""
    return get_secret(store, _NAME)


def set_sample_text(store: Store, text: str | None) -> None:
    """Keep ``text`` as the sample (None or '' forgets it)."""
    set_secret(store, _NAME, text)
