"""Settings: sorting priority, sort field, currency, add-account behaviour, politeness, each site's
request window. Saved at once (a site's window with its button)."""

import pandas as pd
import streamlit as st

from allhub_core.accounts import (
    SORT_CRITERIA,
    SORT_FIELDS,
    get_preferences,
    set_preference,
    set_site_window,
    site_rows,
)
from pages._push_settings import push_settings
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

st.subheader("Sites")
st.caption("Each site's own request window, shared by every job (refresh, check-in, usage sync, keys) and every "
           "process on this database (the dashboard, `allhub daemon`, a command at the same time). A site that "
           "answers 429 (too many requests) gets a lower window, stored here and never raised again except by you.")
SOURCES = {"default": "default", "user": "your setting", "429": "lowered after a 429"}
sites = site_rows(store)
if not sites:
    st.caption("No sites yet: they appear once an account is added.")
else:
    st.dataframe(pd.DataFrame([{"Site": r["origin"], "Accounts": r["accounts"], "Window": r["window"],
                                "Set by": SOURCES.get(r["window_source"], r["window_source"])} for r in sites]),
                 hide_index=True)
    by_origin = {r["origin"]: r for r in sites}
    picked = st.selectbox("Site", list(by_origin), key="site_pick")
    row = by_origin[picked]
    shown = f"{picked}|{row['window_requests']}|{row['window_s']}|{row['window_source']}"  # new stored value: new inputs
    w1, w2 = st.columns(2)
    site_n = w1.number_input("Requests per window (0 = no limit)", value=int(row["window_requests"]), step=1,
                             key=f"site_n_{shown}")
    site_w = w2.number_input("Window length (seconds)", value=float(row["window_s"]), step=1.0, format="%g",
                             key=f"site_w_{shown}")
    b1, b2 = st.columns([1, 4])
    if b1.button("Save window", type="primary", key="site_save"):
        with user_errors():
            saved = set_site_window(store, picked, site_n, site_w)
            flash(f"{picked}: window {saved.text if saved else 'as the default'}.")
            st.rerun()
    if b2.button("Back to the default", key="site_default", disabled=row["window_source"] == "default"):
        with user_errors():
            set_site_window(store, picked, None)
            flash(f"{picked} uses the default window again.")
            st.rerun()

push_settings(store)  # the services a key is pushed to (pages/_push_settings.py)
