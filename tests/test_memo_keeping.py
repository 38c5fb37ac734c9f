"""allhub_core.memo: the one keeping of results between page runs (history.memo, prices.memo)."""

from __future__ import annotations

import pandas as pd

from allhub_core.memo import Memo


def test_a_kept_result_is_not_computed_again_and_callers_cannot_change_it() -> None:
    memo = Memo(4)
    calls: list[int] = []

    def compute() -> pd.DataFrame:
        calls.append(1)
        return pd.DataFrame({"quota": [1, 2, 3]})

    first = memo.remembered("k", compute)
    first.loc[0, "quota"] = 99  # a page changing what it got
    again = memo.remembered("k", compute)
    assert calls == [1]
    assert again["quota"].tolist() == [1, 2, 3]
    rows = memo.remembered("rows", lambda: [{"a": 1}])
    rows[0]["a"] = 2
    assert memo.remembered("rows", lambda: [{"a": 0}]) == [{"a": 1}]


def test_the_least_recently_used_go_first_past_the_entries_or_the_bytes() -> None:
    memo = Memo(2)
    for key in ("a", "b"):
        memo.remembered(key, lambda key=key: key)
    memo.remembered("a", lambda: "recomputed")  # used: "b" is now the oldest
    memo.remembered("c", lambda: "c")
    assert len(memo) == 2
    assert memo.remembered("a", lambda: "recomputed") == "a"
    assert memo.remembered("b", lambda: "recomputed") == "recomputed"

    big = pd.DataFrame({"x": range(100_000)})  # ~0.8 MB
    by_size = Memo(10, max_bytes=1_000_000)
    by_size.remembered(1, lambda: big)
    by_size.remembered(2, lambda: big)  # over the bytes: the older goes, the newest stays
    assert len(by_size) == 1
    assert by_size.remembered(2, lambda: pd.DataFrame()).shape == big.shape
    by_size.forget()
    assert len(by_size) == 0
