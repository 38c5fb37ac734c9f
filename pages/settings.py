"""Settings: sorting priority, sort field, currency and add-account behaviour. Saved at once."""

import pandas as pd
import streamlit as st

from allhub_core.accounts import SORT_CRITERIA, SORT_FIELDS, get_preferences, set_preference
from pages._ui import flash, open_store, show_flash, user_errors

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
st.caption("Politeness towards each relay site. A self-hosted site may allow more; a public one may want less.")
n1, n2, n3 = st.columns(3)
conc = n1.number_input("Requests in flight per site", 1, 16, prefs["per_site_concurrency"], key="pref_conc")
rpm = n2.number_input("Requests per minute per site (0 = no limit)", 0, 600, prefs["per_site_rpm"], key="pref_rpm")
guard = n3.number_input("Skip accounts refreshed in the last … seconds", 0, 86400, prefs["refresh_min_interval_s"],
                        key="pref_guard", help="Applies to scheduled and CLI refreshes without --force")
for key, value in (("per_site_concurrency", conc), ("per_site_rpm", rpm), ("refresh_min_interval_s", guard)):
    if value != prefs[key]:
        with user_errors():
            set_preference(store, key, value)
            st.toast("Saved.")
