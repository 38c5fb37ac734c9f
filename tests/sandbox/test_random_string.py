"""The sandbox's seeded strings (tokens, passwords, sessions) are what ``rng.choice`` per
character drew before it was made faster: the same sites, users and keys for a seed, and the
generator left in the same state for what is drawn after."""

from __future__ import annotations

import random

from allhub_core.sandbox._data import _ALNUM, random_string


def test_random_string_draws_what_choice_draws():
    for seed in range(200):
        fast, slow = random.Random(f"s:{seed}"), random.Random(f"s:{seed}")
        for n in (0, 1, 4, 10, 32, 48):
            assert random_string(fast, n) == "".join(slow.choice(_ALNUM) for _ in range(n))
        assert fast.random() == slow.random()
