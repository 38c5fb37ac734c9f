"""Automation: what runs by itself (refresh, check-in and its retries, usage, models and WebDAV sync), when it
runs next, the run log with each account's result, and "run now".

Jobs run in a background thread of the dashboard server (or in `allhub daemon`), never in this
page's script run: a click elsewhere does not cancel them, and every page shows their progress.
"""

import datetime as dt
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from allhub_core.automation import (
    JOBS,
    WEBDAV_MODES,
    get_settings,
    lease_holder,
    list_runs,
    next_runs,
    run_results,
    save_settings,
    start_background_run,
)
from pages._background import job_label
from pages._store import db_path
from pages._text import esc, flash, show_flash, user_errors
from pages._ui import open_store

store = open_store()
st.title("Automation")
st.caption("The dashboard schedules these jobs while its server runs; `allhub daemon` does the same on a server. "
           "When both use one database only one of them schedules (the lease below).")
show_flash()
s = get_settings(store)


def when(value) -> str:
    """An aware time (or ISO text) as local "YYYY-MM-DD HH:MM"."""
    if value is None:
        return "—"
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.astimezone().strftime("%Y-%m-%d %H:%M")


holder = lease_holder(store)
if holder is None:
    st.caption("Scheduler: none holds the lease right now (it starts with the dashboard or `allhub daemon`).")
elif holder.get("is_me"):
    st.caption(f"Scheduler: this dashboard ({esc(holder['holder'])}, last heartbeat {when(holder['heartbeat_at'])}).")
else:
    st.caption(f"Scheduler: {esc(holder['holder'])} (last heartbeat {when(holder['heartbeat_at'])}); "
               "this dashboard only shows and starts runs.")

st.subheader("Next runs")
st.dataframe(pd.DataFrame([{"Job": job_label(r["job"]), "Next run": when(r["next_at"]), "Note": r.get("note") or ""}
                           for r in next_runs(store)], columns=["Job", "Next run", "Note"]),
             hide_index=True, key="next_runs")

c1, c2 = st.columns([2, 3], vertical_alignment="bottom")
job = c1.selectbox("Job", list(JOBS), format_func=job_label, key="run_job")
if c2.button("Run now", type="primary", key="run_now", icon=":material/play_arrow:"):
    if start_background_run(db_path(), job):
        flash(f"{job_label(job)} started in the background; its progress shows in the sidebar of every page.")
    else:
        flash("A job is running already; this one can start when it has finished.", "warning")
    st.rerun()

page = Path(__file__).with_name("notifications.py")
if page.exists():
    try:
        st.page_link("pages/notifications.py", label="Notifications: where run results are sent",
                     icon=":material/notifications:")
    except StreamlitAPIException:  # the page file exists but is not registered yet
        pass

st.subheader("Settings")
with st.form("automation_settings"):
    st.markdown("**Refresh**")
    r1, r2, r3 = st.columns(3)
    refresh_on = r1.toggle("Refresh all accounts", value=s.refresh_enabled, key="refresh_enabled")
    refresh_s = r2.number_input("Every (seconds)", min_value=60, value=s.refresh_interval_s, step=60, key="refresh_interval_s")
    min_s = r3.number_input("Not sooner per account than (seconds)", min_value=30, value=s.refresh_min_interval_s,
                            step=30, key="refresh_min_interval_s")
    on_open = st.toggle("Refresh when the dashboard opens and the data is older than that", value=s.refresh_on_open,
                        key="refresh_on_open")
    st.markdown("**Daily check-in**")
    k1, k2, k3 = st.columns(3)
    checkin_on = k1.toggle("Check in daily", value=s.checkin_enabled, key="checkin_enabled")
    mode = k2.radio("When", ["random", "fixed"], index=["random", "fixed"].index(s.checkin_mode), horizontal=True,
                    format_func={"random": "A random time in the window", "fixed": "A fixed time"}.get,
                    key="checkin_mode")
    fixed = k3.text_input("Fixed time (HH:MM)", value=s.checkin_time, key="checkin_time")
    w1, w2 = st.columns(2)
    start = w1.text_input("Window start (HH:MM)", value=s.checkin_window_start, key="checkin_window_start")
    end = w2.text_input("Window end (HH:MM)", value=s.checkin_window_end, key="checkin_window_end",
                        help="Before the start means the window runs past midnight.")
    t1, t2, t3 = st.columns(3)
    retry_on = t1.toggle("Retry failed check-ins", value=s.retry_enabled, key="retry_enabled")
    retry_s = t2.number_input("Retry after (seconds)", min_value=60, value=s.retry_interval_s, step=60,
                              key="retry_interval_s")
    retry_max = t3.number_input("At most (retries a day)", min_value=1, value=s.retry_max, key="retry_max")
    st.markdown("**Sync**")
    u1, u2, _ = st.columns(3)
    usage_on = u1.toggle("Sync usage logs", value=s.usage_sync_enabled, key="usage_sync_enabled")
    usage_s = u2.number_input("Every (seconds)", min_value=60, value=s.usage_sync_interval_s, step=60,
                              key="usage_sync_interval_s")
    m1, m2, _ = st.columns(3)
    models_on = m1.toggle("Sync models and prices", value=s.models_sync_enabled, key="models_sync_enabled",
                          help="Each account's models and prices (the Models page); a site that adds or removes "
                               "a model is in the run log and, if a channel follows it, in a notification.")
    models_s = m2.number_input("Every (seconds)", min_value=3600, value=s.models_sync_interval_s, step=3600,
                               key="models_sync_interval_s")
    d1, d2, d3 = st.columns(3)
    dav_on = d1.toggle("Sync with WebDAV", value=s.webdav_sync_enabled, key="webdav_sync_enabled",
                       help="With the address and passwords of the Backup page.")
    dav_s = d2.number_input("Every (seconds)", min_value=300, value=s.webdav_sync_interval_s, step=300,
                            key="webdav_sync_interval_s")
    dav_mode = d3.selectbox("Strategy", list(WEBDAV_MODES), index=list(WEBDAV_MODES).index(s.webdav_sync_mode),
                            key="webdav_sync_mode")
    dav_pct = d1.number_input("Delete at most (% of the accounts)", min_value=0, max_value=100,
                              value=s.webdav_sync_max_delete_pct, key="webdav_sync_max_delete_pct",
                              help="A file whose deletions go further holds the sync back until you sync by hand; "
                                   "you get a notification.")
    if st.form_submit_button("Save automation settings", type="primary"):
        with user_errors():
            save_settings(store, refresh_enabled=refresh_on, refresh_interval_s=refresh_s, refresh_min_interval_s=min_s,
                          refresh_on_open=on_open, checkin_enabled=checkin_on, checkin_mode=mode, checkin_time=fixed,
                          checkin_window_start=start, checkin_window_end=end, retry_enabled=retry_on,
                          retry_interval_s=retry_s, retry_max=retry_max, usage_sync_enabled=usage_on,
                          usage_sync_interval_s=usage_s, webdav_sync_enabled=dav_on, webdav_sync_interval_s=dav_s,
                          webdav_sync_mode=dav_mode, webdav_sync_max_delete_pct=dav_pct,
                          models_sync_enabled=models_on, models_sync_interval_s=models_s)
            flash("Automation settings saved.")
            st.rerun()

st.subheader("Run log")
runs = list_runs(store, limit=50)
if not runs:
    st.caption("No run yet.")
else:
    st.dataframe(pd.DataFrame([{
        "Run": r["id"], "Job": job_label(r["job"]), "Trigger": r["trigger"], "Started": when(r["started_at"]),
        "Finished": when(r["finished_at"]), "Status": r["status"],
        "Accounts": f"{r['done']}/{r['total']}" if r.get("total") else "", "Summary": r.get("summary") or ""}
        for r in runs]), hide_index=True, key="run_log")
    by_id = {r["id"]: r for r in runs}
    chosen = st.selectbox("Per-account results of run", list(by_id), key="run_pick",
                          format_func=lambda i: f"#{i} {job_label(by_id[i]['job'])}, {when(by_id[i]['started_at'])}")
    results = run_results(store, chosen)
    if results:
        st.dataframe(pd.DataFrame([{"Account": r["account_id"], "Name": r.get("name") or "", "OK": bool(r["ok"]),
                                    "Result": r.get("result") or "", "Message": r.get("message") or ""}
                                   for r in results]), hide_index=True, key="run_results")
    else:
        st.caption("This run has no per-account results.")
