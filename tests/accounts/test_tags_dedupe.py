"""Global tags (case-insensitive names, rename/delete everywhere) and duplicate cleanup."""

import pytest

from allhub_core import accounts as acc
from allhub_core.accounts import (
    AccountInput,
    add_account,
    apply_dedupe,
    create_tag,
    delete_tag,
    get_preferences,
    list_tags,
    normalize_tag_name,
    rename_tag,
    scan_duplicates,
    set_preference,
)
from allhub_core.errors import NotFound, ValidationError


def _add(store, url="https://x.example.com", uid="55", name="X", **kw):
    kw.setdefault("access_token", "tok-abcdefghijklmnop")
    return add_account(store, AccountInput(site_url=url, site_name=name, user_id=uid, **kw))


def test_tag_names_unique_case_insensitively(store):
    create_tag(store, "  Paid   Plan ")
    assert [t["name"] for t in list_tags(store)] == ["Paid Plan"]
    with pytest.raises(ValidationError, match="already exists"):
        create_tag(store, "paid plan")
    with pytest.raises(ValidationError, match="cannot be empty"):
        create_tag(store, "   ")
    assert len(list_tags(store)) == 1


def test_rename_applies_everywhere_and_refuses_clash(store):
    a = _add(store, tags=["old"])
    create_tag(store, "other")
    rename_tag(store, "old", "New")
    assert acc.get_account(store, a)["tags"] == ["New"]
    rename_tag(store, "new", "NEW")  # same tag, new casing: allowed
    assert acc.get_account(store, a)["tags"] == ["NEW"]
    with pytest.raises(ValidationError, match="already exists"):
        rename_tag(store, "NEW", "OTHER")
    with pytest.raises(NotFound):
        rename_tag(store, "missing", "x")


def test_delete_removes_tag_from_every_account(store):
    a, b = _add(store, uid="1", tags=["t", "keep"]), _add(store, uid="2", tags=["T"])
    assert delete_tag(store, "t") == 2
    assert acc.get_account(store, a)["tags"] == ["keep"] and acc.get_account(store, b)["tags"] == []
    assert [t["name"] for t in list_tags(store)] == ["keep"]


def test_tag_list_sorted_with_counts(store):
    _add(store, uid="1", tags=["b", "A"])
    _add(store, uid="2", tags=["a"])
    assert [(t["name"], t["count"]) for t in list_tags(store)] == [("A", 2), ("b", 1)]


def test_normalize_tag_name():
    assert normalize_tag_name(" a  b ") == "a b"


def test_no_duplicates(store):
    _add(store, url="https://a.com", uid="1")
    _add(store, url="https://b.com", uid="1")
    scan = scan_duplicates(store)
    assert scan.summary() == "0 duplicate set(s) · 0 account(s) to delete"
    assert apply_dedupe(store, scan) == 0


def test_groups_by_origin_and_user_id_across_paths_and_types(store):
    a = _add(store, url="https://x.example.com/panel", name="A", site_type="new-api")
    b = _add(store, url="https://X.example.com/v1", name="B", site_type="one-api")
    _add(store, url="http://x.example.com", name="C")            # other scheme: other origin
    _add(store, url="https://x.example.com", uid="56", name="D")  # other user
    _add(store, url="https://x.example.com", uid="", name="E", auth_type="none", access_token="")
    scan = scan_duplicates(store)
    assert scan.summary() == "1 duplicate set(s) · 1 account(s) to delete"
    assert scan.unscannable == 1
    g = scan.groups[0]
    assert (g.origin, g.user_id) == ("https://x.example.com", "55")
    assert {x["id"] for x in g.accounts} == {a, b}


def _three(store):
    ids = [_add(store, name=n) for n in "ABC"]
    with store.write() as con:
        for i, aid in enumerate(ids):
            con.execute(f"UPDATE accounts SET updated_at = TIMESTAMPTZ '2026-01-0{i + 1} 00:00:00+00' WHERE id = ?", [aid])
    return ids


def test_keep_rules(store):
    a, _b, c = _three(store)
    acc.set_pinned(store, [a], True)
    acc.set_disabled(store, [a], True)
    assert scan_duplicates(store, "pinned").groups[0].keep_id == a       # pinned wins even if disabled
    assert scan_duplicates(store, "enabled").groups[0].keep_id == c      # enabled, then newest update
    with store.write() as con:
        con.execute("UPDATE accounts SET updated_at = TIMESTAMPTZ '2026-02-01 00:00:00+00' WHERE id = ?", [a])
    assert scan_duplicates(store, "recent").groups[0].keep_id == a
    with pytest.raises(ValidationError):
        scan_duplicates(store, "complete")


def test_tie_break_by_created_then_id(store):
    ids = [_add(store, name=n) for n in "AB"]
    with store.write() as con:
        con.execute("UPDATE accounts SET updated_at = TIMESTAMPTZ '2026-01-01 00:00:00+00', "
                    "created_at = TIMESTAMPTZ '2026-01-01 00:00:00+00'")
    assert scan_duplicates(store, "recent").groups[0].keep_id == min(ids)


def test_apply_with_override_deletes_in_one_go_and_prunes(store):
    a, b, c = _three(store)
    acc.set_pinned(store, [a, b], True)
    acc.set_manual_order(store, [c, b, a])
    scan = scan_duplicates(store, "pinned")
    assert apply_dedupe(store, scan, overrides={0: c}) == 2
    assert [r["id"] for r in acc.account_records(store)] == [str(c)]
    with store.read() as con:
        assert con.execute("SELECT count(*) FROM pins").fetchone()[0] == 0
        assert con.execute("SELECT account_id FROM manual_order").fetchall() == [(c,)]


def test_apply_refuses_override_outside_the_group_and_stale_preview(store):
    _a, _b, _c = _three(store)
    other = _add(store, url="https://other.com", name="O")
    scan = scan_duplicates(store)
    with pytest.raises(ValidationError):
        apply_dedupe(store, scan, overrides={0: other})
    acc.delete_accounts(store, [scan.groups[0].delete_ids[0]])
    with pytest.raises(NotFound):
        apply_dedupe(store, scan)  # the store changed since the preview
    assert len(acc.account_records(store)) == 3


def test_preferences_persist_and_validate(store):
    assert get_preferences(store)["warn_on_duplicate"] is True
    set_preference(store, "warn_on_duplicate", False)
    set_preference(store, "currency", "CNY")
    prefs = get_preferences(store)
    assert prefs["warn_on_duplicate"] is False and prefs["currency"] == "CNY"
    with pytest.raises(ValidationError):
        set_preference(store, "currency", "EUR")
    with pytest.raises(ValidationError):
        set_preference(store, "sort_field", "bogus")
    assert get_preferences(store)["currency"] == "CNY"


@pytest.mark.parametrize("name", ["\u200b", "\u200c\u200d", "\ufeff", "\u200e \u200f", "\u202e", "\u2800", "\u0301"])
def test_a_tag_name_of_only_invisible_characters_is_refused(store, name):
    """Issue 16: a zero-width space (or a BOM, a bidi mark...) was accepted as a tag."""
    with pytest.raises(ValidationError, match="no visible character"):
        normalize_tag_name(name)
    with pytest.raises(ValidationError, match="no visible character"):
        create_tag(store, name)
    with pytest.raises(ValidationError, match="no visible character"):
        _add(store, tags=[name])
    create_tag(store, "ok")
    with pytest.raises(ValidationError, match="no visible character"):
        rename_tag(store, "ok", name)
    assert [t["name"] for t in list_tags(store)] == ["ok"] and acc.account_records(store) == []
    assert normalize_tag_name("vip\u200b") == "vip\u200b" and normalize_tag_name("漢") == "漢"


def test_update_counts_only_accounts_whose_values_change(store):
    a, b = _add(store, uid="1", name="A", tags=["vip"]), _add(store, uid="2", name="B")
    acc.set_pinned(store, [a], True)
    before = acc.get_account(store, a)["updated_at"]
    same = {"site_name": "A", "tags": ["VIP", ""], "pinned": True, "manual_position": None, "exchange_rate": 7.2}
    assert acc.update_accounts(store, {a: same}) == 0
    assert acc.get_account(store, a)["updated_at"] == before
    assert acc.update_accounts(store, {a: same, b: {"notes": "new"}}) == 1
    assert acc.update_accounts(store, {a: {"tags": ["vip", "paid"]}}) == 1
    assert acc.get_account(store, a)["tags"] == ["paid", "vip"]


def test_several_keepers_and_a_set_left_alone(store):
    a, b, c = _three(store)
    x = _add(store, url="https://other.com", name="X")
    y = _add(store, url="https://other.com", name="Y")
    scan = scan_duplicates(store, "pinned")
    xs, other = ("https://x.example.com", "55"), ("https://other.com", "55")
    plan = scan.plan({xs: [a, c], other: []})  # keep two of one set, leave the other alone
    assert (plan.delete_ids, plan.sets, plan.left_alone) == ([b], 1, 1)
    assert plan.summary() == ("This will delete 1 account(s) across 1 duplicate set(s); 1 set(s) with no account "
                              "ticked to keep are left alone.")
    with pytest.raises(ValidationError, match="is not in the duplicate set"):
        scan.plan({xs: [a, x]})
    assert apply_dedupe(store, scan, overrides={xs: [a, c], other: []}) == 1
    assert sorted(int(r["id"]) for r in acc.account_records(store)) == sorted([a, c, x, y])
