"""Services that join the store and the sites layer (filled in with the network issue)."""

from __future__ import annotations

from .accounts import AccountInput

__all__ = ["recognize_and_fill"]


def recognize_and_fill(data: AccountInput, *, password=None, explicit_site_type=False,
                       explicit_rate=False) -> tuple[AccountInput, str]:
    raise NotImplementedError
