"""Runs a person starts on a page: refresh, check-in, recognise-and-refresh, each with a progress
bar and one sentence after; ``finish`` (flash, fresh grid, rerun) and the replace-a-secret form."""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException

from allhub_core import automation
from allhub_core.accounts import set_secrets
from allhub_core.errors import AllhubError
from allhub_core.store import Store
from allhub_core.sync import count_in_run, recognize_and_refresh
from pages._text import flash, user_errors

__all__ = ["finish", "replace_secret_form", "run_checkin", "run_recognize_refresh", "run_refresh"]


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


def _run_now(store: Store, job: str, ids: list[int] | None, progress: _Progress, force: bool = False,
             first: list[int] | None = None):
    """The job as a logged run (trigger ``dashboard``, in the run log like every run); its report."""
    run = automation.run_now(store, job, ids, trigger="dashboard", force=force, on_result=progress, first=first)
    progress.settle()  # results are written by now
    if run.detail is None:
        raise run.error or AllhubError(run.summary())
    return run.detail


def run_refresh(store: Store, ids: list[int] | None, label: str, first: list[int] | None = None) -> None:
    """Refresh with a progress bar, then a summary; the grid shows the new badges after rerun.
    ``first``: the accounts to take before the others (those on screen)."""
    with user_errors():
        total = len(ids) if ids is not None else count_in_run(store)
        report = _run_now(store, "refresh", ids, _Progress(label, total), force=True, first=first)
        finish(report.summary(details=5), "warning" if report.failed else "success")


def run_checkin(store: Store, ids: list[int] | None, label: str, note: str = "") -> None:
    """Check in with a progress bar, then counts per result (after ``note``, e.g. what a retry left)."""
    with user_errors():
        total = len(ids) if ids is not None else count_in_run(store, checkin=True)
        report = _run_now(store, "checkin", ids, _Progress(label, total))
        finish(" ".join(filter(None, [note, report.summary()])), "warning" if report.needs_attention else "success")


def run_recognize_refresh(store: Store, ids: list[int], label: str):
    """After a CSV import: recognise the added accounts' sites and refresh them, with progress."""
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
                    if kind == "cookie":
                        set_secrets(store, account_id, cookie=value)
                    else:
                        set_secrets(store, account_id, access_token=value)
                    finish(f"Replaced the {kind.replace('_', ' ')} of account {account_id}; refresh it to check.")
