"""Accounts: filters, filtered totals, the editable grid and bulk actions."""

import streamlit as st

from allhub_core import accounts as acc
from allhub_core.accounts import (
    CHECKIN_FILTERS,
    AccountFilter,
    facet_counts,
    get_preferences,
    grid_changes,
    grid_frame,
    grid_page,
    selected_ids,
    set_preference,
    tag_names,
    totals,
)
from allhub_core.history import sparklines
from allhub_core.sync import diagnose
from allhub_core.transfer import to_csv, to_json
from pages._runs import finish, replace_secret_form, run_checkin, run_refresh
from pages._text import money, show_flash, user_errors
from pages._ui import open_store

PAGE_SIZE = 100
store = open_store()
prefs = get_preferences(store)
ss = st.session_state
ss.setdefault("grid_version", 0)

head, b_refresh, b_checkin = st.columns([4, 1, 1], vertical_alignment="bottom")
head.title("Accounts")
refresh_all = b_refresh.button("Refresh all", icon=":material/refresh:", key="refresh_all",
                               help="Refresh every enabled account now")
checkin_all = b_checkin.button("Check in all", icon=":material/event_available:", key="checkin_all",
                               help="Check in every enabled account that supports it")
show_flash()
if refresh_all:  # the accounts on screen (the last run's page of the table) go first
    run_refresh(store, None, "Refreshing all enabled accounts", first=ss.get("accounts_on_screen"))
if checkin_all:
    run_checkin(store, None, "Checking in")

# ---- filters -----------------------------------------------------------------------------
flt = AccountFilter(
    search=ss.get("f_search", ""), tags=ss.get("f_tags", []), status=ss.get("f_status", "all"),
    site_types=ss.get("f_types", []), health=ss.get("f_health", []), checkin=ss.get("f_checkin", []),
    attention=ss.get("f_attention", False))
facets = facet_counts(store, flt)
with st.container(border=True):
    c1, c2, c3 = st.columns([3, 3, 2])
    c1.text_input("Search", key="f_search", placeholder="name, username, URL, tag or notes")
    all_tags = tag_names(store)
    c2.multiselect("Tags (any of)", all_tags, key="f_tags",
                   format_func=lambda t: f"{t} ({facets['tags'].get(t, 0)})")
    c3.selectbox("Status", ["all", "enabled", "disabled"], key="f_status",
                 format_func=lambda s: s if s == "all" else f"{s} ({facets['status'].get(s, 0)})")
    c4, c5, c6 = st.columns(3)
    c4.multiselect("Site type", sorted(set(facets["site_types"]) | set(ss.get("f_types", []))), key="f_types",
                   format_func=lambda t: f"{t} ({facets['site_types'].get(t, 0)})")
    c5.multiselect("Health", ["healthy", "warning", "error", "unknown", "never_synced"], key="f_health",
                   format_func=lambda h: f"{h} ({facets['health'].get(h, 0)})" if h != "never_synced" else "never synced")
    c6.multiselect("Check-in today", list(CHECKIN_FILTERS), key="f_checkin",
                   format_func=lambda c: f"{CHECKIN_FILTERS[c]} ({facets['checkin'].get(c, 0)})")
    st.toggle(f"Needs attention only ({facets['attention']['attention']})", key="f_attention",
              help="An error or warning, or today's check-in failed or needs you")

# ---- totals ------------------------------------------------------------------------------
cur = st.segmented_control("Currency", ["USD", "CNY"], default=prefs["currency"], key="currency")
if cur and cur != prefs["currency"]:
    prefs["currency"] = set_preference(store, "currency", cur)
currency = prefs["currency"]
tot = totals(store, flt)
low = currency.lower()
m1, m2, m3, m4 = st.columns(4)
m1.metric("Accounts shown", f"{tot['accounts']}", help=f"{tot['enabled']} enabled")
m2.metric("Total balance", money(tot[f"balance_{low}"], currency),
          help="Wallet balances of enabled accounts not excluded from the total; subscription quota is not in it")
if tot["subscription_covered"]:
    m2.caption(f"Not in it: {money(tot[f'subscription_{low}'], currency)} of subscription quota "
               f"({tot['subscription_covered']} account(s), summed apart)")
m3.metric("Today's consumption", money(tot[f"consumption_{low}"], currency),
          help=f"{tot['consumption_covered']} account(s) reported today's figures")
m4.metric("Today's income", money(tot[f"income_{low}"], currency),
          help=f"{tot['income_covered']} account(s) reported today's income")

# ---- grid --------------------------------------------------------------------------------
n = tot["accounts"]  # the filtered accounts: the totals count them
pages = max(1, -(-n // PAGE_SIZE))
page = st.number_input(f"Page (of {pages}, {PAGE_SIZE} per page)", 1, pages, 1, key="page") if pages > 1 else 1
frame = grid_frame(grid_page(store, flt, prefs, currency, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE),
                   currency, selected=ss.get("select_all", False))
# the last 30 days of each shown account's balance, in USD (only this page's rows: issue 18)
ss["accounts_on_screen"] = [int(i) for i in frame["id"]]
spark = sparklines(store, days=30, account_ids=ss["accounts_on_screen"])
frame.insert(list(frame.columns).index("balance") + 1, "trend", [spark.get(int(i), []) for i in frame["id"]])
if frame["subscription"].isna().all():  # no New API plans on this page: no empty column
    frame = frame.drop(columns="subscription")
# Edits are positional: a different set of rows (filter, sort, page) must start a fresh editor.
grid_key = f"grid_{ss.grid_version}_{hash(tuple(frame['id']))}"
if n == 0:
    filtered = bool(flt.search or flt.tags or flt.site_types or flt.health or flt.checkin or flt.attention
                    or flt.status != "all")
    if filtered:
        st.info("No accounts match these filters.")
    else:
        st.info("No accounts yet: add one on the **Add account** page. To look around first, run "
                "`allhub demo`: it fills a separate demo database with accounts on simulated relay sites.")
        st.page_link("pages/add_account.py", label="Add account", icon=":material/person_add:")
        st.stop()
cc = st.column_config
sym = "$" if currency == "USD" else "¥"
st.data_editor(
    frame, key=grid_key, hide_index=True, num_rows="fixed", width="stretch",
    height=min(36 + 35 * max(len(frame), 1), 740), placeholder="—",
    disabled=["id", "site_url", "site_type", "username", "balance", "subscription", "trend", "today_consumption", "today_income",
              "health", "health_reason", "checkin", "secret", "last_sync_time"],
    column_config={
        "select": cc.CheckboxColumn("✓", help="Select for bulk actions", width="small"),
        "id": cc.NumberColumn("ID", format="%d", width="small"),
        "site_name": cc.TextColumn("Name", required=True, max_chars=120),
        "site_url": cc.LinkColumn("Site", validate=r"^https?://"),
        "site_type": cc.TextColumn("Type"),
        "username": cc.TextColumn("User"),
        "tags": cc.MultiselectColumn("Tags", options=all_tags, accept_new_options=True),
        "balance": cc.NumberColumn(f"Balance {sym}", format="%.2f", help="Wallet balance"),
        "subscription": cc.NumberColumn(f"Subscription {sym}", format="%.2f",
                                        help="What is left of the account's active plans (New API); not in the balance"),
        "trend": cc.LineChartColumn("30 days (USD)", width="small", help="Balance over the last 30 days"),
        "today_consumption": cc.NumberColumn(f"Today used {sym}", format="%.2f"),
        "today_income": cc.NumberColumn(f"Today income {sym}", format="%.2f"),
        "health": cc.TextColumn("Health"),
        "health_reason": cc.TextColumn("Reason"),
        "checkin": cc.TextColumn("Check-in"),
        "pinned": cc.CheckboxColumn("Pinned"),
        "disabled": cc.CheckboxColumn("Disabled"),
        "order": cc.NumberColumn("Order", min_value=1, step=1, format="%d",
                                 help="Manual order (used when 'Manual order' is on in Settings); empty = after the rest"),
        "exchange_rate": cc.NumberColumn("CNY/USD", min_value=0.0001, format="%.4g"),
        "notes": cc.TextColumn("Notes"),
        "exclude_from_total_balance": cc.CheckboxColumn("Not in total"),
        "exclude_from_today_income": cc.CheckboxColumn("Not in income"),
        "secret": cc.TextColumn("Secret", help="Masked; secrets never leave the server"),
        "last_sync_time": cc.DatetimeColumn("Last sync", format="YYYY-MM-DD HH:mm"),
    },
)
state = ss.get(grid_key) or {}
edited = state.get("edited_rows", {}) if isinstance(state, dict) else getattr(state, "edited_rows", {})
changes = grid_changes(frame, edited)
chosen = selected_ids(frame, edited)

left, right = st.columns([1, 3])
if left.button(f"Save changes ({len(changes)})", type="primary", disabled=not changes, key="save"):
    with user_errors():
        acc.update_accounts(store, changes)
        finish(f"Saved changes to {len(changes)} account(s).")
right.checkbox("Select every row on this page", key="select_all")

# ---- bulk actions ------------------------------------------------------------------------
st.subheader(f"Bulk actions · {len(chosen)} selected")
if chosen:
    r1, r2, b1, b2, b3, e1, e2 = st.columns([1.1, 1.1, 1, 1, 1, 1.3, 1.3])
    if r1.button("Refresh", icon=":material/refresh:", key="bulk_refresh"):
        run_refresh(store, chosen, f"Refreshing {len(chosen)} account(s)")
    if r2.button("Check in", icon=":material/event_available:", key="bulk_checkin"):
        run_checkin(store, chosen, f"Checking in {len(chosen)} account(s)")
    if b1.button("Disable", key="bulk_disable"):
        with user_errors():
            finish(f"{acc.set_disabled(store, chosen, True)} account(s) disabled.")
    if b2.button("Enable", key="bulk_enable"):
        with user_errors():
            finish(f"{acc.set_disabled(store, chosen, False)} account(s) enabled.")
    if b3.button("Delete…", key="bulk_delete"):
        ss.confirm_delete = chosen
    records = acc.account_records(store, ids=chosen, prefs=prefs)
    e1.download_button("Export JSON", to_json(records), "accounts.json", "application/json", on_click="ignore",
                       key="dl_json", icon=":material/download:")
    e2.download_button("Export CSV", to_csv(records), "accounts.csv", "text/csv", on_click="ignore", key="dl_csv",
                       icon=":material/download:")
    t1, t2, t3 = st.columns([2, 1, 1], vertical_alignment="bottom")
    tag = t1.text_input("Tag", key="bulk_tag", placeholder="tag name")
    if t2.button("Add tag", key="bulk_add_tag"):
        with user_errors():
            finish(f"Tag '{tag}' added to {acc.add_tag(store, chosen, tag)} account(s).")
    if t3.button("Remove tag", key="bulk_remove_tag"):
        with user_errors():
            finish(f"Tag '{tag}' removed from {acc.remove_tag(store, chosen, tag)} account(s).")
    if len(chosen) == 1:
        with st.expander("Replace the access token or cookie", icon=":material/key:"):
            replace_secret_form(store, chosen[0])
        # read-only probes of the site, as text to copy into a bug report (no secret in it)
        if st.button("Diagnose", icon=":material/stethoscope:", key="diagnose_one",
                     help="Ask the site read-only questions (status, user, check-in, keys, prices) and show what "
                          "it answered, without secrets, to paste into a bug report"):
            with user_errors(), st.spinner("Asking the site (read-only)…"):
                ss.diagnosis = (chosen[0], diagnose(store, chosen[0]).text())
        if (ss.get("diagnosis") or (None,))[0] == chosen[0]:
            st.code(ss.diagnosis[1], language=None)
else:
    st.caption("Tick rows in the ✓ column to refresh, check in, disable, enable, tag, export or delete them together.")


@st.dialog("Delete accounts", on_dismiss=lambda: ss.update(confirm_delete=None))
def confirm_delete(ids: list[int]) -> None:
    recs = acc.account_records(store, ids=ids, prefs=prefs)
    st.write(f"These {len(recs)} account(s) will be deleted, with their tags, pins and order:")
    st.dataframe([{"ID": r["id"], "Name": r["site_name"], "Site": r["site_url"], "User": r["username"]} for r in recs],
                 hide_index=True)
    c1, c2 = st.columns(2)
    if c1.button("Delete", type="primary", key="confirm_delete_yes"):
        with user_errors():
            n = acc.delete_accounts(store, ids)
            ss.confirm_delete = None
            finish(f"Deleted {n} account(s).")
    if c2.button("Cancel", key="confirm_delete_no"):
        ss.confirm_delete = None; st.rerun()


if ss.get("confirm_delete"):
    confirm_delete(ss.confirm_delete)
