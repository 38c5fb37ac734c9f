"""Accounts page wiring: sort order, filters and totals, grid save-diff, bulk actions, exports."""

from __future__ import annotations

import csv
import io
import json

import pytest
from appsupport import account_ids, edit_grid, grid_names, metrics, seed, select_rows, snapshot, start, texts

from allhub_core.accounts import get_preferences, get_secrets, set_pinned


# ---- order -------------------------------------------------------------------------------
def test_rows_follow_the_default_sorting_pinned_first_disabled_last(store):
    seed(store, "Alpha", usd=1)
    seed(store, "Bravo", usd=5, disabled=True)
    seed(store, "Charlie", usd=3)
    seed(store, "Delta", usd=2, pinned=True)
    seed(store, "Echo", usd=0.5, pinned=True)  # pinned later: newest pin first

    at = start()

    assert grid_names(at) == ["Echo", "Delta", "Charlie", "Alpha", "Bravo"]
    assert at.data_editor[0].key.startswith("grid_0_")


def test_empty_store_says_how_to_start():
    at = start()
    assert texts(at.info)[0].startswith("No accounts yet: add one on the **Add account** page.")
    assert not at.data_editor  # no empty grid, no bulk actions
    assert [p.label for p in at.get("page_link")] == ["Add account"]


# ---- filters and totals ------------------------------------------------------------------
@pytest.fixture
def four(store):
    """Four accounts that each filter tells apart."""
    return {
        "A": seed(store, "Alpha", usd=1, rate=7.0, tags=["vip"], health="healthy", synced=True, notes="blue",
                  checkin="checked", consumption_usd=0.5, income_usd=0.2),
        "B": seed(store, "Bravo", usd=2, rate=8.0, tags=["free"], health="warning", synced=True,
                  site_type="one-api", checkin="not_checked"),
        "C": seed(store, "Charlie", usd=4, rate=7.5, disabled=True, health="error", synced=True,
                  site_type="Veloera", checkin="unsupported"),
        "D": seed(store, "Delta", usd=8, tags=["paid"], exclude_total=True),
    }


def test_totals_of_everything_in_usd_and_cny_with_each_accounts_rate(four):
    at = start()
    assert sorted(grid_names(at)) == ["Alpha", "Bravo", "Charlie", "Delta"]
    # balance: enabled and not excluded (Alpha 1 + Bravo 2); Charlie disabled, Delta excluded
    assert metrics(at) == {"Accounts shown": "4", "Total balance": "$3.00",
                           "Today's consumption": "$0.50", "Today's income": "$0.20"}

    at.segmented_control(key="currency").set_value("CNY").run()

    assert not at.exception
    # CNY per account: 1 * 7.0 + 2 * 8.0 = 23; consumption 0.5 * 7.0; income 0.2 * 7.0
    assert metrics(at) == {"Accounts shown": "4", "Total balance": "¥23.00",
                           "Today's consumption": "¥3.50", "Today's income": "¥1.40"}
    frame = at.data_editor[0].value.set_index("site_name")
    assert frame.loc["Bravo", "balance"] == pytest.approx(16.0)
    assert frame.loc["Charlie", "balance"] == pytest.approx(30.0)


def test_tag_filter_is_an_or_and_changes_rows_and_totals(four):
    at = start()
    at.multiselect(key="f_tags").select("vip").select("free").run()

    assert sorted(grid_names(at)) == ["Alpha", "Bravo"]
    assert metrics(at)["Accounts shown"] == "2"
    assert metrics(at)["Total balance"] == "$3.00"

    at.multiselect(key="f_tags").unselect("free").run()
    assert grid_names(at) == ["Alpha"]
    assert metrics(at)["Total balance"] == "$1.00"
    at.segmented_control(key="currency").set_value("CNY").run()
    assert metrics(at)["Total balance"] == "¥7.00"


@pytest.mark.parametrize(("key", "action", "expected", "shown_balance"), [
    ("f_status", ("select", "disabled"), ["Charlie"], "$0.00"),
    ("f_status", ("select", "enabled"), ["Alpha", "Bravo", "Delta"], "$3.00"),
    ("f_types", ("select", "one-api"), ["Bravo"], "$2.00"),
    ("f_health", ("select", "error"), ["Charlie"], "$0.00"),
    ("f_health", ("select", "never_synced"), ["Delta"], "$0.00"),
    ("f_checkin", ("select", "checked"), ["Alpha"], "$1.00"),
    ("f_checkin", ("select", "outdated"), ["Delta"], "$0.00"),
    ("f_search", ("input", "blue"), ["Alpha"], "$1.00"),        # notes
    ("f_search", ("input", "FREE"), ["Bravo"], "$2.00"),        # tag text, any case
    ("f_search", ("input", "charlie"), ["Charlie"], "$0.00"),   # name
])
def test_each_filter_changes_rows_and_totals(four, key, action, expected, shown_balance):
    at = start()
    method, value = action
    widget = {"f_status": at.selectbox, "f_types": at.multiselect, "f_health": at.multiselect,
              "f_checkin": at.multiselect, "f_search": at.text_input}[key](key=key)
    getattr(widget, method)(value).run()

    assert not at.exception
    assert sorted(grid_names(at)) == expected
    assert metrics(at)["Accounts shown"] == str(len(expected))
    assert metrics(at)["Total balance"] == shown_balance


def test_filters_that_match_nothing_say_so(four):
    at = start()
    at.text_input(key="f_search").input("nothing-like-this").run()
    assert grid_names(at) == []
    assert texts(at.info) == ["No accounts match these filters."]
    assert metrics(at)["Total balance"] == "$0.00"


# ---- secrets -----------------------------------------------------------------------------
def test_the_grid_frame_never_holds_a_secret(store):
    token = "sk-live-SUPERSECRET-abcdefghijklmnop"
    seed(store, "Alpha", token=token)
    at = start()
    frame = at.data_editor[0].value
    assert not [c for c in frame.columns if "token" in c.lower() or "cookie" in c.lower()]
    cells = " ".join(str(v) for v in frame.astype(str).to_numpy().ravel())
    assert token not in cells and "SUPERSECRET" not in cells
    assert frame.loc[0, "secret"] == "sk-…mnop"


# ---- grid edits --------------------------------------------------------------------------
@pytest.fixture
def three(store):
    ids = [seed(store, "Alpha", usd=3), seed(store, "Bravo", usd=2), seed(store, "Charlie", usd=1)]
    return ids  # grid order is balance desc: Alpha, Bravo, Charlie


def test_save_writes_exactly_the_edited_cell(store, three):
    before = snapshot(store)
    at = start()
    assert grid_names(at) == ["Alpha", "Bravo", "Charlie"]

    edit_grid(at, {0: {"site_name": "New"}})
    save = at.button(key="save")
    assert save.label == "Save changes (1)" and not save.disabled
    save.click().run()

    assert not at.exception
    assert texts(at.success) == ["Saved changes to 1 account(s)."]
    after = snapshot(store)
    alpha = three[0]
    assert after[alpha]["site_name"] == "New"
    assert after[alpha]["updated_at"] > before[alpha]["updated_at"]
    assert {k: v for k, v in after[alpha].items() if k not in ("site_name", "updated_at", "user_updated_at")} == \
           {k: v for k, v in before[alpha].items() if k not in ("site_name", "updated_at", "user_updated_at")}
    for other in three[1:]:
        assert after[other] == before[other]  # updated_at included
    # the grid shows the new name and starts a fresh editor (no pending edits)
    assert grid_names(at) == ["New", "Bravo", "Charlie"]
    assert at.data_editor[0].key.startswith("grid_1_")
    assert at.button(key="save").label == "Save changes (0)"


def test_save_tags_pin_notes_rate_and_flags_of_several_rows(store, three):
    before = snapshot(store)
    at = start()
    edit_grid(at, {1: {"tags": ["vip", "new-tag"], "pinned": True, "notes": "hello"},
                   2: {"exchange_rate": 6.5, "disabled": True, "exclude_from_total_balance": True},
                   0: {"site_name": "Alpha"}})  # unchanged value: not part of the diff
    assert at.button(key="save").label == "Save changes (2)"
    at.button(key="save").click().run()

    assert not at.exception
    after = snapshot(store)
    alpha, bravo, charlie = three
    assert after[alpha] == before[alpha]
    assert after[bravo]["_tags"] == ["new-tag", "vip"] and after[bravo]["_pinned"] and after[bravo]["notes"] == "hello"
    assert after[charlie]["exchange_rate"] == 6.5 and after[charlie]["disabled"]
    assert after[charlie]["exclude_from_total_balance"]
    assert grid_names(at) == ["Bravo", "Alpha", "Charlie"]  # pinned first, disabled last


@pytest.mark.parametrize(("edit", "message"), [
    ({"exchange_rate": 0.0}, "Please enter a valid exchange rate, greater than 0."),
    ({"exchange_rate": -2.0}, "Please enter a valid exchange rate, greater than 0."),
    ({"site_name": ""}, "The site name cannot be empty."),
    ({"site_name": None}, "The site name cannot be empty."),
    ({"site_name": "   "}, "The site name cannot be empty."),
])
def test_a_bad_edit_shows_one_sentence_and_changes_nothing(store, three, edit, message):
    before = snapshot(store)
    at = start()
    # a valid edit on another row rides along: the whole diff must be refused
    edit_grid(at, {0: {"notes": "fine"}, 1: edit})
    at.button(key="save").click().run()

    assert not at.exception
    assert texts(at.error) == [message]
    assert snapshot(store) == before
    assert at.data_editor[0].key.startswith("grid_0_")  # the user's edits are kept for fixing


def test_edits_to_read_only_columns_are_ignored(store, three):
    before = snapshot(store)
    at = start()
    edit_grid(at, {0: {"balance": 999.0, "id": 77, "site_url": "https://evil.example", "secret": "x"}})
    assert at.button(key="save").disabled
    assert snapshot(store) == before


# ---- selection and bulk actions ----------------------------------------------------------
def test_selection_shows_bulk_actions(store, three):
    at = start()
    assert at.subheader[0].value == "Bulk actions · 0 selected"
    assert not [b for b in at.button if b.key == "bulk_disable"]
    select_rows(at, 0, 2)
    assert at.subheader[0].value == "Bulk actions · 2 selected"
    assert {b.key for b in at.button} >= {"bulk_disable", "bulk_enable", "bulk_delete", "bulk_add_tag",
                                          "bulk_remove_tag"}


def test_select_every_row_on_the_page(store, three):
    at = start()
    at.checkbox(key="select_all").check().run()
    assert at.subheader[0].value == "Bulk actions · 3 selected"
    at.button(key="bulk_disable").click().run()
    assert all(r["disabled"] for r in snapshot(store).values())


def test_bulk_disable_then_enable_touch_only_the_selection(store, three):
    alpha, bravo, charlie = three
    before = snapshot(store)
    at = start()
    select_rows(at, 0, 2)  # Alpha, Charlie
    at.button(key="bulk_disable").click().run()

    assert not at.exception
    assert texts(at.success) == ["2 account(s) disabled."]
    after = snapshot(store)
    assert after[alpha]["disabled"] and after[charlie]["disabled"]
    assert after[bravo] == before[bravo]
    assert grid_names(at) == ["Bravo", "Alpha", "Charlie"]
    assert at.subheader[0].value == "Bulk actions · 0 selected"  # selection cleared

    select_rows(at, 2)  # Charlie (now last)
    at.button(key="bulk_enable").click().run()
    assert texts(at.success) == ["1 account(s) enabled."]
    after = snapshot(store)
    assert after[alpha]["disabled"] and not after[charlie]["disabled"] and not after[bravo]["disabled"]


def test_bulk_add_and_remove_tag(store, three):
    alpha, bravo, charlie = three
    seed(store, "Delta", usd=0.1, tags=["vip"])
    at = start()
    select_rows(at, 0, 1)  # Alpha, Bravo
    at.text_input(key="bulk_tag").input("VIP")
    at.button(key="bulk_add_tag").click().run()

    assert not at.exception
    assert texts(at.success) == ["Tag 'VIP' added to 2 account(s)."]
    snap = snapshot(store)
    assert snap[alpha]["_tags"] == ["vip"] and snap[bravo]["_tags"] == ["vip"]  # existing tag, any case
    assert snap[charlie]["_tags"] == []

    select_rows(at, 1)  # Bravo
    at.text_input(key="bulk_tag").input("vip")
    at.button(key="bulk_remove_tag").click().run()
    assert texts(at.success) == ["Tag 'vip' removed from 1 account(s)."]
    snap = snapshot(store)
    assert snap[alpha]["_tags"] == ["vip"] and snap[bravo]["_tags"] == []


def test_bulk_tag_errors_are_one_sentence(store, three):
    before = snapshot(store)
    at = start()
    select_rows(at, 0)
    at.button(key="bulk_add_tag").click().run()  # empty tag
    assert texts(at.error) == ["Tag name cannot be empty."]
    at.text_input(key="bulk_tag").input("nope")
    at.button(key="bulk_remove_tag").click().run()
    assert texts(at.error) == ["Tag not found: nope."]
    assert not at.exception
    assert snapshot(store) == before


def test_delete_asks_with_the_names_then_deletes_exactly_those(store, three):
    alpha, bravo, charlie = three
    delta = seed(store, "Delta", usd=0.5)
    set_pinned(store, [charlie], True)
    at = start()
    assert grid_names(at) == ["Charlie", "Alpha", "Bravo", "Delta"]
    select_rows(at, 0, 2)  # Charlie, Bravo
    at.button(key="bulk_delete").click().run()

    assert sorted(at.session_state["confirm_delete"]) == sorted([charlie, bravo])
    listed = at.dataframe[-1].value  # the dialog's list
    assert sorted(listed["Name"]) == ["Bravo", "Charlie"]
    assert account_ids(store) == sorted([alpha, bravo, charlie, delta])  # nothing deleted yet

    at.button(key="confirm_delete_yes").click().run()
    assert not at.exception
    assert texts(at.success) == ["Deleted 2 account(s)."]
    assert account_ids(store) == sorted([alpha, delta])
    with store.read() as con:
        assert con.execute("SELECT count(*) FROM pins").fetchone()[0] == 0
    assert grid_names(at) == ["Alpha", "Delta"]
    assert not at.session_state["confirm_delete"]
    assert not [b for b in at.button if b.key == "confirm_delete_yes"]  # dialog closed


def test_delete_cancel_deletes_nothing(store, three):
    before = snapshot(store)
    at = start()
    select_rows(at, 1)
    at.button(key="bulk_delete").click().run()
    at.button(key="confirm_delete_no").click().run()
    assert not at.exception
    assert snapshot(store) == before
    assert not at.session_state["confirm_delete"]
    assert not [b for b in at.button if b.key == "confirm_delete_yes"]


# ---- exports -----------------------------------------------------------------------------
def test_exports_hold_only_the_selection_and_no_secret(store, three, downloads):
    alpha, _bravo, charlie = three
    at = start()
    assert not at.download_button  # nothing selected, nothing to export
    select_rows(at, 0, 2)  # Alpha, Charlie

    labels = {b.key: b.label for b in at.download_button}
    assert labels == {"dl_json": "Export JSON", "dl_csv": "Export CSV"}
    secrets = get_secrets(store, three)
    tokens = [s["access_token"] for s in secrets.values()]
    assert all(tokens)

    data = json.loads(downloads["accounts.json"].decode())
    assert sorted(r["id"] for r in data) == sorted([str(alpha), str(charlie)])
    assert not {"access_token", "cookie", "refresh_token"} & set(data[0])
    rows = list(csv.DictReader(io.StringIO(downloads["accounts.csv"].decode())))
    assert sorted(r["id"] for r in rows) == sorted([str(alpha), str(charlie)])
    for blob in (downloads["accounts.json"], downloads["accounts.csv"]):
        text = blob.decode()
        assert not any(t in text for t in tokens)
        assert "SECRETVALUE" not in text


# ---- currency preference -----------------------------------------------------------------
def test_currency_choice_is_saved_as_the_preference(store, three):
    at = start()
    at.segmented_control(key="currency").set_value("CNY").run()
    assert get_preferences(store)["currency"] == "CNY"
    assert at.data_editor[0].value["balance"].tolist() == pytest.approx([21.6, 14.4, 7.2])
    # a new session starts in the saved currency
    again = start()
    assert metrics(again)["Total balance"] == "¥43.20"


def test_replace_secret_of_one_selected_account(store):

    aid = seed(store, "Solo")
    at = start()
    select_rows(at, 0)
    at.text_input(key="secret_value").input("sk-REPLACED-abcdefghijklmnop")
    next(b for b in at.button if b.label == "Replace").click().run()
    assert not at.exception
    assert get_secrets(store, [aid])[aid]["access_token"] == "sk-REPLACED-abcdefghijklmnop"
    assert "sk-REPLACED" not in str(at.data_editor[0].value.to_dict())
