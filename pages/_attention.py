"""The Overview's attention queue (issue 21): ``automation.attention_queue`` drawn as sections by
severity, one expander a category with its count, each entry its reason, the command that fixes
it and one button doing that fix through the library (``automation.fix_attention``), a link to the
site where only a person can fix it, or a small form for a new token (``accounts.set_secrets``,
then a refresh of that account). Remote text (site names, the sites' words) is escaped."""

from __future__ import annotations

import streamlit as st

from allhub_core.accounts import set_secrets
from allhub_core.automation import PAGE_ACTIONS, AttentionEntry, AttentionQueue, fix_attention
from allhub_core.store import Store
from allhub_core.vocab import AttentionSeverity
from pages._runs import run_refresh
from pages._text import esc, flash, user_errors

__all__ = ["render_queue"]

#: each severity's mark in its heading (Material icons: the emoji badges need a colour emoji font)
_MARK = {AttentionSeverity.CRITICAL: ":red[:material/error:]", AttentionSeverity.WARNING: ":orange[:material/warning:]",
         AttentionSeverity.INFO: ":blue[:material/info:]"}


def _entry_key(entry: AttentionEntry, i: int) -> str:
    return f"att_{entry.category.value}_{entry.account_id if entry.account_id is not None else 'x'}_{i}"


def _token_form(store: Store, entry: AttentionEntry, key: str) -> None:
    """A new access token or cookie for the account, then a refresh that shows whether it works."""
    aid = entry.account_id
    with st.popover(PAGE_ACTIONS["token"], icon=":material/key:"), st.form(f"{key}_form", clear_on_submit=True):
        cookie = entry.action.endswith("--cookie -")
        value = st.text_input("New session cookie" if cookie else "New access token", type="password",
                              key=f"{key}_value")
        if st.form_submit_button("Save and refresh"):
            if not value.strip() or aid is None:
                st.error("The new token is empty: nothing was changed.")
                return
            with user_errors():
                if cookie:
                    set_secrets(store, aid, cookie=value)
                else:
                    set_secrets(store, aid, access_token=value)
                run_refresh(store, [aid], f"Refreshing {entry.site_name} with its new secret")


def _fix_button(store: Store, entry: AttentionEntry, key: str) -> None:
    act = entry.page_action
    if act == "open_site":
        if entry.url:
            st.link_button(PAGE_ACTIONS[act], entry.url, icon=":material/open_in_new:")
        return
    if act == "token":
        _token_form(store, entry, key)
        return
    if st.button(PAGE_ACTIONS[act], key=key):
        with user_errors(), st.spinner(f"{PAGE_ACTIONS[act]}…"):
            flash(fix_attention(store, entry), "success")
            st.rerun()


def _entry(store: Store, entry: AttentionEntry, key: str) -> None:
    text, fix = st.columns([5, 2], vertical_alignment="center")
    who = f"**{esc(entry.site_name)}**" + (f" · #{entry.account_id}" if entry.account_id is not None else "")
    command = entry.action.replace("`", "")
    text.markdown(f"{who} — {esc(entry.reason)}  \n`{command}`")
    with fix:
        _fix_button(store, entry, key)


def render_queue(store: Store, queue: AttentionQueue) -> None:
    """Every severity that has entries as a section, each category an expander with its count
    (critical and warning open, info closed), its first entries and what the rest are."""
    for severity, groups in queue.by_severity():
        st.markdown(f"##### {_MARK[severity]} {severity.label} · {sum(g.total for g in groups)}")
        for g in groups:
            with st.expander(f"{g.category.label} · {g.total}", expanded=severity is not AttentionSeverity.INFO):
                for i, entry in enumerate(g.entries):
                    _entry(store, entry, _entry_key(entry, i))
                if g.total > len(g.entries):
                    st.caption(f"The first {len(g.entries)} of {g.total}: `allhub attention` lists them all.")
