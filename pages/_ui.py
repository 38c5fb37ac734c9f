"""Shared page helpers: the store for this script run, formatting, error display.

Pages import from here; everything else they need comes from allhub_core.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator

import streamlit as st

from allhub_core.accounts import (
    HEALTH_BADGE,  # noqa: F401  (re-exported for pages)
    set_secrets,
)
from allhub_core.errors import AllhubError, SiteError
from allhub_core.store import Store, default_db_path

_rerouted = threading.Event()


def _leave_legacy_pages_mode() -> None:
    """Make the first visit of a fresh server route through app.py's st.navigation.

    Streamlit runs a new server in the legacy "pages/ folder" mode until some run calls
    st.navigation, so a first visit straight to /checkin would run the page bare (no layout,
    legacy sidebar). Switch the flag off and rerun: the rerun goes through app.py, whose
    st.navigation finds the same page because each url_path equals its file's name. A server
    needs this once; AppTest resets the flag before every run, and rerunning there on every
    run would drop the clicks the test sends, so it happens once per process.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        if not _rerouted.is_set():
            _rerouted.set()
            st.rerun()


def db_path() -> str:
    return os.environ.get("ALLHUB_DB") or default_db_path()


_local = threading.local()


def _new_store() -> Store:
    try:
        return Store(db_path(), create_folder=not os.environ.get("ALLHUB_DB"))  # only the default may make data/
    except AllhubError as exc:
        st.error(esc(exc), icon=":material/error:")
        st.stop()
        raise  # unreachable; keeps type checkers happy


@contextlib.contextmanager
def page_store() -> Iterator[Store]:
    """Hold the database open for one script run (app.py wraps the page in this).

    One open per run instead of one per query; the file lock is released when the run ends,
    so the CLI can use the database between runs (and during ``store.released()``).
    """
    store = _new_store()
    with store.session():
        _local.store = store
        try:
            yield store
        finally:
            _local.store = None


def open_store() -> Store:
    """The store of the current script run (or a fresh one outside app.py, e.g. in dialogs)."""
    store = getattr(_local, "store", None)
    if store is None:  # not run through app.py: a legacy-mode first visit, or a dialog/fragment
        _leave_legacy_pages_mode()
    return store if store is not None else _new_store()


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Show any AllhubError as one sentence instead of a traceback (the one place pages catch it).

    A site's error quotes the site's own words, so it is shown as text, never as markdown.
    """
    try:
        yield
    except AllhubError as exc:
        st.error(esc(exc) if isinstance(exc, SiteError) else str(exc), icon=":material/error:")


_MD_SPECIAL = set("\\`*_[]$~<>")


def esc(text: object) -> str:
    """Markdown-escape text that is not ours (site names, server messages, user input).

    Streamlit renders markdown in alerts, labels and st.markdown; remote text must show as
    text, never as links, images, formatting or math. One-line messages only need the
    characters that open those (and "://" so a bare URL does not turn into a link).
    """
    out = "".join("\\" + c if c in _MD_SPECIAL else c for c in str(text))
    return out.replace("://", "\\://")


def money(value: float | None, currency: str) -> str:
    if value is None:
        return "—"
    symbol = "$" if currency == "USD" else "¥"
    return f"{symbol}{value:,.2f}"


def flash(message: str, kind: str = "success") -> None:
    """Show a message on the next run (after st.rerun); shown as text, never as markdown."""
    st.session_state["_flash"] = (kind, esc(message))


def show_flash() -> None:
    item = st.session_state.pop("_flash", None)
    if item:
        kind, message = item
        getattr(st, kind)(message)


def forget_typed(*keys: str) -> None:
    """Empty these text inputs (typed secrets, once saved) on the next run. They are assigned ''
    before the widgets exist (``clear_typed``), not deleted: the browser only replaces a value
    it is told to replace, so a deleted key would leave the secret in the field."""
    st.session_state["_forget_typed"] = [*st.session_state.get("_forget_typed", []), *keys]


def clear_typed() -> None:
    """Call at the top of a page that uses ``forget_typed``, before its widgets."""
    for key in st.session_state.pop("_forget_typed", []):
        st.session_state[key] = ""


class _Progress:
    """A progress bar advanced once per finished account.

    If the user clicks elsewhere mid-run, Streamlit raises its rerun/stop exception at our next
    st.* call. Letting it fly out of the network batch would throw away every finished result,
    so it is held until the batch is written (``settle``), then raised as Streamlit expects.
    """

    def __init__(self, label: str, total: int):
        self.label, self.total, self.done = label, total, 0
        self.bar = st.progress(0.0, text=f"{label}: 0/{total}")
        self.interrupted: BaseException | None = None

    def __call__(self, _result) -> None:
        from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException

        self.done += 1
        if self.interrupted is not None:
            return
        try:
            self.bar.progress(min(1.0, self.done / max(self.total, 1)),
                              text=f"{self.label}: {self.done}/{self.total}")
        except ScriptControlException as exc:
            self.interrupted = exc

    def settle(self) -> None:
        if self.interrupted is not None:
            raise self.interrupted


def finish(message: str, kind: str = "success") -> None:
    """After a change: say what happened, start a fresh grid (no stale edits), rerun."""
    flash(message, kind)
    st.session_state.grid_version = st.session_state.get("grid_version", 0) + 1
    st.rerun()


def _run_now(store: Store, job: str, ids: list[int] | None, progress: _Progress, force: bool = False):
    """The job as a logged run (trigger ``dashboard``, in the run log like every run); its report."""
    from allhub_core.automation import run_now

    run = run_now(store, job, ids, trigger="dashboard", force=force, on_result=progress)
    progress.settle()  # results are written by now
    if run.detail is None:
        raise run.error or AllhubError(run.summary())
    return run.detail


def run_refresh(store: Store, ids: list[int] | None, label: str) -> None:
    """Refresh with a progress bar, then a summary; the grid shows the new badges after rerun."""
    from allhub_core.sync import count_in_run

    with user_errors():
        total = len(ids) if ids is not None else count_in_run(store)
        report = _run_now(store, "refresh", ids, _Progress(label, total), force=True)
        finish(report.summary(details=5), "warning" if report.failed else "success")


def run_checkin(store: Store, ids: list[int] | None, label: str) -> None:
    """Check in with a progress bar, then counts per result."""
    from allhub_core.sync import count_in_run

    with user_errors():
        total = len(ids) if ids is not None else count_in_run(store, checkin=True)
        report = _run_now(store, "checkin", ids, _Progress(label, total))
        finish(report.summary(), "warning" if report.needs_attention else "success")


def run_recognize_refresh(store: Store, ids: list[int], label: str):
    """After a CSV import: recognise the added accounts' sites and refresh them, with progress."""
    from allhub_core.sync import recognize_and_refresh

    progress = _Progress(label, len(ids))
    report = recognize_and_refresh(store, ids, on_result=progress)
    progress.settle()
    return report


def replace_secret_form(store: Store, account_id: int) -> None:
    """Replace one account's access token or cookie (e.g. after it expired); never shows the old one."""
    with st.form(f"secret_form_{account_id}", clear_on_submit=True):
        st.markdown(f"**Replace the access token or cookie of account {account_id}**")
        kind = st.radio("Secret", ["access_token", "cookie"], horizontal=True, key="secret_kind",
                        format_func={"access_token": "Access token", "cookie": "Session cookie"}.get)
        value = st.text_input("New value", type="password", key="secret_value")
        if st.form_submit_button("Replace"):
            if not value.strip():
                st.error("The new access token or cookie is empty.")
            else:
                with user_errors():
                    set_secrets(store, account_id, **{kind: value})
                    finish(f"Replaced the {kind.replace('_', ' ')} of account {account_id}; refresh it to check.")


# ---- automation: the background jobs every page shows ------------------------------------------
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
    from allhub_core.automation import refresh_if_stale

    path = db_path()

    def work() -> None:
        try:
            refresh_if_stale(Store(path))
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
    from allhub_core.automation import current_run, list_runs

    store = _poll_store()
    if store is None:
        return
    try:
        with store.session():
            run = current_run(store)
            seen = st.session_state.get("_bg_seen")
            finished = None
            if run is None and seen is not None:
                finished = next((r for r in list_runs(store, limit=20) if r["id"] == seen), None)
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


JOB_LABELS = {"refresh": "Refresh", "checkin": "Check-in", "checkin_retry": "Check-in retry", "usage_sync": "Usage sync",
              "webdav_sync": "WebDAV sync"}


def job_label(job: str) -> str:
    return JOB_LABELS.get(job, job.replace("_", " ").capitalize())
