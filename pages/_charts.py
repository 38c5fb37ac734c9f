"""Plotly figures of the history, usage and models pages: frame in, figure out.

The frames come from ``allhub_core.history`` with every filter already applied in SQL (money
already in the chosen currency: ``pages/_frames.py``); these functions only draw them. Each
figure is one ``go.Figure`` built from its traces (plain dicts, validated once) and layout in a
single call: plotly express drew the same charts about ten times slower (it validates, groups,
builds a template and subplots; bench/bench_charts.py), which the three charts of the Overview
at 100,000 accounts could not afford. A trace per account where express grouped by ``color``,
with express's names, colours, axis titles and hovers, keeps the charts as they were. Nothing here reads the store or streamlit, so each figure is unit-tested on a hand-made
frame (tests/app/test_charts.py). The frame helpers, downloads, share card and PNG live in
``pages/_frames.py`` and ``pages/_charts_share.py``; this module re-exports them, so a page
needs only ``from pages import _charts as ch``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.colors import qualitative

from pages._charts_share import figure_png, snapshot_figure
from pages._frames import (
    balance_table_view,
    first_day,
    frame_csv,
    frame_json,
    money_symbol,
    sum_by_day,
    to_currency,
)

__all__ = [
    "METRICS",
    "STATE_COLORS",
    "USAGE_METRICS",
    "WEEKDAYS",
    "account_compare",
    "balance_table_view",
    "balance_trend",
    "counts_bar",
    "daily_usage",
    "day_distribution_bar",
    "figure_png",
    "first_day",
    "frame_csv",
    "frame_json",
    "latency_histogram",
    "model_cost",
    "model_price_sites",
    "model_share",
    "slowest_models",
    "snapshot_figure",
    "sum_by_day",
    "to_currency",
    "trend_line",
    "weekday_hour_heatmap",
]

#: The balance-history measures: column suffix -> label.
METRICS = {"balance": "Balance", "income": "Income", "expense": "Expense", "net": "Net"}
#: The usage measures of the daily chart: column -> label.
USAGE_METRICS = {"requests": "Requests", "tokens": "Tokens", "cost_usd": "Cost (USD)"}
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_HEIGHT = 340
_EMPTY = "No data in this range"
_MARGIN = {"l": 10, "r": 10, "t": 40, "b": 10}
#: Above this many rows a line chart is drawn with WebGL (``Scattergl``), as plotly express chose.
_WEBGL_ROWS = 1000


def _empty_note() -> dict[str, Any]:
    return {"text": _EMPTY, "showarrow": False, "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5,
            "font": {"size": 14, "color": "gray"}}


def _figure(traces: list[Any], *, title: str, empty: bool, x_title: str | None = "", y_title: str | None = "",
            height: int = _HEIGHT, showlegend: bool = False, **layout: Any) -> go.Figure:
    """The figure in one call: its traces, title, axis titles (None: no axes, a pie), the common
    layout and the note of an empty range; ``layout`` adds or replaces layout keys."""
    spec: dict[str, Any] = {"title": {"text": title}, "height": height, "margin": _MARGIN, "showlegend": showlegend,
                            "legend": {"title": {"text": ""}, "tracegroupgap": 0}, "hovermode": "closest"}
    if x_title is not None:
        spec["xaxis"] = {"title": {"text": x_title}}
    if y_title is not None:
        spec["yaxis"] = {"title": {"text": y_title}}
    if empty:
        spec["annotations"] = [_empty_note()]
    spec.update(layout)
    return go.Figure(data=traces, layout=spec)


def _palette() -> list[str]:
    """The colours traces take one after another, as plotly express gave them: the default
    template's colorway (Streamlit installs its own template when it loads), else plotly's D3."""
    colorway = pio.templates[pio.templates.default or "plotly"].layout.colorway
    return list(colorway) if colorway else list(qualitative.D3)


def _groups(frame: pd.DataFrame, column: str | None) -> Iterator[tuple[int, str, pd.DataFrame]]:
    """Express's ``color=`` grouping: the rows of each value of ``column`` in the order the values
    first appear, with that order's place (its colour; a missing value takes a place but draws no
    trace), or the whole frame unnamed when ``column`` is None."""
    if column is None:
        yield 0, "", frame
        return
    for place, (name, part) in enumerate(frame.groupby(column, sort=False, dropna=False)):
        if not pd.isna(name):
            yield place, str(name), part


def _per_account_names(frame: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """A trace per account: its name, with ``#id`` where two accounts share one (two accounts of a
    site with the same user name would otherwise be one line going back and forth between them)."""
    if "account_id" not in frame.columns:
        return frame, "site_name"
    names = frame.groupby("account_id", sort=False)["site_name"].first()
    shared = names.duplicated(keep=False)
    label = {aid: f"{name} (#{aid})" if twice else name
             for aid, name, twice in zip(names.index, names.astype(str), shared, strict=True)}
    return frame.assign(trace_name=frame["account_id"].map(label)), "trace_name"


# ---- balance ---------------------------------------------------------------------------------
def trend_line(trend: pd.DataFrame, *, currency: str = "USD", title: str = "Total balance, last 30 days") -> go.Figure:
    """One line of the summed balance per day, the area under it filled (Overview)."""
    area = dict(type="scatter", x=trend["day"].to_numpy(), y=trend["balance_usd"].to_numpy(), mode="lines+markers",
                stackgroup="1", orientation="v", line={"color": _palette()[0], "shape": "linear"},
                name="", legendgroup="", showlegend=False, hovertemplate="%{x|%Y-%m-%d}: %{y:,.2f}<extra></extra>")
    return _figure([area], title=title, y_title=f"Balance ({money_symbol(currency)})", empty=trend.empty)


def balance_trend(frame: pd.DataFrame, metric: str = "balance", *, per_account: bool = False,
                  currency: str = "USD") -> go.Figure:
    """The balance (line) or income / expense / net (bars) per day, summed or one trace per account."""
    col = f"{metric}_usd"
    by_account = per_account and "site_name" in frame.columns
    kind = "bar" if metric != "balance" else "scattergl" if len(frame) > _WEBGL_ROWS else "scatter"
    colors = _palette()
    traces = []
    column = None
    if by_account:
        frame, column = _per_account_names(frame)
    for place, name, part in _groups(frame, column):
        color = colors[place % len(colors)]
        trace = dict(type=kind, x=part["day"].to_numpy(), y=part[col].to_numpy(), name=name, legendgroup=name,
                     showlegend=by_account, hovertemplate="%{x|%Y-%m-%d}: %{y:,.2f}<extra>%{fullData.name}</extra>")
        if kind == "bar":
            trace.update(orientation="v", marker={"color": color})
        else:
            trace.update(mode="lines+markers", line={"color": color, "dash": "solid"})
            if kind == "scatter":  # WebGL lines have no orientation
                trace["orientation"] = "v"
        traces.append(trace)
    return _figure(traces, title=f"{METRICS[metric]} per day" + (" per account" if by_account else ""),
                   y_title=f"{METRICS[metric]} ({money_symbol(currency)})", empty=frame.empty, height=400,
                   showlegend=by_account, **({"barmode": "relative"} if kind == "bar" else {}))


#: Bar colours of the account states (health and check-in); anything else is grey.
STATE_COLORS = {"healthy": "#2e9e5b", "checked": "#2e9e5b", "warning": "#e0a100", "not_checked": "#e0a100",
                "error": "#d64545", "failed": "#d64545"}


def counts_bar(counts: Mapping[str, int], *, title: str) -> go.Figure:
    """Accounts per state (health or check-in) as horizontal bars, largest on top; empty states left out."""
    items = sorted(((k, int(v)) for k, v in counts.items() if v), key=lambda kv: (kv[1], kv[0]))
    values = np.array([v for _, v in items], dtype="int64")
    bars = dict(type="bar", x=values, y=[k.replace("_", " ") for k, _ in items], orientation="h", text=values,
                textposition="outside", cliponaxis=False, name="", legendgroup="", showlegend=False,
                marker={"color": [STATE_COLORS.get(k, "#8a8f98") for k, _ in items]},
                hovertemplate="%{y}: %{x}<extra></extra>")
    return _figure([bars], title=title, x_title="Accounts", empty=not items, height=max(180, 60 + 34 * len(items)),
                   barmode="relative")


def _hbar(data: pd.DataFrame, x: str, y: str, hover: str) -> dict[str, Any]:
    """One horizontal bar per row, in the frame's order (the first row at the bottom)."""
    return dict(type="bar", x=data[x].to_numpy(), y=data[y].to_numpy(), orientation="h",
                marker={"color": _palette()[0]}, name="", legendgroup="", showlegend=False, hovertemplate=hover)


def day_distribution_bar(frame: pd.DataFrame, day: date, *, currency: str = "USD") -> go.Figure:
    """Each account's balance on one day, largest first."""
    data = frame.dropna(subset=["balance_usd"]).sort_values("balance_usd", ascending=True)
    return _figure([_hbar(data, "balance_usd", "site_name", "%{y}: %{x:,.2f}<extra></extra>")],
                   title=f"Balance per account on {day:%Y-%m-%d}", x_title=f"Balance ({money_symbol(currency)})",
                   empty=data.empty, height=max(220, 60 + 26 * len(data)), barmode="relative")


# ---- usage -----------------------------------------------------------------------------------
def daily_usage(frame: pd.DataFrame, metric: str = "requests") -> go.Figure:
    """Requests, tokens or cost per day as bars."""
    bars = dict(type="bar", x=frame["day"].to_numpy(), y=frame[metric].to_numpy(), orientation="v",
                marker={"color": _palette()[0]}, name="", legendgroup="", showlegend=False,
                hovertemplate="%{x|%Y-%m-%d}: %{y:,}<extra></extra>")
    return _figure([bars], title=f"{USAGE_METRICS[metric]} per day", y_title=USAGE_METRICS[metric],
                   empty=frame.empty, barmode="relative")


def model_share(frame: pd.DataFrame, top: int = 10) -> go.Figure:
    """Requests per model as a donut (the smallest models beyond ``top`` as "other")."""
    data = frame.sort_values("requests", ascending=False)
    if len(data) > top:
        rest = pd.DataFrame({"model": ["other"], "requests": [data["requests"].iloc[top:].sum()]})
        data = pd.concat([data[["model", "requests"]].iloc[:top], rest], ignore_index=True)
    donut = dict(type="pie", labels=data["model"].to_numpy(), values=data["requests"].to_numpy(), hole=0.45,
                 textposition="inside", textinfo="percent+label", domain={"x": [0.0, 1.0], "y": [0.0, 1.0]},
                 name="", legendgroup="", showlegend=True,
                 hovertemplate="model=%{label}<br>requests=%{value}<extra></extra>")
    return _figure([donut], title="Requests per model", x_title=None, y_title=None, empty=data.empty, showlegend=True)


def model_cost(frame: pd.DataFrame, top: int = 15) -> go.Figure:
    """Cost per model, most expensive on top."""
    data = frame.sort_values("cost_usd", ascending=False).head(top).iloc[::-1]
    return _figure([_hbar(data, "cost_usd", "model", "%{y}: $%{x:,.4f}<extra></extra>")],
                   title="Cost per model (USD)", x_title="Cost (USD)", empty=data.empty,
                   height=max(_HEIGHT, 60 + 24 * len(data)), barmode="relative")


def account_compare(frame: pd.DataFrame, metric: str = "cost_usd") -> go.Figure:
    """One bar per account for requests, tokens or cost."""
    data = frame.sort_values(metric, ascending=True)
    return _figure([_hbar(data, metric, "site_name", "%{y}: %{x:,}<extra></extra>")],
                   title=f"{USAGE_METRICS[metric]} per account", x_title=USAGE_METRICS[metric], empty=data.empty,
                   height=max(_HEIGHT, 60 + 26 * len(data)), barmode="relative")


def weekday_hour_heatmap(frame: pd.DataFrame) -> go.Figure:
    """Requests per weekday (Mon..Sun, 0 = Monday) and hour (0..23); empty cells count 0."""
    counts = np.zeros((7, 24), dtype="int64")
    np.add.at(counts, (frame["weekday"].to_numpy(dtype="int64"), frame["hour"].to_numpy(dtype="int64")),
              frame["requests"].to_numpy(dtype="int64"))
    cells = dict(type="heatmap", z=counts, x=[f"{h:02d}" for h in range(24)], y=WEEKDAYS, colorscale="Blues",
                 hovertemplate="%{y} %{x}:00: %{z} requests<extra></extra>", colorbar={"title": {"text": "Requests"}})
    return _figure([cells], title="Requests by weekday and hour", empty=frame.empty, height=320,
                   xaxis={"type": "category", "title": {"text": "Hour of day"}}, yaxis={"autorange": "reversed"},
                   legend={"title": {"text": ""}})


def latency_histogram(frame: pd.DataFrame) -> go.Figure:
    """How many requests had each average latency (per model, weighted by its requests): 20 bins."""
    bins = dict(type="histogram", x=frame["avg_latency_s"].to_numpy(), y=frame["requests"].to_numpy(),
                histfunc="sum", nbinsx=20, bingroup="x", orientation="v", marker={"color": _palette()[0]},
                name="", legendgroup="", showlegend=False,
                hovertemplate="Average latency (s)=%{x}<br>sum of Requests=%{y}<extra></extra>")
    return _figure([bins], title="Requests by their model's average latency", x_title="Average latency (s)",
                   y_title="Requests", empty=frame.empty, barmode="relative")


def slowest_models(frame: pd.DataFrame, top: int = 10) -> go.Figure:
    """The models with the highest 95th-percentile latency (average beside it), grouped bars."""
    data = frame.sort_values("p95_latency_s", ascending=False).head(top).iloc[::-1]
    colors = _palette()
    measures = (("avg_latency_s", "average"), ("p95_latency_s", "95th percentile")) if not data.empty else ()
    traces = [dict(type="bar", x=data[col].to_numpy(), y=data["model"].to_numpy(), orientation="h",
                   marker={"color": colors[i % len(colors)]}, name=name, legendgroup=name, offsetgroup=name,
                   alignmentgroup="True", showlegend=True,
                   hovertemplate=f"measure={name}<br>Latency (s)=%{{x}}<br>=%{{y}}<extra></extra>")
              for i, (col, name) in enumerate(measures)]
    return _figure(traces, title="Slowest models", x_title="Latency (s)", empty=data.empty,
                   height=max(_HEIGHT, 60 + 40 * len(data)), showlegend=True, barmode="group")


# ---- model prices ----------------------------------------------------------------------------
_PRICE_BARS = {"input_usd_per_1m": ("Input per 1M", "#3b7dd8"), "output_usd_per_1m": ("Output per 1M", "#49a86b"),
               "call_usd": ("Per call", "#8e5bd0")}


def _site_labels(frame: pd.DataFrame) -> list[str]:
    """A site's name (its cheapest account's), with how many of your accounts are there; the
    site's address too where two sites show the same name."""
    names = frame["site_name"].astype(str)
    count = frame["accounts"] if "accounts" in frame else pd.Series(1, index=frame.index)
    twice = names.duplicated(keep=False)
    hosts = frame["site_url"].astype(str).str.replace(r"^https?://", "", regex=True) if "site_url" in frame else names
    return [f"{n}{f' ({h})' if dup else ''}{f' · {c} accounts' if c > 1 else ''}"
            for n, h, dup, c in zip(names, hosts, twice, count, strict=True)]


#: The two panels of the price chart: prices on the left, your balance on the right (paper x).
_PRICE_PANEL, _GAP = 0.72 * 0.97, 0.03


def model_price_sites(frame: pd.DataFrame, model: str, *, currency: str = "USD") -> go.Figure:
    """One model's price on every site that sells it (``prices.model_sites``: a row per site,
    cheapest first, already in ``currency``), as horizontal bars that stay readable with many
    sites: its prices on the left (input and output per 1M tokens, or per call; ★ the cheapest of
    all your sites), your balance on that site on the right, one line per site. The two panels
    share the sites' axis (the layout ``make_subplots`` would make, written out)."""
    sym = money_symbol(currency)
    labels = _site_labels(frame) if not frame.empty else []
    groups = [f"group {g}" if g else "own group" for g in frame.get("group", pd.Series(dtype=str))]
    traces: list[Any] = []
    starred: set[int] = set()
    for col, (name, color) in _PRICE_BARS.items():
        values = frame[col] if col in frame else pd.Series(dtype="float64")
        if values.notna().any():
            stars = ["★ " if c and v == v and i not in starred else "" for i, (c, v) in
                     enumerate(zip(frame["cheapest"], values, strict=True))]
            starred |= {i for i, star in enumerate(stars) if star}  # one star a site, on its first price
            text = [f"{st}{sym}{v:,.4g}" if v == v else "" for st, v in zip(stars, values, strict=True)]
            traces.append(dict(type="bar", y=labels, x=values.to_numpy(), xaxis="x", yaxis="y", orientation="h",
                               name=name, marker={"color": color}, text=text, textposition="outside",
                               cliponaxis=False, customdata=groups,
                               hovertemplate=f"%{{y}} (%{{customdata}}): {sym}%{{x:,.4f}}<extra>{name}</extra>"))
    blind = [lab for lab, c in zip(labels, frame.get("comparable", pd.Series(dtype=bool)), strict=True) if not c]
    if not frame.empty:
        traces.append(dict(type="bar", y=labels, x=frame["balance_usd"].to_numpy(), xaxis="x2", yaxis="y2",
                           orientation="h", name="Your balance",
                           marker={"color": "rgba(224,161,0,0.35)", "line": {"color": "#e0a100", "width": 1.5}},
                           text=[f"{sym}{b:,.2f}" if b == b else "" for b in frame["balance_usd"]],
                           textposition="outside", cliponaxis=False,
                           hovertemplate=f"%{{y}}: {sym}%{{x:,.2f}}<extra></extra>"))
    right = _PRICE_PANEL + _GAP
    notes = [{"text": text, "x": x, "y": 1.0, "xref": "paper", "yref": "paper", "xanchor": "center",
              "yanchor": "bottom", "showarrow": False, "font": {"size": 16}}
             for text, x in ((f"Price ({sym})", _PRICE_PANEL / 2), (f"Your balance there ({sym})", (right + 1) / 2))]
    notes += [{"x": 0, "y": lab, "xref": "x", "yref": "y", "text": "no comparable price (tiered or unknown)",
               "showarrow": False, "xanchor": "left", "font": {"color": "gray"}} for lab in blind]  # a row says why
    if frame.empty:
        notes.append(_empty_note())
    sites = {"autorange": "reversed", "automargin": True}  # the cheapest site on top
    return go.Figure(data=traces, layout={
        "title": {"text": f"{model}: price on each site (★ cheapest) and your balance there"}, "barmode": "group",
        "uniformtext": {"mode": "show", "minsize": 10}, "annotations": notes,
        "xaxis": {"anchor": "y", "domain": [0.0, _PRICE_PANEL], "rangemode": "tozero", "automargin": True},
        "xaxis2": {"anchor": "y2", "domain": [right, 1.0], "rangemode": "tozero", "automargin": True},
        "yaxis": {"anchor": "x", "domain": [0.0, 1.0], **sites},
        "yaxis2": {"anchor": "x2", "domain": [0.0, 1.0], "matches": "y", "showticklabels": False, **sites},
        "height": max(320, 110 + 34 * len(labels) * (1 + (len(traces) > 2))), "showlegend": True,
        "hovermode": "closest", "margin": {"l": 10, "r": 40, "t": 90, "b": 10},
        "legend": {"title": {"text": ""}, "orientation": "h", "y": 1.02, "x": 1, "xanchor": "right",
                   "yanchor": "bottom"}})
