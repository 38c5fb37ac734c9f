"""``duplicate_page`` (the Duplicate cleanup page's sets, a page at a time, issue 18) must be a
window on ``scan_duplicates`` (what the preview and ``apply_dedupe`` take): the same sets in the
same order, the same accounts and keepers, and the whole scan's counts, under every keep rule."""

import pytest

from allhub_core import accounts as acc
from allhub_core.accounts import AccountInput, add_account, duplicate_page, scan_duplicates
from allhub_core.errors import ValidationError


def _add(store, url: str, uid: str, name: str) -> int:
    return add_account(store, AccountInput(site_url=url, site_name=name, user_id=uid,
                                           access_token="tok-abcdefghijklmnop"))


@pytest.fixture
def mixed(store):
    """Sets of two to four accounts on a few origins and user ids (padded ids among them), lone
    accounts, accounts without a user id; pins, disabled accounts, equal and different times."""
    ids = []
    for n in range(23):
        origin = f"https://s{n % 7}.example.com"
        for k in range(2 + n % 3):
            ids.append(_add(store, origin, f" {n // 7} " if k % 2 else str(n // 7), f"S{n}-{k}"))
    lone = [_add(store, f"https://lone{n}.example.com", "1", f"L{n}") for n in range(3)]
    with store.write() as con:
        con.execute("UPDATE accounts SET user_id = '' WHERE id IN (?, ?)", lone[:2])
        for i, aid in enumerate(ids):
            con.execute("UPDATE accounts SET updated_at = TIMESTAMPTZ '2026-01-01 00:00:00+00' + "
                        "to_days(?), created_at = TIMESTAMPTZ '2025-01-01 00:00:00+00' + to_days(?) WHERE id = ?",
                        [i % 4, i % 3, aid])
    acc.set_pinned(store, ids[::5], True)
    acc.set_disabled(store, ids[1::3], True)
    return ids


@pytest.mark.parametrize("rule", ["pinned", "enabled", "recent"])
@pytest.mark.parametrize("size", [1, 3, 100])
def test_pages_put_together_are_the_whole_scan(mixed, store, rule, size):
    scan = scan_duplicates(store, rule)
    assert len(scan.groups) > 3 and scan.unscannable == 2
    seen = []
    offset = 0
    while True:
        page = duplicate_page(store, rule, limit=size, offset=offset)
        assert (page.sets, page.delete_count, page.unscannable) == (
            len(scan.groups), scan.delete_count, scan.unscannable)
        assert page.summary() == scan.summary()
        if not page.groups:
            break
        assert len(page.groups) <= size
        seen += page.groups
        offset += size
    assert seen == scan.groups  # origins, user ids, every account's columns (times too), keepers, reasons


def test_no_sets_and_bad_input(store):
    _add(store, "https://a.example.com", "1", "A")
    page = duplicate_page(store, limit=10)
    assert (page.groups, page.sets, page.delete_count, page.unscannable) == ([], 0, 0, 0)
    assert page.summary() == "0 duplicate set(s) · 0 account(s) to delete"
    with pytest.raises(ValidationError):
        duplicate_page(store, "complete", limit=10)
    with pytest.raises(ValidationError):
        duplicate_page(store, limit=0)
