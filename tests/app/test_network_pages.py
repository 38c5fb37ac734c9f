"""Refresh and check-in wiring of the Accounts and Check-in pages, against the sandbox over HTTP."""

from __future__ import annotations

import pytest
from appsupport import seed, start, texts
from streamlit.runtime.scriptrunner_utils.exceptions import StopException

from allhub_core import accounts as acc
from allhub_core.accounts import AccountInput, add_account, set_preference
from allhub_core.automation import list_runs, run_results
from allhub_core.sandbox import demo_accounts


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=["new-api", "one-api", "veloera"], users_per_site=1, seed=7)


@pytest.fixture
def loaded(store, sandbox):
    for site in sandbox.sites:
        site.reset()
    set_preference(store, "per_site_rpm", 0)
    ids = {}
    for row in demo_accounts(sandbox):
        ids[row["dialect"]] = add_account(store, AccountInput(
            site_url=row["site_url"], site_name=row["dialect"], site_type=row["site_type"], user_id=row["user_id"],
            username=row["username"], auth_type=row["auth_type"], access_token=row["access_token"]))
    return ids


def test_refresh_all_button_updates_health_and_says_so(store, sandbox, loaded):
    sandbox.site("veloera").inject("500")
    at = start()
    at.button(key="refresh_all").click().run()
    assert not at.exception
    assert any("Refresh complete: 2 succeeded, 1 failed" in w for w in texts(at.warning)), texts(at.warning)
    recs = {r["site_name"]: r for r in acc.account_records(store)}
    assert recs["new-api"]["health_status"] == "healthy" and recs["one-api"]["health_status"] == "healthy"
    assert recs["veloera"]["health_status"] == "warning" and recs["veloera"]["health_reason"].startswith("HTTP 500")
    shown = at.data_editor[0].value
    assert set(shown["health"]) == {"🟢 healthy", "🟡 warning"}


def test_refresh_and_checkin_selected_only(store, loaded):
    at = start()
    names = list(at.data_editor[0].value["site_name"])
    row = names.index("new-api")
    at.session_state[at.data_editor[0].key] = {"edited_rows": {row: {"select": True}}, "added_rows": [],
                                               "deleted_rows": []}
    at.run()
    at.button(key="bulk_refresh").click().run()
    assert not at.exception
    recs = {r["site_name"]: r for r in acc.account_records(store)}
    assert recs["new-api"]["last_sync_time"] is not None
    assert recs["one-api"]["last_sync_time"] is None and recs["veloera"]["last_sync_time"] is None
    at.session_state[at.data_editor[0].key] = {"edited_rows": {row: {"select": True}}, "added_rows": [],
                                               "deleted_rows": []}
    at.run()
    at.button(key="bulk_checkin").click().run()
    assert any("1 checked in now" in s for s in texts(at.success)), texts(at.success)
    assert acc.get_account(store, loaded["new-api"])["checkin_status"] == "checked"
    # both buttons' runs are in the run log, started from the dashboard, with what they did

    runs = list_runs(store)
    assert [(r["job"], r["trigger"], r["status"], r["done"], r["total"]) for r in runs] == [
        ("checkin", "dashboard", "ok", 1, 1), ("refresh", "dashboard", "ok", 1, 1)]
    assert [r["account_id"] for r in run_results(store, runs[1]["id"])] == [loaded["new-api"]]


def test_checkin_page_lists_states_and_runs(store, sandbox, loaded):
    sandbox.site("veloera").turnstile = True
    at = start("pages/checkin.py")
    assert not at.exception
    at.button(key="checkin_page_all").click().run()
    assert not at.exception
    table = at.dataframe[0].value
    by_name = dict(zip(table["Name"], table["Last result"], strict=False))
    assert by_name["new-api"] == "✅ Checked in now" and by_name["veloera"] == "🖐 Needs you"
    assert "Check-in page" in table.columns
    link = dict(zip(table["Name"], table["Check-in page"], strict=False))["veloera"]
    assert link == sandbox.site("veloera").url
    assert "one-api" not in by_name or by_name["one-api"] in ("", "— Not supported")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["🖐 Needs you"] == "1" and metrics["✅ Checked in now"] == "1"
    # Needs attention: only the account that needs the user is left.
    at.toggle(key="ci_attention").set_value(True).run()
    assert list(at.dataframe[0].value["Name"]) == ["veloera"]


def test_mark_checked_by_hand_on_custom_checkin_page(store):

    aid = seed(store, "Manual", url="https://manual.example.com")
    acc.update_accounts(store, {aid: {"checkin_url": "https://manual.example.com/checkin"}})
    at = start("pages/checkin.py")
    table = at.dataframe[0].value
    assert dict(zip(table["Name"], table["Check-in page"], strict=False))["Manual"] == "https://manual.example.com/checkin"
    at.multiselect(key="by_hand_ids").select(aid)
    next(b for b in at.button if b.label == "Mark as checked in today").click().run()
    assert not at.exception
    table = at.dataframe[0].value
    assert dict(zip(table["Name"], table["Today"], strict=False))["Manual"] == "✅ Checked in"


def test_remote_text_is_shown_as_text_not_markdown(store, sandbox, loaded):
    """A site's message with a markdown link must not become a link in the dashboard."""
    sandbox.site("veloera").inject("business_error", message="无权进行此操作 [claim](http://evil.example) **now**")
    at = start()
    at.button(key="refresh_all").click().run()
    raw = [w.value for w in at.warning]
    assert raw and "[claim](http://evil.example)" not in raw[0] and "**now**" not in raw[0]
    assert "\\[claim\\](http\\://evil.example) \\*\\*now\\*\\*" in raw[0]
    assert any("[claim](http://evil.example) **now**" in t for t in texts(at.warning))  # what the user reads


def test_a_click_during_a_refresh_does_not_lose_the_finished_results(store, sandbox, loaded, monkeypatch):
    """Streamlit interrupts a run at the next st.* call after a click; the batch is written first."""

    from pages import _ui  # noqa: PLC0415 - pages is importable once the app fixtures put the repository on sys.path

    class Bar:  # the progress bar of a run the user has just interrupted
        def progress(self, *a, **k):
            raise StopException()

    monkeypatch.setattr(_ui.st, "progress", lambda *a, **k: Bar())
    with pytest.raises(StopException):
        _ui.run_refresh(store, None, "Refreshing")
    recs = acc.account_records(store)
    assert recs and all(r["last_sync_time"] is not None for r in recs)  # written before the stop
