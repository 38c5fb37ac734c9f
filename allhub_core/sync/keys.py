"""Relay API keys of an account: the default key created after adding one."""

from __future__ import annotations

import asyncio
from typing import Any

from allhub_core.accounts import parse_id
from allhub_core.errors import SiteError
from allhub_core.sites import create_token, family_for, list_tokens
from allhub_core.store import Store
from allhub_core.sync.credentials import credentials_for
from allhub_core.vocab import AuthType

__all__ = ["DEFAULT_KEY_NAME", "provision_default_key"]

DEFAULT_KEY_NAME = "user group (auto)"


def provision_default_key(store: Store, account_id: Any) -> str:
    """Create ``user group (auto)`` when the account has no key; a sentence saying what happened."""
    aid = parse_id(account_id)
    creds = credentials_for(store, [aid], only_enabled=False)
    c = creds[0]
    # Sites whose keys are not plain New API tokens (Sub2API): their family says no
    # (``SiteKind.auto_default_key``), as the extension does not auto-create there.
    if c.auth_type == AuthType.NONE or not family_for(c.site_type).auto_default_key:
        return "Skipped creating a default API key: this site type does not allow it."

    async def go() -> str:
        if await list_tokens(c):
            return "The account already has an API key. Skipped auto-creation."
        await create_token(c, name=DEFAULT_KEY_NAME)
        return f"Created a default API key ({DEFAULT_KEY_NAME})."

    try:
        with store.released():
            return asyncio.run(go())
    except SiteError as exc:  # never roll back the add for this
        return f"Account saved, but failed to auto-create an API key: {exc}"
