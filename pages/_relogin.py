"""The re-login check-in's login on the Check-in page (issue 21): a username, a password input and
the opt-in box; "Forget the password" when one is stored.

The password is stored only when the box is ticked (``sync.set_checkin_method`` with ``username``
and ``password``, sealed there); it is never shown again, not even masked: the page says whose
login is stored.
"""

from __future__ import annotations

import streamlit as st

from allhub_core.store import Store
from allhub_core.sync import forget_login, login_usernames
from pages._text import flash, user_errors

__all__ = ["clear_typed_password", "relogin_form"]


def relogin_form(store: Store, aid: int, method: str) -> dict[str, str]:
    """The login fields when ``method`` is ``relogin``; what ``set_checkin_method`` is given
    (``username`` and ``password`` when the user opted in to store a password, else nothing)."""
    if method != "relogin":
        return {}
    known = login_usernames(store, [aid]).get(aid)
    st.caption("For sites that credit the daily reward on login (AgentRouter and the like): each check-in logs "
               "in again with this login, one account of a site at a time, and reports what the login credited.")
    name_col, pw_col = st.columns(2)
    username = name_col.text_input("Username on the site", value=known or "", key=f"cm_user_{aid}")
    password = pw_col.text_input("Password", type="password", key=f"cm_pw_{aid}",
                                 help="Leave it empty to keep the stored one." if known else None)
    keep = st.checkbox("Store this password (encrypted) to log in each day", key=f"cm_keep_{aid}",
                       help="Kept sealed with the store's key, used only by this check-in; never shown, "
                            "exported or backed up.")
    if known:
        text, forget = st.columns([4, 1], vertical_alignment="center")
        text.caption(f"A login is stored for **{known}** (the password encrypted).")
        if forget.button("Forget the password", key=f"cm_forget_{aid}"):
            with user_errors():
                forget_login(store, aid)
                flash(f"Account {aid}: the stored login is forgotten; it checks in automatically again.")
                st.rerun()
    if password and not keep:
        st.info("Tick the box to store the password; without it nothing is stored.")
    if keep and (password or username.strip() != (known or "")):
        return {"username": username, "password": password}
    return {}


def clear_typed_password(aid: int) -> None:
    """After a save the typed password leaves the page (its widget state) too."""
    for key in (f"cm_pw_{aid}", f"cm_keep_{aid}"):
        st.session_state.pop(key, None)
