"""Duplicate cleanup page wiring: summary, keep rules, per-group override, preview, delete, cancel."""

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


def keep_radio(at, rule, origin, uid):
    return at.radio(key=f"keep_{rule}_{origin}_{uid}")


def test_summary_groups_and_recommended_keepers(groups):
    at = start(PAGE)

    assert not at.success
    assert "**2 duplicate set(s) · 4 account(s) to delete**" in markdowns(at)
    assert texts(at.caption)[1] == "1 account(s) could not be scanned (no user id) and were skipped."
    one = keep_radio(at, "pinned", ONE, "7")
    assert one.value == groups["a2"]  # pinned wins under the default rule
    assert keep_radio(at, "pinned", TWO, "9").value == groups["b2"]  # then newest update
    labels = [lbl for lbl in one.options if "Recommended" in lbl]
    assert len(labels) == 1 and labels[0].startswith(f"One-b (id {groups['a2']},")
    assert "pinned, disabled" in labels[0]


@pytest.mark.parametrize(("rule", "keeper"), [("pinned", "a2"), ("enabled", "a1"), ("recent", "a4")])
def test_keep_rule_changes_the_recommended_keeper(groups, rule, keeper):
    at = start(PAGE)
    at.radio(key="keep_rule").set_value(rule).run()

    assert not at.exception
    assert keep_radio(at, rule, ONE, "7").value == groups[keeper]
    [rec] = [lbl for lbl in keep_radio(at, rule, ONE, "7").options if lbl.endswith("· Recommended")]
    assert f"(id {groups[keeper]}," in rec


def test_preview_then_delete_keeps_the_overridden_choice_and_prunes_pins(store, groups):
    at = start(PAGE)
    keep_radio(at, "pinned", ONE, "7").set_value(groups["a3"]).run()  # override: keep One-c
    assert keep_radio(at, "pinned", ONE, "7").value == groups["a3"]
    at.button(key="preview_dedupe").click().run()

    assert not at.exception
    assert "This will delete 4 account(s) across 2 duplicate set(s)." in markdowns(at)
    assert texts(at.warning) == ["1 pinned account(s) will be deleted."]
    assert any(m.startswith(f"- {ONE}: Keep: One-c (id {groups['a3']}) · Delete: ") for m in markdowns(at))
    assert len(account_ids(store)) == 8  # nothing deleted by the preview

    at.button(key="confirm_dedupe").click().run()

    assert not at.exception
    assert texts(at.success) == ["Deleted 4 account(s) from 2 duplicate set(s).", "No duplicate accounts found."]
    assert account_ids(store) == sorted([groups["a3"], groups["b2"], groups["c1"], groups["n1"]])
    with store.read() as con:
        assert con.execute("SELECT count(*) FROM pins").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM manual_order").fetchone()[0] == 0


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
