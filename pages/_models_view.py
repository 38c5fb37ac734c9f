"""What the Models page shows of ``prices.model_frame``: prices in the chosen currency and basis,
the grid's columns, and the "sort by" choices. Frame in, frame out; nothing reads the store.

Money arrives in USD of quota as each site states it. CNY is that × the account's own top-up
rate (CNY per USD, as the extension's model list shows it), which is already what you pay; in
USD, "what you really pay" is that CNY at the default rate (``prices.query``'s ``effective_*``,
applied here to every price column at once, cache prices included).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from allhub_core.accounts import DEFAULT_EXCHANGE_RATE

__all__ = ["BILLING_LABELS", "PRICE_COLUMNS", "SORTS", "column_config", "in_currency", "table"]

#: the money columns of a frame from ``prices``: all converted together
PRICE_COLUMNS = ["input_usd_per_1m", "output_usd_per_1m", "cache_read_usd_per_1m", "cache_write_usd_per_1m",
                 "call_usd"]
BILLING_LABELS = {"tokens": "per token", "call": "per call", "tiered": "tiered", "unknown": "unknown"}
#: "sort by" label -> ``prices.SORTS`` (the order is SQL's; rows without that price go last)
SORTS = {
    "Cheapest first": "cheapest",
    "Input price": "input",
    "Output price": "output",
    "Per-call price": "call",
    "Cache read price": "cache_read",
    "Model": "model",
    "Site": "site",
    "Balance (largest first)": "balance",
}


def in_currency(frame: pd.DataFrame, currency: str, real: bool) -> pd.DataFrame:
    """``frame`` with its prices (and balances, in CNY) in ``currency``; columns keep their names."""
    if frame.empty:
        return frame
    out = frame.copy()
    rate = out["exchange_rate"].astype("float64")
    if currency == "CNY":
        factor = rate
        out["balance_usd"] = out["balance_usd"].astype("float64") * rate
    else:
        factor = rate / DEFAULT_EXCHANGE_RATE if real else pd.Series(1.0, index=out.index)
    for col in PRICE_COLUMNS:
        out[col] = out[col].astype("float64") * factor
    return out


def table(frame: pd.DataFrame) -> pd.DataFrame:
    """The grid's columns, in order: a star for the cheapest, then what a person compares (a price
    column no row has is left out)."""
    view = pd.DataFrame({
        "cheapest": frame["cheapest"].map({True: "★"}).fillna(""),
        "model": frame["model"], "site_name": frame["site_name"], "group": frame["group"],
        "billing": frame["billing"].map(BILLING_LABELS).fillna(frame["billing"]),
        **{c: frame[c].astype("float64") for c in PRICE_COLUMNS},
        "group_ratio": frame["group_ratio"], "balance_usd": frame["balance_usd"], "vendor": frame["vendor"],
        "fetched_at": frame["fetched_at"],
    })
    view.loc[~frame["comparable"].astype(bool), "billing"] += " (not comparable)"
    empty = [c for c in PRICE_COLUMNS if view[c].isna().all()]  # e.g. no site tells cache prices
    return view.drop(columns=empty)


def column_config(currency: str) -> dict[str, Any]:
    """The grid's headers and number formats in ``currency``."""
    sym = "$" if currency == "USD" else "¥"
    price = lambda label: st.column_config.NumberColumn(f"{label} {sym}", format="%.4f")  # noqa: E731
    return {
        "cheapest": st.column_config.TextColumn("★", help="The cheapest of all your sites for this model", width=40),
        "model": "Model", "site_name": "Site", "group": "Group", "billing": "Billing",
        "input_usd_per_1m": price("Input /1M"), "output_usd_per_1m": price("Output /1M"),
        "cache_read_usd_per_1m": price("Cache read /1M"), "cache_write_usd_per_1m": price("Cache write /1M"),
        "call_usd": price("Per call"),
        "group_ratio": st.column_config.NumberColumn("Group ratio", format="%.3g"),
        "balance_usd": st.column_config.NumberColumn(f"Balance {sym}", format="%.2f"),
        "vendor": "Vendor",
        "fetched_at": st.column_config.DatetimeColumn("Fetched", format="YYYY-MM-DD HH:mm", width="medium"),
    }
