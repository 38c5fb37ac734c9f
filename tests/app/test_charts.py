"""pages/_charts.py: each figure draws exactly the frame it is given (hand-made frames of the
shapes allhub_core.history returns), currency conversion, and the download payloads. The figures
are built with plotly.graph_objects; plotly express drew them before (40-130 ms a figure), and
the last tests draw the express figures of the same frames and compare what reaches the browser."""

from __future__ import annotations

import base64
import csv
import io
import json
import sys
from datetime import date, timedelta
from types import SimpleNamespace

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.io as pio
import pytest
from appsupport import ROOT

sys.path.insert(0, str(ROOT))  # the pages package (app.py's folder)
from pages import _charts as ch

D0 = date(2026, 3, 2)  # a Monday
DAYS = [D0 + timedelta(days=i) for i in range(5)]


def summed() -> pd.DataFrame:
    return pd.DataFrame({"day": DAYS, "balance_usd": [10.0, 12.0, 11.0, float("nan"), 9.0],
                         "income_usd": [0.0, 3.0, 0.0, float("nan"), 0.0],
                         "expense_usd": [1.0, 1.0, 1.0, float("nan"), 2.0],
                         "net_usd": [-1.0, 2.0, -1.0, 0.0, -2.0]})


def per_account() -> pd.DataFrame:
    rows = []
    for aid, name, base in ((1, "Alpha", 10.0), (2, "Bravo", 100.0)):
        for i, d in enumerate(DAYS[:3]):
            rows.append({"day": d, "account_id": aid, "site_name": name, "balance_usd": base + i,
                         "income_usd": 1.0, "expense_usd": 0.5, "net_usd": 0.5})
    return pd.DataFrame(rows)


# ---- balance -----------------------------------------------------------------------------------
def test_summed_balance_is_one_line_over_every_day():
    fig = ch.balance_trend(summed(), "balance")
    assert len(fig.data) == 1 and fig.data[0].type == "scatter"
    assert list(fig.data[0].x) == DAYS
    assert fig.data[0].y[:3].tolist() == [10.0, 12.0, 11.0]
    assert fig.layout.yaxis.title.text == "Balance ($)"


def test_per_account_expense_is_one_bar_trace_per_account():
    fig = ch.balance_trend(per_account(), "expense", per_account=True, currency="CNY")
    assert [t.type for t in fig.data] == ["bar", "bar"]
    assert sorted(t.name for t in fig.data) == ["Alpha", "Bravo"]
    assert sum(sum(t.y) for t in fig.data) == pytest.approx(3.0)  # 6 rows x 0.5
    assert fig.layout.yaxis.title.text == "Expense (¥)"


def test_overview_trend_and_state_counts():
    trend = summed()[["day", "balance_usd"]]
    fig = ch.trend_line(trend)
    assert len(fig.data) == 1 and list(fig.data[0].x) == DAYS
    bars = ch.counts_bar({"healthy": 5, "error": 2, "warning": 0, "not_checked": 1}, title="Accounts by health")
    assert list(bars.data[0].y) == ["not checked", "error", "healthy"]  # zero states left out, largest on top
    assert list(bars.data[0].x) == [1, 2, 5]
    assert list(bars.data[0].marker.color) == ["#e0a100", "#d64545", "#2e9e5b"]


def test_day_distribution_is_sorted_and_leaves_out_accounts_without_a_balance():
    frame = pd.DataFrame({"account_id": [1, 2, 3], "site_name": ["A", "B", "C"],
                          "balance_usd": [5.0, float("nan"), 20.0]})
    fig = ch.day_distribution_bar(frame, D0)
    assert list(fig.data[0].y) == ["A", "C"] and list(fig.data[0].x) == [5.0, 20.0]
    assert "2026-03-02" in fig.layout.title.text


def test_per_account_lines_are_named_coloured_and_in_a_legend():
    frame = per_account().sample(frac=1.0, random_state=3)  # the accounts' order is their first row's
    first = list(dict.fromkeys(frame["site_name"]))
    fig = ch.balance_trend(frame, "balance", per_account=True)
    colorway = list(pio.templates[pio.templates.default].layout.colorway)
    assert [t.name for t in fig.data] == first and fig.layout.showlegend is True
    assert [t.line.color for t in fig.data] == colorway[:2] and {t.mode for t in fig.data} == {"lines+markers"}
    assert fig.layout.title.text == "Balance per day per account" and fig.layout.xaxis.title.text == ""
    summed_bars = ch.balance_trend(summed(), "net")
    assert summed_bars.layout.showlegend is False and summed_bars.layout.barmode == "relative"
    assert [t.type for t in summed_bars.data] == ["bar"] and summed_bars.layout.title.text == "Net per day"


def test_two_accounts_with_one_name_are_two_lines_told_apart_by_their_ids():
    # two accounts of one site under the same user name: one trace would zig-zag between them
    frame = pd.concat([per_account(), per_account().query("account_id == 2").assign(account_id=3)],
                      ignore_index=True).replace({"site_name": {"Alpha": "Bravo"}})
    fig = ch.balance_trend(frame, "balance", per_account=True)
    assert [t.name for t in fig.data] == ["Bravo (#1)", "Bravo (#2)", "Bravo (#3)"]
    assert [list(t.y) for t in fig.data] == [[10.0, 11.0, 12.0], [100.0, 101.0, 102.0], [100.0, 101.0, 102.0]]
    distinct = ch.balance_trend(per_account(), "income", per_account=True)
    assert [t.name for t in distinct.data] == ["Alpha", "Bravo"]  # a name alone where it is enough


def test_an_empty_frame_draws_an_empty_chart_that_says_so():
    fig = ch.balance_trend(summed().iloc[0:0], "balance")
    assert [a.text for a in fig.layout.annotations] == ["No data in this range"]


# ---- currency ----------------------------------------------------------------------------------
def test_cny_uses_each_accounts_own_rate_then_sums():
    cny = ch.to_currency(per_account(), "CNY", {1: 7.0, 2: 1.0})
    first = cny[cny["day"] == D0].set_index("account_id")
    assert first.loc[1, "balance_usd"] == pytest.approx(70.0) and first.loc[2, "balance_usd"] == pytest.approx(100.0)
    total = ch.sum_by_day(cny)
    assert list(total["day"]) == DAYS[:3]
    assert total["balance_usd"].tolist() == pytest.approx([170.0, 178.0, 186.0])
    assert total["net_usd"].tolist() == pytest.approx([(7.0 + 1.0) - 0.5 * (7.0 + 1.0)] * 3)  # income - expense


def test_sums_leave_out_accounts_excluded_from_the_balance_or_the_income():
    total = ch.sum_by_day(per_account(), balance_ids={1}, income_ids={2})
    assert total["balance_usd"].tolist() == [10.0, 11.0, 12.0]
    assert total["income_usd"].tolist() == [1.0, 1.0, 1.0]
    assert total["expense_usd"].tolist() == [1.0, 1.0, 1.0]


def test_usd_is_left_alone_and_first_day_skips_days_without_figures():
    frame = summed()
    assert ch.to_currency(frame, "USD", {1: 7.0}) is frame
    gap = pd.DataFrame({"day": DAYS[:3], "balance_usd": [float("nan"), float("nan"), 4.0]})
    assert ch.first_day(gap) == DAYS[2]
    assert ch.first_day(gap.iloc[:2], default=D0) == D0


def test_balance_table_view_shows_coverage():
    table = pd.DataFrame({"account_id": [1], "site_name": ["Alpha"], "start_usd": [1.004], "end_usd": [3.0],
                          "net_usd": [1.996], "days_covered": [4], "days_in_range": [7]})
    view = ch.balance_table_view(table, "USD")
    assert view.to_dict("records") == [{"Account": "Alpha", "Start $": 1.0, "End $": 3.0, "Net $": 2.0,
                                        "Coverage": "4 / 7 days"}]


# ---- usage -------------------------------------------------------------------------------------
def test_daily_usage_has_one_bar_per_day_summing_to_the_total():
    daily = pd.DataFrame({"day": DAYS, "requests": [3, 0, 7, 1, 4], "tokens": [30, 0, 70, 10, 40],
                          "cost_usd": [0.1, 0.0, 0.3, 0.05, 0.2]})
    fig = ch.daily_usage(daily, "requests")
    assert len(fig.data) == 1 and len(fig.data[0].x) == 5 and sum(fig.data[0].y) == 15
    assert sum(ch.daily_usage(daily, "cost_usd").data[0].y) == pytest.approx(0.65)


def test_model_share_folds_the_tail_into_other_and_cost_is_sorted():
    models = pd.DataFrame({"model": [f"m{i}" for i in range(12)], "requests": list(range(12, 0, -1)),
                           "tokens": [1] * 12, "cost_usd": [float(i) for i in range(12)]})
    pie = ch.model_share(models, top=10)
    assert len(pie.data[0].labels) == 11 and pie.data[0].labels[-1] == "other"
    assert sum(pie.data[0].values) == sum(range(1, 13))
    cost = ch.model_cost(models, top=3)
    assert list(cost.data[0].y) == ["m9", "m10", "m11"]  # the costliest ends on top


def test_account_comparison_and_heatmap_cells():
    accounts = pd.DataFrame({"account_id": [1, 2], "site_name": ["A", "B"], "requests": [5, 9],
                             "tokens": [50, 90], "cost_usd": [2.0, 1.0]})
    fig = ch.account_compare(accounts, "requests")
    assert list(fig.data[0].y) == ["A", "B"] and list(fig.data[0].x) == [5, 9]
    cells = pd.DataFrame({"weekday": [0, 6, 6], "hour": [9, 23, 23], "requests": [4, 1, 2]})
    heat = ch.weekday_hour_heatmap(cells)
    z = heat.data[0].z
    assert len(z) == 7 and len(z[0]) == 24
    assert z[0][9] == 4 and z[6][23] == 3 and sum(map(sum, z)) == 7
    assert list(heat.data[0].y) == ch.WEEKDAYS


def test_latency_histogram_weights_by_requests_and_slowest_models_are_ranked():
    lat = pd.DataFrame({"model": ["fast", "slow", "mid"], "requests": [10, 2, 5],
                        "avg_latency_s": [0.5, 8.0, 2.0], "p95_latency_s": [1.0, 12.0, 3.0]})
    hist = ch.latency_histogram(lat)
    assert hist.data[0].histfunc == "sum" and sum(hist.data[0].y) == 17
    slow = ch.slowest_models(lat, top=2)
    assert {t.name for t in slow.data} == {"average", "95th percentile"}
    p95 = next(t for t in slow.data if t.name == "95th percentile")
    assert list(p95.y) == ["mid", "slow"] and list(p95.x) == [3.0, 12.0]
    assert slow.layout.barmode == "group" and slow.layout.xaxis.title.text == "Latency (s)"
    assert (hist.data[0].nbinsx, hist.layout.xaxis.title.text, hist.layout.yaxis.title.text) == (
        20, "Average latency (s)", "Requests")


# ---- snapshot and downloads ----------------------------------------------------------------------
def _overview(**over):
    base = dict(total_balance_usd=123.456, total_subscription_usd=None, today_consumption_usd=1.5,
                today_income_usd=0.25, complete=3, partial=1, by_health={"healthy": 3, "error": 1},
                by_checkin={"checked": 2, "unknown": 2},
                trend=pd.DataFrame({"day": DAYS, "balance_usd": [1.0, 2.0, 3.0, 4.0, 5.0]}),
                attention=[], has_history=True)
    base.update(over)
    return SimpleNamespace(**base)


def test_snapshot_card_shows_figures_and_names_only_when_asked():
    top = pd.DataFrame({"account_id": [7], "site_name": ["Secret <b>Relay</b>"], "balance_usd": [99.0]})
    plain = ch.snapshot_figure(_overview(), today=D0)
    text = " ".join(a.text for a in plain.layout.annotations)
    assert "$123.46" in text and "$1.50" in text and "$0.25" in text and "3 complete, 1 partial" in text
    assert "4 accounts" in text and "2026-03-02" in text and "Relay" not in text
    assert list(plain.data[0].y) == [1.0, 2.0, 3.0, 4.0, 5.0]
    named = " ".join(a.text for a in ch.snapshot_figure(_overview(), top=top).layout.annotations)
    assert "Secret ‹b›Relay‹/b› $99.00" in named  # a name's tags are drawn as text


def test_snapshot_png_is_drawn_by_kaleido_with_the_system_chromium():
    png = ch.figure_png(ch.snapshot_figure(_overview(total_subscription_usd=5.0)))
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000


def test_csv_download_is_formula_safe_and_json_has_iso_days():
    frame = pd.DataFrame({"day": [D0], "model": ["=HYPERLINK(\"x\")"], "requests": [3], "cost_usd": [-0.5]})
    rows = list(csv.reader(io.StringIO(ch.frame_csv(frame))))
    assert rows == [["day", "model", "requests", "cost_usd"], ["2026-03-02", "'=HYPERLINK(\"x\")", "3", "-0.5"]]
    assert json.loads(ch.frame_json(frame)) == [{"day": "2026-03-02", "model": "=HYPERLINK(\"x\")",
                                                 "requests": 3, "cost_usd": -0.5}]


# ---- the same charts as plotly express drew them -------------------------------------------------
def _express(name: str, frame: pd.DataFrame, **kw):
    """The figure as the express version of pages/_charts.py drew it (its px calls, unchanged)."""
    hover = "%{x|%Y-%m-%d}: %{y:,.2f}<extra>%{fullData.name}</extra>"
    if name == "trend_line":
        fig = px.area(frame, x="day", y="balance_usd", title="Total balance, last 30 days", markers=True,
                      labels={"day": "", "balance_usd": "Balance ($)"})
        fig.update_traces(line_shape="linear", hovertemplate="%{x|%Y-%m-%d}: %{y:,.2f}<extra></extra>")
        return fig, dict(legend=False)
    if name == "balance_trend":
        metric, color = kw["metric"], "site_name" if kw["per_account"] else None
        labels = {"day": "", f"{metric}_usd": f"{ch.METRICS[metric]} ($)", "site_name": "Account"}
        title = f"{ch.METRICS[metric]} per day" + (" per account" if color else "")
        if metric == "balance":
            fig = px.line(frame, x="day", y=f"{metric}_usd", color=color, markers=True, labels=labels, title=title)
        else:
            fig = px.bar(frame, x="day", y=f"{metric}_usd", color=color, labels=labels, barmode="relative", title=title)
        fig.update_traces(hovertemplate=hover)
        return fig, dict(height=400, legend=color is not None)
    if name == "model_share":  # fewer models than the top 10: none folded into "other"
        fig = px.pie(frame.sort_values("requests", ascending=False), names="model", values="requests", hole=0.45, title="Requests per model")
        fig.update_traces(textposition="inside", textinfo="percent+label")
        return fig, {}
    if name == "latency_histogram":
        fig = px.histogram(frame, x="avg_latency_s", y="requests", histfunc="sum", nbins=20,
                           title="Requests by their model's average latency",
                           labels={"avg_latency_s": "Average latency (s)", "requests": "Requests"})
        fig.update_layout(yaxis_title="Requests")
        return fig, dict(legend=False)
    frame = frame.sort_values("p95_latency_s", ascending=False).iloc[::-1]
    long = frame.melt(id_vars="model", value_vars=["avg_latency_s", "p95_latency_s"], var_name="measure",
                      value_name="seconds")
    long["measure"] = long["measure"].map({"avg_latency_s": "average", "p95_latency_s": "95th percentile"})
    fig = px.bar(long, x="seconds", y="model", color="measure", barmode="group", orientation="h",
                 title="Slowest models", labels={"seconds": "Latency (s)", "model": ""})
    return fig, dict(height=max(340, 60 + 40 * len(frame)))


def _sent(fig, common: dict | None = None) -> str:
    """What reaches the browser (the figure's JSON), plotly's own defaults left out; ``common``:
    the layout the express version added after drawing (height, legend)."""
    if common is not None:
        fig.update_layout(height=common.get("height", 340), margin=dict(l=10, r=10, t=40, b=10),
                          showlegend=common.get("legend", True), legend_title_text="", hovermode="closest")
    spec = json.loads(pio.to_json(fig))
    spec["layout"].pop("template")
    for trace in spec["data"]:
        for key, default in (("xaxis", "x"), ("yaxis", "y"), ("textposition", "auto")):
            if trace.get(key) == default:
                del trace[key]
        for key in ("pattern", "symbol"):
            trace.get("marker", {}).pop(key, None)
        for key in ("fillpattern", *(k for k, v in trace.items() if v == {})):
            trace.pop(key, None)
        for key, value in trace.items():
            if isinstance(value, dict) and "bdata" in value:
                trace[key] = np.frombuffer(base64.b64decode(value["bdata"]), value["dtype"]).tolist()
    for axis in ("xaxis", "yaxis"):
        spec["layout"].get(axis, {}).pop("anchor", None)
        spec["layout"].get(axis, {}).pop("domain", None)
    return json.dumps(spec, sort_keys=True)  # NaN as NaN on both sides


@pytest.mark.parametrize("case", ["trend_line", "balance", "balance per account", "income per account",
                                  "balance per account, 1,001 rows", "model_share", "latency_histogram",
                                  "slowest_models"])
def test_each_chart_sends_the_browser_what_plotly_express_sent(case):
    many = pd.DataFrame([{"day": D0 + timedelta(days=i), "site_name": f"Relay {a}", "balance_usd": a + i / 7}
                         for a in range(11) for i in range(91)])
    lat = pd.DataFrame({"model": ["fast", "slow", "mid"], "requests": [10, 2, 5],
                        "avg_latency_s": [0.5, 8.0, 2.0], "p95_latency_s": [1.0, 12.0, 3.0]})
    frame = {"trend_line": summed()[["day", "balance_usd"]], "balance": summed(), "balance per account": per_account(),
             "income per account": per_account(), "balance per account, 1,001 rows": many}.get(case, lat)
    per = "per account" in case
    metric = "income" if case.startswith("income") else "balance"
    name = case if case in ("trend_line", "model_share", "latency_histogram", "slowest_models") else "balance_trend"
    if name == "balance_trend":
        new = ch.balance_trend(frame, metric, per_account=per)
    else:
        new = getattr(ch, name)(frame)
    old, layout = _express(name, frame, metric=metric, per_account=per)
    assert _sent(new) == _sent(old, layout)
    if "1,001" in case:  # express draws more than 1,000 points with WebGL; so do we
        assert {t.type for t in new.data} == {"scattergl"} and len(new.data) == 11
