"""``accounts.account_picker`` (issue 18): the capped picker list read in SQL gives what the
pages built from every account (``account_choices``): the chosen accounts first (those the filter
still holds), then the first ``limit`` whose name holds the text (any case) or whose id it is, in
the user's order, each account once."""

from __future__ import annotations

import pytest
from test_list_pages import PREFS, varied  # noqa: F401 - the fixture: a store where every sort key varies
from test_page_queries import mixed  # noqa: F401 - the fixture ``varied`` builds on

from allhub_core.accounts import AccountFilter, account_choices, account_picker


def _old_way(store, find, chosen, limit, flt, prefs):
    """The pages' former list: every filtered account read, then searched in Python."""
    every = account_choices(store, flt, prefs)
    names = dict(zip(every["id"].astype(int).tolist(), every["site_name"].astype(str).tolist(), strict=True))
    text = find.strip()
    hits = [i for i in names if text.lower() in names[i].lower()
            or (text.lstrip("#").isdigit() and i == int(text.lstrip("#")))]
    ids = list(dict.fromkeys([*(i for i in chosen if i in names), *hits[:limit]]))
    return [(i, names[i]) for i in ids]


@pytest.mark.parametrize("prefs", PREFS[:4], ids=range(4))
@pytest.mark.parametrize("flt", [None, AccountFilter(status="enabled"), AccountFilter(tags=["vip"])], ids=range(3))
def test_the_picker_is_the_old_capped_list(varied, flt, prefs):  # noqa: F811 - the fixture imported above
    every = [int(i) for i in account_choices(varied, None, prefs)["id"]]
    chosen = [every[-1], every[len(every) // 2], 999_999]  # the last, one in the middle, one that is gone
    some = str(account_choices(varied, None, prefs)["site_name"].iloc[0])[:3].upper()
    for find in ("", "  ", some, f"#{every[3]}", str(every[3]), "no such account"):
        for limit in (1, 5, 200):
            want = _old_way(varied, find, chosen, limit, flt, prefs)
            assert account_picker(varied, find, chosen, limit, flt, prefs) == want, (find, limit)
    assert account_picker(varied, "", None, 3, flt, prefs) == _old_way(varied, "", [], 3, flt, prefs)
