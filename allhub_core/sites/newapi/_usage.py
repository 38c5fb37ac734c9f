"""Today's consumption, income, tokens and requests from the usage logs.

Consumption first tries ``/api/log/self/stat`` (one request); token and request
counts need the log rows, so ``/api/log/self`` is paged too, up to a page limit.
A figure read to the end is ``complete``; one cut off by the page limit is
``partial``; one that could not be read is ``unavailable`` with the reason.
The window is the local-time day (docs/site-api.md), frozen once per refresh.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from allhub_core.net import SiteError, SiteSession
from allhub_core.sites._concurrent import together
from allhub_core.sites._types import QUOTA_PER_USD, TodayUsage
from allhub_core.sites._types import finite as _finite
from allhub_core.sites.newapi._variants import Variant
from allhub_core.vocab import Availability

PAGE_SIZE = 100
LOG_CONSUME, LOG_TOPUP, LOG_SYSTEM = 2, 1, 4
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
    zero_based = variant.log_paging == "oneapi"
    page = 0 if zero_based else 1
    rows: list[dict] = []
    seen = 0
    for _ in range(max(1, page_limit)):
        data = (await session.get("/api/log/self", params=_params(variant, page, log_type, window))).envelope()
        batch, total = parse_log_page(data)
        seen += len(batch)
        # Servers that ignore ``type`` would mix in other rows; keep only ours.
        rows.extend(r for r in batch if r.get("type", log_type) == log_type)
        if not batch or (total is not None and seen >= total):
            return LogRows(rows, True)
        if total is None and not zero_based:
            return LogRows(rows, True)  # a bare array on a 1-based site is the only page
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


async def today_usage(session: SiteSession, variant: Variant, *, exchange_rate: float | Callable[[], Awaitable[float]],
                      page_limit: int, window: tuple[int, int] | None = None) -> TodayUsage:
    """``exchange_rate``: CNY per USD, or a coroutine function giving it, awaited only when the
    income rows are read (so the figures need not wait for the site's public status).

    The stat, the consumption pages and the income pages are asked for together, as the
    extension does; the per-site limiter still spaces every ``/api/log*`` start (so they go
    one after another, while the account's other calls use the gaps)."""
    window = window or today_window()
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

    if isinstance(income, SiteError):
        usage.availability["income"] = (Availability.UNAVAILABLE, f"income logs unavailable: {income}")
    else:
        usage.income, complete = income
        usage.availability["income"] = (Availability.COMPLETE, "") if complete else (
            Availability.PARTIAL, f"only the first {page_limit} log pages were read")
    return usage
