"""Notifications: channels told after refresh and check-in runs and once a day (Apprise URLs, encrypted)."""

import streamlit as st

from allhub_core.automation.notify import (
    CHANNEL_KINDS,
    JOBS,
    POLICIES,
    add_channel,
    get_summary_time,
    list_channels,
    remove_channel,
    send_test,
    set_channel,
    set_summary_time,
)
from pages._text import clear_typed, esc, flash, forget_typed, show_flash, user_errors
from pages._ui import open_store

store = open_store()
clear_typed()

st.title("Notifications")
st.caption("After a refresh or check-in run, and once a day, allhub can tell you how it went: a webhook, Telegram, "
           "ntfy, Feishu, DingTalk, WeCom, Bark, email, or any Apprise URL. Each channel's address and secrets are "
           "kept encrypted; messages never carry a token, cookie or password.")
show_flash()

channels = list_channels(store)
if not channels:
    st.info("No channel yet: add one below.")
for c in channels:
    with st.container(border=True):
        head, acts = st.columns([3, 2])
        state = "" if c["enabled"] else " · off"
        head.markdown(f"**{esc(c['name'])}** · {esc(c['kind_label'])}{state}")
        head.caption(f"{esc(c['url'])} · {esc(POLICIES[c['policy']].lower())} · "
                     f"{esc(', '.join(JOBS[j] for j in c['jobs']) or 'no jobs')}"
                     f"{' · daily summary' if c['daily_summary'] else ''}")
        if c["last_ok"] is not None:
            (head.caption if c["last_ok"] else head.warning)(
                f"Last message {'delivered' if c['last_ok'] else 'failed'}: {esc(c['last_message'])}")
        b1, b2, b3 = acts.columns(3)
        if b1.button("Send test", key=f"test_{c['name']}", icon=":material/send:"):
            with user_errors():
                with st.spinner("Sending…"):
                    result = send_test(store, c["name"])
                flash(f"Test message sent to {c['name']}." if result["ok"]
                      else f"The test message to {c['name']} failed: {result['message']}",
                      "success" if result["ok"] else "error")
                st.rerun()
        if b2.button("Turn off" if c["enabled"] else "Turn on", key=f"toggle_{c['name']}"):
            with user_errors():
                set_channel(store, c["name"], enabled=not c["enabled"])
                st.rerun()
        if b3.button("Remove", key=f"rm_{c['name']}", icon=":material/delete:"):
            with user_errors():
                remove_channel(store, c["name"])
                flash(f"Removed the channel {c['name']}.")
                st.rerun()

st.subheader("Add a channel")
kind = st.selectbox("Kind", list(CHANNEL_KINDS), format_func=lambda k: CHANNEL_KINDS[k].label, key="nf_kind")
spec = CHANNEL_KINDS[kind]
if spec.help:
    st.caption(esc(spec.help))
with st.form("nf_add", clear_on_submit=False):
    name = st.text_input("Name", key="nf_name", placeholder=spec.label)
    values = {}
    for f in spec.fields:
        label = f.label + ("" if f.required else " (optional)")
        if f.choices:
            values[f.name] = st.selectbox(label, f.choices, key=f"nf_{kind}_{f.name}")
        else:
            values[f.name] = st.text_input(label, key=f"nf_{kind}_{f.name}", type="password" if f.secret else "default",
                                           placeholder=f.placeholder, help=f.help or None)
    policy = st.radio("Send after a run", list(POLICIES), format_func=POLICIES.get, key="nf_policy", horizontal=True)
    jobs = st.multiselect("Runs to follow", list(JOBS), default=list(JOBS), format_func=JOBS.__getitem__, key="nf_jobs")
    daily = st.checkbox("Also send the daily summary here", key="nf_daily")
    if st.form_submit_button("Add channel"):
        with user_errors():
            url = values.pop("url", None) if kind == "apprise" else None
            added = add_channel(store, name.strip() or spec.label, kind, fields=values or None, url=url, policy=policy,
                                jobs=jobs, daily_summary=daily)
            # saved: empty the fields (the secrets above all) for the next channel
            forget_typed("nf_name", *(f"nf_{kind}_{f.name}" for f in spec.fields if not f.choices))
            flash(f"Added the channel {added['name']}; send it a test message to check it.")
            st.rerun()

st.subheader("Daily summary")
with st.form("nf_summary"):
    at = st.text_input("Send it each day from (local time, HH:MM)", value=get_summary_time(store), key="nf_time")
    if st.form_submit_button("Save time"):
        with user_errors():
            flash(f"The daily summary goes out each day from {set_summary_time(store, at)}.")
            st.rerun()
