"""The usage sync's entry point: each account's consume logs over a time window, page by page.

Where a refresh sums today's figures, this reads the rows themselves, newest first, for the usage
sync (``sync.usage``): at most ``page_limit`` pages and ``row_limit`` rows per account and run,
through the account's ``SiteSession`` (so every politeness rule applies, the log spacing too).
Each family reads its own logs (``SiteFamily.usage_logs``: ``newapi/_usage_logs``, ``sub2api``);
families without usage logs raise ``UnsupportedError`` and the account's result says so.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from allhub_core.net import AccountClock, Politeness, SiteError, Transport, UnsupportedError, scrub, short
from allhub_core.sites._api import _auth_for, _Progress, deadline_reason
from allhub_core.sites._concurrent import each
from allhub_core.sites._reasons import reason as _reason
from allhub_core.sites._types import SiteCredentials, UsageLogRow, UsageLogs
from allhub_core.sites.registry import family_for

__all__ = ["UsageLogResult", "UsageLogRow", "UsageLogs", "UsageQuery", "fetch_usage_logs"]

log = logging.getLogger("allhub_core.sites")


@dataclass
class UsageQuery:
    creds: SiteCredentials
    start_ts: int
    end_ts: int
    page_limit: int = 20
    row_limit: int = 5000


@dataclass
class UsageLogResult:
    """One account's outcome: ``status`` ok | partial | unsupported | failed."""

    account_id: str
    status: str
    message: str = ""
    rows: list[UsageLogRow] = field(default_factory=list)
    complete: bool = False
    window: tuple[int, int] = (0, 0)
    rotated: dict[str, str] = field(default_factory=dict)
    requests_made: int = 0


async def _one(t: Transport, q: UsageQuery) -> UsageLogResult:
    creds = q.creds
    secrets = creds.secrets()
    window = (int(q.start_ts), int(q.end_ts))
    out = UsageLogResult(account_id=creds.account_id, status="failed", window=window)
    progress = _Progress()
    clock = AccountClock(t.politeness.account_deadline_s)
    try:
        async with clock.running():
            family = family_for(creds.site_type)
            session = progress.session = t.session(creds.site_url, _auth_for(creds, family), secrets)
            handle = progress.handle = family.open(session, creds)
            got = await family.usage_logs(handle, window, page_limit=q.page_limit, row_limit=q.row_limit)
        out.rows, out.complete = got.rows, got.complete and not got.error
        if got.error:
            out.status, out.message = "failed", got.error
        elif not got.complete:
            out.status = "partial"
            out.message = (f"only the first {q.page_limit} pages or {q.row_limit} rows were read; "
                           "the rest comes next time")
        else:
            out.status = "ok"
    except UnsupportedError as exc:
        out.status, out.message = "unsupported", str(exc)
    except TimeoutError:
        if not clock.expired:
            raise
        out.message = deadline_reason(clock.seconds)
    except Exception as exc:  # noqa: BLE001 - one account's failure is its own result
        if not isinstance(exc, SiteError):
            log.error("usage sync of account %s failed with %s", creds.account_id, type(exc).__name__)
        out.message = _reason(exc, secrets)
    finally:
        out.rotated = progress.rotated()
        out.requests_made = progress.requests_made()
    out.message = short(scrub(out.message, secrets))
    return out


async def fetch_usage_logs(queries: list[UsageQuery], politeness: Politeness | None = None,
                           on_result: Callable[[UsageLogResult], None] | None = None) -> list[UsageLogResult]:
    """Read every account's usage logs concurrently (one transport, per-site politeness); one
    result per query, in input order; never raises for one account's failure."""
    async with Transport.open(politeness) as t:
        return await each(queries, lambda q: _one(t, q), on_result)
