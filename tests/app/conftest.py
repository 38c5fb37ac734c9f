"""AppTest fixtures: clean Streamlit caches per test, and capture download-button payloads."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import streamlit as st
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the dashboard's pages/
from pages import _ui

# AppTest decides Streamlit's legacy "pages/ folder" mode again before every run, and in it each
# page file runs bare; the server (serve.py) never uses that mode: run the pages as it does,
# through app.py's navigation, its sidebar and the run's one store session
_ui.navigation_only()


@pytest.fixture(autouse=True)
def _fresh_streamlit_caches():
    # The caches are process-global and would carry one test's data into the next.
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def downloads(monkeypatch) -> dict[str, bytes]:
    """``{file_name: bytes}`` of every download button rendered (AppTest's media store is private);
    a deferred one (``data`` a callable, made when the user clicks) is made here as if clicked."""
    seen: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id
    original_deferred = MediaFileManager.add_deferred

    def spy(self, path_or_data, mimetype, kind, filename=None):
        if isinstance(path_or_data, bytes) and filename:
            seen[filename] = path_or_data
        return original(self, path_or_data, mimetype, kind, filename)

    def spy_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        if file_name:
            data = data_callable()
            seen[file_name] = data.encode() if isinstance(data, str) else data
        return original_deferred(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", spy)
    monkeypatch.setattr(MediaFileManager, "add_deferred", spy_deferred)
    return seen


@pytest.fixture(autouse=True, scope="session")
def _no_legacy_reroute():
    """AppTest puts Streamlit back into legacy pages/ mode before *every* run, which a server
    never does; the once-per-process reroute in pages/_ui.py would then swallow the clicks of
    whichever test happens to run first. Mark it as done, as it is on a server after the
    first visit."""
    _ui._rerouted.set()
