"""The Overview's share card (a figure of its totals, states and trend) and any figure as a PNG.

Only the figures are drawn, never a secret, URL or user name. ``pages/_charts.py`` re-exports
both, so the pages call ``ch.snapshot_figure`` and ``ch.figure_png`` (tests/app/test_charts.py).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from allhub_core.errors import AllhubError

__all__ = ["figure_png", "snapshot_figure"]


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
