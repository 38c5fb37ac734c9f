"""One account's key work, shared by the keys flows (``sync/keys.py``, ``sync/keys_ensure.py``):
``KeyAccount`` (its site calls, through ``SiteAsker``: rotated credentials kept and saved, every key
seen kept out of every message; reveals kept to the run's critical window), the run's accounts
(``accounts_of``, ``one_account``), ``on_account`` (a failure is the site's sentence; rotated tokens
saved whatever happens), ``listed_keys`` and ``store_listed``, and ``KeyOutcome``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from allhub_core.accounts import parse_id
from allhub_core.errors import AllhubError, NotFound, SiteError, ValidationError
from allhub_core.keys import KeyRecord, is_masked, store_keys
from allhub_core.net import HttpStatusError, SlidingWindow, UnsupportedError
from allhub_core.sites import (
    ApiToken,
    Politeness,
    SiteCredentials,
    TokenSpec,
    create_token,
    delete_token,
    get_pricing,
    list_groups,
    list_tokens,
    reveal_token,
    reveal_tokens,
    update_token,
)
from allhub_core.store import Store
from allhub_core.sync._lanes import network
from allhub_core.sync.credentials import SiteAsker, account_names, credentials_for, politeness_for
from allhub_core.vocab import AuthType

__all__ = ["DEFAULT_KEY_NAME", "KeyAccount", "KeyOutcome", "accounts_of", "group_key_name", "key_record",
           "listed_keys", "no_auth", "on_account", "one_account", "store_listed"]

DEFAULT_KEY_NAME = "user group (auto)"
T = TypeVar("T")


def group_key_name(group: str) -> str:
    """The extension's name of a group's auto key: ``user group (auto)`` for the account's own
    group (or ``default``), ``<group> group (auto)`` for another."""
    return DEFAULT_KEY_NAME if not group or group == "default" else f"{group} group (auto)"


def key_record(t: ApiToken) -> KeyRecord:
    return KeyRecord(key_id=t.id, name=t.name, key=t.key, group=t.group, site_status=t.status,
                     unlimited=t.unlimited_quota, remain_quota=t.remain_quota, used_quota=t.used_quota,
                     expired_time=t.expired_time, created_time=t.created_time, accessed_time=t.accessed_time,
                     model_limits_enabled=t.model_limits_enabled, model_limits=t.model_limits, allow_ips=t.allow_ips)


class KeyAccount(SiteAsker):
    """One account's key calls (``SiteAsker``: rotated credentials kept and saved), and every key
    seen, so no message can carry one."""

    def __init__(self, creds: SiteCredentials, name: str, politeness: Politeness) -> None:
        super().__init__(creds, name, politeness)
        self.seen: list[str] = []
        # Each site call opens its own transport, whose critical window starts empty: the
        # reveals of one run keep to the run's critical window here (5 a minute by default).
        p = politeness
        self._reveals = SlidingWindow(p.critical_requests, p.critical_window_s) if p.critical_requests else None

    def _saw(self, tokens: Iterable[ApiToken]) -> None:
        self.seen += [t.key for t in tokens if t.key and not is_masked(t.key)]

    def clean(self, exc: BaseException, also: list[str] | tuple[str, ...] = ()) -> str:
        return super().clean(exc, [*self.seen, *also])

    async def tokens(self) -> list[ApiToken]:
        listed = await list_tokens(self.creds, self.politeness, on_rotated=self.on_rotated)
        self._saw(listed)
        return listed

    async def create(self, name: str, *, group: str = "", remain_quota: int = 0, unlimited: bool = True,
                     expired_time: int = -1, model_limits: str = "", allow_ips: str = "") -> ApiToken:
        made = await create_token(self.creds, name, remain_quota=remain_quota, unlimited_quota=unlimited,
                                  expired_time=expired_time, group=group, model_limits_enabled=bool(model_limits),
                                  model_limits=model_limits, allow_ips=allow_ips, politeness=self.politeness,
                                  on_rotated=self.on_rotated)
        self._saw([made])
        return made

    async def _critical(self, work: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """``work`` (one site call of reveal requests) once the run's critical window has room; the
        window counts it when it ends, so the next call starts a whole window after this one's
        last request, however long its transport took to open."""
        if self._reveals is None:
            return await work()
        loop = asyncio.get_running_loop()
        while (wait := self._reveals.delay(loop.time())) > 0:
            await asyncio.sleep(wait)
        try:
            return await work()
        finally:
            self._reveals.record(loop.time())

    async def reveal(self, key_id: str) -> str:
        key = await self._critical(lambda: reveal_token(self.creds, key_id, self.politeness,
                                                        on_rotated=self.on_rotated))
        self.seen.append(key)
        return key

    async def reveal_many(self, key_ids: list[str]) -> dict[str, str]:
        """Several keys over one transport: New API's batch reveal (one critical request per 100
        keys) where the site has it; its transport keeps any one-by-one fallback to the window."""
        if len(key_ids) == 1:
            return {key_ids[0]: await self.reveal(key_ids[0])}
        got = await self._critical(lambda: reveal_tokens(self.creds, key_ids, self.politeness,
                                                         on_rotated=self.on_rotated))
        self.seen += [k for k in got.values() if k]
        return got

    async def update(self, key_id: str, spec: TokenSpec) -> ApiToken:
        made = await update_token(self.creds, key_id, spec, self.politeness, on_rotated=self.on_rotated)
        self._saw([made])
        return made

    async def delete(self, key_id: str) -> None:
        await delete_token(self.creds, key_id, self.politeness, on_rotated=self.on_rotated)

    async def groups(self) -> list[str]:
        """The account's usable groups: the site's group list (``list_groups``), else its price
        list's ``usable_group``; [] when the site tells neither."""
        try:
            listed = list(await list_groups(self.creds, self.politeness, on_rotated=self.on_rotated))
        except UnsupportedError:
            listed = None
        except HttpStatusError as exc:
            if exc.http_status not in (403, 404, 405):
                raise
            listed = None
        if listed:
            return list(dict.fromkeys(g.strip() for g in listed if g.strip()))
        try:
            pricing = await get_pricing(self.creds, self.politeness, on_rotated=self.on_rotated)
        except UnsupportedError:
            return []
        out: list[str] = []
        for g in pricing.usable_group:
            name = str(g).strip()
            if name and name not in out:
                out.append(name)
        return out


def accounts_of(store: Store, ids: list[Any] | None, politeness: Politeness | None) -> list[KeyAccount]:
    aids = [parse_id(i) for i in ids] if ids is not None else None
    creds, names = account_names(store, aids, only_enabled=aids is None)
    p = politeness or politeness_for(store)
    return [KeyAccount(c, names.get(c.account_id, ""), p) for c in creds]


def one_account(store: Store, account_id: Any, politeness: Politeness | None) -> KeyAccount:
    aid = parse_id(account_id)
    creds = credentials_for(store, [aid], only_enabled=False)[0]
    if creds.auth_type == AuthType.NONE or not (creds.access_token or creds.cookie or creds.refresh_token):
        raise ValidationError(f"Account {aid} has no access token or cookie stored, so its keys cannot be reached.")
    return KeyAccount(creds, "", politeness or politeness_for(store))


def on_account(store: Store, a: KeyAccount, work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """One account's site work; whatever happens, the tokens a Sub2API site rotated meanwhile are
    saved. A missing key (``NotFound``) stays as it is; any other failure is the site's sentence."""
    try:
        return network(store, work)
    except AllhubError as exc:
        with store.write() as con:
            a.save_rotated(store, con)
        if isinstance(exc, NotFound):
            raise
        raise SiteError(a.clean(exc)) from exc


def store_listed(store: Store, a: KeyAccount, tokens: list[ApiToken], fetched: datetime, con: Any) -> None:
    try:
        store_keys(store, a.id, [key_record(t) for t in tokens], fetched, con=con)
    except NotFound:
        pass  # the account was deleted while its keys were fetched


def no_auth(a: KeyAccount) -> bool:
    c = a.creds
    return c.auth_type == AuthType.NONE or not (c.access_token or c.cookie or c.refresh_token)


@dataclass
class KeyOutcome:
    """One account's part of a keys run (``status``: ok, created, skipped, unsupported, failed)."""

    account_id: int
    site_name: str
    status: str
    keys: int = 0
    message: str = ""
    created: list[dict[str, str]] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)


async def listed_keys(a: KeyAccount) -> tuple[KeyOutcome, list[ApiToken] | None]:
    """The account's keys as its site lists them, or (None and) the outcome saying why not."""
    o = KeyOutcome(a.id, a.name, "ok")
    if no_auth(a):
        o.status, o.message = "skipped", "No access token or cookie is stored for this account."
        return o, None
    try:
        return o, await a.tokens()
    except UnsupportedError as exc:
        o.status, o.message = "unsupported", a.clean(exc)
    except AllhubError as exc:
        o.status, o.message = "failed", a.clean(exc)
    return o, None
