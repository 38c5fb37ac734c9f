"""Add account: manual entry with the extension's validation and the duplicate warning."""

import streamlit as st

from allhub_core.accounts import SITE_TYPES, AccountInput, add_account, duplicate_message, find_duplicates
from allhub_core.errors import AllhubError
from allhub_core.origin import origin_key
from allhub_core.preferences import get_preferences, set_preference
from allhub_core.tags import list_tags
from pages._ui import open_store, show_flash, flash

store = open_store()
prefs = get_preferences(store)
ss = st.session_state

st.title("Add account")
show_flash()
st.caption("The URL is reduced to its origin (scheme, host and port). Secrets are encrypted on this machine "
           "and never shown again in the dashboard.")

AUTH_LABELS = {"access_token": "Access token", "cookie": "Session cookie", "none": "None"}
with st.form("add_form", clear_on_submit=False):
    c1, c2 = st.columns([2, 1])
    url = c1.text_input("Site URL *", key="add_url", placeholder="https://relay.example.com")
    site_type = c2.selectbox("Site type", SITE_TYPES, index=SITE_TYPES.index("new-api"), key="add_site_type")
    c3, c4, c5 = st.columns(3)
    name = c3.text_input("Name *", key="add_name", placeholder="shown in the grid")
    user_id = c4.text_input("User ID *", key="add_user_id", help="Your numeric user id on the site")
    username = c5.text_input("Username", key="add_username")
    c6, c7 = st.columns([1, 2])
    auth = c6.radio("Auth mode", list(AUTH_LABELS), format_func=AUTH_LABELS.get, key="add_auth", horizontal=True)
    secret = c7.text_input("Access token or cookie", type="password", key="add_secret",
                           help="The system access token (not an sk- API key), or the Cookie header value")
    tags = st.multiselect("Tags", [t["name"] for t in list_tags(store)], key="add_tags", accept_new_options=True)
    notes = st.text_area("Notes", key="add_notes", height=68)
    c8, c9, c10 = st.columns(3)
    rate = c8.text_input("Exchange rate (CNY per USD)", value="7.2", key="add_rate")
    checkin_url = c9.text_input("Custom check-in URL", key="add_checkin_url")
    redeem_url = c10.text_input("Custom redeem URL", key="add_redeem_url")
    submitted = st.form_submit_button("Save account", type="primary")

if submitted:
    ss.pending_add = AccountInput(
        site_url=url, site_name=name, site_type=site_type, user_id=user_id, username=username, auth_type=auth,
        access_token=secret if auth == "access_token" else "", cookie=secret if auth == "cookie" else "",
        tags=tags, notes=notes, exchange_rate=rate, checkin_url=checkin_url, redeem_url=redeem_url)
    ss.dup_ack = None


def save(data: AccountInput) -> None:
    try:
        new_id = add_account(store, data)
    except AllhubError as exc:
        st.error(str(exc), icon=":material/error:")
        return
    ss.pending_add = None
    flash(f"Account saved (id {new_id}) with health 'unknown'; it is in the Accounts grid.")
    st.rerun()


pending = ss.get("pending_add")
if pending is not None:
    try:
        clean = pending.validated()
    except AllhubError as exc:
        st.error(str(exc), icon=":material/error:")
        ss.pending_add = None
    else:
        dups = find_duplicates(store, clean.site_url, clean.user_id) or find_duplicates(store, clean.site_url)
        if prefs["warn_on_duplicate"] and dups and ss.get("dup_ack") != origin_key(clean.site_url):
            with st.container(border=True):
                st.warning("**Duplicate account** · " + duplicate_message(clean.site_url, clean.user_id, dups))
                b1, b2, b3 = st.columns(3)
                if b1.button("Continue", key="dup_continue"):
                    ss.dup_ack = origin_key(clean.site_url)
                    save(clean)
                if b2.button("Don't warn again and continue", key="dup_never"):
                    set_preference(store, "warn_on_duplicate", False)
                    save(clean)
                if b3.button("Cancel", key="dup_cancel"):
                    ss.pending_add = None
                    st.rerun()
        else:
            save(clean)
