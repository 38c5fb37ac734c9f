"""The two "every account has a key" rules, as the extension has them (docs/site-api.md 7.4,
shared/spec/upstream-features.md 2), and the default key after adding an account.

- **default key** (``ensure_keys``; ``provision_default_key`` after adding an account): an account
  with any key has one (the extension reuses the last listed); one without gets ``user group
  (auto)``: unlimited, no expiry, no limits, the account's own group. Sites whose keys need a
  group chosen (Sub2API, VoAPI v2: ``SiteKind.auto_default_key``) are skipped with a sentence.
- **a key for every group** (``ensure_keys(all_groups=True)``, the extension's 3.61 repair): the
  account's usable groups (the site's own list, ``sites.list_groups``: New API's
  ``/api/user/self/groups``, OneHub's group map, Sub2API's groups by id; else the price list's
  ``usable_group``); a group is covered by a key whose group is exactly it; each uncovered group
  gets ``<group> group (auto)`` (``user group (auto)`` for ``default``). A key in a group the
  account cannot use is reported, never deleted. A site that tells no groups falls back to the
  default-key rule. A second run creates nothing.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from allhub_core.accounts import parse_id
from allhub_core.errors import AllhubError, SiteError
from allhub_core.sites import ApiToken, Politeness, create_token, family_for, list_tokens
from allhub_core.store import Store
from allhub_core.sync._key_account import (
    DEFAULT_KEY_NAME,
    KeyAccount,
    KeyOutcome,
    accounts_of,
    group_key_name,
    listed_keys,
    store_listed,
)
from allhub_core.sync._lanes import network, per_site
from allhub_core.sync.credentials import credentials_for
from allhub_core.vocab import AuthType

__all__ = ["KeyEnsureReport", "ensure_keys", "provision_default_key"]


@dataclass
class KeyEnsureReport:
    """What ``ensure_keys`` did, one row per account (``created``: the keys it made)."""

    outcomes: list[KeyOutcome] = field(default_factory=list)
    all_groups: bool = False

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    def summary(self) -> str:
        made = sum(len(o.created) for o in self.outcomes)
        rule = "a key for every group" if self.all_groups else "a default key"
        return (f"Keys ensure ({rule}): {len(self.outcomes)} account(s), {made} key(s) created; "
                f"{self.count('ok')} already had theirs, {self.count('created')} got new ones, "
                f"{self.count('skipped') + self.count('unsupported')} skipped, {self.count('failed')} failed.")

    def rows(self) -> list[dict[str, Any]]:
        """One row per account: account_id, site_name, status, keys, groups, created, message."""
        return [{"account_id": o.account_id, "site_name": o.site_name, "status": o.status, "keys": o.keys,
                 "groups": list(o.groups), "created": [dict(c) for c in o.created], "message": o.message}
                for o in self.outcomes]

    def exit_code(self) -> int:
        return 1 if self.count("failed") else 0


async def _ensure_one(a: KeyAccount, all_groups: bool) -> tuple[KeyOutcome, list[ApiToken] | None]:
    o, listed = await listed_keys(a)
    if listed is None:
        return o, None
    tokens = list(listed)
    try:
        groups = await a.groups() if all_groups else []
    except AllhubError as exc:
        o.status, o.message, o.keys = "failed", f"The account's groups could not be read: {a.clean(exc)}", len(tokens)
        return o, tokens
    o.groups = groups
    if not groups:
        if tokens:
            o.keys, o.message = len(tokens), "Has a key already; nothing created."
            return o, tokens
        if not family_for(a.creds.site_type).auto_default_key:
            o.status = "skipped"
            o.message = "This site type needs a group chosen for a new key; create one with a group."
            return o, tokens
        wanted = [""]
    else:
        covered = {(t.group or "").strip() for t in tokens} & set(groups)
        wanted = [g for g in groups if g not in covered]
        stray = sorted({g for t in tokens if (g := (t.group or "").strip()) and g not in groups})
        if stray:
            o.message = f"Key(s) in group(s) this account cannot use: {', '.join(stray)}. "
    failures: list[str] = []
    for g in wanted:
        try:
            made = await a.create(group_key_name(g), group=g)
        except AllhubError as exc:
            failures.append(f"{g or 'its own group'}: {a.clean(exc)}")
            continue
        tokens = [t for t in tokens if t.id != made.id] + [made]
        o.created.append({"key_id": made.id, "name": made.name or group_key_name(g), "group": g})
    o.keys = len(tokens)
    if failures:
        o.status = "failed"
        o.message += "Not created for " + "; ".join(failures)
    elif o.created:
        o.status = "created"
        o.message += f"Created {len(o.created)} key(s)."
    else:
        o.message += "Every group has a key already; nothing created."
    return o, tokens


def ensure_keys(store: Store, ids: list[Any] | None = None, all_groups: bool = False,
                politeness: Politeness | None = None) -> KeyEnsureReport:
    """Every selected account (all enabled accounts when ``ids`` is None) has a key: the default
    key, or with ``all_groups`` one per usable group (see the module). A second run creates nothing."""
    accounts = accounts_of(store, ids, politeness)
    fetched = datetime.now(UTC)
    results = network(store, lambda: per_site(accounts, lambda a: _ensure_one(a, all_groups)))
    with store.write() as con:
        for a, (_o, tokens) in zip(accounts, results, strict=True):
            a.save_rotated(store, con)
            if tokens is not None:
                store_listed(store, a, tokens, fetched, con)
    return KeyEnsureReport([o for o, _ in results], all_groups=all_groups)


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
