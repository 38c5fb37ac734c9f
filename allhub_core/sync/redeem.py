"""Redeem top-up codes (issue 20): each code sent once to its account's site, the outcome kept.

``redeem_codes`` takes ``(account, code)`` pairs (or one account and its codes): a code the store
knows as settled for that account (credited, used, invalid: ``redeem.settled``) is not sent again;
the others go out with no database lock held over one transport (``sites.redeem_many``: a site's
codes one after another inside its critical-route window, as every run on the store shares its
windows through ``politeness_for``); ``POST /api/user/topup`` is never retried by the transport.
What came back is written in one transaction (``redeem.record_redemption``), then the accounts
that were credited are refreshed (``sync.refresh``) so their balance is the site's. A code that got
no answer (network, 5xx, 429) stays retryable, sealed, and ``retry_redemptions`` sends it again;
a code is only ever shown masked (``redeem.mask_code``), in rows, summaries and messages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from allhub_core.accounts import parse_id
from allhub_core.errors import NotFound, ValidationError
from allhub_core.redeem import (
    Outcome,
    Redemption,
    is_possible_code,
    mask_code,
    record_redemption,
    retryable_redemptions,
    settled,
)
from allhub_core.sites import QUOTA_PER_USD, Politeness, RedeemResult, SiteCredentials, redeem_many
from allhub_core.store import Store
from allhub_core.sync._lanes import network
from allhub_core.sync.credentials import account_names, politeness_for
from allhub_core.sync.refreshes import RefreshReport, refresh

__all__ = ["RedeemItem", "RedeemReport", "redeem_codes", "retry_redemptions"]

#: What a site says when a code was used already (New API: 该兑换码已被使用).
_USED = re.compile(r"已被使用|已使用|已经使用|已被兑换|already|\bused\b", re.IGNORECASE)
#: A row's status: an ``Outcome`` value, or ``skipped`` (settled before: not sent again).
SKIPPED = "skipped"


@dataclass
class RedeemItem:
    """One code on one account in a run (the code itself never leaves this module's run)."""

    account_id: int
    site_name: str
    code: str = field(repr=False)
    status: str
    message: str
    credited_usd: float | None = None
    balance_usd: float | None = None

    @property
    def ok(self) -> bool:
        return self.status == Outcome.CREDITED

    @property
    def retryable(self) -> bool:
        return self.status == Outcome.NETWORK


@dataclass
class RedeemReport:
    """What ``redeem_codes`` / ``retry_redemptions`` did, one item per code; ``refreshed`` is the
    refresh of the credited accounts (None when nothing was credited)."""

    items: list[RedeemItem] = field(default_factory=list)
    refreshed: RefreshReport | None = None

    def count(self, status: str) -> int:
        return sum(1 for i in self.items if i.status == status)

    @property
    def credited_usd(self) -> float:
        return sum(i.credited_usd or 0.0 for i in self.items if i.ok)

    def summary(self) -> str:
        if not self.items:
            return "No code to redeem."
        parts = [f"{self.count(Outcome.CREDITED)} credited"
                 + (f" (${self.credited_usd:,.2f})" if self.credited_usd else "")]
        for status, words in ((Outcome.USED, "already used"), (Outcome.INVALID, "not valid"),
                              (Outcome.NETWORK, "without an answer (retryable)"), (Outcome.ERROR, "failed"),
                              (SKIPPED, "settled before, not sent again")):
            if self.count(status):
                parts.append(f"{self.count(status)} {words}")
        text = f"Redeemed {len(self.items)} code(s): " + ", ".join(parts) + "."
        if self.refreshed is not None:
            text += " Balance refreshed." if not self.refreshed.failed else " The balance refresh failed."
        return text

    def rows(self) -> list[dict[str, Any]]:
        """One row per code: code (masked), ok, credited_usd (None if unknown), message, and
        account_id, site_name, status, retryable, balance_usd (after the refresh, None if not)."""
        return [{"code": mask_code(i.code), "ok": i.ok, "credited_usd": i.credited_usd, "message": i.message,
                 "account_id": i.account_id, "site_name": i.site_name, "status": i.status,
                 "retryable": i.retryable, "balance_usd": i.balance_usd} for i in self.items]

    def exit_code(self) -> int:
        return 1 if any(not i.ok for i in self.items) else 0


def _pairs(account_id: Any, codes: Iterable[str] | None,
           pairs: Iterable[tuple[Any, str]] | None) -> list[tuple[int, str]]:
    """The pairs a caller gave, checked: each code 32 characters without spaces, once a run."""
    given = list(pairs or []) + ([(account_id, c) for c in codes or []] if account_id is not None else [])
    if pairs is None and account_id is None:
        raise ValidationError("Choose the account to redeem the codes on.")
    out: dict[str, int] = {}
    for aid, raw in given:
        code = str(raw or "").strip()
        if not is_possible_code(code):
            raise ValidationError(f"'{mask_code(code)}' is not a redemption code (32 characters without spaces).")
        out.setdefault(code, parse_id(aid))
    if not out:
        raise ValidationError("No redemption code was given: paste a text that holds at least one.")
    return [(aid, code) for code, aid in out.items()]


def _accounts(store: Store, ids: list[int]) -> tuple[dict[int, SiteCredentials], dict[str, str]]:
    """Each account's credentials; a disabled account is refused, a missing one is NotFound."""
    unique = sorted(set(ids))
    creds, names = account_names(store, unique, only_enabled=True)
    by_id = {int(c.account_id): c for c in creds}
    off = [i for i in unique if i not in by_id]
    if off:
        raise ValidationError(f"Account {off[0]} is disabled: enable it before redeeming codes on it.")
    return by_id, names


def _outcome(res: RedeemResult) -> Outcome:
    if res.ok:
        return Outcome.CREDITED
    if res.retryable:
        return Outcome.NETWORK
    if res.health_reason:  # the request failed (login, no redemption on this site): nothing settled
        return Outcome.ERROR
    return Outcome.USED if _USED.search(res.message or "") else Outcome.INVALID


def _message(res: RedeemResult, outcome: Outcome, code: str, credited: float | None, retried: bool) -> str:
    said = (res.message or "").replace(code, mask_code(code)).strip()
    if outcome is Outcome.CREDITED:
        return f"Credited ${credited:,.2f}." if credited is not None else f"Credited ({said or 'amount not given'})."
    if outcome is Outcome.NETWORK:
        return f"{said} The site did not answer: the code can be sent again.".strip()
    if outcome is Outcome.USED and retried:
        return f"{said} (perhaps by the earlier attempt whose answer was lost)"
    return said or outcome.label


def _run(store: Store, pairs: list[tuple[int, str]], politeness: Politeness | None, *,
         retried: bool = False, refresh_after: bool = True) -> RedeemReport:
    creds, names = _accounts(store, [aid for aid, _ in pairs])
    items: list[RedeemItem] = []
    send: list[RedeemItem] = []
    for aid in dict.fromkeys(aid for aid, _ in pairs):
        done = settled(store, aid, [c for a, c in pairs if a == aid])
        for a, code in pairs:
            if a != aid:
                continue
            item = RedeemItem(aid, names.get(str(aid), ""), code, SKIPPED, "")
            if code in done:
                row = done[code]
                item.message = (f"Not sent again: {row['outcome'].label.lower()} on "
                                f"{row['redeemed_at']:%Y-%m-%d %H:%M}.")
            else:
                send.append(item)
            items.append(item)
    p = politeness or politeness_for(store)
    if send:
        results = network(store, lambda: redeem_many([(creds[i.account_id], i.code) for i in send], p))
        records = []
        for item, res in zip(send, results, strict=True):
            outcome = _outcome(res)
            quota = res.quota_added if outcome is Outcome.CREDITED else None
            item.credited_usd = None if quota is None else quota / QUOTA_PER_USD
            item.status, item.message = outcome.value, _message(res, outcome, item.code, item.credited_usd, retried)
            records.append(Redemption(item.account_id, item.code, outcome, item.message, quota))
        at = datetime.now(UTC)
        with store.write() as con:
            for r in records:
                record_redemption(store, con, r, at)
    report = RedeemReport(items)
    credited = sorted({i.account_id for i in items if i.ok})
    if credited and refresh_after:
        report.refreshed = refresh(store, list(credited), politeness=p, sync_usage_when_due=False)
        balances = {int(r.account_id): r.quota / QUOTA_PER_USD for r in report.refreshed.results
                    if r.ok and r.quota is not None}
        for item in items:
            item.balance_usd = balances.get(item.account_id)
    return report


def redeem_codes(store: Store, account_id: Any = None, codes: Iterable[str] | None = None, *,
                 pairs: Sequence[tuple[Any, str]] | None = None, politeness: Politeness | None = None,
                 refresh_after: bool = True) -> RedeemReport:
    """Redeem ``codes`` on ``account_id``, or each ``(account, code)`` of ``pairs`` (see the
    module): each code once a run, a settled one not at all; the credited accounts refreshed."""
    return _run(store, _pairs(account_id, codes, pairs), politeness, refresh_after=refresh_after)


def retry_redemptions(store: Store, ids: Iterable[Any] | None = None, *, politeness: Politeness | None = None,
                      refresh_after: bool = True) -> RedeemReport:
    """Send again the codes that got no answer (``ids``: only these redemptions), each once; an
    account deleted meanwhile is left out. Nothing waiting: an empty report."""
    pending = retryable_redemptions(store, [parse_id(i) for i in ids] if ids is not None else None)
    if not pending:
        return RedeemReport()
    try:
        _accounts(store, [p.account_id for p in pending])
    except NotFound:
        pending = [p for p in pending if _exists(store, p.account_id)]
    return _run(store, [(p.account_id, p.code) for p in pending], politeness, retried=True,
                refresh_after=refresh_after) if pending else RedeemReport()


def _exists(store: Store, account_id: int) -> bool:
    try:
        account_names(store, [account_id], only_enabled=False)
    except NotFound:
        return False
    return True
