"""Settings: sorting priority, sort field, currency, add-account behaviour, politeness. Saved at once."""

import pandas as pd
import streamlit as st

from allhub_core.accounts import SORT_CRITERIA, SORT_FIELDS, get_preferences, set_preference
from pages._text import flash, show_flash, user_errors
from pages._ui import open_store

store = open_store()
prefs = get_preferences(store)
ss = st.session_state
ss.setdefault("sort_version", 0)

st.title("Settings")
show_flash()

st.subheader("Sorting priority")
st.caption("Accounts are ordered by the first criterion (top to bottom) that separates them. "
           "Edit the order numbers and switch criteria on or off, then save.")
frame = pd.DataFrame([{"order": i + 1, "criterion": SORT_CRITERIA[c["id"]], "enabled": c["enabled"], "id": c["id"]}
                      for i, c in enumerate(prefs["sorting_priority"])])
edited = st.data_editor(frame, key=f"sorting_{ss.sort_version}", hide_index=True, num_rows="fixed",
                        disabled=["criterion", "id"], column_order=["order", "criterion", "enabled"],
                        column_config={"order": st.column_config.NumberColumn("Order", min_value=1, step=1),
                                       "criterion": st.column_config.TextColumn("Criterion"),
                                       "enabled": st.column_config.CheckboxColumn("On")})
c1, c2 = st.columns([1, 4])
if c1.button("Save sorting", type="primary", key="save_sorting"):
    ordered = edited.assign(pos=edited.index).sort_values(["order", "pos"])
    with user_errors():
        set_preference(store, "sorting_priority", [{"id": r.id, "enabled": bool(r.enabled)} for r in ordered.itertuples()])
        ss.sort_version += 1
        flash("Sorting priority saved.")
        st.rerun()
if c2.button("Reset to defaults", key="reset_sorting"):
    set_preference(store, "sorting_priority", [{"id": c, "enabled": True} for c in SORT_CRITERIA])
    ss.sort_version += 1
    flash("Sorting priority reset.")
    st.rerun()

fields = [None, *SORT_FIELDS]
s1, s2 = st.columns(2)
field = s1.selectbox("Sort field", fields, index=fields.index(prefs["sort_field"]),
                     format_func=lambda f: "None (manual order)" if f is None else SORT_FIELDS[f], key="sort_field")
order = s2.radio("Direction", ["desc", "asc"], index=["desc", "asc"].index(prefs["sort_order"]), horizontal=True,
                 format_func={"desc": "Descending", "asc": "Ascending"}.get, key="sort_order")
if field != prefs["sort_field"] or order != prefs["sort_order"]:
    set_preference(store, "sort_field", field)
    set_preference(store, "sort_order", order)
    st.toast("Sort field saved.")

st.subheader("Display")
currency = st.radio("Currency", ["USD", "CNY"], index=["USD", "CNY"].index(prefs["currency"]), horizontal=True,
                    key="pref_currency", help="CNY uses each account's own exchange rate")
if currency != prefs["currency"]:
    set_preference(store, "currency", currency)
    st.toast("Currency saved.")

st.subheader("Adding accounts")
warn = st.toggle("Warn before adding duplicates (same site and user id)", value=prefs["warn_on_duplicate"], key="pref_warn")
if warn != prefs["warn_on_duplicate"]:
    set_preference(store, "warn_on_duplicate", warn)
    st.toast("Saved.")
prov = st.toggle("Create a default API key after adding an account that has none", value=prefs["auto_provision_key"],
                 key="pref_provision")
if prov != prefs["auto_provision_key"]:
    set_preference(store, "auto_provision_key", prov)
    st.toast("Saved.")

st.subheader("Talking to the sites")
st.caption("Politeness towards each relay site, modelled on New API's own limit (requests per client in a "
           "sliding window, 180 s by default): a burst that fits the window goes at once, only sustained "
           "traffic waits. A self-hosted site may allow more; a public one may want less.")
n1, n2, n3 = st.columns(3)
conc = n1.number_input("Requests in flight per site", 1, 16, prefs["per_site_concurrency"], key="pref_conc")
win_n = n2.number_input("Requests per window per site (0 = no limit)", 0, 10_000, prefs["per_site_window_requests"],
                        key="pref_window_requests", help="Login, key reveal and top-up have their own tighter window")
win_s = n3.number_input("Window length (seconds)", 1, 3_600, prefs["per_site_window_s"], key="pref_window_s")
d1, d2, _ = st.columns(3)
deadline = d1.number_input("Deadline per account (seconds, 0 = none)", 0, 3_600, prefs["account_deadline_s"],
                           key="pref_deadline", help="One account's whole refresh or check-in, retries included; "
                           "time spent waiting for the window does not count")
guard = d2.number_input("Skip accounts refreshed in the last … seconds", 30, 86400, prefs["refresh_min_interval_s"],
                        key="pref_guard", help="Applies to scheduled and CLI refreshes without --force")
for key, value in (("per_site_concurrency", conc), ("per_site_window_requests", win_n), ("per_site_window_s", win_s),
                   ("account_deadline_s", deadline), ("refresh_min_interval_s", guard)):
    if value != prefs[key]:
        with user_errors():
            set_preference(store, key, value)
            st.toast("Saved.")
