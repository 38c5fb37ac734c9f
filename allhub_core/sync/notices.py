"""Site announcements: fetch each site's announcements into the store (issue 21).

``sync_notices`` asks each site once (``sites.notices``): where the announcements are the same
for every account (the New API family: ``/api/status`` and ``/api/notice``, both public) one
account of the site asks for all of them; where each account has its own list (Sub2API:
``SiteFamily.notices_per_account``) each account asks. A family without announcements answers
none, never an error. A site whose announcements are switched off (``notices.set_site_enabled``)
is not asked; with ``due_only`` (what a refresh of everything runs) neither is one asked within
the interval (``notices.notice_interval_s``, an hour by default). Sites are asked at the same
time with no database lock held, every request under the run's politeness (``politeness_for``);
what came back is written in one transaction (``notices.store_notices``: a new or changed
announcement is unread once), with the site's sync time, and a Sub2API token the site rotated on
the way. A site that fails keeps what was stored and says why in one sentence, scrubbed of the
account's secrets; it is asked again after the interval like any other.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from allhub_core.accounts import account_choices, get_preferences, parse_id
from allhub_core.errors import AllhubError, NotFound
from allhub_core.net import UnsupportedError
from allhub_core.notices import (
    NoticeRecord,
    due_origins,
    mark_read_here,
    record_site_sync,
    site_key,
    site_states,
    store_notices,
)
from allhub_core.origin import origin_key
from allhub_core.sites import Notice, Politeness, family_for, mark_notices_read, notices
from allhub_core.store import Store
from allhub_core.sync._lanes import network
from allhub_core.sync.credentials import SiteAsker, account_names, politeness_for

__all__ = ["NoticeReadReport", "NoticeSiteOutcome", "NoticeSyncReport", "read_notices", "sync_notices"]

#: What a site's part of a run can be.
STATUSES = ("ok", "none", "not_due", "disabled", "failed")


@dataclass
class NoticeSiteOutcome:
    """One site's part of a run. ``status``: ok (asked), none (its kind has no announcements),
    not_due (asked within the interval), disabled (switched off), failed."""

    origin: str
    site_name: str
    account_ids: list[int]
    status: str
    listed: int = 0
    new: list[str] = field(default_factory=list)
    message: str = ""


@dataclass
class NoticeSyncReport:
    """What ``sync_notices`` did, one row per site."""

    outcomes: list[NoticeSiteOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def new_ids(self) -> list[str]:
        """The announcements that are new or changed (unread now), site by site."""
        return [nid for o in self.outcomes for nid in o.new]

    def summary(self) -> str:
        asked = self.count("ok") + self.count("none") + self.count("failed")
        left = self.count("not_due") + self.count("disabled")
        text = (f"Announcements: {asked} site(s) asked, {len(self.new_ids)} new or changed; "
                f"{self.count('failed')} failed")
        return text + (f", {left} not asked (off, or asked within the interval)." if left else ".")

    def rows(self) -> list[dict[str, Any]]:
        """One row per site: origin, site_name, account_ids, status, announcements, new, message."""
        return [{"origin": o.origin, "site_name": o.site_name, "account_ids": list(o.account_ids),
                 "status": o.status, "announcements": o.listed, "new": len(o.new), "message": o.message}
                for o in self.outcomes]

    def exit_code(self) -> int:
        return 1 if self.count("failed") else 0


class _Asker(SiteAsker):
    """One account asking its site for its announcements (``SiteAsker``: rotated credentials kept
    and saved with them)."""

    async def ask(self) -> list[Notice]:
        return await notices(self.creds, self.politeness, on_rotated=self.on_rotated)


@dataclass
class _Site:
    origin: str
    askers: list[_Asker]
    outcome: NoticeSiteOutcome
    got: dict[int, list[Notice]] = field(default_factory=dict)  # account id -> what it was told

    @property
    def per_account(self) -> bool:
        return bool(getattr(family_for(self.askers[0].creds.site_type), "notices_per_account", False))


def _sites(store: Store, ids: list[Any] | None, politeness: Politeness | None, strict: bool) -> list[_Site]:
    aids = [parse_id(i) for i in ids] if ids is not None else None
    try:
        creds, names = account_names(store, aids, only_enabled=aids is None)
    except NotFound:
        if strict or aids is None:
            raise
        existing = {int(i) for i in account_choices(store, None, get_preferences(store))["id"]}
        creds, names = account_names(store, [a for a in aids if a in existing], only_enabled=False)
    p = politeness or politeness_for(store)
    by_origin: dict[str, list[_Asker]] = {}
    for c in creds:
        by_origin.setdefault(origin_key(c.site_url) or c.site_url, []).append(_Asker(c, names.get(c.account_id, ""), p))
    return [_Site(o, askers, NoticeSiteOutcome(o, names.get(askers[0].creds.account_id, ""),
                                                [a.id for a in askers], "ok"))
            for o, askers in by_origin.items()]


async def _ask_site(site: _Site) -> None:
    """The site's announcements: one account for a site-wide list, each account for its own."""
    askers = site.askers if site.per_account else site.askers[:1]
    for asker in askers:
        try:
            site.got[asker.id] = await asker.ask()
        except UnsupportedError:
            site.outcome.status = "none"
            return
        except AllhubError as exc:
            site.outcome.status, site.outcome.message = "failed", asker.clean(exc)
            if not site.per_account:
                return


def _records(items: list[Notice], source: str) -> list[NoticeRecord]:
    return [NoticeRecord(fingerprint=n.id, title=n.title, text=n.content, source=source, upstream_id=n.upstream_id,
                         published_at=datetime.fromtimestamp(n.published_at, UTC) if n.published_at else None)
            for n in items if n.id]


def _write(store: Store, sites: list[_Site], at: datetime) -> None:
    with store.write() as con:
        for site in sites:
            o = site.outcome
            for asker in site.askers:
                asker.save_rotated(store, con)
            for aid, items in site.got.items():
                creds = next(a.creds for a in site.askers if a.id == aid)
                key = site_key(creds.site_type, site.origin, aid if site.per_account else None)
                o.listed += len(items)
                o.new += store_notices(store, key, site.origin, aid, _records(items, creds.site_type), at,
                                       complete=not site.per_account, con=con)  # Sub2API: unread only
            record_site_sync(con, site.origin, at, o.message if o.status == "failed" else "")


def sync_notices(store: Store, ids: list[Any] | None = None, politeness: Politeness | None = None, *,
                 due_only: bool = False) -> NoticeSyncReport:
    """Fetch the announcements of the sites of ``ids`` (all enabled accounts when None) into the
    store (see the module); with ``due_only`` only the sites whose interval has passed (what a
    refresh runs after itself: an account deleted meanwhile is left out, not an error)."""
    sites = _sites(store, ids, politeness, strict=not due_only)
    ask, _ = due_origins(store, [s.origin for s in sites], due_only=due_only)
    states = site_states(store)
    for site in sites:
        if site.origin not in ask:
            enabled = states.get(site.origin, {}).get("enabled", True)
            site.outcome.status = "not_due" if enabled else "disabled"
    asked = [s for s in sites if s.origin in ask]
    if asked:
        network(store, lambda: _gather(asked))
        _write(store, asked, datetime.now(UTC))
    return NoticeSyncReport([s.outcome for s in sites])


async def _gather(sites: list[_Site]) -> None:
    await asyncio.gather(*(_ask_site(s) for s in sites))


@dataclass
class NoticeReadReport:
    """What ``read_notices`` did: how many were unread here, how many the sites that keep a read
    state of their own were told, and why any site was not."""

    marked: int
    told: int = 0
    failures: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = f"{self.marked} announcement(s) marked read."
        if self.told:
            text += f" {self.told} marked read on the site too."
        if self.failures:
            text += " Not on the site: " + "; ".join(self.failures)
        return text

    def rows(self) -> list[dict[str, Any]]:
        """One row: how many were marked read here and on the sites, and why any site was not told."""
        return [{"marked": self.marked, "told": self.told, "failures": list(self.failures)}]

    def exit_code(self) -> int:
        return 0  # read here is what counts; a site not told is said in the summary


class _Teller(SiteAsker):
    async def tell(self, upstream_ids: list[str]) -> None:
        await mark_notices_read(self.creds, upstream_ids, self.politeness, on_rotated=self.on_rotated)


def read_notices(store: Store, ids: list[str] | None = None, *, all: bool = False,
                 politeness: Politeness | None = None) -> NoticeReadReport:
    """Mark announcements read here (``notices.mark_read``) and on the sites that keep a read
    state of their own (Sub2API, as the extension does: ``POST /api/v1/announcements/{id}/read``),
    so the site stops listing them as unread. Here is what counts: a site that cannot be told
    keeps them read here and says why in one sentence."""
    marked, on_site = mark_read_here(store, ids, all=all)
    report = NoticeReadReport(marked)
    if not on_site:
        return report
    creds, names = account_names(store, list(on_site), only_enabled=False)
    p = politeness or politeness_for(store)
    tellers = [(_Teller(c, names.get(c.account_id, ""), p), on_site[int(c.account_id)]) for c in creds]

    async def tell_all() -> None:
        async def one(teller: _Teller, upstream: list[str]) -> None:
            try:
                await teller.tell(upstream)
                report.told += len(upstream)
            except UnsupportedError:
                pass
            except AllhubError as exc:
                report.failures.append(f"{teller.name or teller.id}: {teller.clean(exc)}")
        await asyncio.gather(*(one(t, u) for t, u in tellers))

    network(store, tell_all)
    with store.write() as con:
        for teller, _ in tellers:
            teller.save_rotated(store, con)
    return report
