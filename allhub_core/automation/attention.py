"""The attention queue (issue 21): everything that needs the user, in one list grouped by
severity and category, each entry with its reason and the one action that fixes it.

The rooms that own the data answer their own categories as SQL, each cut to ``limit`` entries
with the category's total (``accounts.attention_queue_rows``: credentials, sites, check-ins, low
balances, accounts left out of the automatic check-in; ``keys.key_attention``;
``notices.unread_by_site``; ``history.usage_overdue``, only while the automatic usage sync is
on). L3 rooms cannot import each other, so the queue is put together here (L5): the sentences,
the CLI command that fixes each entry (``action``) and the dashboard's button (``page_action``).
The Overview, ``allhub attention`` and the daily summary all read ``attention_queue``, so they
name the same things. ``fix_attention`` is the one library call behind the Overview's buttons.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from allhub_core.accounts import attention_queue_rows, update_accounts
from allhub_core.automation.settings import get_settings
from allhub_core.errors import ValidationError
from allhub_core.history import usage_overdue
from allhub_core.keys import key_attention
from allhub_core.net import Politeness
from allhub_core.notices import unread_by_site
from allhub_core.store import Store
from allhub_core.vocab import AttentionCategory, AttentionSeverity, AuthType, CheckInReason

__all__ = [
    "PAGE_ACTIONS", "AttentionEntry", "AttentionGroup", "AttentionQueue", "attention_queue", "fix_attention",
    "seed_demo_attention",
]

C = AttentionCategory

#: The dashboard's fix for an entry, by ``page_action``: the button's label (``open_site`` is a
#: link to ``url``, ``token`` the form that replaces the secret, ``""``: none)
PAGE_ACTIONS = {
    "checkin": "Retry check-in",
    "refresh": "Refresh now",
    "token": "Paste a new token",
    "open_site": "Open the site",
    "mark_read": "Mark read",
    "sync_usage": "Sync usage now",
    "create_key": "Create a key",
    "auto_checkin": "Include in auto check-in",
}


@dataclass(frozen=True)
class AttentionEntry:
    """One thing that needs the user. ``account_id`` None: about no one account."""

    severity: AttentionSeverity
    category: AttentionCategory
    account_id: int | None
    site_name: str
    reason: str
    action: str
    """the CLI command that fixes it (or what to open, where no command can)"""
    page_action: str
    """the Overview's button: a key of ``PAGE_ACTIONS``"""
    url: str = ""
    """the page to open, for ``open_site``"""
    notice_ids: tuple[str, ...] = ()
    """the announcements ``mark_read`` marks"""

    def row(self) -> dict[str, Any]:
        """cli.md's keys first (``severity``, ``category``, ``account_id``, ``reason``, ``action``),
        then ``site_name``, ``label`` (the category's), ``page_action``, ``url``."""
        return {"severity": self.severity.value, "category": self.category.value, "account_id": self.account_id,
                "reason": self.reason, "action": self.action, "site_name": self.site_name,
                "label": self.category.label, "page_action": self.page_action, "url": self.url}


@dataclass(frozen=True)
class AttentionGroup:
    """One category's entries (the first ``limit``) and how many it has in all."""

    severity: AttentionSeverity
    category: AttentionCategory
    total: int
    entries: list[AttentionEntry]


@dataclass
class AttentionQueue:
    """The queue: its groups, most pressing first (severity, then the category's order)."""

    groups: list[AttentionGroup] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(g.total for g in self.groups)

    @property
    def entries(self) -> list[AttentionEntry]:
        return [e for g in self.groups for e in g.entries]

    def by_severity(self) -> Iterator[tuple[AttentionSeverity, list[AttentionGroup]]]:
        """Each severity that has entries, with its groups."""
        for sev in AttentionSeverity:
            groups = [g for g in self.groups if g.severity is sev]
            if groups:
                yield sev, groups

    def counts(self) -> dict[str, int]:
        """How many entries each severity has in all (``critical``, ``warning``, ``info``)."""
        return {sev.value: sum(g.total for g in self.groups if g.severity is sev) for sev in AttentionSeverity}

    def summary(self) -> str:
        if not self.groups:
            return "Nothing needs attention."
        parts = [f"{n} {sev}" for sev, n in self.counts().items() if n]
        return f"{self.total} thing{'s' if self.total != 1 else ''} need{'s' if self.total == 1 else ''} " \
               f"attention: {', '.join(parts)}."

    def rows(self) -> list[dict[str, Any]]:
        return [e.row() for e in self.entries]

    def exit_code(self) -> int:
        return 0

    def as_dict(self) -> dict[str, Any]:
        """Counts by severity and by category, for a message or a page."""
        return {"counts": self.counts(),
                "groups": [{**asdict(g), "entries": [e.row() for e in g.entries]} for g in self.groups]}


def _name(row: dict[str, Any]) -> str:
    return row.get("site_name") or f"account {row['account_id']}"


def _sentence(text: str) -> str:
    text = " ".join(str(text or "").split()).rstrip()
    return text if not text or text[-1] in ".!?。" else text + "."


def _with(label: str, detail: str) -> str:
    return _sentence(f"{label}: {detail}" if detail else label)


def _account_entry(row: dict[str, Any]) -> AttentionEntry:
    """One account row of ``accounts.attention_queue_rows`` as an entry: its sentence and fix."""
    cat = C(row["category"])
    aid, detail, url = row["account_id"], row["detail"], row["site_url"]
    action, page, link = f"allhub refresh {aid}", "refresh", ""
    if cat is C.CREDENTIAL_REJECTED:
        secret = "--cookie" if row["auth_type"] == AuthType.COOKIE.value else "--token"
        reason = _with("The site refused the account's token or login", detail)
        action, page = f"allhub account set {aid} {secret} -", "token"
    elif cat is C.SITE_DOWN:
        reason = _with("The site could not be reached", detail)
    elif cat is C.SITE_WARNING:
        reason = _with("The site answered with a warning", detail)
    elif cat is C.CHECKIN_FAILED:
        retryable = CheckInReason.retryable_value(row["last_reason"])
        label = f"Today's check-in failed ({CheckInReason.label_of(row['last_reason']).lower()})"
        reason = _with(label, detail)
        if retryable:
            action, page = f"allhub checkin {aid}", "checkin"
        else:
            link = url
            action, page = f"open {link}", "open_site"
    elif cat is C.CHECKIN_NEEDS_YOU:
        link = row["checkin_url"] or url
        reason = _with("Today's check-in needs you in a browser", detail)
        action, page = f"open {link}", "open_site"
    elif cat is C.LOW_BALANCE:
        reason = _sentence(f"Balance ${row['balance_usd'] or 0:,.2f} is under the low-balance line; top up on the site")
        link = url
        action, page = f"open {link}", "open_site"
    else:  # LEFT_OUT
        reason = "Left out of the daily automatic check-in."
        action, page = f"allhub account set {aid} --auto-checkin", "auto_checkin"
    return AttentionEntry(cat.severity, cat, aid, _name(row), reason, action, page, link)


def _key_entry(row: dict[str, Any]) -> AttentionEntry:
    aid = row["account_id"]
    if row["kind"] == "unusable":
        cat = C.KEY_UNUSABLE
        what = [f"{row['expired']} expired" if row["expired"] else "", f"{row['exhausted']} exhausted"
                if row["exhausted"] else ""]
        reason = f"No usable API key: {' and '.join(w for w in what if w)}."
    else:
        cat = C.KEY_EXPIRING
        reason = f"Every enabled API key expires by {(row['expires_at'] or '')[:10]}."
    return AttentionEntry(cat.severity, cat, aid, _name(row), reason, f"allhub keys create --account {aid}",
                          "create_key")


def _notice_entry(row: dict[str, Any]) -> AttentionEntry:
    n, ids = row["unread"], tuple(row["notice_ids"])
    action = "allhub notices read " + (" ".join(ids) if n == len(ids) and n <= 3 else "--all")
    cat = C.UNREAD_NOTICES
    return AttentionEntry(cat.severity, cat, row["account_id"], row["site_name"],
                          f"{n} unread announcement{'s' if n != 1 else ''} on its site ({row['origin']}).", action,
                          "mark_read", notice_ids=ids)


def _usage_entry(row: dict[str, Any], interval_s: int) -> AttentionEntry:
    aid, at = row["account_id"], row["synced_at"]
    hours = interval_s / 3600
    every = f"{hours:g} hour{'s' if hours != 1 else ''}"
    if row["status"] == "failed":
        reason = _with("The last usage sync failed", row["message"])
    else:
        when = f"last synced {at:%Y-%m-%d %H:%M}" if at is not None else "never synced"
        reason = _with(f"Usage logs {when}, though the automatic sync runs every {every}", row["message"])
    cat = C.USAGE_OVERDUE
    return AttentionEntry(cat.severity, cat, aid, _name(row), reason, f"allhub usage sync {aid}", "sync_usage")


def attention_queue(store: Store, limit: int | None = None) -> AttentionQueue:
    """Everything that needs the user (see the module): at most ``limit`` entries a category
    (all when None), each category's total counted in SQL; grouped by severity, then category."""
    entries: dict[AttentionCategory, list[AttentionEntry]] = {c: [] for c in C}
    totals: dict[AttentionCategory, int] = {}
    rows, counts = attention_queue_rows(store, limit)
    for row in rows:
        entries[C(row["category"])].append(_account_entry(row))
    totals.update({C(k): v for k, v in counts.items()})
    krows, kcounts = key_attention(store, limit)
    for row in krows:
        e = _key_entry(row)
        entries[e.category].append(e)
    totals[C.KEY_UNUSABLE] = kcounts.get("unusable", 0)
    totals[C.KEY_EXPIRING] = kcounts.get("expiring", 0)
    nrows, totals[C.UNREAD_NOTICES] = unread_by_site(store, limit)
    entries[C.UNREAD_NOTICES] = [_notice_entry(r) for r in nrows]
    settings = get_settings(store)
    if settings.usage_sync_enabled:
        urows, totals[C.USAGE_OVERDUE] = usage_overdue(store, settings.usage_sync_interval_s, limit)
        entries[C.USAGE_OVERDUE] = [_usage_entry(r, settings.usage_sync_interval_s) for r in urows]
    order = {sev: i for i, sev in enumerate(AttentionSeverity)}
    cats = sorted((c for c in C if totals.get(c)), key=lambda c: (order[c.severity], list(C).index(c)))
    return AttentionQueue([AttentionGroup(c.severity, c, totals[c], entries[c]) for c in cats])


def fix_attention(store: Store, entry: AttentionEntry, *, politeness: Politeness | None = None) -> str:
    """Do the fix of ``entry`` (its ``page_action``) and say what happened in one sentence: a
    check-in or refresh as a logged run (trigger ``dashboard``), the site's announcements marked
    read, a usage sync, a new key, the account put back in the automatic check-in. The token form
    and the site's link are the page's own; they have nothing to do here."""
    from allhub_core.automation.user_runs import run_now  # noqa: PLC0415 - the sync room loads only for a fix
    from allhub_core.sync import create_key, read_notices, sync_usage  # noqa: PLC0415 - the sync room loads only for a fix

    aid, act = entry.account_id, entry.page_action
    if act in ("checkin", "refresh") and aid is not None:
        return run_now(store, act, [aid], trigger="dashboard", force=act == "refresh",
                       politeness=politeness).summary()
    if act == "mark_read":  # here and on a site that keeps its own read state (Sub2API), as `notices read`
        return read_notices(store, list(entry.notice_ids), politeness=politeness).summary()
    if act == "sync_usage" and aid is not None:
        return sync_usage(store, [aid], politeness=politeness, background=False).summary()
    if act == "create_key" and aid is not None:
        return create_key(store, aid, politeness=politeness).summary()
    if act == "auto_checkin" and aid is not None:
        update_accounts(store, {aid: {"auto_checkin": True}})
        return f"{entry.site_name} is back in the daily automatic check-in."
    raise ValidationError(f"There is nothing to run for {entry.category.label.lower()}: "
                          f"{PAGE_ACTIONS.get(act, 'open it')} instead.")


def seed_demo_attention(store: Store, sandbox: Any, politeness: Politeness | None = None) -> dict[str, int]:
    """``allhub demo``: one account of each kind the queue knows, each from a real cause on the
    sandbox's sites (``sandbox``: the running ``allhub_core.sandbox.Sandbox``, passed in because
    automation never imports it): a check-in the site answers with HTTP 500 (retryable), a
    challenge page on a refresh, a redirect to another origin (not followed: the site unusable), a
    balance under the line (a manual balance), an account left out of the automatic check-in, keys
    all expired on one account and all ending within days on another, and the usage sync turned on
    (the rejected token's failed sync is overdue). The demo's own rejected token, Turnstile wall and
    unread announcements make the rest. Each fault answers once: the fix the queue offers works.
    Returns the account id of each kind."""
    from allhub_core.automation.settings import save_settings  # noqa: PLC0415 - demo only
    from allhub_core.origin import origin_key  # noqa: PLC0415 - demo only
    from allhub_core.sync import checkin, refresh, sync_keys  # noqa: PLC0415 - the sync room loads only here

    sites = {origin_key(s.url): s for s in sandbox.sites}
    with store.read() as con:
        rows = con.execute("SELECT id, site_url, user_id FROM accounts WHERE NOT disabled AND auto_checkin "
                           "AND health_status = 'healthy' ORDER BY id").fetchall()
    found: list[tuple[int, Any, Any]] = []
    taken_users: set[tuple[str, str]] = set()
    for aid, url, uid in rows:
        site = sites.get(origin_key(url))
        if site is None or site.spec.family != "newapi" or site.turnstile:
            continue
        user = next((u for u in site.users if str(u.id) == str(uid)), None)
        if user is not None and (site.url, str(uid)) not in taken_users:
            taken_users.add((site.url, str(uid)))
            found.append((int(aid), site, user))
    newapi = [f for f in found if f[1].dialect == "new-api"]
    others = [f for f in found if f[1].dialect != "new-api"]
    if len(newapi) < 3 or len(others) < 4:
        return {}
    (failing, fsite, fuser), (warned, wsite, wuser), (down, dsite, duser) = newapi[:3]
    (poor, _, _), (left, _, _), (keyless, _, kuser), (ending, _, euser) = others[:4]
    with fsite.lock:  # a new day on the site for this user: its check-in is to do again
        fuser.checkins.clear()
    fsite.inject("500", user_id=fuser.id, path="/api/user/checkin", method="POST", times=1)
    checkin(store, [failing], politeness=politeness)
    wsite.inject("403_html", user_id=wuser.id, path="/api/user/self", times=1)
    refresh(store, [warned], force=True, politeness=politeness)
    # the site's user record moved to another origin once: refused unfollowed, the site unusable
    dsite.inject("redirect", user_id=duser.id, path="/api/user/self", times=1)
    refresh(store, [down], force=True, politeness=politeness)
    update_accounts(store, {poor: {"manual_balance_usd": 0.42}, left: {"auto_checkin": False}})
    soon = int(time.time()) + 3 * 86400
    for t in kuser.tokens:
        t.status = 3  # expired on the site
    for t in euser.tokens:
        t.expired_time = soon
    sync_keys(store, [keyless, ending], politeness=politeness)
    save_settings(store, usage_sync_enabled=True, usage_sync_interval_s=3600)
    return {"checkin_failed": failing, "site_warning": warned, "site_down": down, "low_balance": poor,
            "left_out": left, "key_unusable": keyless, "key_expiring": ending}
