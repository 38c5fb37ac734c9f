"""Every figure of the history, usage and models pages (``pages/_charts.py``), timed on frames of
the sizes those pages draw.

    .venv/bin/python bench/bench_charts.py [--runs 30] [--root /path/to/another/checkout]

The frames: 30 days of the Overview trend, 60 days of balance history summed and per account
(20 accounts), the account states of 100,000 accounts, the 50 bars of a day's spread and of the
account comparison, 200 models (usage, cost, latency), the 7 x 24 weekday-hour cells, one model
on 30 sites and the Overview snapshot card. Each figure is built ``--runs`` times after one
warm-up; printed: the median ms of building it ("build") and of building it and handing it to
Streamlit as ``st.plotly_chart`` does (``to_dict`` then ``plotly.io.to_json``: "to page"), so
a faster figure that made a heavier JSON would show. ``--root`` runs another checkout's
``pages/_charts.py`` on the same frames (an A/B against the code before a change).
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _common import print_load  # type: ignore[import-not-found]

TODAY = date(2026, 3, 31)


def _days(n: int) -> list[date]:
    return [TODAY - timedelta(days=n - 1 - i) for i in range(n)]


def frames(seed: int = 18) -> dict[str, Any]:
    """The frames the pages hand the figures, in the shapes ``allhub_core.history`` returns."""
    rng = np.random.default_rng(seed)
    days60, days30 = _days(60), _days(30)
    per_account = pd.DataFrame([
        {"day": d, "account_id": a, "site_name": f"Relay {a:02d}", "balance_usd": 50 + 10 * a - 0.4 * i,
         "income_usd": float(rng.uniform(0, 3)), "expense_usd": float(rng.uniform(0, 4)), "net_usd": 0.0}
        for a in range(1, 21) for i, d in enumerate(days60)])
    per_account["net_usd"] = per_account["income_usd"] - per_account["expense_usd"]
    summed = per_account.groupby("day", as_index=False)[["balance_usd", "income_usd", "expense_usd", "net_usd"]].sum()
    models = pd.DataFrame({"model": [f"model-{i:03d}" for i in range(200)],
                           "requests": rng.integers(1, 50_000, 200), "tokens": rng.integers(1_000, 9_000_000, 200),
                           "cost_usd": rng.uniform(0, 300, 200), "avg_latency_s": rng.uniform(0.2, 20, 200)})
    models["p95_latency_s"] = models["avg_latency_s"] * rng.uniform(1.2, 3, 200)
    accounts = pd.DataFrame({"account_id": range(50), "site_name": [f"Relay {i:02d}" for i in range(50)],
                             "requests": rng.integers(1, 90_000, 50), "tokens": rng.integers(1, 10**8, 50),
                             "cost_usd": rng.uniform(0, 900, 50)})
    cells = pd.DataFrame([(wd, hr, int(rng.integers(0, 5_000))) for wd in range(7) for hr in range(24)],
                         columns=["weekday", "hour", "requests"])
    n = 30
    per_call = rng.random(n) < 0.1
    inp = np.where(per_call, np.nan, rng.uniform(0.1, 15, n))
    sites = pd.DataFrame({"site_name": [f"Relay {i % 25:02d}" for i in range(n)],
                          "site_url": [f"https://relay{i}.example" for i in range(n)],
                          "accounts": rng.integers(1, 4, n), "group": [["default", "vip", ""][i % 3] for i in range(n)],
                          "input_usd_per_1m": inp, "output_usd_per_1m": inp * 4,
                          "call_usd": np.where(per_call, rng.uniform(0.01, 0.2, n), np.nan),
                          "cheapest": [i == 0 for i in range(n)], "comparable": [i != n - 1 for i in range(n)],
                          "balance_usd": rng.uniform(0, 500, n)})
    ov = SimpleNamespace(total_balance_usd=123456.78, total_subscription_usd=None, today_consumption_usd=1234.5,
                         today_income_usd=321.0, complete=80_000, partial=12_000,
                         by_health={"healthy": 80_000, "warning": 12_000, "error": 8_000},
                         by_checkin={"checked": 60_000, "not_checked": 30_000, "failed": 10_000},
                         trend=summed[["day", "balance_usd"]].tail(30).reset_index(drop=True))
    return {"per_account": per_account, "summed": summed, "models": models, "accounts": accounts, "cells": cells,
            "sites": sites, "ov": ov, "spread": per_account[per_account["day"] == TODAY].head(50),
            "daily": pd.DataFrame({"day": days30, "requests": rng.integers(0, 90_000, 30),
                                   "tokens": rng.integers(0, 10**9, 30), "cost_usd": rng.uniform(0, 900, 30)})}


def figures(ch: Any, f: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    """Each figure as the pages call it (name -> a call that builds it)."""
    return {
        "trend_line (Overview)": lambda: ch.trend_line(f["ov"].trend),
        "counts_bar (Overview, x2)": lambda: ch.counts_bar(f["ov"].by_health, title="Accounts by health"),
        "balance_trend balance": lambda: ch.balance_trend(f["summed"], "balance"),
        "balance_trend balance per account": lambda: ch.balance_trend(f["per_account"], "balance", per_account=True),
        "balance_trend income": lambda: ch.balance_trend(f["summed"], "income"),
        "balance_trend income per account": lambda: ch.balance_trend(f["per_account"], "income", per_account=True),
        "day_distribution_bar": lambda: ch.day_distribution_bar(f["spread"], TODAY),
        "daily_usage": lambda: ch.daily_usage(f["daily"], "requests"),
        "model_share": lambda: ch.model_share(f["models"]),
        "model_cost": lambda: ch.model_cost(f["models"]),
        "account_compare": lambda: ch.account_compare(f["accounts"], "cost_usd"),
        "weekday_hour_heatmap": lambda: ch.weekday_hour_heatmap(f["cells"]),
        "latency_histogram": lambda: ch.latency_histogram(f["models"]),
        "slowest_models": lambda: ch.slowest_models(f["models"]),
        "model_price_sites": lambda: ch.model_price_sites(f["sites"], "gpt-4o"),
        "snapshot_figure": lambda: ch.snapshot_figure(f["ov"], today=TODAY),
    }


def to_page(fig: Any) -> str:
    """What ``st.plotly_chart`` does with a figure before it leaves the script."""
    import plotly.io  # noqa: PLC0415 - after the checkout's path is chosen

    return plotly.io.to_json(fig.to_dict(), validate=False)


def _drawn(call: Callable[[], Any]) -> str:
    return to_page(call())


def median_ms(call: Callable[[], Any], runs: int) -> float:
    call()  # warm-up: first-call imports and caches
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--root", type=Path, default=HERE.parent, help="the checkout whose pages/_charts.py to time")
    args = ap.parse_args()
    sys.path.insert(0, str(args.root.resolve()))
    from pages import _charts as ch  # noqa: PLC0415 - the chosen checkout's

    print(f"{Path(ch.__file__).resolve()}  (median of {args.runs} runs, ms)")
    print_load()
    f = frames()
    total_build = total_page = 0.0
    print(f"{'figure':38s} {'build':>8s} {'to page':>8s}")
    for name, call in figures(ch, f).items():
        build = median_ms(call, args.runs)
        page = median_ms(functools.partial(_drawn, call), args.runs)
        total_build += build
        total_page += page
        print(f"{name:38s} {build:8.1f} {page:8.1f}")
    print(f"{'all of them':38s} {total_build:8.1f} {total_page:8.1f}")
    print_load()


if __name__ == "__main__":
    main()
