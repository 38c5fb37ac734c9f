"""The Check-in page's "checked in by hand" picker past its cap (issue 18): the first 200 accounts
are listed with the count of them all, a find box reaches the others, and marking one works."""

from __future__ import annotations

from appsupport import start

from allhub_core.accounts import AccountInput, add_account

PAGE = "pages/checkin.py"


def test_picker_lists_200_counts_all_and_finds_the_others(store):
    with store.session():
        ids = [add_account(store, AccountInput(site_url=f"https://h{i}.example.com", site_name=f"Hand {i:03d}",
                                               user_id="1", access_token="tok-abcdefghijklmnop",
                                               checkin_url=f"https://h{i}.example.com/checkin"))
               for i in range(205)]
    at = start(PAGE)
    assert not at.exception
    picker = at.multiselect(key="by_hand_ids")
    assert picker.options == [f"Hand {i:03d}" for i in range(200)]
    find = at.text_input(key="hand_find")
    assert "205 to mark, 200 listed at a time" in find.label
    find.input("hand 204").run()
    assert at.multiselect(key="by_hand_ids").options == ["Hand 204"]
    at.multiselect(key="by_hand_ids").select(ids[204])
    next(b for b in at.button if b.label == "Mark as checked in today").click().run()
    assert not at.exception
    at.text_input(key="hand_find").input("").run()
    assert "204 to mark, 200 listed at a time" in at.text_input(key="hand_find").label
    assert "Hand 204" not in at.multiselect(key="by_hand_ids").options
