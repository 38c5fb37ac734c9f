"""Settings page wiring: sorting priority, sort field and direction, currency, the two toggles."""

from __future__ import annotations

import pytest
from appsupport import edit_grid, grid_names, metrics, seed, start, texts

from allhub_core.accounts import DEFAULTS, SORT_CRITERIA, get_preferences
from allhub_core.sync import politeness_for

PAGE = "pages/settings.py"


@pytest.fixture
def accounts(store):
    seed(store, "Alpha", usd=1)
    seed(store, "Bravo", usd=5, disabled=True)
    seed(store, "Charlie", usd=3)
    seed(store, "Delta", usd=2, pinned=True)
    seed(store, "Echo", usd=4)


DEFAULT_ORDER = ["Delta", "Echo", "Charlie", "Alpha", "Bravo"]


def accounts_grid(at) -> list[str]:
    at.switch_page("pages/accounts.py").run()
    assert not at.exception
    return grid_names(at)


def test_the_sorting_table_lists_the_saved_priority(store):
    at = start(PAGE)
    frame = at.data_editor[0].value
    assert list(frame["id"]) == list(SORT_CRITERIA)
    assert list(frame["order"]) == list(range(1, len(SORT_CRITERIA) + 1))
    assert frame["enabled"].all()


def test_switching_a_criterion_off_changes_the_accounts_order(store, accounts):
    at = start()
    assert grid_names(at) == DEFAULT_ORDER
    at.switch_page(PAGE).run()
    edit_grid(at, {0: {"enabled": False}})  # "Move disabled accounts to the bottom"
    at.button(key="save_sorting").click().run()

    assert not at.exception
    assert texts(at.success) == ["Sorting priority saved."]
    prio = get_preferences(store)["sorting_priority"]
    assert prio[0] == {"id": "disabled_account", "enabled": False}
    assert all(c["enabled"] for c in prio[1:])
    assert at.data_editor[0].key == "sorting_1" and not at.data_editor[0].value["enabled"].iloc[0]
    assert accounts_grid(at) == ["Delta", "Bravo", "Echo", "Charlie", "Alpha"]


def test_reordering_criteria_changes_the_accounts_order(store, accounts):
    at = start(PAGE)
    # sort field first, then pinned, then disabled-last
    edit_grid(at, {0: {"order": 3}, 2: {"order": 1}})
    at.button(key="save_sorting").click().run()

    assert not at.exception
    ids = [c["id"] for c in get_preferences(store)["sorting_priority"]]
    assert ids[:3] == ["user_sort_field", "pinned", "disabled_account"]
    assert sorted(ids) == sorted(SORT_CRITERIA)
    assert list(at.data_editor[0].value["id"])[:3] == ids[:3]
    assert accounts_grid(at) == ["Bravo", "Echo", "Charlie", "Delta", "Alpha"]


def test_reset_restores_the_default_priority(store, accounts):
    at = start(PAGE)
    edit_grid(at, {0: {"enabled": False}, 2: {"order": 1}})
    at.button(key="save_sorting").click().run()
    assert get_preferences(store)["sorting_priority"] != DEFAULTS["sorting_priority"]
    at.button(key="reset_sorting").click().run()

    assert texts(at.success) == ["Sorting priority reset."]
    assert get_preferences(store)["sorting_priority"] == DEFAULTS["sorting_priority"]
    assert accounts_grid(at) == DEFAULT_ORDER


def test_unsaved_sorting_edits_change_nothing(store, accounts):
    at = start(PAGE)
    edit_grid(at, {0: {"enabled": False}})
    assert get_preferences(store)["sorting_priority"] == DEFAULTS["sorting_priority"]
    assert accounts_grid(at) == DEFAULT_ORDER


def test_sort_field_and_direction(store, accounts):
    at = start(PAGE)
    at.selectbox(key="sort_field").set_value("name").run()
    assert not at.exception
    assert (get_preferences(store)["sort_field"], get_preferences(store)["sort_order"]) == ("name", "desc")
    assert accounts_grid(at) == ["Delta", "Echo", "Charlie", "Alpha", "Bravo"]

    at.switch_page(PAGE).run()
    assert at.selectbox(key="sort_field").value == "name"
    at.radio(key="sort_order").set_value("asc").run()
    assert (get_preferences(store)["sort_field"], get_preferences(store)["sort_order"]) == ("name", "asc")
    assert accounts_grid(at) == ["Delta", "Alpha", "Charlie", "Echo", "Bravo"]

    at.switch_page(PAGE).run()
    at.selectbox(key="sort_field").select_index(0).run()  # "None (manual order)": ties fall to id
    assert get_preferences(store)["sort_field"] is None
    assert accounts_grid(at) == ["Delta", "Alpha", "Charlie", "Echo", "Bravo"]


def test_currency_is_saved_and_used_by_the_accounts_page(store, accounts):
    at = start(PAGE)
    at.radio(key="pref_currency").set_value("CNY").run()
    assert not at.exception
    assert get_preferences(store)["currency"] == "CNY"
    at.switch_page("pages/accounts.py").run()
    assert metrics(at)["Total balance"] == "¥72.00"  # (1 + 3 + 2 + 4) * 7.2
    assert at.segmented_control(key="currency").value == "CNY"


def test_currency_chosen_on_accounts_then_changed_in_settings(store, accounts):
    at = start()
    at.segmented_control(key="currency").set_value("CNY").run()
    assert get_preferences(store)["currency"] == "CNY"
    at.switch_page(PAGE).run()
    assert at.radio(key="pref_currency").value == "CNY"
    at.radio(key="pref_currency").set_value("USD").run()
    assert get_preferences(store)["currency"] == "USD"
    at.switch_page("pages/accounts.py").run()
    assert not at.exception
    assert metrics(at)["Total balance"] == "$10.00"
    assert get_preferences(store)["currency"] == "USD"


def test_the_two_toggles_persist(store):
    at = start(PAGE)
    assert at.toggle(key="pref_warn").value is True
    assert at.toggle(key="pref_provision").value is False
    at.toggle(key="pref_warn").set_value(False).run()
    at.toggle(key="pref_provision").set_value(True).run()

    assert not at.exception
    prefs = get_preferences(store)
    assert (prefs["warn_on_duplicate"], prefs["auto_provision_key"]) == (False, True)
    again = start(PAGE)  # a new session reads them back
    assert again.toggle(key="pref_warn").value is False
    assert again.toggle(key="pref_provision").value is True

    again.toggle(key="pref_warn").set_value(True).run()
    assert get_preferences(store)["warn_on_duplicate"] is True


def test_politeness_window_and_deadline_persist_and_reach_a_run(store):

    at = start(PAGE)
    assert at.number_input(key="pref_window_requests").value == 50
    assert at.number_input(key="pref_window_s").value == 180
    assert at.number_input(key="pref_deadline").value == 45
    at.number_input(key="pref_window_requests").set_value(30).run()
    at.number_input(key="pref_window_s").set_value(120).run()
    at.number_input(key="pref_deadline").set_value(20).run()

    assert not at.exception
    prefs = get_preferences(store)
    assert (prefs["per_site_window_requests"], prefs["per_site_window_s"], prefs["account_deadline_s"]) == (30, 120, 20)
    p = politeness_for(store)
    assert (p.window_requests, p.window_s, p.account_deadline_s) == (30, 120.0, 20.0)
    again = start(PAGE)
    assert again.number_input(key="pref_window_requests").value == 30

    again.number_input(key="pref_window_requests").set_value(0).run()  # no limit, critical routes included
    p = politeness_for(store)
    assert (p.window_requests, p.critical_requests) == (0, 0)
