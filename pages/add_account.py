"""Add account: recognise from the site (login, token or cookie) or type it in; duplicate warning."""

import streamlit as st

from allhub_core.accounts import SITE_TYPES, AccountInput, set_preference, tag_names
from allhub_core.errors import AllhubError, DuplicateAccount
from allhub_core.origin import origin_key
from allhub_core.sync import onboard, politeness_for, recognize_input
from allhub_core.vocab import DEFAULT_EXCHANGE_RATE
from pages._text import esc, flash, show_flash
from pages._ui import open_store

store = open_store()
ss = st.session_state
AUTH_LABELS = {"access_token": "Access token", "cookie": "Session cookie", "none": "None"}

FORM_DEFAULTS = {"add_url": "", "add_name": "", "add_user_id": "", "add_username": "", "add_secret": "",
                 "add_tags": [], "add_notes": "", "add_checkin_url": "", "add_redeem_url": "", "add_rate": str(DEFAULT_EXCHANGE_RATE),
                 "rec_secret": ""}
if ss.pop("add_saved", False):  # a saved account leaves nothing behind, least of all its token
    ss.update(FORM_DEFAULTS)  # assigned, not deleted: the browser only forgets values it is told to replace

st.title("Add account")
show_flash()
messages = st.container()  # errors and the duplicate warning show here, not below a long form


def duplicate_prompt(message: str, prefix: str, on_continue: dict, on_cancel: dict, note: str = "") -> None:
    """The duplicate question: Continue, Don't warn again and continue, or Cancel."""
    with messages.container(border=True):
        st.warning("**Duplicate account** · " + esc(message))
        if note:
            st.caption(note)
        b1, b2, b3 = st.columns(3)
        if b1.button("Continue", key=f"{prefix}_continue"):
            ss.update(on_continue)
            st.rerun()
        if b2.button("Don't warn again and continue", key=f"{prefix}_never"):
            set_preference(store, "warn_on_duplicate", False)
            ss.update({k: v for k, v in on_continue.items() if not k.endswith("dup_ack")})
            st.rerun()
        if b3.button("Cancel", key=f"{prefix}_cancel"):
            ss.update(on_cancel)
            st.rerun()


with st.expander("1 · Recognise from the site (optional)", expanded=not ss.get("recognized"),
                 icon=":material/travel_explore:"):
    with st.form("recognize_form"):
        r_url = st.text_input("Site URL", key="rec_url", placeholder="https://relay.example.com")
        how = st.radio("Sign in with", ["login", "access_token", "cookie"], horizontal=True, key="rec_how",
                       format_func={"login": "Username and password", "access_token": "Access token",
                                    "cookie": "Session cookie"}.get)
        c1, c2 = st.columns(2)
        r_user = c1.text_input("Username (login)", key="rec_username")
        r_secret = c2.text_input("Password, access token or cookie", type="password", key="rec_secret",
                                 help="The password is used once to log in and never stored")
        r_uid = st.text_input("User ID (only if the site asks for it)", key="rec_user_id")
        go = st.form_submit_button("Recognise", icon=":material/search:")
    if go:
        ss.pending_recognize, ss.rec_dup_ack, ss.rec_duplicate = True, None, None
    rec_key = origin_key(r_url)
    if ss.get("pending_recognize"):
        ss.pending_recognize = None  # asked once: a rerun does not log in again
        data = AccountInput(site_url=r_url, user_id=r_uid, username=r_user,
                            access_token=r_secret if how == "access_token" else "",
                            cookie=r_secret if how == "cookie" else "")
        try:
            with st.spinner("Asking the site…"):
                # A login stops at the duplicate rule before the site hands out a new access token.
                res = recognize_input(data, password=r_secret if how == "login" else None,
                                      politeness=politeness_for(store), store=store,
                                      allow_duplicate=rec_key is not None and ss.get("rec_dup_ack") == rec_key)
        except DuplicateAccount as exc:
            ss.rec_duplicate = str(exc)
        else:
            if res.ok:
                for key, value in (("add_url", res.site_url), ("add_site_type", res.site_type or "unknown"),
                                   ("add_name", res.site_name or ""), ("add_user_id", res.user_id or ""),
                                   ("add_username", res.username or ""), ("add_auth", res.auth_type or "access_token"),
                                   ("add_rate", str(res.exchange_rate or DEFAULT_EXCHANGE_RATE))):
                    ss[key] = value
                ss.recognized = {"secret": res.access_token or res.cookie or "",
                                 "refresh_token": res.refresh_token or "", "quota": res.quota,
                                 "checkin_supported": res.checkin_supported, "dup_ack": ss.get("rec_dup_ack")}
                flash(f"Recognised {res.site_type} site “{res.site_name}”, user {res.username or res.user_id}. "
                      "Review the form below and save.")
                st.rerun()
            else:
                st.error(esc(res.message), icon=":material/error:")
if ss.get("rec_duplicate"):
    duplicate_prompt(ss.rec_duplicate, "rec_dup",
                     on_continue={"rec_dup_ack": rec_key, "pending_recognize": True, "rec_duplicate": None},
                     on_cancel={"rec_duplicate": None},
                     note="Logging in again may make the site hand out a new access token (New API does): "
                          "the stored account's token would then stop working.")

rec = ss.get("recognized") or {}
st.subheader("2 · Account details")
st.caption("Review what was recognised, or type everything in by hand. * marks required fields.")
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
                           placeholder="obtained from the site, kept on the server" if rec.get("secret") else "",
                           help="The system access token (not an sk- API key), or the Cookie header value")
    tags = st.multiselect("Tags", tag_names(store), key="add_tags", accept_new_options=True)
    notes = st.text_area("Notes", key="add_notes", height=68)
    c8, c9, c10 = st.columns(3)
    rate = c8.text_input("Exchange rate (CNY per USD)", value=None if "add_rate" in ss else str(DEFAULT_EXCHANGE_RATE), key="add_rate")
    checkin_url = c9.text_input("Custom check-in URL", key="add_checkin_url")
    redeem_url = c10.text_input("Custom redeem URL", key="add_redeem_url")
    submitted = st.form_submit_button("Save account", type="primary")

if submitted:
    secret = secret or rec.get("secret", "")
    ss.pending_add = AccountInput(
        site_url=url, site_name=name, site_type=site_type, user_id=user_id, username=username, auth_type=auth,
        access_token=secret if auth == "access_token" else "", cookie=secret if auth == "cookie" else "",
        refresh_token=rec.get("refresh_token", ""), tags=tags, notes=notes, exchange_rate=rate,
        checkin_url=checkin_url, redeem_url=redeem_url, checkin_supported=rec.get("checkin_supported"),
        quota=rec.get("quota"))
    ss.dup_ack = None


pending = ss.get("pending_add")
if pending is not None:
    pending_origin = origin_key(pending.site_url)
    try:
        with st.spinner("Saving, then reading the balance and today's figures…"):
            report = onboard(store, pending, recognize_first=False,
                             allow_duplicate=pending_origin is not None and pending_origin in (ss.get("dup_ack"), rec.get("dup_ack")))
    except DuplicateAccount as exc:
        duplicate_prompt(str(exc), "dup", on_continue={"dup_ack": pending_origin}, on_cancel={"pending_add": None})
    except AllhubError as exc:
        messages.error(esc(exc), icon=":material/error:")
        ss.pending_add = None
    else:
        ss.pending_add, ss.recognized, ss.add_saved = None, None, True
        flash(report.summary(), "warning" if report.warning else "success")
        st.rerun()
