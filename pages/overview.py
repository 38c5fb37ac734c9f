"""Overview, the landing page: totals, today's figures, account states, the 30-day trend and
the attention queue (``pages/_attention.py``: by severity and category, each entry with its fix);
a PNG card of it to share."""

from datetime import date

import streamlit as st

from allhub_core.accounts import get_preferences, set_preference
from allhub_core.automation import attention_queue
from allhub_core.history import day_distribution, overview
from pages import _charts as ch
from pages._attention import render_queue
from pages._runs import run_refresh
from pages._text import esc, money, show_flash, user_errors
from pages._ui import open_store

store = open_store()
ss = st.session_state

head, b_refresh = st.columns([5, 1], vertical_alignment="bottom")
head.title("Overview")
refresh_all = b_refresh.button("Refresh all", icon=":material/refresh:", key="ov_refresh",
                               help="Refresh every enabled account now; each refresh records the day's balance")
show_flash()
if refresh_all:
    run_refresh(store, None, "Refreshing all enabled accounts")

low = float(get_preferences(store)["low_balance_usd"])
ATTENTION_PER_GROUP = 5  # the most pressing of each category, a short landing page; `allhub attention` lists all
ov = overview(store, attention_limit=0)  # the attention queue below says what needs the user
if ov.accounts == 0:
    st.info("No accounts yet: add one on the **Add account** page. To look around first, run `allhub demo`: "
            "it fills a separate demo database with accounts, 60 days of history and usage.")
    st.page_link("pages/add_account.py", label="Add account", icon=":material/person_add:")
    st.stop()

# ---- today -----------------------------------------------------------------------------------
cols = st.columns(5 if ov.total_subscription_usd is not None else 4)
cols[0].metric("Total balance", money(ov.total_balance_usd, "USD"),
               help="Enabled accounts not excluded from the total")
cols[1].metric("Today's consumption", money(ov.today_consumption_usd, "USD"),
               help="Enabled accounts that reported today's figures")
cols[2].metric("Today's income", money(ov.today_income_usd, "USD"),
               help="Enabled accounts not excluded from today's income")
cols[3].metric("Complete / partial today", f"{ov.complete} / {ov.partial}",
               help="Accounts whose site reported both consumption and income today (complete), "
                    "or only one of them (partial)")
if ov.total_subscription_usd is not None:
    cols[4].metric("Subscriptions", money(ov.total_subscription_usd, "USD"), help="Subscription quota left")

# ---- trend and states ------------------------------------------------------------------------
left, right = st.columns([3, 2])
with left:
    if ov.has_history:
        st.plotly_chart(ch.trend_line(ov.trend), key="ov_trend")
    else:
        st.info("No balance history yet: **refresh to start recording**. Each refresh saves the day's balance "
                "of every account; the trend fills in from there.", icon=":material/timeline:")
with right:
    st.plotly_chart(ch.counts_bar(ov.by_health, title="Accounts by health"), key="ov_health")
    st.plotly_chart(ch.counts_bar(ov.by_checkin, title="Accounts by check-in today"), key="ov_checkin")

# ---- attention -------------------------------------------------------------------------------
queue = attention_queue(store, limit=ATTENTION_PER_GROUP)
a_head, a_low = st.columns([4, 1], vertical_alignment="bottom")
a_head.subheader(f"Needs attention · {queue.total}")
a_low.number_input("Low balance below ($)", min_value=0.0, value=low, step=1.0, key="ov_low",
                   on_change=lambda: set_preference(store, "low_balance_usd", ss["ov_low"]),
                   help="Accounts whose balance is under this need attention, here and on the other pages "
                        "(0 = off); saved for next time")
if queue.groups:
    render_queue(store, queue)
else:
    st.success("Nothing needs attention: no rejected tokens, failed check-ins, low balances, unusable keys or "
               "unread announcements.")
st.page_link("pages/accounts.py", label="Open the Accounts grid", icon=":material/table:")

# ---- share -----------------------------------------------------------------------------------
with st.expander("Share snapshot", icon=":material/share:"):
    st.caption("A PNG card of the figures above. It never shows tokens, cookies, addresses or user names; "
               "site names only if you tick the box.")
    names_on = st.checkbox("Show the site names of the largest balances", key="ov_names")
    if st.button("Make the PNG", icon=":material/image:", key="ov_make_png"):
        with user_errors(), st.spinner("Drawing the card…"):
            top = day_distribution(store, date.today()) if names_on else None
            ss.ov_png = (names_on, ch.figure_png(ch.snapshot_figure(ov, top=top)))
    made = ss.get("ov_png")
    if made and made[0] == names_on:
        st.image(made[1], caption="Preview")
        st.download_button("Download PNG", made[1], f"allhub-{date.today():%Y-%m-%d}.png", "image/png",
                           on_click="ignore", key="ov_dl_png", icon=":material/download:")
    elif made:
        st.caption(esc("The site-name choice changed: make the PNG again."))
