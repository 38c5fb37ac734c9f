"""Duplicate cleanup in a real browser: keepers ticked in the table, a preview, the delete."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from allhub_core.accounts import AccountInput, account_records, add_account
from allhub_core.store import Store
from e2e.helpers import button, grid_column, main_text, open_page, shot, tick_row, wait_for_run

ONE, TWO = "https://one.example.com", "https://two.example.com"


def test_tick_a_keeper_preview_and_delete(page: Page, dashboard):
    store = Store(dashboard.db)
    for name, url, uid in (("One-a", ONE, "7"), ("One-b", ONE, "7"), ("Two-a", TWO, "9"), ("Two-b", TWO, "9"),
                           ("Alone", ONE, "8")):
        add_account(store, AccountInput(site_url=url, site_name=name, site_type="new-api", user_id=uid,
                                        access_token="tok-abcdefghijklmnop"))
    open_page(page, dashboard.url, "duplicates")
    expect(page.get_by_text("2 duplicate set(s) · 2 account(s) to delete")).to_be_visible()
    names = grid_column(page, "Name")
    assert sorted(names) == ["One-a", "One-b", "Two-a", "Two-b"]
    keep = dict(zip(names, grid_column(page, "Keep"), strict=True))
    shot(page, "duplicates_table")
    one_pick = next(n for n in ("One-a", "One-b") if keep[n] == "true")
    one_other = "One-b" if one_pick == "One-a" else "One-a"
    two_pick = next(n for n in ("Two-a", "Two-b") if keep[n] == "true")
    assert keep[one_other] == "false"
    # Set one: keep the other account instead of the rule's pick; set two: untick its pick (left alone).
    tick_row(page, names.index(one_other))
    tick_row(page, names.index(one_pick))
    tick_row(page, names.index(two_pick))
    want = {one_other: "true", one_pick: "false", two_pick: "false"}
    for _ in range(50):  # each click is a run of its own: wait until the table shows all three
        now = dict(zip(grid_column(page, "Name"), grid_column(page, "Keep"), strict=True))
        if all(now[n] == v for n, v in want.items()):
            break
        page.wait_for_timeout(100)
    assert all(now[n] == v for n, v in want.items()), now
    wait_for_run(page)
    button(page, "Preview deletion").click()
    wait_for_run(page)
    expect(page.get_by_text("This will delete 1 account(s) across 1 duplicate set(s); 1 set(s) with no account "
                            "ticked to keep are left alone.")).to_be_visible()
    shot(page, "duplicates_preview")
    button(page, "Delete duplicates").click()
    expect(page.get_by_text("Deleted 1 account(s) from 1 duplicate set(s).")).to_be_visible()
    left = sorted(r["site_name"] for r in account_records(store))
    assert left == sorted(["Alone", one_other, "Two-a", "Two-b"])
    assert "1 duplicate set(s) · 1 account(s) to delete" in main_text(page)


def test_a_lookalike_pair_is_listed_apart_and_the_bulk_cleanup_leaves_it(page: Page, dashboard):
    store = Store(dashboard.db)
    for name, url in (("Relay-a", ONE), ("Relay-b", ONE), ("Mirror", "https://www.one.example.com")):
        add_account(store, AccountInput(site_url=url, site_name=name, site_type="new-api", user_id="7",
                                        access_token="tok-abcdefghijklmnop"))
    open_page(page, dashboard.url, "duplicates")
    expect(page.get_by_text("1 duplicate set(s) · 1 account(s) to delete")).to_be_visible()
    assert sorted(grid_column(page, "Name")) == ["Relay-a", "Relay-b"]  # the look-alike is not in the set
    expect(page.get_by_text("Look-alikes (check these yourself)")).to_be_visible()
    expect(page.get_by_text("2 look-alike pair(s) to check")).to_be_visible()
    expect(page.get_by_text("Same user id 7 and the same domain example.com")).to_have_count(2)
    expect(button(page, "Keep both")).to_have_count(2)
    shot(page, "duplicates_lookalikes")

    button(page, "Preview deletion").click()
    wait_for_run(page)
    button(page, "Delete duplicates").click()
    expect(page.get_by_text("Deleted 1 account(s) from 1 duplicate set(s).")).to_be_visible()
    left = sorted(r["site_name"] for r in account_records(store))
    assert "Mirror" in left and len(left) == 2  # the bulk clean-up took one of the set, never the mirror
    expect(page.get_by_text("1 look-alike pair(s) to check")).to_be_visible()

    button(page, "Keep both").click()
    expect(page.get_by_text("this pair will not be listed again")).to_be_visible()
    expect(page.get_by_text("0 look-alike pair(s) to check")).to_be_visible()
    assert sorted(r["site_name"] for r in account_records(store)) == left
