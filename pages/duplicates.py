"""Duplicate cleanup: preview groups (same origin + user id), choose keepers, confirm, delete."""

import streamlit as st

from allhub_core.accounts import KEEP_RULES, apply_dedupe, scan_duplicates
from pages._ui import HEALTH_BADGE, esc, flash, open_store, show_flash, user_errors

store = open_store()
ss = st.session_state

st.title("Duplicate cleanup")
show_flash()
st.caption("Accounts with the same site origin and the same user id are duplicates. Nothing is deleted "
           "until you confirm.")
rule = st.radio("Keep rule", list(KEEP_RULES), format_func=KEEP_RULES.get, horizontal=True, key="keep_rule")
scan = scan_duplicates(store, rule)

st.markdown(f"**{scan.summary()}**")
if scan.unscannable:
    st.caption(f"{scan.unscannable} account(s) could not be scanned (no user id) and were skipped.")
if not scan.groups:
    st.success("No duplicate accounts found.")

keep: dict[int, int] = {}
for i, g in enumerate(scan.groups):
    with st.container(border=True):
        st.markdown(f"**{esc(g.origin)}** · User ID: {esc(g.user_id)} · {len(g.accounts)} accounts")
        labels = {}
        for a in g.accounts:
            flags = [f for f, on in (("pinned", a["pinned"]), ("disabled", a["disabled"])) if on]
            rec = " · Recommended" if a["id"] == g.keep_id else ""
            labels[a["id"]] = (f"{esc(a['site_name'])} (id {a['id']}, {esc(a['username'] or 'no username')}, "
                               f"{HEALTH_BADGE.get(a['health_status'])}, updated {a['updated_at']:%Y-%m-%d %H:%M:%S}"
                               f"{', ' + ', '.join(flags) if flags else ''}){rec}")
        keep[i] = st.radio("Keep", [a["id"] for a in g.accounts], format_func=labels.get,
                           key=f"keep_{rule}_{g.origin}_{g.user_id}", label_visibility="collapsed")
        st.caption(f"Recommended keeper chosen by rule: {g.reason}.")

if scan.groups and st.button("Preview deletion", key="preview_dedupe"):
    ss.dedupe_preview = True

if scan.groups and ss.get("dedupe_preview"):
    with st.container(border=True):
        to_delete = [(g, a) for i, g in enumerate(scan.groups) for a in g.accounts if a["id"] != keep[i]]
        st.subheader("Delete duplicate accounts")
        st.write(f"This will delete {len(to_delete)} account(s) across {len(scan.groups)} duplicate set(s).")
        pinned = sum(1 for _, a in to_delete if a["pinned"])
        if pinned:
            st.warning(f"{pinned} pinned account(s) will be deleted.")
        for i, g in enumerate(scan.groups):
            kept = next(a for a in g.accounts if a["id"] == keep[i])
            gone = ", ".join(f"{esc(a['site_name'])} (id {a['id']})" for a in g.accounts if a["id"] != keep[i])
            st.markdown(f"- {esc(g.origin)}: Keep: {esc(kept['site_name'])} (id {kept['id']}) · Delete: {gone}")
        c1, c2 = st.columns(2)
        if c1.button("Delete duplicates", type="primary", key="confirm_dedupe"):
            with user_errors():
                n = apply_dedupe(store, scan, overrides=keep)
                flash(f"Deleted {n} account(s) from {len(scan.groups)} duplicate set(s).")
                ss.dedupe_preview = False
                st.rerun()
        if c2.button("Cancel", key="cancel_dedupe"):
            ss.dedupe_preview = False
            st.rerun()
