"""Plotly figures (and download payloads) for the history pages: frame in, figure out.

The frames come from ``allhub_core.history`` with every filter already applied in SQL; these
functions only draw them. Money arrives in USD (``*_usd`` columns); ``to_currency`` turns it
into CNY with each account's own exchange rate, as the Accounts totals do, so the charts take
the currency only for their labels. Nothing here reads the store or streamlit, so each figure
is unit-tested on a hand-made frame (tests/app/test_charts.py).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from allhub_core.errors import AllhubError
from allhub_core.transfer import csv_safe, json_text

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


def _symbol(currency: str) -> str:
    return "$" if currency == "USD" else "¥"


def _layout(fig: go.Figure, empty: bool, *, height: int = _HEIGHT, legend: bool = True) -> go.Figure:
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=40, b=10), showlegend=legend,
                      legend_title_text="", hovermode="closest")
    if empty:
        fig.add_annotation(text=_EMPTY, showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5,
                           font=dict(size=14, color="gray"))
    return fig


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


def balance_table_view(table: pd.DataFrame, currency: str) -> pd.DataFrame:
    """The per-account table as shown: names, money in ``currency``, coverage as "covered / days"."""
    sym = _symbol(currency)
    return pd.DataFrame({
        "Account": table["site_name"],
        f"Start {sym}": table["start_usd"].round(2),
        f"End {sym}": table["end_usd"].round(2),
        f"Net {sym}": table["net_usd"].round(2),
        "Coverage": [f"{c} / {n} days" for c, n in zip(table["days_covered"], table["days_in_range"], strict=True)],
    })


# ---- balance ---------------------------------------------------------------------------------
def trend_line(trend: pd.DataFrame, *, currency: str = "USD", title: str = "Total balance, last 30 days") -> go.Figure:
    """One line of the summed balance per day (Overview)."""
    fig = px.area(trend, x="day", y="balance_usd", title=title, markers=True,
                  labels={"day": "", "balance_usd": f"Balance ({_symbol(currency)})"})
    fig.update_traces(line_shape="linear", hovertemplate="%{x|%Y-%m-%d}: %{y:,.2f}<extra></extra>")
    return _layout(fig, trend.empty, legend=False)


def balance_trend(frame: pd.DataFrame, metric: str = "balance", *, per_account: bool = False,
                  currency: str = "USD") -> go.Figure:
    """The balance (line) or income / expense / net (bars) per day, summed or one trace per account."""
    col = f"{metric}_usd"
    label = f"{METRICS[metric]} ({_symbol(currency)})"
    color = "site_name" if per_account and "site_name" in frame.columns else None
    labels = {"day": "", col: label, "site_name": "Account"}
    if metric == "balance":
        fig = px.line(frame, x="day", y=col, color=color, markers=True, labels=labels,
                      title=f"{METRICS[metric]} per day" + (" per account" if color else ""))
    else:
        fig = px.bar(frame, x="day", y=col, color=color, labels=labels, barmode="relative",
                     title=f"{METRICS[metric]} per day" + (" per account" if color else ""))
    fig.update_traces(hovertemplate="%{x|%Y-%m-%d}: %{y:,.2f}<extra>%{fullData.name}</extra>")
    return _layout(fig, frame.empty, height=400, legend=color is not None)


#: Bar colours of the account states (health and check-in); anything else is grey.
STATE_COLORS = {"healthy": "#2e9e5b", "checked": "#2e9e5b", "warning": "#e0a100", "not_checked": "#e0a100",
                "error": "#d64545", "failed": "#d64545"}


def counts_bar(counts: Mapping[str, int], *, title: str) -> go.Figure:
    """Accounts per state (health or check-in) as horizontal bars, largest on top; empty states left out."""
    items = sorted(((k, int(v)) for k, v in counts.items() if v), key=lambda kv: (kv[1], kv[0]))
    frame = pd.DataFrame(items, columns=["state", "accounts"])
    frame["label"] = frame["state"].str.replace("_", " ")
    fig = px.bar(frame, x="accounts", y="label", orientation="h", title=title, text="accounts",
                 labels={"label": "", "accounts": "Accounts"})
    fig.update_traces(hovertemplate="%{y}: %{x}<extra></extra>", textposition="outside", cliponaxis=False,
                      marker_color=[STATE_COLORS.get(s, "#8a8f98") for s in frame["state"]])
    return _layout(fig, frame.empty, height=max(180, 60 + 34 * len(frame)), legend=False)


def day_distribution_bar(frame: pd.DataFrame, day: date, *, currency: str = "USD") -> go.Figure:
    """Each account's balance on one day, largest first."""
    data = frame.dropna(subset=["balance_usd"]).sort_values("balance_usd", ascending=True)
    fig = px.bar(data, x="balance_usd", y="site_name", orientation="h",
                 title=f"Balance per account on {day:%Y-%m-%d}",
                 labels={"balance_usd": f"Balance ({_symbol(currency)})", "site_name": ""})
    fig.update_traces(hovertemplate="%{y}: %{x:,.2f}<extra></extra>")
    return _layout(fig, data.empty, height=max(220, 60 + 26 * len(data)), legend=False)


# ---- usage -----------------------------------------------------------------------------------
def daily_usage(frame: pd.DataFrame, metric: str = "requests") -> go.Figure:
    """Requests, tokens or cost per day as bars."""
    fig = px.bar(frame, x="day", y=metric, title=f"{USAGE_METRICS[metric]} per day",
                 labels={"day": "", metric: USAGE_METRICS[metric]})
    fig.update_traces(hovertemplate="%{x|%Y-%m-%d}: %{y:,}<extra></extra>")
    return _layout(fig, frame.empty, legend=False)


def model_share(frame: pd.DataFrame, top: int = 10) -> go.Figure:
    """Requests per model as a donut (the smallest models beyond ``top`` as "other")."""
    data = frame.sort_values("requests", ascending=False)
    if len(data) > top:
        rest = pd.DataFrame({"model": ["other"], "requests": [data["requests"].iloc[top:].sum()]})
        data = pd.concat([data[["model", "requests"]].iloc[:top], rest], ignore_index=True)
    fig = px.pie(data, names="model", values="requests", hole=0.45, title="Requests per model")
    fig.update_traces(textposition="inside", textinfo="percent+label")
    return _layout(fig, data.empty)


def model_cost(frame: pd.DataFrame, top: int = 15) -> go.Figure:
    """Cost per model, most expensive on top."""
    data = frame.sort_values("cost_usd", ascending=False).head(top).iloc[::-1]
    fig = px.bar(data, x="cost_usd", y="model", orientation="h", title="Cost per model (USD)",
                 labels={"cost_usd": "Cost (USD)", "model": ""})
    fig.update_traces(hovertemplate="%{y}: $%{x:,.4f}<extra></extra>")
    return _layout(fig, data.empty, height=max(_HEIGHT, 60 + 24 * len(data)), legend=False)


def account_compare(frame: pd.DataFrame, metric: str = "cost_usd") -> go.Figure:
    """One bar per account for requests, tokens or cost."""
    data = frame.sort_values(metric, ascending=True)
    fig = px.bar(data, x=metric, y="site_name", orientation="h", title=f"{USAGE_METRICS[metric]} per account",
                 labels={metric: USAGE_METRICS[metric], "site_name": ""})
    fig.update_traces(hovertemplate="%{y}: %{x:,}<extra></extra>")
    return _layout(fig, data.empty, height=max(_HEIGHT, 60 + 26 * len(data)), legend=False)


def weekday_hour_heatmap(frame: pd.DataFrame) -> go.Figure:
    """Requests per weekday (Mon..Sun, 0 = Monday) and hour (0..23); empty cells count 0."""
    counts = np.zeros((7, 24), dtype="int64")
    for wd, hr, n in frame[["weekday", "hour", "requests"]].itertuples(index=False):
        counts[int(wd), int(hr)] += int(n)
    grid = pd.DataFrame(counts, index=range(7), columns=range(24))
    fig = go.Figure(go.Heatmap(z=grid.values, x=[f"{h:02d}" for h in range(24)], y=WEEKDAYS,
                               colorscale="Blues", hovertemplate="%{y} %{x}:00: %{z} requests<extra></extra>",
                               colorbar=dict(title="Requests")))
    fig.update_layout(title="Requests by weekday and hour")
    fig.update_xaxes(type="category", title="Hour of day")
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, frame.empty, height=320, legend=False)


def latency_histogram(frame: pd.DataFrame) -> go.Figure:
    """How many requests had each average latency (per model, weighted by its requests)."""
    fig = px.histogram(frame, x="avg_latency_s", y="requests", histfunc="sum", nbins=20,
                       title="Requests by their model's average latency",
                       labels={"avg_latency_s": "Average latency (s)", "requests": "Requests"})
    fig.update_layout(yaxis_title="Requests")
    return _layout(fig, frame.empty, legend=False)


def slowest_models(frame: pd.DataFrame, top: int = 10) -> go.Figure:
    """The models with the highest 95th-percentile latency (average beside it)."""
    data = frame.sort_values("p95_latency_s", ascending=False).head(top).iloc[::-1]
    long = data.melt(id_vars="model", value_vars=["avg_latency_s", "p95_latency_s"], var_name="measure",
                     value_name="seconds")
    long["measure"] = long["measure"].map({"avg_latency_s": "average", "p95_latency_s": "95th percentile"})
    fig = px.bar(long, x="seconds", y="model", color="measure", barmode="group", orientation="h",
                 title="Slowest models", labels={"seconds": "Latency (s)", "model": ""})
    return _layout(fig, data.empty, height=max(_HEIGHT, 60 + 40 * len(data)))


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


def model_price_sites(frame: pd.DataFrame, model: str, *, currency: str = "USD") -> go.Figure:
    """One model's price on every site that sells it (``prices.model_sites``: a row per site,
    cheapest first, already in ``currency``), as horizontal bars that stay readable with many
    sites: its prices on the left (input and output per 1M tokens, or per call; ★ the cheapest of
    all your sites), your balance on that site on the right, one line per site."""
    from plotly.subplots import make_subplots  # noqa: PLC0415 - only this chart has two panels

    sym = _symbol(currency)
    labels = _site_labels(frame) if not frame.empty else []
    groups = [f"group {g}" if g else "own group" for g in frame.get("group", pd.Series(dtype=str))]
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, column_widths=[0.72, 0.28], horizontal_spacing=0.03,
                        subplot_titles=(f"Price ({sym})", f"Your balance there ({sym})"))
    starred: set[int] = set()
    for col, (name, color) in _PRICE_BARS.items():
        values = frame[col] if col in frame else pd.Series(dtype="float64")
        if values.notna().any():
            stars = ["★ " if c and v == v and i not in starred else "" for i, (c, v) in
                     enumerate(zip(frame["cheapest"], values, strict=True))]
            starred |= {i for i, star in enumerate(stars) if star}  # one star a site, on its first price
            text = [f"{st}{sym}{v:,.4g}" if v == v else "" for st, v in zip(stars, values, strict=True)]
            fig.add_bar(y=labels, x=values, name=name, orientation="h", marker_color=color, text=text,
                        textposition="outside", cliponaxis=False, customdata=groups, row=1, col=1,
                        hovertemplate=f"%{{y}} (%{{customdata}}): {sym}%{{x:,.4f}}<extra>{name}</extra>")
    blind = [lab for lab, c in zip(labels, frame.get("comparable", pd.Series(dtype=bool)), strict=True) if not c]
    for lab in blind:  # a row with no bar says why
        fig.add_annotation(x=0, y=lab, text="no comparable price (tiered or unknown)", showarrow=False,
                           xanchor="left", font=dict(color="gray"), row=1, col=1)
    if not frame.empty:
        fig.add_bar(y=labels, x=frame["balance_usd"], name="Your balance", orientation="h", row=1, col=2,
                    marker=dict(color="rgba(224,161,0,0.35)", line=dict(color="#e0a100", width=1.5)),
                    text=[f"{sym}{b:,.2f}" if b == b else "" for b in frame["balance_usd"]],
                    textposition="outside", cliponaxis=False, hovertemplate=f"%{{y}}: {sym}%{{x:,.2f}}<extra></extra>")
    fig.update_layout(title=f"{model}: price on each site (★ cheapest) and your balance there", barmode="group",
                      uniformtext=dict(mode="show", minsize=10))
    fig.update_yaxes(autorange="reversed", automargin=True)  # the cheapest site on top
    fig.update_xaxes(rangemode="tozero", automargin=True)
    _layout(fig, frame.empty, height=max(320, 110 + 34 * len(labels) * (1 + (len(fig.data) > 2))))
    fig.update_layout(legend=dict(orientation="h", y=1.02, x=1, xanchor="right", yanchor="bottom"),
                      margin=dict(l=10, r=40, t=90, b=10))
    return fig


# ---- share snapshot ------------------------------------------------------------------------
def snapshot_figure(ov: Any, *, top: pd.DataFrame | None = None, today: date | None = None) -> go.Figure:
    """A shareable card of the Overview figures: totals, account states and the 30-day trend.

    Only the figures are drawn, never a secret, URL or user name; ``top`` (a ``day_distribution``
    frame: site_name, balance_usd) adds the five biggest balances by name, only when asked for.
    """
    fig = go.Figure()
    trend = ov.trend
    if len(trend):
        fig.add_trace(go.Scatter(x=list(trend["day"]), y=list(trend["balance_usd"]), mode="lines",
                                 fill="tozeroy", line=dict(width=3, color="#3b6fd4"), xaxis="x", yaxis="y"))
    n_accounts = sum(ov.by_health.values())
    health = " · ".join(f"{k} {v}" for k, v in sorted(ov.by_health.items()) if v)
    checkin = " · ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(ov.by_checkin.items()) if v)
    lines = [
        ("Total balance", f"${ov.total_balance_usd:,.2f}"),
        ("Today's consumption", f"${ov.today_consumption_usd:,.2f}"),
        ("Today's income", f"${ov.today_income_usd:,.2f}"),
    ]
    if ov.total_subscription_usd is not None:
        lines.append(("Subscriptions", f"${ov.total_subscription_usd:,.2f}"))
    for i, (label, value) in enumerate(lines):
        x = 0.02 + i * (0.96 / len(lines))
        fig.add_annotation(text=label, x=x, y=0.97, xref="paper", yref="paper", showarrow=False,
                           xanchor="left", font=dict(size=15, color="#666"))
        fig.add_annotation(text=f"<b>{value}</b>", x=x, y=0.90, xref="paper", yref="paper", showarrow=False,
                           xanchor="left", font=dict(size=30, color="#111"))
    notes = [f"{n_accounts} accounts — {health}", f"Check-in: {checkin}" if checkin else "",
             f"Today's figures: {ov.complete} complete, {ov.partial} partial"]
    if top is not None and len(top):
        best = top.sort_values("balance_usd", ascending=False).head(5)
        notes.append("Largest balances: " + ", ".join(
            f"{_plain(n)} ${v:,.2f}" for n, v in zip(best["site_name"], best["balance_usd"], strict=True)))
    fig.add_annotation(text="<br>".join(x for x in notes if x), x=0.02, y=0.78, xref="paper", yref="paper",
                       showarrow=False, xanchor="left", yanchor="top", align="left", font=dict(size=14, color="#333"))
    stamp = f"allhub · {(today or date.today()):%Y-%m-%d}"
    fig.add_annotation(text=stamp, x=1.0, y=1.05, xref="paper", yref="paper", showarrow=False, xanchor="right",
                       yanchor="top", font=dict(size=12, color="#999"))
    fig.update_layout(width=1000, height=560, margin=dict(l=40, r=40, t=30, b=40), showlegend=False,
                      paper_bgcolor="white", plot_bgcolor="white",
                      xaxis=dict(domain=[0, 1], showgrid=False, tickformat="%b %d"),
                      yaxis=dict(domain=[0.06, 0.55], gridcolor="#eee", tickprefix="$", title="Balance, 30 days"))
    return fig


def _plain(text: str) -> str:
    """A site name drawn as text: plotly reads a few HTML tags in annotations, so drop < and >."""
    return str(text).replace("<", "‹").replace(">", "›")[:40]


def figure_png(fig: go.Figure, *, scale: float = 1.0) -> bytes:
    """The figure as PNG bytes. kaleido drives a Chromium it finds on the PATH (Debian's
    /usr/bin/chromium); the environment variable BROWSER_PATH names another one."""
    try:
        return fig.to_image(format="png", scale=scale)
    except RuntimeError as exc:  # kaleido missing, or no browser for it (choreographer's ChromeNotFoundError)
        raise AllhubError("Drawing the PNG needs Chromium: install it (e.g. apt-get install chromium) or set "
                          "BROWSER_PATH to its executable.") from exc


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
