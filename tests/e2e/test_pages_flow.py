"""The other flows a user notices: duplicates (on add and cleanup), bulk delete, settings, bad input."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from allhub_core.accounts import AccountFilter, AccountInput, add_account, count_accounts, get_preferences
from allhub_core.store import Store
from e2e.helpers import button, grid_column, grid_row_of, nav, open_page, shot, textbox, tick_row, wait_for_run


def seed(db, *accounts: dict) -> list[int]:
    store = Store(db)
    return [add_account(store, AccountInput(**{"site_type": "new-api", "user_id": "1", "access_token": "tok", **a}))
            for a in accounts]


def n_accounts(db) -> int:
    return count_accounts(Store(db), AccountFilter())


def fill_add_form(page: Page, url: str, name: str, user_id: str, token: str, rate: str | None = None) -> None:
    textbox(page, "Site URL *").fill(url)
    textbox(page, "Name *").fill(name)
    textbox(page, "User ID *").fill(user_id)
    textbox(page, "Access token or cookie").fill(token)
    if rate is not None:
        textbox(page, "Exchange rate (CNY per USD)").fill(rate)


def test_empty_accounts_page_points_to_add_account(page: Page, dashboard):
    open_page(page, dashboard.url)
    expect(page.get_by_test_id("stAlert")).to_contain_text("No accounts yet: add one on the Add account page.")
    expect(page.get_by_test_id("stException")).to_have_count(0)
    shot(page, "accounts_empty")


def test_duplicate_warning_on_add_then_continue_saves(page: Page, dashboard):
    seed(dashboard.db, {"site_url": "https://relay.example.com", "site_name": "First", "user_id": "7"})
    open_page(page, dashboard.url, "add_account")
    fill_add_form(page, "https://relay.example.com/console", "Second", "7", "tok-second")
    button(page, "Save account").click()
    warning = page.get_by_test_id("stAlert").filter(has_text="Duplicate account")
    expect(warning).to_contain_text("user ID 7 already exists")
    shot(page, "add_duplicate_warning")
    assert n_accounts(dashboard.db) == 1  # nothing saved while the warning is up

    button(page, "Continue").click()
    expect(page.get_by_test_id("stAlert").filter(has_text="Account saved (id 2)")).to_be_visible(timeout=30_000)
    expect(warning).to_have_count(0)
    assert n_accounts(dashboard.db) == 2


def test_duplicate_cleanup_preview_and_confirm(page: Page, dashboard):
    seed(dashboard.db,
         {"site_url": "https://dup.example.com", "site_name": "Dup one", "user_id": "5"},
         {"site_url": "https://dup.example.com/panel", "site_name": "Dup two", "user_id": "5"},
         {"site_url": "https://other.example.com", "site_name": "Unique", "user_id": "5"})
    open_page(page, dashboard.url, "duplicates")
    main = page.get_by_test_id("stMain")
    expect(main).to_contain_text("1 duplicate set(s) · 1 account(s) to delete")
    expect(main).to_contain_text("https://dup.example.com")
    assert n_accounts(dashboard.db) == 3
    button(page, "Preview deletion").click()
    expect(main).to_contain_text("This will delete 1 account(s) across 1 duplicate set(s).")
    shot(page, "duplicates_preview")
    assert n_accounts(dashboard.db) == 3  # a preview deletes nothing

    button(page, "Delete duplicates").click()
    expect(page.get_by_test_id("stAlertContentSuccess").first).to_contain_text("Deleted 1 account(s)")
    expect(main).to_contain_text("No duplicate accounts found.")
    wait_for_run(page)
    shot(page, "duplicates_done")
    assert n_accounts(dashboard.db) == 2
    nav(page, "Accounts")
    names = grid_column(page, "Name")
    assert "Unique" in names and len(names) == 2 and len({"Dup one", "Dup two"} & set(names)) == 1


def test_bulk_delete_asks_then_deletes_only_the_ticked_rows(page: Page, dashboard):
    seed(dashboard.db,
         {"site_url": "https://a.example.com", "site_name": "Alpha"},
         {"site_url": "https://b.example.com", "site_name": "Beta"},
         {"site_url": "https://c.example.com", "site_name": "Gamma"})
    open_page(page, dashboard.url)
    tick_row(page, grid_row_of(page, "Alpha"))
    tick_row(page, grid_row_of(page, "Gamma"))
    expect(page.get_by_test_id("stHeading").filter(has_text="Bulk actions")).to_have_text("Bulk actions · 2 selected")
    button(page, "Delete…").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("These 2 account(s) will be deleted")
    shot(page, "accounts_delete_dialog")
    assert n_accounts(dashboard.db) == 3  # the dialog alone deletes nothing

    dialog.get_by_role("button", name="Delete", exact=True).click()
    expect(page.get_by_test_id("stAlertContentSuccess")).to_have_text("Deleted 2 account(s).")
    expect(dialog).to_have_count(0)
    wait_for_run(page)
    assert grid_column(page, "Name") == ["Beta"]
    assert n_accounts(dashboard.db) == 1


def test_settings_currency_is_saved_and_survives_a_reload(page: Page, dashboard):
    seed(dashboard.db, {"site_url": "https://a.example.com", "site_name": "Alpha"})
    open_page(page, dashboard.url, "settings")
    currency = page.get_by_test_id("stRadio").filter(has_text="Currency")
    expect(currency.get_by_role("radio", name="USD")).to_be_checked()
    currency.get_by_text("CNY", exact=True).click()
    expect(page.get_by_test_id("stToast")).to_contain_text("Currency saved.")
    wait_for_run(page)
    shot(page, "settings_cny")

    page.reload()
    wait_for_run(page)
    currency = page.get_by_test_id("stRadio").filter(has_text="Currency")
    expect(currency.get_by_role("radio", name="CNY")).to_be_checked()
    assert get_preferences(Store(dashboard.db))["currency"] == "CNY"
    nav(page, "Accounts")
    expect(page.get_by_test_id("stMetric").filter(has_text="Total balance")).to_contain_text("¥")


def test_exchange_rate_zero_shows_one_sentence_and_adds_nothing(page: Page, dashboard):
    open_page(page, dashboard.url, "add_account")
    fill_add_form(page, "https://relay.example.com", "Zero rate", "3", "tok-zero", rate="0")
    button(page, "Save account").click()
    alerts = page.get_by_test_id("stAlert")
    expect(alerts).to_have_count(1)
    # (the alert's own text starts with its icon's ligature name, "error": read the message only)
    expect(alerts.get_by_test_id("stMarkdownContainer")).to_have_text(
        "Please enter a valid exchange rate, greater than 0.")
    expect(page.get_by_test_id("stException")).to_have_count(0)
    shot(page, "add_bad_rate")
    assert n_accounts(dashboard.db) == 0


@pytest.mark.own_dashboard  # the first visit after `streamlit run`: a server of its own
def test_a_bookmarked_page_opens_first_on_a_fresh_server(page: Page, dashboard):
    # The very first visit after `streamlit run`, straight to a page other than Accounts.
    page.goto(f"{dashboard.url}/add_account")
    wait_for_run(page)
    expect(page.get_by_test_id("stHeading").first).to_have_text("Add account")
    expect(page.get_by_role("dialog")).to_have_count(0)  # no "Page not found"
    expect(page.get_by_test_id("stSidebarNav").get_by_role("link", name="Add account")).to_be_visible()


def test_root_is_overview_and_accounts_has_its_own_url(page: Page, dashboard):
    """/ lands on Overview (the default page); /accounts opens the Accounts grid, no "Page not found"."""
    open_page(page, dashboard.url, "")
    expect(page.get_by_test_id("stHeading").first).to_have_text("Overview")
    page.goto(dashboard.url + "/accounts")
    wait_for_run(page)
    expect(page.get_by_test_id("stHeading").first).to_have_text("Accounts")
    expect(page.get_by_text("Page not found")).to_have_count(0)
