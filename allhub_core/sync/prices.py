"""Models and prices: fetch each account's model list and price list into the store
(docs/site-api.md 8, shared/spec/upstream-features.md 8).

``sync_models`` asks every account's site for its price list (New API's ``/api/pricing``, the
OneHub/DoneHub shapes) and, where the site has none, for its model list (those models are stored
with billing 'unknown': the site sells them at a price it does not tell). Accounts on different
sites are asked at the same time, one site's accounts one after another (``_lanes.per_site``),
every request under the run's politeness (``politeness_for``), with no database lock held. What
came back is written in one transaction: each account's rows replaced (``prices.store_models``),
the models its site added or removed since the previous sync recorded. A site that fails keeps its
old rows and says why in one sentence, scrubbed of the account's secrets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from allhub_core.accounts import parse_id
from allhub_core.errors import AllhubError, NotFound
from allhub_core.net import UnsupportedError
from allhub_core.origin import origin_key
from allhub_core.prices import GroupRecord, PriceRecord, rebuild_offers, store_models
from allhub_core.sites import ModelPrice, Politeness, Pricing, get_pricing, list_models
from allhub_core.store import Store
from allhub_core.sync._lanes import network, per_site
from allhub_core.sync.credentials import SiteAsker, account_names, politeness_for

__all__ = ["ModelOutcome", "ModelSyncReport", "price_records", "sync_models"]


@dataclass
class ModelOutcome:
    """One account's part of a models run (``status``: ok, unsupported, failed). ``priced``: the
    models came with a price list (not a bare model list)."""

    account_id: int
    site_name: str
    status: str
    models: int = 0
    priced: bool = False
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass
class ModelSyncReport:
    """What ``sync_models`` did, one row per account."""

    outcomes: list[ModelOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    def summary(self) -> str:
        ok = [o for o in self.outcomes if o.ok]
        added, removed = sum(len(o.added) for o in ok), sum(len(o.removed) for o in ok)
        return (f"Models sync: {len(self.outcomes)} account(s), {sum(o.models for o in ok)} model(s) stored "
                f"({sum(1 for o in ok if o.priced)} with prices); {added} added, {removed} removed; "
                f"{len(ok)} fetched, {self.count('unsupported')} unsupported, {self.count('failed')} failed.")

    def rows(self) -> list[dict[str, Any]]:
        """One row per account: account_id, site_name, status, ok, models, priced, added, removed
        (model names), message."""
        return [{"account_id": o.account_id, "site_name": o.site_name, "status": o.status, "ok": o.ok,
                 "models": o.models, "priced": o.priced, "added": list(o.added), "removed": list(o.removed),
                 "message": o.message} for o in self.outcomes]

    def changes(self) -> list[dict[str, Any]]:
        """The accounts whose site added or removed models: account_id, site_name, added, removed."""
        return [{"account_id": o.account_id, "site_name": o.site_name, "added": list(o.added),
                 "removed": list(o.removed)} for o in self.outcomes if o.ok and (o.added or o.removed)]

    def exit_code(self) -> int:
        return 1 if self.count("failed") else 0


def _record(m: ModelPrice) -> PriceRecord:
    completion = m.completion_ratio
    if completion is None and m.call_input and m.call_output is not None:
        completion = m.call_output / m.call_input  # OneHub per call: output beside input
    return PriceRecord(model=m.model_name, billing=m.billing, vendor=m.vendor or "", model_ratio=m.model_ratio,
                       completion_ratio=completion, model_price=m.model_price, cache_ratio=m.cache_ratio,
                       create_cache_ratio=m.create_cache_ratio, input_usd_per_1m=m.input_usd_per_1m,
                       output_usd_per_1m=m.output_usd_per_1m, call_usd=m.call_usd,
                       enable_groups=list(m.enable_groups), endpoints=list(m.endpoints))


def price_records(pricing: Pricing) -> tuple[list[PriceRecord], list[GroupRecord]]:
    """A site's price list as the store keeps it: its models, and its groups (every group with a
    ratio or usable; usable = in the site's ``usable_group``)."""
    groups = [GroupRecord(g, pricing.usable_group.get(g, ""), pricing.group_ratio.get(g), g in pricing.usable_group)
              for g in dict.fromkeys([*pricing.group_ratio, *pricing.usable_group])]
    return [_record(m) for m in pricing.models], groups


@dataclass
class _Fetched:
    rows: list[PriceRecord]
    groups: list[GroupRecord]
    priced: bool


class _Account(SiteAsker):
    """One account of the run (``SiteAsker``: rotated credentials kept and saved with its models)."""

    async def fetch(self) -> _Fetched:
        """The price list; the model list when the site has none (UnsupportedError when neither)."""
        try:
            pricing = await get_pricing(self.creds, self.politeness, on_rotated=self.on_rotated)
        except UnsupportedError:
            names = await list_models(self.creds, self.politeness, on_rotated=self.on_rotated)
            return _Fetched([PriceRecord(model=n, billing="unknown") for n in names], [], False)
        rows, groups = price_records(pricing)
        return _Fetched(rows, groups, True)


def _accounts(store: Store, ids: list[Any] | None, politeness: Politeness | None) -> list[_Account]:
    aids = [parse_id(i) for i in ids] if ids is not None else None
    creds, names = account_names(store, aids, only_enabled=aids is None)
    missing = sorted(set(aids or []) - {int(c.account_id) for c in creds})
    if missing:
        raise NotFound(f"Account {missing[0]} does not exist.")
    p = politeness or politeness_for(store)
    return [_Account(c, names.get(c.account_id, ""), p) for c in creds]


async def _one(a: _Account) -> tuple[ModelOutcome, _Fetched | None]:
    o = ModelOutcome(a.id, a.name, "ok")
    try:
        fetched = await a.fetch()
    except UnsupportedError as exc:
        o.status, o.message = "unsupported", a.clean(exc)
        return o, None
    except AllhubError as exc:
        o.status, o.message = "failed", a.clean(exc)
        return o, None
    o.models, o.priced = len({r.model for r in fetched.rows}), fetched.priced
    return o, fetched


def sync_models(store: Store, ids: list[Any] | None = None, politeness: Politeness | None = None) -> ModelSyncReport:
    """Fetch each account's model list and prices into the store (all enabled accounts when ``ids``
    is None); the models each site added or removed since its previous sync are recorded."""
    accounts = _accounts(store, ids, politeness)
    results = network(store, lambda: per_site(accounts, _one))
    fetched_at = datetime.now(UTC)
    with store.write() as con:
        stored = []
        for a, (o, got) in zip(accounts, results, strict=True):
            a.save_rotated(store, con)  # whatever happened: a Sub2API refresh token works once
            if got is None:
                continue
            origin = origin_key(a.creds.site_url) or a.creds.site_url
            try:
                o.added, o.removed = store_models(store, a.id, origin, got.rows, got.groups, fetched_at,
                                                  got.priced, con=con, offers=False)
                stored.append(a.id)
            except NotFound:
                o.status, o.message = "failed", f"Account {a.id} was deleted while its models were fetched."
        if stored:
            rebuild_offers(con, stored)  # every stored account's offers in one statement (issue 18: allhub demo)
    return ModelSyncReport([o for o, _ in results])
