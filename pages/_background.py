"""The background jobs every page shows: the refresh when a session opens on stale data, and the
running job's progress (polled every 2 s) with its summary when it ends."""

from __future__ import annotations

import os
import threading

import streamlit as st

from allhub_core import automation
from allhub_core.errors import AllhubError
from allhub_core.store import Store
from allhub_core.vocab import Job
from pages._store import db_path
from pages._text import esc

__all__ = ["NO_BACKGROUND_ENV", "background_allowed", "background_progress", "job_label", "refresh_stale_once"]

NO_BACKGROUND_ENV = "ALLHUB_NO_BACKGROUND"


def background_allowed() -> bool:
    """False when ``ALLHUB_NO_BACKGROUND`` is set: this dashboard starts no scheduler and no
    refresh on open (the tests, or a setup where only ``allhub daemon`` should run jobs)."""
    return not os.environ.get(NO_BACKGROUND_ENV)


def refresh_stale_once() -> None:
    """Once per browser session: refresh in the background when the data is older than the
    per-account minimum interval (the core decides; the page never waits for it)."""
    if st.session_state.get("_stale_checked") or not background_allowed():
        return
    st.session_state["_stale_checked"] = True
    path = db_path()

    def work() -> None:
        try:
            automation.refresh_if_stale(Store(path))
        except AllhubError:  # busy or unreadable: the next session (or the scheduler) tries again
            pass

    threading.Thread(target=work, name="allhub-stale-refresh", daemon=True).start()


def _poll_store() -> Store | None:
    """A Store object for this browser session's polls (it holds no connection between them)."""
    path = db_path()
    store = st.session_state.get("_poll_store")
    if store is None or store.path != path:
        try:
            store = Store(path, lock_timeout=0.5)
        except AllhubError:
            return None
        st.session_state["_poll_store"] = store
    return store


@st.fragment(run_every=2)
def background_progress() -> None:
    """The running background job (scheduled, "run now" or the refresh on open) as a progress
    bar, polled every 2 s; nothing when idle. Each poll opens the database for one read and
    lets go at once; a busy database skips a poll. When a job this session saw ends, its
    summary stays with a button that redraws the page with the new data."""
    store = _poll_store()
    if store is None:
        return
    try:
        with store.session():
            run = automation.current_run(store)
            seen = st.session_state.get("_bg_seen")
            finished = None
            if run is None and seen is not None:
                finished = next((r for r in automation.list_runs(store, limit=20) if r["id"] == seen), None)
    except AllhubError:
        return
    if run is not None:
        st.session_state["_bg_seen"] = run["id"]
        done, total = int(run.get("done") or 0), int(run.get("total") or 0)
        label = f"{job_label(run['job'])} running: {done}/{total}" if total else f"{job_label(run['job'])} starting…"
        st.progress(min(1.0, done / total) if total else 0.0, text=label)
        st.caption("It runs in the background: use the dashboard meanwhile.")
        return
    if finished is not None:
        st.caption(f"**{job_label(finished['job'])} finished** ({esc(finished['status'])}). "
                   f"{esc(finished.get('summary') or '')}")
        if st.button("Show the new data", key="bg_show_new", icon=":material/refresh:"):
            st.session_state.pop("_bg_seen", None)
            st.rerun(scope="app")


def job_label(job: str) -> str:
    return Job.label_of(job)
