"""Duplicate cleanup page wiring: summary, keep rules, keepers ticked in one table (paged), preview,
delete, cancel."""

from __future__ import annotations

import pytest
from appsupport import account_ids, seed, snapshot, start, texts

from allhub_core.accounts import AccountInput, add_account

PAGE = "pages/duplicates.py"
ONE, TWO = "https://one.example.com", "https://two.example.com"


def markdowns(at) -> list[str]:
    return texts(at.markdown)


def test_unique_accounts_have_no_duplicates(store):
    seed(store, "A", url=ONE, user_id="7")
    seed(store, "B", url=ONE, user_id="8")      # same site, another user
    seed(store, "C", url=TWO, user_id="7")      # same user id, another site
    at = start(PAGE)

    assert texts(at.success) == ["No duplicate accounts found."]
    assert "**0 duplicate set(s) · 0 account(s) to delete**" in markdowns(at)
    assert not [b for b in at.button if b.key == "preview_dedupe"]


@pytest.fixture
def groups(store):
    """Group one: four accounts whose keeper differs per rule; group two: two accounts."""
    ids = {
        "a1": seed(store, "One-a", url=ONE + "/panel", user_id="7", updated_at="2024-01-03 00:00:00+00"),
        "a2": seed(store, "One-b", url=ONE, user_id=" 7 ", disabled=True, pinned=True,
                   updated_at="2024-01-01 00:00:00+00"),
        "a3": seed(store, "One-c", url="HTTPS://ONE.example.com:443", user_id="7",
                   updated_at="2024-01-02 00:00:00+00"),
        "a4": seed(store, "One-d", url=ONE, user_id="7", disabled=True, updated_at="2024-01-05 00:00:00+00"),
        "b1": seed(store, "Two-a", url=TWO, user_id="9", updated_at="2024-02-01 00:00:00+00"),
        "b2": seed(store, "Two-b", url=TWO, user_id="9", updated_at="2024-02-02 00:00:00+00"),
        "c1": seed(store, "One-other", url=ONE, user_id="8"),
    }
    ids["n1"] = add_account(store, AccountInput(site_url=ONE, site_name="No id", auth_type="none"))
    return ids


def grid(at, rule="pinned", page=1):
    [editor] = [e for e in at.data_editor if e.key == f"dedupe_{rule}_{page}"]
    return editor.value


def tick(at, rule, edits: dict[int, bool], page=1):
    """Tick (True) or untick (False) Keep on rows of the table, by account id, as a user's clicks do."""
    frame = grid(at, rule, page)
    rows = {int(i): pos for pos, i in enumerate(frame["id"])}
    at.session_state[f"dedupe_{rule}_{page}"] = {
        "edited_rows": {rows[i]: {"keep": on} for i, on in edits.items()}, "added_rows": [], "deleted_rows": []}
    at.run()
    return at.run()  # the table's input (what AppTest reads back) shows the ticks from the next run on


def kept(at, rule="pinned", page=1) -> dict[str, list[int]]:
    frame = grid(at, rule, page)
    out: dict[str, list[int]] = {}
    for s, i, k in zip(frame["set"], frame["id"], frame["keep"], strict=True):
        out.setdefault(s, [])
        if k:
            out[s].append(int(i))
    return out


def test_summary_sets_and_the_rules_keepers_in_one_table(groups):
    at = start(PAGE)

    assert not at.exception and not at.success
    assert "**2 duplicate set(s) · 4 account(s) to delete**" in markdowns(at)
    assert "1 account(s) could not be scanned (no user id) and were skipped." in texts(at.caption)
    assert [r.key for r in at.radio] == ["keep_rule"]  # one widget for every keeper, not a radio per set
    frame = grid(at)
    assert len(frame) == 6
    # pinned wins under the default rule, then the newest update
    assert kept(at) == {f"{ONE} · user 7": [groups["a2"]], f"{TWO} · user 9": [groups["b2"]]}
    row = frame[frame["id"] == groups["a2"]].iloc[0]
    assert (row["name"], bool(row["pinned"]), bool(row["disabled"]), bool(row["recommended"])) == \
        ("One-b", True, True, True)


@pytest.mark.parametrize(("rule", "keeper"), [("pinned", "a2"), ("enabled", "a1"), ("recent", "a4")])
def test_keep_rule_changes_the_recommended_keeper(groups, rule, keeper):
    at = start(PAGE)
    at.radio(key="keep_rule").set_value(rule).run()

    assert not at.exception
    assert kept(at, rule)[f"{ONE} · user 7"] == [groups[keeper]]


def test_preview_then_delete_keeps_the_ticked_choice_and_prunes_pins(store, groups):
    at = start(PAGE)
    tick(at, "pinned", {groups["a3"]: True, groups["a2"]: False})  # keep One-c instead of the rule's pick
    assert kept(at)[f"{ONE} · user 7"] == [groups["a3"]]
    at.button(key="preview_dedupe").click().run()

    assert not at.exception
    assert "This will delete 4 account(s) across 2 duplicate set(s)." in markdowns(at)
    assert texts(at.warning) == ["1 pinned account(s) will be deleted."]
    [plan] = [d for d in at.dataframe if "keep" not in d.value.columns]  # the list of what goes
    assert sorted(plan.value["id"]) == sorted([groups["a1"], groups["a2"], groups["a4"], groups["b1"]])
    assert len(account_ids(store)) == 8  # nothing deleted by the preview

    at.button(key="confirm_dedupe").click().run()

    assert not at.exception
    assert texts(at.success) == ["Deleted 4 account(s) from 2 duplicate set(s).", "No duplicate accounts found."]
    assert account_ids(store) == sorted([groups["a3"], groups["b2"], groups["c1"], groups["n1"]])
    with store.read() as con:
        assert con.execute("SELECT count(*) FROM pins").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM manual_order").fetchone()[0] == 0


def test_two_ticked_keep_both_and_a_set_with_none_ticked_is_left_alone(store, groups):
    at = start(PAGE)
    tick(at, "pinned", {groups["a1"]: True, groups["b2"]: False})  # set one keeps a2 and a1; set two: nothing
    at.button(key="preview_dedupe").click().run()

    assert not at.exception
    assert ("This will delete 2 account(s) across 1 duplicate set(s); 1 set(s) with no account ticked to keep "
            "are left alone.") in markdowns(at)
    at.button(key="confirm_dedupe").click().run()
    assert account_ids(store) == sorted([groups["a1"], groups["a2"], groups["b1"], groups["b2"], groups["c1"],
                                         groups["n1"]])


def test_delete_with_the_recommended_keepers(store, groups):
    at = start(PAGE)
    at.radio(key="keep_rule").set_value("recent").run()
    at.button(key="preview_dedupe").click().run()
    at.button(key="confirm_dedupe").click().run()
    assert not at.exception
    assert account_ids(store) == sorted([groups["a4"], groups["b2"], groups["c1"], groups["n1"]])


def test_cancel_deletes_nothing(store, groups):
    before = snapshot(store)
    at = start(PAGE)
    at.button(key="preview_dedupe").click().run()
    at.button(key="cancel_dedupe").click().run()

    assert not at.exception
    assert snapshot(store) == before
    assert not [b for b in at.button if b.key == "confirm_dedupe"]
    assert "**2 duplicate set(s) · 4 account(s) to delete**" in markdowns(at)


def test_many_sets_come_a_page_at_a_time_and_choices_survive_paging(store):
    ids = {}
    for n in range(105):  # 105 sets of two: two pages of sets
        for half in ("a", "b"):
            ids[(n, half)] = seed(store, f"S{n}{half}", url=f"https://s{n:03d}.example.com", user_id="1",
                                  updated_at=f"2024-01-0{1 if half == 'a' else 2} 00:00:00+00")
    at = start(PAGE)
    assert not at.exception
    assert len(grid(at)) == 200  # 100 sets on the first page
    tick(at, "pinned", {ids[(0, "a")]: True, ids[(0, "b")]: False})  # set 0 keeps its older account
    at.number_input(key="dedupe_page").set_value(2).run()
    assert len(grid(at, page=2)) == 10
    tick(at, "pinned", {ids[(104, "b")]: False}, page=2)  # set 104: nothing ticked, left alone
    at.number_input(key="dedupe_page").set_value(1).run()
    assert kept(at)["https://s000.example.com · user 1"] == [ids[(0, "a")]]  # still ticked after paging

    at.button(key="preview_dedupe").click().run()
    assert "This will delete 104 account(s) across 104 duplicate set(s); 1 set(s) with no account ticked to " \
           "keep are left alone." in markdowns(at)
    at.button(key="confirm_dedupe").click().run()
    left = set(account_ids(store))
    assert ids[(0, "a")] in left and ids[(0, "b")] not in left
    assert {ids[(104, "a")], ids[(104, "b")]} <= left
    assert ids[(50, "b")] in left and ids[(50, "a")] not in left  # the rule's pick elsewhere: newest update
    assert len(left) == 106


# -- look-alikes (issue 21): listed apart, judged one pair at a time, never bulk-deleted ----------

WWW = "https://www.one.example.com"


@pytest.fixture
def lookalikes(store):
    """An exact duplicate set on ONE (user 7), their look-alike on WWW, and an unrelated account."""
    return {"a": seed(store, "One-a", url=ONE, user_id="7", updated_at="2024-01-01 00:00:00+00"),
            "b": seed(store, "One-b", url=ONE, user_id="7", updated_at="2024-01-02 00:00:00+00"),
            "w": seed(store, "Mirror", url=WWW, user_id="7"),
            "x": seed(store, "Lone", url="https://lone.test", user_id="7")}


def pair_boxes(at) -> list[str]:
    return [c for c in texts(at.caption) if c.startswith("Same user id")]


def test_lookalikes_are_listed_apart_with_why_they_matched(lookalikes):
    at = start(PAGE)

    assert not at.exception
    assert "**1 duplicate set(s) · 1 account(s) to delete**" in markdowns(at)  # the exact set alone
    assert [s.value for s in at.subheader] == ["Look-alikes (check these yourself)"]
    assert "**2 look-alike pair(s) to check**" in markdowns(at)
    assert pair_boxes(at) == [
        f"Same user id 7 and the same domain example.com ({ONE} and {WWW}).",
        f"Same user id 7 and the same domain example.com ({ONE} and {WWW}).",
    ]
    keys = {b.key for b in at.button}
    a, b, w = lookalikes["a"], lookalikes["b"], lookalikes["w"]
    assert {f"lookalike_keep_{a}_{w}", f"lookalike_keep_{b}_{w}", f"lookalike_rm_{a}_{w}_{w}"} <= keys
    assert not any(str(lookalikes["x"]) in k.split("_") for k in keys if k.startswith("lookalike_"))


def test_keep_both_is_stored_and_the_pair_is_not_listed_again(store, lookalikes):
    a, w = lookalikes["a"], lookalikes["w"]
    at = start(PAGE)
    at.button(key=f"lookalike_keep_{a}_{w}").click().run()

    assert not at.exception
    assert f"Kept accounts {a} and {w}; this pair will not be listed again." in texts(at.success)
    assert "**1 look-alike pair(s) to check**" in markdowns(at)
    assert not [b for b in at.button if b.key == f"lookalike_keep_{a}_{w}"]
    assert len(account_ids(store)) == 4
    at = start(PAGE)  # a new session: still not listed
    assert "**1 look-alike pair(s) to check**" in markdowns(at)


def test_remove_this_one_asks_first_then_deletes_only_that_account(store, lookalikes):
    a, b, w = lookalikes["a"], lookalikes["b"], lookalikes["w"]
    before = snapshot(store)
    at = start(PAGE)
    at.button(key=f"lookalike_rm_{b}_{w}_{w}").click().run()

    assert not at.exception
    assert texts(at.warning) == [f"Delete account {w} (Mirror)? Account {b} stays."]
    assert snapshot(store) == before  # nothing deleted yet
    at.button(key="lookalike_cancel_rm").click().run()
    assert not at.warning and snapshot(store) == before

    at.button(key=f"lookalike_rm_{b}_{w}_{w}").click().run()
    at.button(key="lookalike_confirm_rm").click().run()
    assert not at.exception
    assert f"Deleted account {w}; account {b} stays." in texts(at.success)
    assert account_ids(store) == sorted([a, b, lookalikes["x"]])
    assert "**0 look-alike pair(s) to check**" in markdowns(at)
    assert "No look-alike accounts found." in texts(at.caption)


def test_the_bulk_cleanup_leaves_the_lookalike(store, lookalikes):
    at = start(PAGE)
    at.radio(key="keep_rule").set_value("recent").run()
    at.button(key="preview_dedupe").click().run()
    assert "This will delete 1 account(s) across 1 duplicate set(s)." in markdowns(at)
    at.button(key="confirm_dedupe").click().run()

    assert not at.exception
    assert account_ids(store) == sorted([lookalikes["b"], lookalikes["w"], lookalikes["x"]])
    assert "**1 look-alike pair(s) to check**" in markdowns(at)
    assert pair_boxes(at) == [f"Same user id 7 and the same domain example.com ({ONE} and {WWW})."]
