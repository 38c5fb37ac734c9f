"""Encrypted columns: the one way a value is sealed with the store's key (``SecretBox``) before it
reaches DuckDB, and opened again.

A sealed value lives in a column named ``<name>_enc`` (an account's ``access_token_enc``,
``cookie_enc``, ``refresh_token_enc``; a notification channel's ``url_enc``) or in a named
``meta`` row (``secrets``: the WebDAV password). An empty value is stored as NULL, never as the
ciphertext of "". Plain text never leaves these functions except to the caller that asked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from allhub_core.store.crypto import SecretBox

__all__ = ["enc_column", "open_one", "opened", "seal_one", "sealed"]


def enc_column(name: str) -> str:
    """The column that holds ``name`` sealed: ``access_token`` -> ``access_token_enc``."""
    return f"{name}_enc"


def seal_one(box: SecretBox, value: str | None) -> bytes | None:
    """One value sealed (None for an empty one)."""
    return box.encrypt(value)


def open_one(box: SecretBox, blob: bytes | None) -> str | None:
    """One sealed value in plain text (None for NULL); a key that does not fit is one sentence."""
    return box.decrypt(blob)


def sealed(box: SecretBox, plain: Mapping[str, str | None], *, skip_empty: bool = False) -> dict[str, bytes | None]:
    """``{name: text}`` -> ``{name_enc: ciphertext}``; ``skip_empty`` leaves out empty values
    (so an UPDATE does not clear their columns)."""
    return {enc_column(k): seal_one(box, v) for k, v in plain.items() if v or not skip_empty}


def opened(box: SecretBox, names: Iterable[str], blobs: Iterable[bytes | None]) -> dict[str, str | None]:
    """The plain text of each name's sealed value, ``blobs`` in the order of ``names``."""
    return {name: open_one(box, blob) for name, blob in zip(names, blobs, strict=True)}
