"""Today's consumption, income, tokens and requests from the usage logs.

Consumption first tries ``/api/log/self/stat`` (one request); token and request
counts need the log rows, so ``/api/log/self`` is paged too, up to a page limit.
A figure read to the end is ``complete``; one cut off by the page limit is
``partial``; one that could not be read is ``unavailable`` with the reason.
The window is the local-time day (docs/site-api.md), frozen once per refresh.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Awaitable, Callable

from ..net import SiteError, SiteSession
from ._types import COMPLETE, PARTIAL, QUOTA_PER_USD, UNAVAILABLE, TodayUsage
from ._variants import Variant

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


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


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


async def today_usage(session: SiteSession, variant: Variant, *, exchange_rate: float | Callable[[], Awaitable[float]],
                      page_limit: int, window: tuple[int, int] | None = None) -> TodayUsage:
    """``exchange_rate``: CNY per USD, or a coroutine function giving it, awaited only when the
    income rows are read (so the figures need not wait for the site's public status)."""
    window = window or today_window()
    usage = TodayUsage()

    stat_error = ""
    try:
        stat = (await session.get("/api/log/self/stat", params=_params(variant, 1, LOG_CONSUME, window))).envelope()
        value = _finite(stat.get("quota")) if isinstance(stat, dict) else None
        if value is None:
            raise SiteError("the stat endpoint gave no quota")
        usage.consumption = int(value)
        usage.availability["consumption"] = (COMPLETE, "")
    except SiteError as exc:
        stat_error = str(exc)

    try:
        consumed = await page_logs(session, variant, LOG_CONSUME, window, page_limit)
        state = COMPLETE if consumed.complete else PARTIAL
        why = "" if consumed.complete else f"only the first {page_limit} log pages were read"
        usage.prompt_tokens = sum(int(_finite(r.get("prompt_tokens")) or 0) for r in consumed.rows)
        usage.completion_tokens = sum(int(_finite(r.get("completion_tokens")) or 0) for r in consumed.rows)
        usage.requests = len(consumed.rows)
        usage.availability["tokens"] = (state, why)
        usage.availability["requests"] = (state, why)
        if usage.consumption is None:
            usage.consumption = sum(int(_finite(r.get("quota")) or 0) for r in consumed.rows)
            usage.availability["consumption"] = (state, why)
    except SiteError as exc:
        reason = f"usage logs unavailable: {exc}"
        usage.availability["tokens"] = (UNAVAILABLE, reason)
        usage.availability["requests"] = (UNAVAILABLE, reason)
        if usage.consumption is None:
            usage.availability["consumption"] = (UNAVAILABLE, f"usage stats unavailable: {stat_error or exc}")

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
        usage.income = income
        usage.availability["income"] = (COMPLETE, "") if complete else (
            PARTIAL, f"only the first {page_limit} log pages were read")
    except SiteError as exc:
        usage.availability["income"] = (UNAVAILABLE, f"income logs unavailable: {exc}")
    return usage
