"""Relay API keys: fetch them into the store, create, change, reveal, delete (docs/site-api.md 7,
shared/spec/upstream-features.md 2); the "every account has a key" rules are in ``keys_ensure``,
one account's key calls in ``_key_account``, the checks of what a user gives in ``_key_input``.

Every site call goes through the ``sites`` facade with no database lock held (``store.released``);
what came back is written in one transaction (``keys.store_keys`` and the tokens a Sub2API site
rotated on the way). Accounts on different sites are asked at the same time, those on one site
one after the other, each request under the run's politeness (``politeness_for``: the sites'
windows, the critical window of key reveals).

``update_key`` changes one key: only what the caller gave, the rest as the site lists it at that
moment (New API's update sets every field from its body).

A key's secret reaches the caller of ``reveal_key`` / ``reveal_keys`` only (several masked keys
in one request where New API has its batch reveal); it is stored only with ``keep=True``
(sealed, ``keys.keep_secret``) and never appears in a report, a log or an error (every message
is scrubbed with the account's secrets and every key seen).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from allhub_core.errors import AllhubError, NotFound, SiteError, ValidationError
from allhub_core.keys import is_masked, keep_secret, kept_secret, key_rows, store_keys, upsert_key
from allhub_core.site_kinds import client_key
from allhub_core.sites import ApiToken, Politeness, TokenSpec
from allhub_core.store import Store
from allhub_core.sync._key_account import (
    DEFAULT_KEY_NAME,
    KeyAccount,
    KeyOutcome,
    accounts_of,
    group_key_name,
    key_record,
    listed_keys,
    on_account,
    one_account,
    store_listed,
)
from allhub_core.sync._key_input import (
    CREATED_KEY_NAME,
    MAX_NAME,
    allow_ips_text,
    check_key_id,
    clean_text,
    expiry,
    model_limits_text,
    quota,
    update_expiry,
    update_quota,
)
from allhub_core.sync._lanes import network, per_site
from allhub_core.sync.keys_ensure import KeyEnsureReport, ensure_keys, provision_default_key

__all__ = [
    "DEFAULT_KEY_NAME",
    "KeyCreateReport",
    "KeyDeleteReport",
    "KeyEnsureReport",
    "KeySyncReport",
    "create_key",
    "delete_keys",
    "ensure_keys",
    "group_key_name",
    "provision_default_key",
    "reveal_key",
    "reveal_keys",
    "sync_keys",
    "update_key",
]


# -- sync ------------------------------------------------------------------------------------


@dataclass
class KeySyncReport:
    """What ``sync_keys`` did, one row per account."""

    outcomes: list[KeyOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    def summary(self) -> str:
        keys = sum(o.keys for o in self.outcomes if o.status == "ok")
        return (f"Keys sync: {len(self.outcomes)} account(s), {keys} key(s) stored; {self.count('ok')} fetched, "
                f"{self.count('unsupported')} unsupported, {self.count('skipped')} skipped, "
                f"{self.count('failed')} failed.")

    def rows(self) -> list[dict[str, Any]]:
        """One row per account: account_id, site_name, status, keys, message."""
        return [{"account_id": o.account_id, "site_name": o.site_name, "status": o.status, "keys": o.keys,
                 "message": o.message} for o in self.outcomes]

    def exit_code(self) -> int:
        return 1 if self.count("failed") else 0


def sync_keys(store: Store, ids: list[Any] | None = None, politeness: Politeness | None = None) -> KeySyncReport:
    """Fetch every key of these accounts (all enabled accounts when ``ids`` is None) into the store."""
    accounts = accounts_of(store, ids, politeness)
    fetched = datetime.now(UTC)

    async def one(a: KeyAccount) -> tuple[KeyOutcome, list[ApiToken] | None]:
        o, listed = await listed_keys(a)
        if listed is not None:
            o.keys = len(listed)
        return o, listed

    results = network(store, lambda: per_site(accounts, one))
    with store.write() as con:
        for a, (_o, listed) in zip(accounts, results, strict=True):
            a.save_rotated(store, con)
            if listed is not None:
                store_listed(store, a, listed, fetched, con)
    return KeySyncReport([o for o, _ in results])


# -- create ----------------------------------------------------------------------------------

@dataclass
class KeyCreateReport:
    """The key ``create_key`` made: its row as ``keys list`` shows it (no secret)."""

    account_id: int
    row: dict[str, Any]

    def summary(self) -> str:
        return f"Created key '{self.row.get('name', '')}' (id {self.row.get('key_id')}) on account {self.account_id}."

    def rows(self) -> list[dict[str, Any]]:
        return [dict(self.row)]

    def exit_code(self) -> int:
        return 0


def create_key(store: Store, account_id: Any, *, name: str | None = None, group: str | None = None,
               quota_usd: Any = None, unlimited: bool | None = None, expires: date | str | None = None,
               model_limits: Iterable[str] | str | None = None, allow_ips: Iterable[str] | str | None = None,
               politeness: Politeness | None = None) -> KeyCreateReport:
    """Create one key on the account's site (``quota_usd`` or unlimited, the default; ``expires``
    a day after today, or never; ``model_limits``: only these models; ``allow_ips``: only from
    these addresses or networks) and add it to the cache. Input is checked before any request."""
    key_name = clean_text(name, "name", MAX_NAME) or CREATED_KEY_NAME
    key_group = clean_text(group, "group", 64)
    is_unlimited, remain = quota(quota_usd, unlimited)
    expired_time = expiry(expires)
    models, ips = model_limits_text(model_limits), allow_ips_text(allow_ips)
    a = one_account(store, account_id, politeness)

    async def go() -> ApiToken:
        return await a.create(key_name, group=key_group, remain_quota=remain, unlimited=is_unlimited,
                              expired_time=expired_time, model_limits=models, allow_ips=ips)

    made = on_account(store, a, go)
    with store.write() as con:
        a.save_rotated(store, con)
        upsert_key(store, a.id, key_record(made), con=con)
    row = next(r for r in key_rows(store, [a.id]) if r["key_id"] == str(made.id))
    return KeyCreateReport(a.id, row)


# -- update ----------------------------------------------------------------------------------


def update_key(store: Store, account_id: Any, key_id: Any, *, name: str | None = None, quota_usd: Any = None,
               unlimited: bool | None = None, expires: date | str | None = None,
               politeness: Politeness | None = None) -> dict[str, Any]:
    """Change one key on the account's site: only what is given (``name``; ``quota_usd`` left, or
    ``unlimited``; ``expires`` a day after today, or ``"never"``), the rest as the site has it now
    (New API sets every field from the update, so the key is read from the site first). The key
    is stored as the site lists it after, and its row returned as ``keys list`` shows it (no
    secret). Input is checked before any request; a key the site does not have is ``NotFound``."""
    kid = check_key_id(key_id)
    key_name = None if name is None else clean_text(name, "name", MAX_NAME)
    if key_name == "":
        raise ValidationError("A key's name may not be empty.")
    quota = update_quota(quota_usd, unlimited)
    expired_time = update_expiry(expires)
    if key_name is None and quota is None and expired_time is None:
        raise ValidationError("Nothing to change: give a new name, a quota or unlimited, or an expiry.")
    a = one_account(store, account_id, politeness)

    async def go() -> ApiToken:
        current = next((t for t in await a.tokens() if t.id == kid), None)
        if current is None:
            raise NotFound(f"Account {a.id} has no key with id {kid}.")
        is_unlimited, remain = quota if quota is not None else (
            bool(current.unlimited_quota), current.remain_quota or 0)
        spec = TokenSpec(
            key_name if key_name is not None else current.name, remain_quota=remain, unlimited_quota=is_unlimited,
            expired_time=expired_time if expired_time is not None else (
                current.expired_time if current.expired_time is not None else -1),
            model_limits_enabled=bool(current.model_limits_enabled), model_limits=current.model_limits or "",
            allow_ips=current.allow_ips or "", group=current.group or "")
        return await a.update(kid, spec)

    updated = on_account(store, a, go)
    with store.write() as con:
        a.save_rotated(store, con)
        upsert_key(store, a.id, key_record(updated), con=con)
    return next(r for r in key_rows(store, [a.id]) if r["key_id"] == kid)


# -- reveal ----------------------------------------------------------------------------------


def reveal_keys(store: Store, account_id: Any, key_ids: Iterable[Any], *, keep: bool = False,
                politeness: Politeness | None = None) -> dict[str, str]:
    """The full keys of these keys of one account, ``{key id: key}``: those the user kept from the
    store; then one list (sites that list full keys: One API, OneHub, Sub2API answer all at once),
    and the keys still masked revealed together: New API's batch reveal (one request per 100
    keys), one reveal per key on forks without it; under the critical window either way.
    ``keep``: store each, sealed. A key the site does not have is an error; nothing is kept then.
    Each key is returned as a client takes it (``site_kinds.client_key``: ``sk-...`` on the One/New
    API family, whose sites reveal keys without it)."""
    ids = list(dict.fromkeys(check_key_id(k) for k in key_ids))
    if not ids:
        raise ValidationError("Name at least one key to reveal.")
    a = one_account(store, account_id, politeness)
    found = {k: s for k in ids if (s := kept_secret(store, a.id, k)) is not None}
    missing = [k for k in ids if k not in found]
    listed: list[ApiToken] = []

    async def go() -> dict[str, str]:
        nonlocal listed
        got: dict[str, str] = {}
        listed = await a.tokens()
        by_id = {t.id: t for t in listed}
        absent = [k for k in missing if k not in by_id]
        if absent:
            raise NotFound(f"Account {a.id} has no key with id {absent[0]}.")
        masked = []
        for k in missing:
            t = by_id[k]
            if t.key and not t.masked and not is_masked(t.key):
                got[k] = t.key
            else:
                masked.append(k)
        if masked:
            revealed = await a.reveal_many(masked)
            lost = [k for k in masked if not revealed.get(k)]
            if lost:
                raise SiteError(f"The site did not reveal key {lost[0]}.")
            got.update({k: revealed[k] for k in masked})
        return got

    if missing:
        found.update(on_account(store, a, go))
    with store.write() as con:
        a.save_rotated(store, con)
        if listed:
            store_keys(store, a.id, [key_record(t) for t in listed], con=con)
        if keep:
            for k in ids:
                keep_secret(store, a.id, k, found[k], con=con)
    # as a client takes it: ``sk-`` in front on the One/New API family (kept as the site gave it)
    return {k: client_key(found[k], a.creds.site_type) for k in ids}


def reveal_key(store: Store, account_id: Any, key_id: Any, *, keep: bool = False,
               politeness: Politeness | None = None) -> str:
    """The full key of one key (see ``reveal_keys``); ``keep`` stores it, sealed."""
    kid = check_key_id(key_id)
    return reveal_keys(store, account_id, [kid], keep=keep, politeness=politeness)[kid]


# -- delete ----------------------------------------------------------------------------------

@dataclass
class KeyDeleteReport:
    """What ``delete_keys`` did, one row per key."""

    account_id: int
    results: list[tuple[str, bool, str]] = field(default_factory=list)

    def summary(self) -> str:
        done = sum(1 for _, ok, _ in self.results if ok)
        failed = len(self.results) - done
        tail = f"; {failed} could not be deleted." if failed else "."
        return f"Deleted {done} key(s) of account {self.account_id}{tail}"

    def rows(self) -> list[dict[str, Any]]:
        return [{"account_id": self.account_id, "key_id": k, "ok": ok, "message": m} for k, ok, m in self.results]

    def exit_code(self) -> int:
        return 1 if any(not ok for _, ok, _ in self.results) else 0


def delete_keys(store: Store, account_id: Any, key_ids: Iterable[Any],
                politeness: Politeness | None = None) -> KeyDeleteReport:
    """Delete these keys on the account's site and from the cache. The keys are listed first: one
    the site does not have stops everything before anything is deleted."""
    ids = list(dict.fromkeys(check_key_id(k) for k in key_ids))
    if not ids:
        raise ValidationError("Name at least one key to delete.")
    a = one_account(store, account_id, politeness)
    report = KeyDeleteReport(a.id)
    listed: list[ApiToken] = []

    async def go() -> None:
        nonlocal listed
        listed = await a.tokens()
        have = {t.id for t in listed}
        absent = [k for k in ids if k not in have]
        if absent:
            raise NotFound(f"Account {a.id} has no key with id {absent[0]}; nothing was deleted.")
        for k in ids:
            try:
                await a.delete(k)
                report.results.append((k, True, ""))
            except AllhubError as exc:
                report.results.append((k, False, a.clean(exc)))

    on_account(store, a, go)
    gone = {k for k, ok, _ in report.results if ok}
    with store.write() as con:
        a.save_rotated(store, con)
        store_keys(store, a.id, [key_record(t) for t in listed if t.id not in gone], con=con)
    return report


# -- ensure ----------------------------------------------------------------------------------


# -- after adding an account -----------------------------------------------------------------

