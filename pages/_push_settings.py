"""Settings → "Services you run": the address and management key of each push target
(CLIProxyAPI, Claude Code Router, your own New API), one form each. The key is saved sealed
(``sync.save_push_target``), never shown again; its field is emptied once saved."""

from __future__ import annotations

import streamlit as st

from allhub_core.store import Store
from allhub_core.sync import push_targets, save_push_target
from pages._text import clear_typed, flash, forget_typed, user_errors

__all__ = ["push_settings"]

_HINTS = {
    "cliproxyapi": ("http://127.0.0.1:8317/v0/management",
                    "Its management API (a bare address gets /v0/management); the key is its management key "
                    "(remote-management secret-key)."),
    "ccr": ("http://127.0.0.1:3456", "Claude Code Router's UI server; the key is its APIKEY."),
    "newapi": ("https://my-new-api.example", "Your own New API; the key is an admin's access token "
                                             "(Personal settings → Generate access token), with that admin's user id."),
}


def push_settings(store: Store) -> None:
    """The section: one form per service, saved with its button."""
    clear_typed()
    st.subheader("Services you run")
    st.caption("Where the Keys page pushes a key: its address and management key. Keys are kept encrypted in the "
               "database and never shown again.")
    for target in push_targets(store):
        placeholder, help_text = _HINTS[target.kind]
        state = "set" if target.complete else "not set"
        with st.expander(f"{target.label} ({state})", key=f"push_cfg_open_{target.kind}"), \
                st.form(f"push_cfg_{target.kind}"):
            url = st.text_input("Address", value=target.url, placeholder=placeholder, help=help_text,
                                key=f"push_url_{target.kind}")
            key = st.text_input("Management key", type="password", key=f"push_key_{target.kind}",
                                placeholder="saved; leave empty to keep it" if target.has_key else "")
            user = st.text_input("Admin user id", value=str(target.user_id or ""), key=f"push_user_{target.kind}") \
                if target.kind == "newapi" else None
            if st.form_submit_button("Save"):
                with user_errors():
                    saved = save_push_target(store, target.kind, url, key or None, user_id=user)
                    forget_typed(f"push_key_{target.kind}")
                    flash(f"{saved.label} saved: {saved.url or 'no address'}.")
                    st.rerun()
