"""Usage-log rows for the history: each family's consume logs over a time window, page by page.

Where ``_usage`` sums today's logs, this reads the rows themselves, newest first, for the usage
sync (``sync.usage``): at most ``page_limit`` pages and ``row_limit`` rows per account and run,
through the account's ``SiteSession`` (so every politeness rule applies, the log spacing too).
A page that fails after earlier pages were read ends the run with what was read and the error;
one that fails first raises. Families without usage logs raise ``UnsupportedError``.

- New API family: ``/api/log/self`` with ``type=2`` and the window, in the variant's log dialect
  (docs/site-api.md §2). When the site answers 404/405 (or 403) there, New API's hourly
  ``/api/data/self`` is tried (rows per hour and model: ``count`` requests, ``token_used`` tokens,
  ``quota``); when that is missing too, the site has no usage logs.
- Sub2API: ``/api/v1/usage`` (newest first, ``items``), stopping at the first row older than the
  window.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from allhub_core.net import (
    AccountClock,
    HttpStatusError,
    Politeness,
    SiteError,
    SiteSession,
    Transport,
    UnsupportedError,
    scrub,
    short,
)
from allhub_core.sites._reasons import reason as _reason
from allhub_core.sites._types import SiteCredentials, remote_text
from allhub_core.sites._usage import LOG_CONSUME, PAGE_SIZE, _finite, _params, parse_log_page
from allhub_core.sites._variants import Variant

__all__ = [
    "UsageLogResult",
    "UsageLogRow",
    "UsageLogs",
    "UsageQuery",
    "fetch_usage_logs",
    "newapi_usage_logs",
    "sub2api_usage_logs",
]

log = logging.getLogger("allhub_core.sites")
_MIN_PAGE = 10  # One API serves 10 log rows a page, whatever is asked


@dataclass
class UsageLogRow:
    """One consume-log row (``requests`` 1), or one hour of one model (``source`` ``hourly``)."""

    created_at: int
    model: str = ""
    token_id: str = ""
    token_name: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    quota: int = 0
    latency_s: float | None = None
    requests: int = 1
    source: str = "log"
    uid: str = ""  # an id the site gave the row, if any (Sub2API)


@dataclass
class UsageLogs:
    """What one account's run read: rows (newest first as the site sent them); ``complete`` when the
    whole window was read; ``error`` when a page failed after earlier ones were read."""

    rows: list[UsageLogRow] = field(default_factory=list)
    complete: bool = True
    error: str = ""
    pages: int = 0


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


def _int(value: Any) -> int:
    number = _finite(value)
    return int(number) if number is not None else 0


def _newapi_row(raw: dict[str, Any]) -> UsageLogRow | None:
    created = _finite(raw.get("created_at"))
    if created is None:
        return None
    use_time = _finite(raw.get("use_time"))
    return UsageLogRow(
        created_at=int(created), model=remote_text(raw.get("model_name")) or "",
        token_id=remote_text(raw.get("token_id")) or "", token_name=remote_text(raw.get("token_name")) or "",
        prompt_tokens=_int(raw.get("prompt_tokens")), completion_tokens=_int(raw.get("completion_tokens")),
        quota=_int(raw.get("quota")), latency_s=float(use_time) if use_time is not None else None)


def _missing(exc: SiteError) -> bool:
    return isinstance(exc, UnsupportedError) or (
        isinstance(exc, HttpStatusError) and exc.http_status in (403, 404, 405))


async def _hourly(session: SiteSession, window: tuple[int, int], row_limit: int) -> UsageLogs:
    """New API's ``/api/data/self``: one row per hour and model."""
    try:
        # the rows are whole hours, stamped with the hour's start: ask from the start of the first
        data = (await session.get("/api/data/self", params=[("start_timestamp", window[0] - window[0] % 3600),
                                                            ("end_timestamp", window[1])])).envelope()
    except SiteError as exc:
        if _missing(exc):
            raise UnsupportedError("This site shows no usage logs.") from exc
        raise
    if not isinstance(data, list):
        raise SiteError("The hourly usage data is not in a known format.")
    rows = []
    for raw in data:
        if not isinstance(raw, dict) or _finite(raw.get("created_at")) is None:
            continue
        rows.append(UsageLogRow(created_at=_int(raw.get("created_at")), model=remote_text(raw.get("model_name")) or "",
                                prompt_tokens=_int(raw.get("token_used")), quota=_int(raw.get("quota")),
                                requests=max(1, _int(raw.get("count"))), source="hourly"))
    rows.sort(key=lambda r: r.created_at, reverse=True)
    return UsageLogs(rows[:row_limit], complete=len(rows) <= row_limit, pages=1)


async def newapi_usage_logs(session: SiteSession, variant: Variant, window: tuple[int, int], *,
                            page_limit: int, row_limit: int) -> UsageLogs:
    zero_based = variant.log_paging == "oneapi"
    page = 0 if zero_based else 1
    out = UsageLogs(complete=False)
    seen = 0
    first_len: int | None = None
    for _ in range(max(1, page_limit)):
        try:
            data = (await session.get("/api/log/self", params=_params(variant, page, LOG_CONSUME, window))).envelope()
            batch, total = parse_log_page(data)
        except SiteError as exc:
            if out.pages == 0 and _missing(exc):
                return await _hourly(session, window, row_limit)
            if out.pages == 0:
                raise
            out.error = str(exc)
            return out
        out.pages += 1
        seen += len(batch)
        for raw in batch:
            if raw.get("type", LOG_CONSUME) != LOG_CONSUME:
                continue
            row = _newapi_row(raw)
            if row is not None and window[0] <= row.created_at <= window[1]:
                out.rows.append(row)
        if len(out.rows) >= row_limit:
            del out.rows[row_limit:]
            return out
        # A bare array is read 0-based (One API): a page shorter than the first one, or than the
        # smallest page any fork serves, is the last.
        short_page = total is None and zero_based and len(batch) < max(_MIN_PAGE, first_len or 0)
        if not batch or (total is not None and seen >= total) or (total is None and not zero_based) or short_page:
            out.complete = True
            return out
        first_len = first_len or len(batch)
        page += 1
    return out


def _iso_ts(value: Any) -> int | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value / 1000) if value > 1e11 else int(value)
    if isinstance(value, str) and value:
        try:
            return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
        except ValueError:
            return None
    return None


async def sub2api_usage_logs(call: Callable[..., Any], window: tuple[int, int], *, page_limit: int,
                             row_limit: int) -> UsageLogs:
    """``call(method, path, params=...)`` is the Sub2API client's call (token refresh included)."""
    out = UsageLogs(complete=False)
    for page in range(1, max(1, page_limit) + 1):
        try:
            data = await call("GET", "/api/v1/usage", params={"page": page, "page_size": PAGE_SIZE})
            if isinstance(data, dict):
                items, total = data.get("items"), data.get("total")
            else:
                items, total = data, None
            if not isinstance(items, list):
                raise SiteError("The usage page is not in a known format.")
        except SiteError as exc:
            if out.pages == 0:
                if _missing(exc):
                    raise UnsupportedError("This site shows no usage logs.") from exc
                raise
            out.error = str(exc)
            return out
        out.pages += 1
        older = False
        for raw in items:
            if not isinstance(raw, dict):
                continue
            ts = _iso_ts(raw.get("created_at"))
            if ts is None:
                continue
            if ts < window[0]:
                older = True
                continue
            if ts > window[1]:
                continue
            cost = _finite(raw.get("actual_cost", raw.get("total_cost")))
            latency = _finite(raw.get("duration_ms"))
            out.rows.append(UsageLogRow(
                created_at=ts, model=remote_text(raw.get("model")) or "", uid=remote_text(raw.get("id")) or "",
                token_id=remote_text(raw.get("api_key_id")) or "",
                token_name=remote_text(raw.get("api_key_name")) or "",
                prompt_tokens=_int(raw.get("input_tokens")), completion_tokens=_int(raw.get("output_tokens")),
                quota=round(cost * 500_000) if cost is not None else 0,
                latency_s=latency / 1000 if latency is not None else None))
        if len(out.rows) >= row_limit:
            del out.rows[row_limit:]
            return out
        done = isinstance(total, int) and page * PAGE_SIZE >= total
        if older or not items or done or len(items) < PAGE_SIZE:
            out.complete = True
            return out
    return out


async def _one(t: Transport, q: UsageQuery) -> UsageLogResult:
    from allhub_core.sites._api import _auth_for, _Progress, deadline_reason
    from allhub_core.sites.registry import family_for

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
    from allhub_core.sites._api import _notify

    async with Transport.open(politeness) as t:
        async def one(q: UsageQuery) -> UsageLogResult:
            result = await _one(t, q)
            _notify(on_result, result)
            return result

        return list(await asyncio.gather(*(one(q) for q in queries)))
