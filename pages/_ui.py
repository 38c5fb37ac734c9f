"""Shared page helpers. This module holds the store of one script run (``page_store``, which
app.py holds open for the run, and ``open_store``, what pages ask for; the first-visit reroute
out of Streamlit's legacy pages mode) and is the facade of the others: ``_text`` (errors as one
sentence, escaping, money, flash messages, typed secrets), ``_runs`` (refresh and check-in with a
progress bar, ``finish``, the replace-a-secret form), ``_background`` (the jobs every page shows)
and ``_store`` (the database path). Pages import the module they need.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from typing import Any

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from allhub_core.accounts import HEALTH_BADGE
from allhub_core.errors import AllhubError
from allhub_core.store import Store
from pages._background import NO_BACKGROUND_ENV, background_allowed, background_progress, job_label, refresh_stale_once
from pages._runs import _Progress, finish, replace_secret_form, run_checkin, run_recognize_refresh, run_refresh
from pages._store import db_path
from pages._text import clear_typed, esc, flash, forget_typed, money, show_flash, user_errors

__all__ = [
    "HEALTH_BADGE",
    "NO_BACKGROUND_ENV",
    "_Progress",
    "background_allowed",
    "background_progress",
    "clear_typed",
    "db_path",
    "esc",
    "finish",
    "flash",
    "forget_typed",
    "job_label",
    "money",
    "navigation_only",
    "open_store",
    "page_store",
    "refresh_stale_once",
    "replace_secret_form",
    "run_checkin",
    "run_recognize_refresh",
    "run_refresh",
    "show_flash",
    "user_errors",
]

_rerouted = threading.Event()


def navigation_only() -> None:
    """Never run this process's sessions in Streamlit's legacy "pages/ folder" mode.

    Streamlit decides that mode when a session's PagesManager is made: an app with a ``pages/``
    folder beside its main script starts in it (each page file runs bare, without app.py's
    navigation, sidebar or the run's one store session) until some run calls st.navigation.
    serve.py calls this before the server starts, so every run goes through app.py, the first
    one too; the tests and the page bench call it for AppTest, which sets the mode back to
    "undecided" before every run, so that they run the pages the way the server does.
    """
    if getattr(PagesManager.__init__, "_allhub_navigation_only", False):
        return
    init = PagesManager.__init__

    def navigation_init(self: PagesManager, *args: Any, **kwargs: Any) -> None:
        if PagesManager.uses_pages_directory is None:
            PagesManager.uses_pages_directory = False
        init(self, *args, **kwargs)

    navigation_init._allhub_navigation_only = True  # type: ignore[attr-defined]
    PagesManager.__init__ = navigation_init  # type: ignore[method-assign]
    PagesManager.uses_pages_directory = False


def _leave_legacy_pages_mode() -> None:
    """Make the first visit of a fresh server route through app.py's st.navigation.

    Streamlit runs a new server in the legacy "pages/ folder" mode until some run calls
    st.navigation, so a first visit straight to /checkin would run the page bare (no layout,
    legacy sidebar). Switch the flag off and rerun: the rerun goes through app.py, whose
    st.navigation finds the same page because each url_path equals its file's name. A server
    needs this once; AppTest resets the flag before every run, and rerunning there on every
    run would drop the clicks the test sends, so it happens once per process.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        if not _rerouted.is_set():
            _rerouted.set()
            st.rerun()


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
