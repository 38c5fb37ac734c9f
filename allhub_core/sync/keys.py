"""Relay API keys: fetch them into the store, create, change, reveal, delete, and the two "every
account has a key" rules (docs/site-api.md 7, shared/spec/upstream-features.md 2).

Every site call goes through the ``sites`` facade with no database lock held (``store.released``);
what came back is written in one transaction (``keys.store_keys`` and the tokens a Sub2API site
rotated on the way). Accounts on different sites are asked at the same time, those on one site
one after the other, each request under the run's politeness (``politeness_for``: the sites'
windows, the critical window of key reveals).

The rules, as the extension has them:

- **default key** (``ensure_keys``; ``provision_default_key`` after adding an account): an account
  with any key has one (the extension reuses the last listed); one without gets ``user group
  (auto)``: unlimited, no expiry, no limits, the account's own group. Sites whose keys need a
  group chosen (Sub2API: ``SiteKind.auto_default_key``) are skipped with a sentence.
- **a key for every group** (``ensure_keys(all_groups=True)``, the extension's 3.61 repair): the
  account's usable groups (the site's own list, ``sites.list_groups``: New API's
  ``/api/user/self/groups``, OneHub's group map, Sub2API's groups by id; else the price list's
  ``usable_group``); a group is covered by a key whose group is exactly it; each uncovered group
  gets ``<group> group (auto)`` (``user group (auto)`` for ``default``). A key in a group the
  account cannot use is reported, never deleted. A site that tells no groups falls back to the
  default-key rule. A second run creates nothing.

``update_key`` changes one key: only what the caller gave, the rest as the site lists it at that
moment (New API's update sets every field from its body).

A key's secret reaches the caller of ``reveal_key`` / ``reveal_keys`` only (several masked keys
in one request where New API has its batch reveal); it is stored only with ``keep=True``
(sealed, ``keys.keep_secret``) and never appears in a report, a log or an error (every message
is scrubbed with the account's secrets and every key seen).
"""

from __future__ import annotations

import asyncio
import ipaddress
import math
import re
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any, TypeVar

from allhub_core.accounts import parse_id
from allhub_core.errors import AllhubError, NotFound, SiteError, ValidationError
from allhub_core.keys import (
    KeyRecord,
    is_masked,
    keep_secret,
    kept_secret,
    key_rows,
    store_keys,
    upsert_key,
)
from allhub_core.net import HttpStatusError, SlidingWindow, UnsupportedError, short
from allhub_core.site_kinds import client_key
from allhub_core.sites import (
    ApiToken,
    Politeness,
    SiteCredentials,
    TokenSpec,
    create_token,
    delete_token,
    family_for,
    get_pricing,
    list_groups,
    list_tokens,
    reveal_token,
    reveal_tokens,
    update_token,
)
from allhub_core.store import Store
from allhub_core.sync._lanes import network as _network
from allhub_core.sync._lanes import per_site as _per_site
from allhub_core.sync.credentials import SiteAsker, account_names, credentials_for, politeness_for
from allhub_core.vocab import QUOTA_PER_USD, AuthType

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

DEFAULT_KEY_NAME = "user group (auto)"
#: A key created without a name.
CREATED_KEY_NAME = "allhub"
MAX_NAME = 50  # New API's limit (Veloera's 30 is the site's to say)
MAX_QUOTA_USD = 1_000_000_000
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
T = TypeVar("T")


def group_key_name(group: str) -> str:
    """The extension's name of a group's auto key: ``user group (auto)`` for the account's own
    group (or ``default``), ``<group> group (auto)`` for another."""
    return DEFAULT_KEY_NAME if not group or group == "default" else f"{group} group (auto)"


def _record(t: ApiToken) -> KeyRecord:
    return KeyRecord(key_id=t.id, name=t.name, key=t.key, group=t.group, site_status=t.status,
                     unlimited=t.unlimited_quota, remain_quota=t.remain_quota, used_quota=t.used_quota,
                     expired_time=t.expired_time, created_time=t.created_time, accessed_time=t.accessed_time,
                     model_limits_enabled=t.model_limits_enabled, model_limits=t.model_limits, allow_ips=t.allow_ips)


class _Account(SiteAsker):
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


def _accounts(store: Store, ids: list[Any] | None, politeness: Politeness | None) -> list[_Account]:
    aids = [parse_id(i) for i in ids] if ids is not None else None
    creds, names = account_names(store, aids, only_enabled=aids is None)
    p = politeness or politeness_for(store)
    return [_Account(c, names.get(c.account_id, ""), p) for c in creds]


def _one(store: Store, account_id: Any, politeness: Politeness | None) -> _Account:
    aid = parse_id(account_id)
    creds = credentials_for(store, [aid], only_enabled=False)[0]
    if creds.auth_type == AuthType.NONE or not (creds.access_token or creds.cookie or creds.refresh_token):
        raise ValidationError(f"Account {aid} has no access token or cookie stored, so its keys cannot be reached.")
    return _Account(creds, "", politeness or politeness_for(store))


def _on_account(store: Store, a: _Account, work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """One account's site work; whatever happens, the tokens a Sub2API site rotated meanwhile are
    saved. A missing key (``NotFound``) stays as it is; any other failure is the site's sentence."""
    try:
        return _network(store, work)
    except AllhubError as exc:
        with store.write() as con:
            a.save_rotated(store, con)
        if isinstance(exc, NotFound):
            raise
        raise SiteError(a.clean(exc)) from exc


def _store(store: Store, a: _Account, tokens: list[ApiToken], fetched: datetime, con: Any) -> None:
    try:
        store_keys(store, a.id, [_record(t) for t in tokens], fetched, con=con)
    except NotFound:
        pass  # the account was deleted while its keys were fetched


def _no_auth(a: _Account) -> bool:
    c = a.creds
    return c.auth_type == AuthType.NONE or not (c.access_token or c.cookie or c.refresh_token)


# -- sync ------------------------------------------------------------------------------------

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
    accounts = _accounts(store, ids, politeness)
    fetched = datetime.now(UTC)

    async def one(a: _Account) -> tuple[KeyOutcome, list[ApiToken] | None]:
        o, listed = await _listed(a)
        if listed is not None:
            o.keys = len(listed)
        return o, listed

    results = _network(store, lambda: _per_site(accounts, one))
    with store.write() as con:
        for a, (_o, listed) in zip(accounts, results, strict=True):
            a.save_rotated(store, con)
            if listed is not None:
                _store(store, a, listed, fetched, con)
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


def _clean_text(value: str | None, what: str, limit: int) -> str:
    text = (value or "").strip()
    if _CONTROLS.search(text):
        raise ValidationError(f"The key's {what} may not contain control characters.")
    if len(text) > limit:
        raise ValidationError(f"The key's {what} is longer than {limit} characters.")
    return text


def _items(value: Iterable[str] | str | None) -> list[str]:
    """A list given as a list or as text (commas, spaces or new lines between items), each once."""
    parts = re.split(r"[,\s]+", value) if isinstance(value, str) else [str(v) for v in value or []]
    return list(dict.fromkeys(p.strip() for p in parts if p and p.strip()))


def _model_limits(value: Iterable[str] | str | None) -> str:
    """The models a key may use (none: every model), as the sites store them: comma-separated."""
    models = _items(value)
    for m in models:
        _clean_text(m, "model name", 200)
    text = ",".join(models)
    if len(text) > 4000:
        raise ValidationError("The key's model list is too long (at most 4,000 characters).")
    return text


def _allow_ips(value: Iterable[str] | str | None) -> str:
    """The addresses a key may be used from (none: anywhere): IPs or networks (CIDR), checked."""
    ips = _items(value)
    for ip in ips:
        try:
            ipaddress.ip_network(ip, strict=False)
        except ValueError:
            raise ValidationError(f"'{short(ip, 60)}' is not an IP address or network (such as 203.0.113.7 "
                                  "or 10.0.0.0/8).") from None
    return ",".join(ips)


def _quota(quota_usd: Any, unlimited: bool | None) -> tuple[bool, int]:
    if quota_usd is None:
        return True, 0
    if unlimited:
        raise ValidationError("A key is either unlimited or has a quota, not both.")
    try:
        usd = float(quota_usd)
    except (TypeError, ValueError):
        raise ValidationError(f"'{quota_usd}' is not an amount in USD.") from None
    if not math.isfinite(usd) or usd <= 0 or usd > MAX_QUOTA_USD:
        raise ValidationError(f"A key's quota must be more than 0 and at most {MAX_QUOTA_USD:,} USD.")
    return False, max(1, round(usd * QUOTA_PER_USD))


def _expiry(expires: date | str | None, today: date | None = None) -> int:
    """Epoch seconds of the end of that (local) day; -1 for never."""
    if expires is None or expires == "":
        return -1
    if isinstance(expires, datetime):
        day = expires.date()
    elif isinstance(expires, date):
        day = expires
    else:
        try:
            day = date.fromisoformat(str(expires).strip())
        except ValueError:
            raise ValidationError(f"'{expires}' is not a date (YYYY-MM-DD).") from None
    if day <= (today or date.today()):
        raise ValidationError(f"A key's expiry must be a day after today, not {day.isoformat()}.")
    return int(datetime.combine(day, time(23, 59, 59)).timestamp())


def create_key(store: Store, account_id: Any, *, name: str | None = None, group: str | None = None,
               quota_usd: Any = None, unlimited: bool | None = None, expires: date | str | None = None,
               model_limits: Iterable[str] | str | None = None, allow_ips: Iterable[str] | str | None = None,
               politeness: Politeness | None = None) -> KeyCreateReport:
    """Create one key on the account's site (``quota_usd`` or unlimited, the default; ``expires``
    a day after today, or never; ``model_limits``: only these models; ``allow_ips``: only from
    these addresses or networks) and add it to the cache. Input is checked before any request."""
    key_name = _clean_text(name, "name", MAX_NAME) or CREATED_KEY_NAME
    key_group = _clean_text(group, "group", 64)
    is_unlimited, remain = _quota(quota_usd, unlimited)
    expired_time = _expiry(expires)
    models, ips = _model_limits(model_limits), _allow_ips(allow_ips)
    a = _one(store, account_id, politeness)

    async def go() -> ApiToken:
        return await a.create(key_name, group=key_group, remain_quota=remain, unlimited=is_unlimited,
                              expired_time=expired_time, model_limits=models, allow_ips=ips)

    made = _on_account(store, a, go)
    with store.write() as con:
        a.save_rotated(store, con)
        upsert_key(store, a.id, _record(made), con=con)
    row = next(r for r in key_rows(store, [a.id]) if r["key_id"] == str(made.id))
    return KeyCreateReport(a.id, row)


# -- update ----------------------------------------------------------------------------------

def _update_expiry(expires: date | str | None) -> int | None:
    """None: unchanged; ``never`` (or ``""``): -1; a day after today: the end of it."""
    if expires is None:
        return None
    if isinstance(expires, str) and expires.strip().lower() in ("", "never"):
        return -1
    return _expiry(expires)


def _update_quota(quota_usd: Any, unlimited: bool | None) -> tuple[bool, int] | None:
    """None: unchanged; (True, 0): unlimited; (False, quota units): that much left."""
    if quota_usd is None and unlimited is None:
        return None
    if quota_usd is None and unlimited is False:
        raise ValidationError("A key with a limit needs its quota in USD.")
    return _quota(quota_usd, unlimited)


def update_key(store: Store, account_id: Any, key_id: Any, *, name: str | None = None, quota_usd: Any = None,
               unlimited: bool | None = None, expires: date | str | None = None,
               politeness: Politeness | None = None) -> dict[str, Any]:
    """Change one key on the account's site: only what is given (``name``; ``quota_usd`` left, or
    ``unlimited``; ``expires`` a day after today, or ``"never"``), the rest as the site has it now
    (New API sets every field from the update, so the key is read from the site first). The key
    is stored as the site lists it after, and its row returned as ``keys list`` shows it (no
    secret). Input is checked before any request; a key the site does not have is ``NotFound``."""
    kid = _key_id(key_id)
    key_name = None if name is None else _clean_text(name, "name", MAX_NAME)
    if key_name == "":
        raise ValidationError("A key's name may not be empty.")
    quota = _update_quota(quota_usd, unlimited)
    expired_time = _update_expiry(expires)
    if key_name is None and quota is None and expired_time is None:
        raise ValidationError("Nothing to change: give a new name, a quota or unlimited, or an expiry.")
    a = _one(store, account_id, politeness)

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

    updated = _on_account(store, a, go)
    with store.write() as con:
        a.save_rotated(store, con)
        upsert_key(store, a.id, _record(updated), con=con)
    return next(r for r in key_rows(store, [a.id]) if r["key_id"] == kid)


# -- reveal ----------------------------------------------------------------------------------

def _key_id(value: Any) -> str:
    text = str(value if value is not None else "").strip()
    if not text or len(text) > 64 or not re.fullmatch(r"[A-Za-z0-9_.:-]+", text):
        raise ValidationError(f"'{_CONTROLS.sub('?', text)[:64]}' is not a key id.")
    return text


def reveal_keys(store: Store, account_id: Any, key_ids: Iterable[Any], *, keep: bool = False,
                politeness: Politeness | None = None) -> dict[str, str]:
    """The full keys of these keys of one account, ``{key id: key}``: those the user kept from the
    store; then one list (sites that list full keys: One API, OneHub, Sub2API answer all at once),
    and the keys still masked revealed together: New API's batch reveal (one request per 100
    keys), one reveal per key on forks without it; under the critical window either way.
    ``keep``: store each, sealed. A key the site does not have is an error; nothing is kept then.
    Each key is returned as a client takes it (``site_kinds.client_key``: ``sk-...`` on the One/New
    API family, whose sites reveal keys without it)."""
    ids = list(dict.fromkeys(_key_id(k) for k in key_ids))
    if not ids:
        raise ValidationError("Name at least one key to reveal.")
    a = _one(store, account_id, politeness)
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
        found.update(_on_account(store, a, go))
    with store.write() as con:
        a.save_rotated(store, con)
        if listed:
            store_keys(store, a.id, [_record(t) for t in listed], con=con)
        if keep:
            for k in ids:
                keep_secret(store, a.id, k, found[k], con=con)
    # as a client takes it: ``sk-`` in front on the One/New API family (kept as the site gave it)
    return {k: client_key(found[k], a.creds.site_type) for k in ids}


def reveal_key(store: Store, account_id: Any, key_id: Any, *, keep: bool = False,
               politeness: Politeness | None = None) -> str:
    """The full key of one key (see ``reveal_keys``); ``keep`` stores it, sealed."""
    kid = _key_id(key_id)
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
    ids = list(dict.fromkeys(_key_id(k) for k in key_ids))
    if not ids:
        raise ValidationError("Name at least one key to delete.")
    a = _one(store, account_id, politeness)
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

    _on_account(store, a, go)
    gone = {k for k, ok, _ in report.results if ok}
    with store.write() as con:
        a.save_rotated(store, con)
        store_keys(store, a.id, [_record(t) for t in listed if t.id not in gone], con=con)
    return report


# -- ensure ----------------------------------------------------------------------------------

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


async def _listed(a: _Account) -> tuple[KeyOutcome, list[ApiToken] | None]:
    """The account's keys as its site lists them, or (None and) the outcome saying why not."""
    o = KeyOutcome(a.id, a.name, "ok")
    if _no_auth(a):
        o.status, o.message = "skipped", "No access token or cookie is stored for this account."
        return o, None
    try:
        return o, await a.tokens()
    except UnsupportedError as exc:
        o.status, o.message = "unsupported", a.clean(exc)
    except AllhubError as exc:
        o.status, o.message = "failed", a.clean(exc)
    return o, None


async def _ensure_one(a: _Account, all_groups: bool) -> tuple[KeyOutcome, list[ApiToken] | None]:
    o, listed = await _listed(a)
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
    accounts = _accounts(store, ids, politeness)
    fetched = datetime.now(UTC)
    results = _network(store, lambda: _per_site(accounts, lambda a: _ensure_one(a, all_groups)))
    with store.write() as con:
        for a, (_o, tokens) in zip(accounts, results, strict=True):
            a.save_rotated(store, con)
            if tokens is not None:
                _store(store, a, tokens, fetched, con)
    return KeyEnsureReport([o for o, _ in results], all_groups=all_groups)


# -- after adding an account -----------------------------------------------------------------

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
