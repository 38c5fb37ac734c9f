"""Tags page wiring: create, case-insensitive uniqueness, rename and delete apply to accounts."""

from __future__ import annotations

from appsupport import button, seed, snapshot, start, texts

from allhub_core.accounts import list_tags

PAGE = "pages/tags.py"


def shown(at) -> dict[str, int]:
    """The tag table as {name: accounts}."""
    if not at.dataframe:
        return {}
    df = at.dataframe[0].value
    return dict(zip(df["Tag"], (int(n) for n in df["Accounts"]), strict=False))


def test_create_a_tag(store):
    at = start(PAGE)
    assert texts(at.info) == ["No tags yet. Create one below or type one in the Accounts grid."]
    at.text_input(key="new_tag").input("  Paid plan ")
    button(at, "Create tag").click().run()

    assert not at.exception
    assert texts(at.success) == ["Tag 'Paid plan' created."]
    assert [t["name"] for t in list_tags(store)] == ["Paid plan"]
    assert shown(at) == {"Paid plan": 0}


def test_the_message_names_the_tag_as_saved(store):
    at = start(PAGE)
    at.text_input(key="new_tag").input("Paid   plan")
    button(at, "Create tag").click().run()
    assert [t["name"] for t in list_tags(store)] == ["Paid plan"]
    assert texts(at.success) == ["Tag 'Paid plan' created."]


def test_a_name_that_exists_in_another_case_is_refused(store):
    seed(store, "Alpha", tags=["VIP"])
    at = start(PAGE)
    assert shown(at) == {"VIP": 1}
    at.text_input(key="new_tag").input("vip")
    button(at, "Create tag").click().run()

    assert not at.exception
    assert texts(at.error) == ["Tag name already exists: 'VIP'."]
    assert [t["name"] for t in list_tags(store)] == ["VIP"]


def test_an_empty_name_is_refused(store):
    at = start(PAGE)
    button(at, "Create tag").click().run()
    assert texts(at.error) == ["Tag name cannot be empty."]
    assert list_tags(store) == []


def test_rename_applies_to_every_account(store):
    a = seed(store, "Alpha", tags=["vip", "free"])
    b = seed(store, "Bravo", tags=["vip"])
    at = start(PAGE)
    vip = next(t["id"] for t in list_tags(store) if t["name"] == "vip")
    at.selectbox(key="rename_which").set_value(vip)
    at.text_input(key="rename_to").input("Gold")
    button(at, "Rename").click().run()

    assert not at.exception
    assert texts(at.success) == ["Renamed 'vip' to 'Gold'."]
    snap = snapshot(store)
    assert snap[a]["_tags"] == ["Gold", "free"] and snap[b]["_tags"] == ["Gold"]
    assert shown(at) == {"free": 1, "Gold": 2}


def test_rename_onto_another_tag_is_refused(store):
    seed(store, "Alpha", tags=["vip", "free"])
    at = start(PAGE)
    vip = next(t["id"] for t in list_tags(store) if t["name"] == "vip")
    at.selectbox(key="rename_which").set_value(vip)
    at.text_input(key="rename_to").input("FREE")
    button(at, "Rename").click().run()
    assert texts(at.error) == ["Tag name already exists: 'free'."]
    assert sorted(t["name"] for t in list_tags(store)) == ["free", "vip"]


def test_delete_removes_the_tag_from_accounts(store):
    a = seed(store, "Alpha", tags=["vip", "free"])
    b = seed(store, "Bravo", tags=["vip"])
    at = start(PAGE)
    vip = next(t["id"] for t in list_tags(store) if t["name"] == "vip")
    at.selectbox(key="delete_which").set_value(vip)
    button(at, "Delete").click().run()  # not confirmed

    assert texts(at.error) == ["Tick the box to confirm: deleting removes the tag from every account."]
    assert len(list_tags(store)) == 2

    at.selectbox(key="delete_which").set_value(vip)
    at.checkbox(key="delete_sure").check()
    button(at, "Delete").click().run()

    assert not at.exception
    assert texts(at.success) == ["Deleted 'vip' and removed it from 2 account(s)."]
    snap = snapshot(store)
    assert snap[a]["_tags"] == ["free"] and snap[b]["_tags"] == []
    assert shown(at) == {"free": 1}
