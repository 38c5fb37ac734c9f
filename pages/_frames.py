"""The history pages' frames before and after the charts: money in the chosen currency, sums per
day, the per-account table as shown, and the download payloads (CSV, JSON).

The frames come from ``allhub_core.history`` with every filter already applied in SQL. Money
arrives in USD (``*_usd`` columns); ``to_currency`` turns it into CNY with each account's own
exchange rate, as the Accounts totals do, so the charts take the currency only for their labels.
Nothing here reads the store, streamlit or plotly; ``pages/_charts.py`` re-exports every name,
so the pages keep calling ``ch.to_currency`` and the rest (tests/app/test_charts.py).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from allhub_core.transfer import csv_safe, json_text

__all__ = ["balance_table_view", "first_day", "frame_csv", "frame_json", "money_symbol", "sum_by_day",
           "to_currency"]


def money_symbol(currency: str) -> str:
    """The sign a label puts after a measure: $ for USD, ¥ for CNY."""
    return "$" if currency == "USD" else "¥"


# ---- money -----------------------------------------------------------------------------------
def to_currency(frame: pd.DataFrame, currency: str, rates: Mapping[int, float] | float) -> pd.DataFrame:
    """``frame`` with every ``*_usd`` column in ``currency`` (columns keep their names).

    CNY uses each row's account rate when the frame has ``account_id`` and ``rates`` is a
    mapping ({account id: CNY per USD}); a summed frame (no ``account_id``) or an account
    missing from the mapping uses the mapping's average, and a plain number is one rate for all.
    To sum accounts in CNY exactly, convert the per-account frame, then ``sum_by_day``.
    """
    if currency == "USD" or frame.empty:
        return frame
    out = frame.copy()
    money = [c for c in out.columns if str(c).endswith("_usd")]
    if isinstance(rates, Mapping):
        fallback = sum(rates.values()) / len(rates) if rates else 1.0
        if "account_id" in out.columns:
            factor: Any = out["account_id"].map(lambda a: rates.get(int(a), fallback)).astype("float64")
        else:
            factor = fallback
    else:
        factor = float(rates)
    for c in money:
        out[c] = out[c].astype("float64") * factor
    return out


def sum_by_day(frame: pd.DataFrame, *, balance_ids: set[int] | None = None,
               income_ids: set[int] | None = None) -> pd.DataFrame:
    """A per-account history (after ``to_currency``, so each account's rate counts) summed per day.

    ``balance_ids`` / ``income_ids``: the accounts whose balance / income count in the sums
    (the history room's rule: not those excluded from the total or from today's income);
    None counts every account. Net is income minus expense, a missing figure counting 0.
    """
    if frame.empty:
        return pd.DataFrame({c: [] for c in ("day", "balance_usd", "income_usd", "expense_usd", "net_usd")})
    data = frame.copy()
    if balance_ids is not None:
        data.loc[~data["account_id"].isin(balance_ids), "balance_usd"] = float("nan")
    if income_ids is not None:
        data.loc[~data["account_id"].isin(income_ids), "income_usd"] = float("nan")
    out = data.groupby("day", as_index=False)[["balance_usd", "income_usd", "expense_usd"]].sum(min_count=1)
    out["net_usd"] = out["income_usd"].fillna(0) - out["expense_usd"].fillna(0)
    return out.sort_values("day").reset_index(drop=True)


def first_day(frame: pd.DataFrame, default: date | None = None) -> date | None:
    """The first day of a history frame with any balance, income or expense (``default`` if none)."""
    money = [c for c in ("balance_usd", "income_usd", "expense_usd") if c in frame.columns]
    if frame.empty or not money:
        return default
    has = frame[money].notna().any(axis=1)
    return frame.loc[has, "day"].min() if has.any() else default


def _coverage(table: pd.DataFrame) -> pd.Series:
    """"covered / days" per row, each distinct pair written once: a row per account, 100,000 at
    scale, and a Python f-string per row (or pandas' int-to-text) cost 0.1-0.15 s there."""
    covered = table["days_covered"].to_numpy(dtype="int64")
    days = table["days_in_range"].to_numpy(dtype="int64")
    codes, pairs = pd.factorize(covered * 1_000_000 + days)  # a range is far below a million days
    labels = np.array([f"{p // 1_000_000} / {p % 1_000_000} days" for p in pairs], dtype=object)
    return pd.Series(labels[codes], index=table.index, dtype=object)


def balance_table_view(table: pd.DataFrame, currency: str) -> pd.DataFrame:
    """The per-account table as shown: names, money in ``currency``, coverage as "covered / days"."""
    sym = money_symbol(currency)
    return pd.DataFrame({
        "Account": table["site_name"],
        f"Start {sym}": table["start_usd"].round(2),
        f"End {sym}": table["end_usd"].round(2),
        f"Net {sym}": table["net_usd"].round(2),
        "Coverage": _coverage(table),
    })


# ---- downloads -----------------------------------------------------------------------------
def _plain_values(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Records of plain JSON values: days and times as ISO text, NaN as None."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]) or out[col].dtype == object:
            out[col] = out[col].map(lambda v: v.isoformat() if isinstance(v, date) else v)
    return json.loads(out.to_json(orient="records"))


def frame_csv(frame: pd.DataFrame) -> str:
    """An aggregate as CSV: text cells quoted and formula-safe (model and site names are remote text)."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(lambda v: csv_safe(v) if isinstance(v, str) else v)
        elif pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    return out.to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")


def frame_json(frame: pd.DataFrame) -> str:
    """An aggregate as a JSON array of objects (dates as ISO text)."""
    return json_text(_plain_values(frame)) + "\n"
