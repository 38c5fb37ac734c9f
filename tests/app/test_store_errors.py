"""A database the app cannot use is one sentence on the page, never a traceback."""

from __future__ import annotations

import pytest
from appsupport import ROOT, seed, texts
from cryptography.fernet import Fernet
from streamlit.testing.v1 import AppTest

from allhub_core.store import Store
from allhub_core.store import db as dbmod


def run_app(page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.run()
    if page:
        at.switch_page(page).run()
    return at


@pytest.mark.parametrize("fresh_process", [False, True], ids=["same-process", "fresh-process"])
def test_a_wrong_secret_key_is_one_sentence(monkeypatch, db_path, fresh_process):
    monkeypatch.setenv("ALLHUB_SECRET_KEY", Fernet.generate_key().decode())
    seed(Store(db_path), "Alpha", usd=1)
    before = db_path.read_bytes()
    monkeypatch.setenv("ALLHUB_SECRET_KEY", Fernet.generate_key().decode())
    if fresh_process:  # as after a restart: nothing known about the file yet
        monkeypatch.setattr(dbmod, "_READY", set())

    at = run_app()

    assert not at.exception
    assert texts(at.error) == [
        "The secret key does not fit this database: its secrets were encrypted with another key "
        "(check the key file beside it or ALLHUB_SECRET_KEY)."]
    assert not at.data_editor and not at.metric
    assert db_path.read_bytes() == before


def test_a_key_file_that_does_not_fit_is_one_sentence(db_path):
    seed(Store(db_path), "Alpha", usd=1)
    key_file = db_path.with_name(db_path.stem + ".secret.key")
    key_file.write_bytes(Fernet.generate_key())
    at = run_app()
    assert not at.exception
    assert len(at.error) == 1 and texts(at.error)[0].startswith("The secret key does not fit this database")


@pytest.mark.parametrize("content", [b"this is not a database at all\n" * 40, b"SQLite format 3\x00" + b"\x00" * 4080])
def test_a_file_that_is_not_duckdb_is_one_sentence(db_path, content):
    db_path.write_bytes(content)
    at = run_app()

    assert not at.exception
    assert texts(at.error) == [f"{db_path} is not a DuckDB database; choose an allhub database file."]
    assert not at.data_editor
    assert db_path.read_bytes() == content  # left alone


@pytest.mark.parametrize("page", ["pages/add_account.py", "pages/tags.py", "pages/settings.py",
                                  "pages/duplicates.py", "pages/accounts.py", "pages/balance_history.py",
                                  "pages/usage.py"])
def test_every_page_shows_the_sentence(db_path, page):
    db_path.write_bytes(b"not duckdb" * 100)
    at = run_app(page)
    assert not at.exception
    assert len(at.error) == 1 and "is not a DuckDB database" in texts(at.error)[0]
