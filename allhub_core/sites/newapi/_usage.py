"""Today's consumption, income, tokens and requests from the usage logs.

Two ways to read them, the same figures (``tests/sites/test_lean_usage.py`` compares them on
the same logs):

- ``lean`` (a refresh's way, issue 18): ``/api/log/self`` with type 0, which every fork reads as
  "all of the user's rows" (New API ``model.GetUserLogs``: ``LogTypeUnknown`` drops the type
  filter; One API, OneHub and DoneHub alike), newest first, each row with its ``type``. One page
  of 100 rows gives the day's consumption (the quota of the type-2 rows: what
  ``/api/log/self/stat`` sums, ``SumUsedQuota`` counts only ``LogTypeConsume``), tokens and
  requests, and the income (types 1 and 4); more pages only when the day has more than 100 rows.
  When the page limit cuts the day short, the stat is asked too, so the consumption stays
  complete. A fork whose rows carry no ``type``, or that refuses the merged query, is read the
  full way instead.
- ``full`` (the extension's way): the stat, then the consume pages, the top-up pages and the
  system pages, each type on its own.

A figure read to the end is ``complete``; one cut off by the page limit is ``partial``; one
that could not be read is ``unavailable`` with the reason. The window is the local-time day
(docs/site-api.md), frozen once per refresh.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from allhub_core.net import ChallengeError, HttpStatusError, NetworkError, SiteError, SiteSession
from allhub_core.sites._concurrent import together
from allhub_core.sites._types import QUOTA_PER_USD, TodayUsage
from allhub_core.sites._types import finite as _finite
from allhub_core.sites.newapi._variants import Variant
from allhub_core.vocab import Availability

PAGE_SIZE = 100
LOG_ALL, LOG_CONSUME, LOG_TOPUP, LOG_SYSTEM = 0, 2, 1, 4
INCOME_TYPES = (LOG_TOPUP, LOG_SYSTEM)
_MONEY = re.compile(r"(\$|¥|￥|€|£)\s*([0-9]+(?:\.[0-9]+)?)")


def today_window(now: float | None = None) -> tuple[int, int]:
    """Local midnight and 23:59:59 of today, in epoch seconds."""
    current = datetime.fromtimestamp(now if now is not None else time.time())
    start = current.replace(hour=0, minute=0, second=0, microsecond=0)
    start_ts = int(start.timestamp())
    return start_ts, start_ts + 86399


def _params(variant: Variant, page: int, log_type: int, window: tuple[int, int]) -> list[tuple[str, Any]]:
    start, end = window
    if variant.log_paging == "done-hub":
        return [("page", page), ("size", PAGE_SIZE), ("token_name", ""), ("model_name", ""),
                ("start_timestamp", start), ("end_timestamp", end), ("log_type", log_type)]
    return [("p", page), ("page_size", PAGE_SIZE), ("token_name", ""), ("model_name", ""),
            ("start_timestamp", start), ("end_timestamp", end), ("type", log_type), ("group", "")]


def parse_log_page(data: Any) -> tuple[list[dict], int | None]:
    """Rows and total of one log page in any of the family's shapes."""
    if isinstance(data, list):
        return [r for r in data if isinstance(r, dict)], None
    if isinstance(data, dict):
        items = data.get("items")
        if not isinstance(items, list):
            items = data.get("data")
        if isinstance(items, list):
            total = data.get("total", data.get("total_count"))
            # ``_finite`` already refuses non-numbers; the isinstance only tells the type checker.
            total_n = (int(total) if isinstance(total, (int, float)) and _finite(total) is not None and total >= 0
                       else None)
            return [r for r in items if isinstance(r, dict)], total_n
    raise SiteError("The usage log page is not in a known format.")


@dataclass
class LogRows:
    rows: list[dict]
    complete: bool


async def page_logs(session: SiteSession, variant: Variant, log_type: int, window: tuple[int, int],
                    page_limit: int) -> LogRows:
    """The rows of ``log_type`` (``LOG_ALL``: every row) in ``window``, up to ``page_limit`` pages."""
    zero_based = variant.log_paging == "oneapi"
    page = 0 if zero_based else 1
    rows: list[dict] = []
    seen = longest = 0
    for _ in range(max(1, page_limit)):
        data = (await session.get("/api/log/self", params=_params(variant, page, log_type, window))).envelope()
        batch, total = parse_log_page(data)
        seen += len(batch)
        # Servers that ignore ``type`` would mix in other rows; keep only ours.
        rows.extend(r for r in batch if log_type == LOG_ALL or r.get("type", log_type) == log_type)
        if not batch or (total is not None and seen >= total):
            return LogRows(rows, True)
        if total is None and not zero_based:
            return LogRows(rows, True)  # a bare array on a 1-based site is the only page
        if total is None and len(batch) < longest:
            return LogRows(rows, True)  # a page shorter than the server's page size is the last
        longest = max(longest, len(batch))
        page += 1
    return LogRows(rows, False)


def income_of(row: dict, exchange_rate: float) -> int:
    if "quota" in row:
        value = _finite(row.get("quota"))
        return int(value) if value is not None else 0
    match = _MONEY.search(str(row.get("content") or ""))
    if not match:
        return 0
    amount = float(match.group(2))
    if match.group(1) in ("¥", "￥") and exchange_rate > 0:
        amount /= exchange_rate
    return round(amount * QUOTA_PER_USD)


async def _stat(session: SiteSession, variant: Variant, window: tuple[int, int]) -> tuple[int | None, str]:
    """Today's consumption from ``/api/log/self/stat``: (quota, '') or (None, why not)."""
    try:
        stat = (await session.get("/api/log/self/stat", params=_params(variant, 1, LOG_CONSUME, window))).envelope()
        value = _finite(stat.get("quota")) if isinstance(stat, dict) else None
        if value is None:
            raise SiteError("the stat endpoint gave no quota")
        return int(value), ""
    except SiteError as exc:
        return None, str(exc)


async def _consumed(session: SiteSession, variant: Variant, window: tuple[int, int],
                    page_limit: int) -> LogRows | SiteError:
    try:
        return await page_logs(session, variant, LOG_CONSUME, window, page_limit)
    except SiteError as exc:
        return exc


async def _income(session: SiteSession, variant: Variant, window: tuple[int, int], page_limit: int,
                  exchange_rate: float | Callable[[], Awaitable[float]]) -> tuple[int, bool] | SiteError:
    """Today's income from the top-up and system log rows (one type after the other, as the
    extension reads them): (quota, read to the end) or the error."""
    try:
        income = 0
        complete = True
        rate = exchange_rate if isinstance(exchange_rate, (int, float)) else None
        for log_type in (LOG_TOPUP, LOG_SYSTEM):
            part = await page_logs(session, variant, log_type, window, page_limit)
            if rate is None and part.rows:
                rate = await exchange_rate()  # type: ignore[operator]
            income += sum(income_of(r, rate or 0) for r in part.rows)
            complete = complete and part.complete
        return income, complete
    except SiteError as exc:
        return exc


Rate = float | Callable[[], Awaitable[float]]
METHODS = ("lean", "full")


async def today_usage(session: SiteSession, variant: Variant, *, exchange_rate: Rate, page_limit: int,
                      window: tuple[int, int] | None = None, method: str = "lean") -> TodayUsage:
    """Today's figures, read the ``lean`` way (falling back to ``full`` where a fork needs it) or
    the ``full`` way (see the module doc). ``exchange_rate``: CNY per USD, or a coroutine
    function giving it, awaited only when income rows are read (so the figures need not wait for
    the site's public status)."""
    if method not in METHODS:
        raise ValueError(f"method is one of {METHODS}, not {method!r}")
    window = window or today_window()
    if method == "lean":
        usage = await _lean_usage(session, variant, exchange_rate, page_limit, window)
        if usage is not None:
            return usage
    return await _full_usage(session, variant, exchange_rate, page_limit, window)


def _refused(exc: SiteError) -> bool:
    """The merged query itself was refused (a fork that wants a type): worth the typed queries.
    A site that is down, busy, behind a challenge or refusing the account would refuse those too."""
    if isinstance(exc, (NetworkError, ChallengeError)):
        return False
    if isinstance(exc, HttpStatusError):
        return exc.http_status in (400, 404, 405, 422)
    return True  # success:false, or a page in no known shape


def _log_type(row: dict) -> int | None:
    kind = row.get("type")
    return kind if isinstance(kind, int) and not isinstance(kind, bool) else None


async def _lean_usage(session: SiteSession, variant: Variant, exchange_rate: Rate, page_limit: int,
                      window: tuple[int, int]) -> TodayUsage | None:
    """The day from the merged pages; None when this fork must be read the full way."""
    usage = TodayUsage()
    try:
        merged = await page_logs(session, variant, LOG_ALL, window, page_limit)
    except SiteError as exc:
        if _refused(exc):
            return None
        reason = f"usage logs unavailable: {exc}"
        for measure in ("consumption", "income", "tokens", "requests"):
            usage.availability[measure] = (Availability.UNAVAILABLE, reason)
        return usage
    if any(_log_type(r) is None for r in merged.rows):
        return None  # rows without their type cannot be told apart
    consumed = [r for r in merged.rows if r["type"] == LOG_CONSUME]
    earned = [r for r in merged.rows if r["type"] in INCOME_TYPES]
    state = Availability.COMPLETE if merged.complete else Availability.PARTIAL
    why = "" if merged.complete else f"only the first {page_limit} log pages were read"
    usage.prompt_tokens = sum(int(_finite(r.get("prompt_tokens")) or 0) for r in consumed)
    usage.completion_tokens = sum(int(_finite(r.get("completion_tokens")) or 0) for r in consumed)
    usage.requests = len(consumed)
    usage.consumption = sum(int(_finite(r.get("quota")) or 0) for r in consumed)
    usage.income = 0
    for measure in ("consumption", "tokens", "requests"):
        usage.availability[measure] = (state, why)
    if not merged.complete:
        # The day goes on past the page limit (rare: page_limit x 100 rows): its consumption from
        # the stat and its income from the typed pages, as the full way has them; tokens and
        # requests stay partial either way.
        stat_value, _ = await _stat(session, variant, window)
        if stat_value is not None:
            usage.consumption = stat_value
            usage.availability["consumption"] = (Availability.COMPLETE, "")
        _set_income(usage, await _income(session, variant, window, page_limit, exchange_rate), page_limit)
        return usage
    rate = exchange_rate if isinstance(exchange_rate, (int, float)) else None
    if rate is None and earned:
        rate = await exchange_rate()  # type: ignore[operator]
    usage.income = sum(income_of(r, rate or 0) for r in earned)
    usage.availability["income"] = (Availability.COMPLETE, "")
    return usage


async def _full_usage(session: SiteSession, variant: Variant, exchange_rate: Rate, page_limit: int,
                      window: tuple[int, int]) -> TodayUsage:
    """The extension's way: the stat, the consumption pages and the income pages, asked for
    together; the per-site limiter still spaces every ``/api/log*`` start (so they go one after
    another, while the account's other calls use the gaps)."""
    usage = TodayUsage()
    # The stat is asked in this task, so it reaches the site's queue at once; the pages follow.
    pages = asyncio.ensure_future(together(_consumed(session, variant, window, page_limit),
                                           _income(session, variant, window, page_limit, exchange_rate)))
    try:
        stat_value, stat_error = await _stat(session, variant, window)
        consumed, income = await pages
    except BaseException:
        pages.cancel()
        await asyncio.gather(pages, return_exceptions=True)
        raise

    if stat_value is not None:
        usage.consumption = stat_value
        usage.availability["consumption"] = (Availability.COMPLETE, "")
    if isinstance(consumed, LogRows):
        state = Availability.COMPLETE if consumed.complete else Availability.PARTIAL
        why = "" if consumed.complete else f"only the first {page_limit} log pages were read"
        usage.prompt_tokens = sum(int(_finite(r.get("prompt_tokens")) or 0) for r in consumed.rows)
        usage.completion_tokens = sum(int(_finite(r.get("completion_tokens")) or 0) for r in consumed.rows)
        usage.requests = len(consumed.rows)
        usage.availability["tokens"] = (state, why)
        usage.availability["requests"] = (state, why)
        if usage.consumption is None:
            usage.consumption = sum(int(_finite(r.get("quota")) or 0) for r in consumed.rows)
            usage.availability["consumption"] = (state, why)
    else:
        reason = f"usage logs unavailable: {consumed}"
        usage.availability["tokens"] = (Availability.UNAVAILABLE, reason)
        usage.availability["requests"] = (Availability.UNAVAILABLE, reason)
        if usage.consumption is None:
            usage.availability["consumption"] = (
                Availability.UNAVAILABLE, f"usage stats unavailable: {stat_error or consumed}")

    _set_income(usage, income, page_limit)
    return usage


def _set_income(usage: TodayUsage, income: tuple[int, bool] | SiteError, page_limit: int) -> None:
    """Today's income from the typed pages, or why it is not known."""
    if isinstance(income, SiteError):
        usage.availability["income"] = (Availability.UNAVAILABLE, f"income logs unavailable: {income}")
    else:
        usage.income, complete = income
        usage.availability["income"] = (Availability.COMPLETE, "") if complete else (
            Availability.PARTIAL, f"only the first {page_limit} log pages were read")
