"""Look-alike duplicates (issue 21): the same user id and the same site name or registrable domain
on different origins; exact duplicates are not look-alikes; a kept pair is not listed again; one
account of a pair can be removed; the bulk clean-up never touches a look-alike."""

from __future__ import annotations

import pytest

from allhub_core.accounts import (
    AccountInput,
    account_records,
    add_account,
    apply_dedupe,
    keep_lookalike,
    remove_lookalike,
    scan_duplicates,
    scan_lookalikes,
)
from allhub_core.errors import NotFound, ValidationError


def add(store, url: str, uid: str, name: str = "") -> int:
    return add_account(store, AccountInput(site_url=url, site_name=name or url, site_type="new-api", user_id=uid,
                                           access_token="tok-abcdefghijklmnop"))


def pairs(store) -> dict[tuple[int, int], str]:
    return {p.ids: p.reason for p in scan_lookalikes(store, limit=1000).pairs}


def test_www_and_a_subdomain_share_the_registrable_domain(store):
    bare = add(store, "https://relay.com", "7", "Relay")
    www = add(store, "https://www.relay.com", "7", "Relay mirror")
    api = add(store, "https://api.relay.com/panel", "7", "API")
    found = pairs(store)
    assert set(found) == {(bare, www), (bare, api), (www, api)}
    assert found[(bare, www)] == ("Same user id 7 and the same domain relay.com (https://relay.com and "
                                  "https://www.relay.com).")


def test_two_part_suffixes_and_shared_hosts_take_three_labels(store):
    a = add(store, "https://shop.example.co.uk", "3", "A")
    b = add(store, "https://www.example.co.uk", "3", "B")
    add(store, "https://other.co.uk", "3", "C")            # co.uk alone is no one's domain
    add(store, "https://alice.github.io", "3", "D")
    add(store, "https://bob.github.io", "3", "E")           # two people's pages, not one site
    assert set(pairs(store)) == {(a, b)}


def test_same_site_name_on_another_domain(store):
    a = add(store, "https://relay-one.com", "5", "Lucky Relay")
    b = add(store, "https://lucky-mirror.net", "5", "lucky  relay")  # case, spaces ignored
    add(store, "https://x.org", "5", "New API")               # a product name says nothing
    add(store, "https://y.org", "5", "New API")
    ip1 = add(store, "http://10.0.0.1:3000", "5", "Home")      # an IP: only the name can match
    ip2 = add(store, "http://10.0.0.2:3000", "5", "Other")
    found = pairs(store)
    assert set(found) == {(a, b)}
    assert "the same site name \u201cLucky Relay\u201d" in found[(a, b)]
    assert (ip1, ip2) not in found


def test_a_different_user_id_is_not_a_lookalike(store):
    add(store, "https://relay.com", "7", "Relay")
    add(store, "https://www.relay.com", "8", "Relay")
    add(store, "https://mirror.net", "9", "Relay")
    assert scan_lookalikes(store).total == 0
    assert scan_lookalikes(store).summary() == "0 look-alike pair(s) to check"


def test_exact_duplicates_are_not_lookalikes_but_their_mirror_is(store):
    one = add(store, "https://relay.com", "7", "Relay")
    two = add(store, "https://RELAY.com:443/", "7", "Relay")   # the same origin: an exact duplicate
    www = add(store, "https://www.relay.com", "7", "Elsewhere")
    assert set(pairs(store)) == {(one, www), (two, www)}
    assert [g.origin for g in scan_duplicates(store).groups] == ["https://relay.com"]


def test_a_kept_pair_is_not_listed_again_and_bad_ids_are_one_sentence(store):
    a = add(store, "https://relay.com", "7")
    b = add(store, "https://www.relay.com", "7")
    c = add(store, "https://api.relay.com", "7")
    keep_lookalike(store, b, a)          # either order
    keep_lookalike(store, a, b)          # twice is once
    assert set(pairs(store)) == {(a, c), (b, c)}
    with store.read() as con:
        assert con.execute("SELECT count(*) FROM lookalike_kept").fetchone()[0] == 1
    with pytest.raises(ValidationError):
        keep_lookalike(store, a, a)
    with pytest.raises(NotFound):
        keep_lookalike(store, a, 999)
    with store.read() as con:
        assert con.execute("SELECT count(*) FROM lookalike_kept").fetchone()[0] == 1


def test_remove_one_account_of_a_pair(store):
    a = add(store, "https://relay.com", "7")
    b = add(store, "https://www.relay.com", "7")
    c = add(store, "https://api.relay.com", "7")
    keep_lookalike(store, a, b)
    assert remove_lookalike(store, b, a) == b
    assert sorted(int(r["id"]) for r in account_records(store)) == [a, c]
    assert set(pairs(store)) == {(a, c)}
    with store.read() as con:  # its kept pairs went with it
        assert con.execute("SELECT count(*) FROM lookalike_kept").fetchone()[0] == 0
    with pytest.raises(NotFound):
        remove_lookalike(store, b, a)


def test_the_bulk_cleanup_never_touches_a_lookalike(store):
    keep = add(store, "https://relay.com", "7", "Relay")
    dup = add(store, "https://relay.com/x", "7", "Relay")
    www = add(store, "https://www.relay.com", "7", "Relay")
    mirror = add(store, "https://relay-mirror.net", "7", "Relay")
    scan = scan_duplicates(store, "recent")
    assert scan.delete_count == 1
    assert apply_dedupe(store, scan, overrides={("https://relay.com", "7"): keep}) == 1
    left = sorted(int(r["id"]) for r in account_records(store))
    assert left == [keep, www, mirror] and dup not in left
    assert set(pairs(store)) == {(keep, www), (keep, mirror), (www, mirror)}


def test_pages_of_pairs_with_the_total(store):
    ids = [add(store, f"https://s{i}.relay.com", "1", f"S{i}") for i in range(6)]  # 15 pairs
    first = scan_lookalikes(store, limit=10)
    second = scan_lookalikes(store, limit=10, offset=10)
    assert first.total == second.total == 15
    assert len(first.pairs) == 10 and len(second.pairs) == 5
    assert {p.ids for p in first.pairs} | {p.ids for p in second.pairs} == {
        (a, b) for a in ids for b in ids if a < b}
    assert scan_lookalikes(store, limit=10, offset=40).total == 15
    row = first.rows()[0]
    assert set(row) == {"account_a", "account_b", "user_id", "site_a", "site_b", "name_a", "name_b", "same_domain",
                        "same_name", "reason"}
    with pytest.raises(ValidationError):
        scan_lookalikes(store, limit=0)


def test_deleting_an_account_any_way_forgets_the_pairs_it_was_kept_in(store):
    from allhub_core.accounts import delete_accounts  # noqa: PLC0415 - the ordinary delete, not remove_lookalike

    a = add(store, "https://relay.com", "8", "Relay")
    b = add(store, "https://www.relay.com", "8", "Relay mirror")
    keep_lookalike(store, a, b)
    delete_accounts(store, [b])
    with store.read() as con:
        assert con.execute("SELECT count(*) FROM lookalike_kept").fetchone()[0] == 0
