"""``diagnose``: what one account's site answers to read-only probes, as a text a user can paste
into a bug report (``allhub diagnose ID``, the Accounts page's Diagnose button).

The probes are ``sites.probe_account``'s (status, user, check-in status, keys, pricing, the
check-in method): nothing is checked in, created or changed, and the store is only written when a
Sub2API site rotated the account's tokens on the way (they are saved, as every flow does). Every
text is scrubbed of the account's access token, cookie and refresh token, of rotated tokens and of
every key the site listed; the site name and address are the user's own. No database lock is held
while the site is asked.
"""

from __future__ import annotations

import asyncio
import platform
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from allhub_core import __version__
from allhub_core.accounts import parse_id, set_secrets
from allhub_core.errors import NotFound, ValidationError
from allhub_core.net import scrub
from allhub_core.sites import Politeness, Probe, probe_account
from allhub_core.store import Store
from allhub_core.sync.credentials import account_names, politeness_for

__all__ = ["Diagnosis", "diagnose"]


@dataclass
class Diagnosis:
    """One account's probes, with what identifies the run (no secret)."""

    account_id: int
    site_name: str
    origin: str
    site_type: str
    auth_type: str
    started_at: datetime
    finished_at: datetime
    probes: list[Probe] = field(default_factory=list)

    @property
    def failed(self) -> list[Probe]:
        return [p for p in self.probes if p.ok is False]

    def summary(self) -> str:
        answered = sum(1 for p in self.probes if p.ok)
        missing = sum(1 for p in self.probes if p.ok is None)
        text = f"Account {self.account_id}: {answered} probe(s) answered, {missing} not offered"
        if self.failed:
            return text + f", {len(self.failed)} failed ({', '.join(p.name for p in self.failed)})."
        return text + ", none failed."

    def rows(self) -> list[dict[str, Any]]:
        """One row per probe, in the order they ran."""
        return [{"account_id": self.account_id, "probe": p.name, "outcome": p.outcome, "ok": p.ok,
                 "http_status": p.http_status, "summary": p.summary, "elapsed_ms": p.elapsed_ms}
                for p in self.probes]

    def exit_code(self) -> int:
        """0: the diagnosis ran (what the site answered is its content, failures included)."""
        return 0

    def as_json(self) -> dict[str, Any]:
        """What ``allhub diagnose --json`` prints: the run's facts and ``rows()`` as ``probes``."""
        return {"allhub_version": __version__, "account_id": self.account_id, "site_name": self.site_name,
                "origin": self.origin, "site_type": self.site_type, "auth_type": self.auth_type,
                "started_at": self.started_at.isoformat(timespec="seconds"),
                "finished_at": self.finished_at.isoformat(timespec="seconds"), "probes": self.rows()}

    def text(self) -> str:
        """A plain text report for a bug report: versions, the site, each probe's line, the times."""
        took = (self.finished_at - self.started_at).total_seconds()
        lines = [
            f"allhub {__version__} diagnosis (Python {platform.python_version()}, {platform.system()})",
            f"account:   {self.account_id} ({self.site_name})",
            f"site:      {self.origin}",
            f"site type: {self.site_type} · sign-in: {self.auth_type}",
            f"started:   {self.started_at.isoformat(timespec='seconds')} · took {took:.1f} s",
            "",
        ]
        width = max((len(p.name) for p in self.probes), default=0)
        for p in self.probes:
            http = f" [HTTP {p.http_status}]" if p.http_status else ""
            ms = f" ({p.elapsed_ms} ms)" if p.name != "check-in method" else ""
            lines.append(f"{p.name.ljust(width)}  {p.outcome.upper():<11} {p.summary}{http}{ms}")
        lines += ["", self.summary(), "Secrets (tokens, cookies, keys) are left out of this report."]
        return "\n".join(lines)


def diagnose(store: Store, account_id: Any, politeness: Politeness | None = None) -> Diagnosis:
    """Probe one account's site read-only; ``NotFound`` for an unknown id."""
    aid = parse_id(account_id)
    creds, names = account_names(store, [aid], only_enabled=False)
    if not creds:
        raise NotFound(f"There is no account with id {aid}.")
    c = creds[0]
    rotated: dict[str, str] = {}
    p = politeness or politeness_for(store)
    started = datetime.now(UTC)
    with store.released():
        probes = asyncio.run(probe_account(c, p, on_rotated=lambda _id, new: rotated.update(new)))
    finished = datetime.now(UTC)
    if rotated:  # Sub2API rotates its tokens on use: keep the new ones, as every flow does
        try:
            set_secrets(store, aid, access_token=rotated.get("access_token"),
                        refresh_token=rotated.get("refresh_token"))
        except (NotFound, ValidationError):
            pass  # deleted meanwhile
    secrets = [*c.secrets(), *rotated.values()]
    clean = [Probe(x.name, x.ok, scrub(x.summary, secrets), x.http_status, x.elapsed_ms) for x in probes]
    return Diagnosis(account_id=aid, site_name=names.get(c.account_id, ""), origin=c.site_url,
                     site_type=str(c.site_type), auth_type=str(c.auth_type), started_at=started,
                     finished_at=finished, probes=clean)
