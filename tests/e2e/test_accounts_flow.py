"""What a user sees in a real browser: adding an account, editing the grid, exporting."""

from __future__ import annotations

import csv
import io
import re

from playwright.sync_api import Page, expect

from allhub_core.accounts import AccountInput, add_account, get_account
from allhub_core.store import Store
from allhub_core.transfer import CSV_COLUMNS
from e2e.helpers import (
    add_new_option,
    button,
    edit_cell,
    grid_column,
    grid_row_of,
    main_text,
    nav,
    open_page,
    select_cell,
    shot,
    textbox,
    tick_row,
    wait_for_run,
)


def seed(db, *accounts: dict) -> list[int]:
    store = Store(db)
    return [add_account(store, AccountInput(**{"site_type": "new-api", "user_id": "1", **a})) for a in accounts]


def test_add_account_then_see_it_in_the_grid_without_its_token(page: Page, dashboard):
    token = "tok-Zq81-very-secret-token-value"
    open_page(page, dashboard.url, "add_account")
    textbox(page, "Site URL *").fill("https://Relay.Example.com/panel")
    textbox(page, "Name *").fill("My Relay")
    textbox(page, "User ID *").fill("42")
    textbox(page, "Access token or cookie").fill(token)
    add_new_option(page, "Tags", "vip")
    shot(page, "add_account_filled")
    button(page, "Save account").click()
    # Saving also tries to read the balance from the (unreachable) site: success or warning.
    expect(page.get_by_test_id("stAlert")).to_contain_text("Account saved (id 1)", timeout=30_000)
    wait_for_run(page)
    shot(page, "add_account_saved")

    nav(page, "Accounts")
    assert grid_column(page, "Name") == ["My Relay"]
    shot(page, "accounts_after_add")
    select_cell(page, "Tags", 0)
    assert grid_column(page, "Tags") == ["vip"]
    select_cell(page, "Site", 0)
    assert grid_column(page, "Site") == ["https://relay.example.com"]
    assert token not in page.content()
    assert token not in main_text(page)


def test_grid_edit_is_saved_and_survives_a_reload(page: Page, dashboard):
    ids = seed(dashboard.db,
               {"site_url": "https://a.example.com", "site_name": "Alpha", "access_token": "tok-a"},
               {"site_url": "https://b.example.com", "site_name": "Beta", "access_token": "tok-b"})
    open_page(page, dashboard.url)
    row = grid_row_of(page, "Beta")
    edit_cell(page, "Name", row, "Beta renamed")
    edit_cell(page, "Notes", row, "top up on Fridays")
    save = button(page, re.compile(r"^Save changes"))
    expect(save).to_have_text("Save changes (1)")
    shot(page, "accounts_edited_unsaved")
    save.click()
    expect(page.get_by_test_id("stAlertContentSuccess")).to_have_text("Saved changes to 1 account(s).")
    expect(save).to_have_text("Save changes (0)")

    page.reload()
    wait_for_run(page)
    assert sorted(grid_column(page, "Name")) == ["Alpha", "Beta renamed"]
    shot(page, "accounts_after_reload")
    beta = get_account(Store(dashboard.db), ids[1])
    assert (beta["site_name"], beta["notes"]) == ("Beta renamed", "top up on Fridays")
    assert get_account(Store(dashboard.db), ids[0])["site_name"] == "Alpha"


def test_export_csv_of_the_ticked_rows(page: Page, dashboard):
    seed(dashboard.db,
         {"site_url": "https://a.example.com", "site_name": "Alpha", "access_token": "tok-alpha-secret",
          "tags": ["free", "paid"]},
         {"site_url": "https://b.example.com", "site_name": "=1+2", "access_token": "tok-formula-secret",
          "tags": ["x"]},
         {"site_url": "https://c.example.com", "site_name": "Gamma", "access_token": "tok-gamma-secret"})
    open_page(page, dashboard.url)
    heading = page.get_by_test_id("stHeading").filter(has_text="Bulk actions")
    expect(heading).to_have_text("Bulk actions · 0 selected")
    tick_row(page, grid_row_of(page, "Alpha"))
    expect(heading).to_have_text("Bulk actions · 1 selected")
    tick_row(page, grid_row_of(page, "=1+2"))
    expect(heading).to_have_text("Bulk actions · 2 selected")
    shot(page, "accounts_two_ticked")

    with page.expect_download() as dl:
        page.get_by_test_id("stDownloadButton").filter(has_text="Export CSV").locator("button").click()
    assert dl.value.suggested_filename == "accounts.csv"
    text = open(dl.value.path(), encoding="utf-8").read()

    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(CSV_COLUMNS)
    recs = {r[1]: dict(zip(rows[0], r, strict=False)) for r in rows[1:]}
    assert set(recs) == {"Alpha", "'=1+2"}
    assert recs["Alpha"]["tags"].split(";") == ["free", "paid"] or recs["Alpha"]["tags"].split(";") == ["paid", "free"]
    assert recs["'=1+2"]["tags"] == "x"
    assert recs["Alpha"]["site_url"] == "https://a.example.com"
    assert "Gamma" not in text
    for secret in ("tok-alpha-secret", "tok-formula-secret", "tok-gamma-secret", "tok-"):
        assert secret not in text


def test_saved_add_form_does_not_keep_the_token_in_the_page(page: Page, dashboard):
    # "Secrets are encrypted on this machine and never shown again": after a save, the form
    # must not still hold the token (one click on the eye icon would show it).
    token = "tok-kept-after-save-123"
    open_page(page, dashboard.url, "add_account")
    textbox(page, "Site URL *").fill("https://relay.example.com")
    textbox(page, "Name *").fill("Kept")
    textbox(page, "User ID *").fill("9")
    textbox(page, "Access token or cookie").fill(token)
    button(page, "Save account").click()
    expect(page.get_by_test_id("stAlert")).to_contain_text("Account saved (id 1)", timeout=30_000)
    wait_for_run(page)
    shot(page, "add_account_after_save")
    assert token not in page.content()
    expect(textbox(page, "Access token or cookie")).to_have_value("")
