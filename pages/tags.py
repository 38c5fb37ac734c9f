"""Tags: one global list; rename and delete apply to every account."""

import streamlit as st

from allhub_core.accounts import create_tag, delete_tag, list_tags, rename_tag
from pages._text import flash, show_flash, user_errors
from pages._ui import open_store

store = open_store()
ss = st.session_state

st.title("Tags")
show_flash()
tags = list_tags(store)
if tags:
    st.dataframe([{"Tag": t["name"], "Accounts": t["count"]} for t in tags], hide_index=True, width="content")
else:
    st.info("No tags yet. Create one below or type one in the Accounts grid.")

with st.form("create_tag", clear_on_submit=True):
    new = st.text_input("New tag", key="new_tag")
    if st.form_submit_button("Create tag"):
        with user_errors():
            flash(f"Tag '{create_tag(store, new)['name']}' created.")
            st.rerun()

if tags:
    by_id = {t["id"]: t for t in tags}
    c1, c2 = st.columns(2)
    with c1.form("rename_tag"):
        tid = st.selectbox("Tag to rename", list(by_id), format_func=lambda i: by_id[i]["name"], key="rename_which")
        name = st.text_input("New name", key="rename_to")
        if st.form_submit_button("Rename"):
            with user_errors():
                renamed = rename_tag(store, tid, name)["name"]
                flash(f"Renamed '{by_id[tid]['name']}' to '{renamed}'.")
                st.rerun()
    with c2.form("delete_tag"):
        did = st.selectbox("Tag to delete", list(by_id), format_func=lambda i: by_id[i]["name"], key="delete_which")
        sure = st.checkbox("Yes, remove it from every account", key="delete_sure")
        if st.form_submit_button("Delete"):
            if not sure:
                st.error("Tick the box to confirm: deleting removes the tag from every account.")
            else:
                with user_errors():
                    n = delete_tag(store, did)
                    flash(f"Deleted '{by_id[did]['name']}' and removed it from {n} account(s).")
                    st.rerun()
