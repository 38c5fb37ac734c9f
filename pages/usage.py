"""Usage: requests, tokens and cost from the synced usage logs, filtered by account, key, model
and dates (in SQL, by allhub_core.history), with a CSV/JSON download of every aggregate."""

from datetime import date, timedelta
from functools import partial
from typing import Any

import pandas as pd
import streamlit as st

from allhub_core.history import usage_by, usage_facets, usage_totals
from allhub_core.sync import count_in_run, sync_usage
from pages import _charts as ch
from pages._runs import _Progress, finish
from pages._text import show_flash, user_errors
from pages._ui import open_store

store = open_store()
ss = st.session_state
today = date.today()
ACCOUNT_BARS = 50

head, b_sync = st.columns([5, 1], vertical_alignment="bottom")
head.title("Usage")
sync = b_sync.button("Sync usage", icon=":material/sync:", key="us_sync",
                     help="Read the new usage-log rows of every enabled account")
show_flash()
if sync:
    with user_errors():
        progress = _Progress("Syncing usage logs", count_in_run(store))
        report = sync_usage(store, on_result=progress)
        progress.settle()  # rows are written by now
        finish(report.summary(), "warning" if report.failed else "success")

facets = usage_facets(store)
if not facets["accounts"]:
    st.info("No usage recorded yet: press **Sync usage** to read your accounts' usage logs. Sites of the "
            "New API family keep them; each sync adds only the rows not seen before.", icon=":material/query_stats:")
    st.stop()
names = {a["id"]: a["site_name"] for a in facets["accounts"]}
# the labels made once: Streamlit formats every option on each run (20,000 accounts at 100,000)
labels = {i: f"{n} (#{i})" for i, n in names.items()}

# ---- filters ---------------------------------------------------------------------------------
with st.container(border=True):
    c1, c2, c3, c4 = st.columns([3, 2, 2.5, 2.7])
    ids = c1.multiselect("Accounts", list(names), format_func=lambda i: labels.get(i) or f"{i} (#{i})",
                         key="us_accounts", placeholder="all accounts")
    keys = c2.multiselect("Keys", facets["token_names"], key="us_keys", placeholder="all keys")
    models = c3.multiselect("Models", facets["models"], key="us_models", placeholder="all models")
    picked = c4.date_input("Dates", value=(today - timedelta(days=29), today), max_value=today, key="us_range",
                           format="YYYY-MM-DD")
if not isinstance(picked, tuple) or len(picked) != 2:
    st.info("Pick the last day of the range too.")
    st.stop()
start, end = picked
flt: dict[str, Any] = dict(start=start, end=end, account_ids=ids or None, models=models or None, token_names=keys or None)


def downloads(frame: pd.DataFrame, name: str) -> None:
    """CSV and JSON of one aggregate (no secrets in these frames; text cells are formula-safe), made
    when the button is clicked: six of them made on every run cost a second at 100,000 accounts (a
    partial, not a lambda, which would keep the page's every variable until the session ends)."""
    d1, d2, _ = st.columns([1, 1, 6])
    stem = f"usage-{name}-{start}-{end}"
    d1.download_button("CSV", partial(ch.frame_csv, frame), f"{stem}.csv", "text/csv", on_click="ignore",
                       key=f"us_csv_{name}", icon=":material/download:")
    d2.download_button("JSON", partial(ch.frame_json, frame), f"{stem}.json", "application/json", on_click="ignore",
                       key=f"us_json_{name}", icon=":material/download:")


with user_errors():
    tot = usage_totals(store, **flt)
    m1, m2, m3 = st.columns(3)
    m1.metric("Requests", f"{tot['requests']:,}")
    m2.metric("Tokens", f"{tot['prompt_tokens'] + tot['completion_tokens']:,}",
              help=f"{tot['prompt_tokens']:,} prompt + {tot['completion_tokens']:,} completion")
    m3.metric("Cost", f"${tot['cost_usd']:,.2f}", help="What the sites charged, in USD")
    if not tot["requests"]:
        st.info("No requests match these filters in this range: widen the dates or clear a filter.")

    # only the open tab's aggregate and charts are made (issue 18: six aggregates over the range and
    # seven charts on every run, five of them hidden); switching tabs reruns the page
    t_day, t_model, t_account, t_when, t_latency, t_key = st.tabs(
        ["Daily", "Models", "Accounts", "Weekday × hour", "Latency", "Keys"], key="us_tab", on_change="rerun")
    if t_day.open:
        with t_day:
            daily = usage_by(store, "day", **flt)
            shown = st.segmented_control("Show", list(ch.USAGE_METRICS), format_func=ch.USAGE_METRICS.__getitem__,
                                         default="requests", key="us_daily_metric") or "requests"
            st.plotly_chart(ch.daily_usage(daily, shown), key="us_daily")
            downloads(daily, "daily")
    if t_model.open:
        with t_model:
            by_model = usage_by(store, "model", **flt)
            left, right = st.columns(2)
            left.plotly_chart(ch.model_share(by_model), key="us_model_share")
            right.plotly_chart(ch.model_cost(by_model), key="us_model_cost")
            downloads(by_model, "models")
    if t_account.open:
        with t_account:
            by_account = usage_by(store, "account", **flt)
            shown = st.segmented_control("Compare", list(ch.USAGE_METRICS), format_func=ch.USAGE_METRICS.__getitem__,
                                         default="cost_usd", key="us_account_metric") or "cost_usd"
            top = by_account
            if len(by_account) > ACCOUNT_BARS:  # a bar per account: 20,000 of them would be one unreadable, slow chart
                top = by_account.nlargest(ACCOUNT_BARS, shown)
                st.caption(f"The {ACCOUNT_BARS} largest of {len(by_account):,} accounts; the download has them all.")
            st.plotly_chart(ch.account_compare(top, shown), key="us_accounts_chart")
            downloads(by_account, "accounts")
    if t_when.open:
        with t_when:
            when = usage_by(store, "weekday_hour", **flt)
            st.plotly_chart(ch.weekday_hour_heatmap(when), key="us_heatmap")
            downloads(when, "weekday-hour")
    if t_latency.open:
        with t_latency:
            latency = usage_by(store, "latency", **flt)
            if latency.empty:
                st.caption("No latency in these rows: the sites did not report how long the requests took.")
            left, right = st.columns(2)
            left.plotly_chart(ch.latency_histogram(latency), key="us_latency_hist")
            right.plotly_chart(ch.slowest_models(latency), key="us_slowest")
            downloads(latency, "latency")
    if t_key.open:
        with t_key:
            by_key = usage_by(store, "token", **flt)
            st.dataframe(by_key, hide_index=True, key="us_keys_table",
                         column_config={"token_name": "Key", "requests": "Requests", "tokens": "Tokens",
                                        "cost_usd": st.column_config.NumberColumn("Cost $", format="%.4f")})
            downloads(by_key, "keys")
