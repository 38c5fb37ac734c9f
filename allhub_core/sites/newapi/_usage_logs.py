"""Usage-log rows of New API family sites over a time window, page by page (``usage_logs``).

``/api/log/self`` with ``type=2`` and the window, in the variant's log dialect (docs/site-api.md
§2). When the site answers 404/405 (or 403) there, New API's hourly ``/api/data/self`` is tried
(rows per hour and model: ``count`` requests, ``token_used`` tokens, ``quota``); when that is
missing too, the site has no usage logs (``UnsupportedError``). A page that fails after earlier
pages were read ends the run with what was read and the error; one that fails first raises.
"""

from __future__ import annotations

from typing import Any

from allhub_core.net import SiteError, SiteSession, UnsupportedError
from allhub_core.sites._reasons import route_missing
from allhub_core.sites._types import UsageLogRow, UsageLogs, finite, int_of, remote_text
from allhub_core.sites.newapi._usage import LOG_CONSUME, _params, parse_log_page
from allhub_core.sites.newapi._variants import Variant

__all__ = ["newapi_usage_logs"]

_MIN_PAGE = 10  # One API serves 10 log rows a page, whatever is asked


def _newapi_row(raw: dict[str, Any]) -> UsageLogRow | None:
    created = finite(raw.get("created_at"))
    if created is None:
        return None
    use_time = finite(raw.get("use_time"))
    return UsageLogRow(
        created_at=int(created), model=remote_text(raw.get("model_name")) or "",
        token_id=remote_text(raw.get("token_id")) or "", token_name=remote_text(raw.get("token_name")) or "",
        prompt_tokens=int_of(raw.get("prompt_tokens")), completion_tokens=int_of(raw.get("completion_tokens")),
        quota=int_of(raw.get("quota")), latency_s=float(use_time) if use_time is not None else None)


async def _hourly(session: SiteSession, window: tuple[int, int], row_limit: int) -> UsageLogs:
    """New API's ``/api/data/self``: one row per hour and model."""
    try:
        # the rows are whole hours, stamped with the hour's start: ask from the start of the first
        data = (await session.get("/api/data/self", params=[("start_timestamp", window[0] - window[0] % 3600),
                                                            ("end_timestamp", window[1])])).envelope()
    except SiteError as exc:
        if route_missing(exc):
            raise UnsupportedError("This site shows no usage logs.") from exc
        raise
    if not isinstance(data, list):
        raise SiteError("The hourly usage data is not in a known format.")
    rows = []
    for raw in data:
        if not isinstance(raw, dict) or finite(raw.get("created_at")) is None:
            continue
        rows.append(UsageLogRow(created_at=int_of(raw.get("created_at")),
                                model=remote_text(raw.get("model_name")) or "",
                                prompt_tokens=int_of(raw.get("token_used")), quota=int_of(raw.get("quota")),
                                requests=max(1, int_of(raw.get("count"))), source="hourly"))
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
            if out.pages == 0 and route_missing(exc):
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


