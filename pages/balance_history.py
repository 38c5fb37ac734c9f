"""Balance history: the daily balance, income, expense and net of any set of accounts, one
day's spread, and a per-account table of the range (all filtering is SQL in allhub_core.history)."""

from datetime import date, timedelta
from functools import partial

import streamlit as st

from allhub_core.accounts import (
    AccountFilter,
    account_choices,
    account_picker,
    count_accounts,
    get_preferences,
    tag_names,
)
from allhub_core.history import balance_history, balance_table, day_distribution
from pages import _charts as ch
from pages._runs import run_refresh
from pages._text import show_flash, user_errors
from pages._ui import open_store

store = open_store()
ss = st.session_state
today = date.today()
QUICK = {"7 days": 7, "30 days": 30, "90 days": 90, "All": None}
SPREAD_BARS = 50

head, b_refresh = st.columns([5, 1], vertical_alignment="bottom")
head.title("Balance history")
refresh_all = b_refresh.button("Refresh all", icon=":material/refresh:", key="bh_refresh",
                               help="Refresh every enabled account now; each refresh records the day's balance")
show_flash()
if refresh_all:
    run_refresh(store, None, "Refreshing all enabled accounts")

prefs = get_preferences(store)
ENABLED = AccountFilter(status="enabled")
if not count_accounts(store, ENABLED):
    st.info("No enabled accounts yet: add one on the **Add account** page, then refresh to start recording.")
    st.page_link("pages/add_account.py", label="Add account", icon=":material/person_add:")
    st.stop()
PICKER_MAX = 200  # the picker lists this many accounts at most (a list of 100,000 cost a tenth of a second a run)


def _rates(ids: list[int] | None, tag: str | None) -> dict[int, float]:
    """CNY per USD of the accounts in scope (those chosen, else the enabled ones with the tag): read
    only in CNY, for the accounts shown (every account's rate on every run cost 0.2-0.4 s at
    100,000); the summed trend converts in SQL (``balance_history(currency=...)``)."""
    scope = account_choices(store, AccountFilter(status="enabled", tags=[tag] if tag else [], ids=ids), {})
    return dict(zip(scope["id"].astype(int).tolist(), scope["exchange_rate"].astype(float).tolist(), strict=True))


def _quick_range() -> None:
    days = QUICK.get(ss.get("bh_quick") or "", 30)
    if days is None:  # "All": from the first day any account has a balance
        whole = balance_history(store, start=today - timedelta(days=3000), end=today)
        days = (today - (ch.first_day(whole) or today)).days + 1
    ss.bh_range = (today - timedelta(days=days - 1), today)


# ---- filters ---------------------------------------------------------------------------------
ss.setdefault("bh_range", (today - timedelta(days=29), today))
with st.container(border=True):
    c1, c2, c3, c4 = st.columns([3, 2, 2, 1.3])
    c1.segmented_control("Quick range", list(QUICK), default="30 days", key="bh_quick", on_change=_quick_range)
    picked = c2.date_input("Dates", key="bh_range", max_value=today, format="YYYY-MM-DD")
    tag = c3.selectbox("Tag", tag_names(store), index=None, placeholder="any tag", key="bh_tag")
    currency = c4.segmented_control("Currency", ["USD", "CNY"], default=prefs["currency"],
                                    key="bh_currency") or "USD"
    c5, c5b, c6, c7 = st.columns([1.2, 2.3, 3, 1], vertical_alignment="bottom")
    find = c5.text_input("Find accounts", key="bh_find", placeholder="name or #id",
                         help=f"The Accounts list shows the first {PICKER_MAX} accounts that match")
    # the accounts already chosen, then the first PICKER_MAX whose name (or #id) holds the text
    names = dict(account_picker(store, find or "", ss.get("bh_accounts"), PICKER_MAX, ENABLED, prefs))
    options = list(names)
    chosen = c5b.multiselect("Accounts", options, format_func=lambda i: f"{names.get(i, i)} (#{i})",
                             key="bh_accounts", placeholder="all enabled accounts")
    metric = c6.segmented_control("Measure", list(ch.METRICS), format_func=ch.METRICS.__getitem__, default="balance",
                                  key="bh_metric") or "balance"
    per_account = c7.toggle("Per account", key="bh_per_account")
if not isinstance(picked, tuple) or len(picked) != 2:
    st.info("Pick the last day of the range too.")
    st.stop()
start, end = picked
ids = chosen or None
# CNY per USD, only where the page converts rows itself (per account, the chosen accounts' spread): the
# summed trend, the table and a day's spread of every account come converted (in SQL, remembered)
rates = _rates(ids, tag) if currency == "CNY" and (per_account or ids) else {}

# ---- trend -----------------------------------------------------------------------------------
with user_errors():
    if per_account:
        frame = ch.to_currency(balance_history(store, start=start, end=end, account_ids=ids, tag=tag,
                                               per_account=True), currency, rates)
    else:  # CNY: each account at its own rate, then summed (in SQL: no day x account grid)
        frame = balance_history(store, start=start, end=end, account_ids=ids, tag=tag, currency=currency)
        if currency == "CNY":  # as the per-account rows summed have always shown it: no figure nets 0
            frame["net_usd"] = frame["income_usd"].fillna(0) - frame["expense_usd"].fillna(0)
    if ch.first_day(frame) is None:
        st.info("No balance recorded in this range: **refresh to start recording**. Each refresh saves the "
                "day's balance of every account.", icon=":material/timeline:")
    else:
        st.plotly_chart(ch.balance_trend(frame, metric, per_account=per_account, currency=currency), key="bh_trend")

    # ---- one day, and the table ------------------------------------------------------------------
    table = balance_table(store, start=start, end=end, account_ids=ids, tag=tag, currency=currency)
    left, right = st.columns([2, 3])
    with left:
        day = st.date_input("Spread on", value=end, min_value=start, max_value=end, key="bh_day", format="YYYY-MM-DD")
        if ids:
            spread = ch.to_currency(balance_history(store, start=day, end=day, account_ids=ids, tag=tag,
                                                    per_account=True), currency, rates)
        elif day == end and currency == "USD":  # the table's end balances are that day's spread: no second pass
            spread = (table.loc[table["end_usd"].notna(), ["account_id", "site_name", "end_usd"]]
                      .rename(columns={"end_usd": "balance_usd"}).reset_index(drop=True))
            if len(spread) <= SPREAD_BARS:  # else the largest are taken below, ties by id (the table's order)
                spread = spread.sort_values(["balance_usd", "account_id"], ascending=[False, True], ignore_index=True)
        else:  # in CNY too: largest in USD first, as always (the 50 bars are the largest in CNY)
            spread = day_distribution(store, day, tag=tag, currency=currency)
        if len(spread) > SPREAD_BARS:  # a bar per account: 100,000 of them would be one unreadable, slow chart
            spread = spread.nlargest(SPREAD_BARS, "balance_usd")
            st.caption(f"The {SPREAD_BARS} largest balances of the day.")
        st.plotly_chart(ch.day_distribution_bar(spread, day, currency=currency), key="bh_spread")
    with right:
        st.subheader("Start, end and change per account")
        view = ch.balance_table_view(table, currency)
        st.dataframe(view, hide_index=True, key="bh_table",
                     column_config={c: st.column_config.NumberColumn(format="%.2f") for c in view.columns[1:4]})
        d1, d2 = st.columns(2)
        # made when clicked (the table of 100,000 accounts as JSON took seconds on every run); a partial,
        # not a lambda: a lambda here would keep this run's every variable alive until the session ends
        d1.download_button("Download CSV", partial(ch.frame_csv, table), f"balance-{start}-{end}.csv", "text/csv",
                           on_click="ignore", key="bh_dl_csv", icon=":material/download:")
        d2.download_button("Download JSON", partial(ch.frame_json, table), f"balance-{start}-{end}.json",
                           "application/json", on_click="ignore", key="bh_dl_json", icon=":material/download:")
