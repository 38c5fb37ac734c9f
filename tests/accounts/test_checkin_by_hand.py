"""The Check-in page's "checked in by hand" picker is capped (issue 18: 9,138 accounts at 100,000
were listed on every visit): ``checkin_page(hand_limit=...)`` lists the first accounts by id with
a check-in page not checked in today, those already chosen first, finds others by name or #id,
and counts them all; without a limit it lists them all, as before."""

from __future__ import annotations

from allhub_core.accounts import AccountInput, add_account, checkin_page
from allhub_core.accounts.status import mark_custom_checked


def _hand_accounts(store, n: int) -> list[int]:
    with store.session():
        ids = [add_account(store, AccountInput(site_url=f"https://h{i}.example.com", site_name=f"Hand {i}",
                                               user_id="1", access_token="tok-abcdefghijklmnop",
                                               checkin_url=f"https://h{i}.example.com/checkin"))
               for i in range(n)]
        add_account(store, AccountInput(site_url="https://plain.example.com", site_name="Hand plain",
                                        user_id="1", access_token="tok-abcdefghijklmnop"))
    return ids


def test_capped_list_counts_all_keeps_the_chosen_and_finds_the_others(store):
    ids = _hand_accounts(store, 12)
    mark_custom_checked(store, [ids[0]])
    todo = ids[1:]
    whole = checkin_page(store)
    assert list(whole.by_hand) == todo and whole.by_hand_total == 11
    assert whole.by_hand[todo[0]] == "Hand 1"

    capped = checkin_page(store, limit=5, hand_limit=4)
    assert list(capped.by_hand) == todo[:4] and capped.by_hand_total == 11
    assert (capped.total, capped.results, capped.attention) == (whole.total, whole.results, whole.attention)

    kept = checkin_page(store, hand_limit=4, hand_keep=[todo[9], ids[0]])  # a checked one is not listed
    assert list(kept.by_hand) == [todo[9], *todo[:3]]

    found = checkin_page(store, hand_limit=4, hand_find=" hand 1")  # "Hand 1", "Hand 10", "Hand 11"
    assert list(found.by_hand) == [ids[1], ids[10], ids[11]] and found.by_hand_total == 11
    assert list(checkin_page(store, hand_limit=4, hand_find=f"#{todo[7]}").by_hand) == [todo[7]]
    assert checkin_page(store, hand_limit=4, hand_find="nothing like it").by_hand == {}
    assert list(checkin_page(store, hand_limit=4, hand_find="zz", hand_keep=[todo[2]]).by_hand) == [todo[2]]
