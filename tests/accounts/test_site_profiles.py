"""Per-site windows (the user's, and a 429's lower one) and the plans capability, on a real store."""

from datetime import UTC, datetime, timedelta

import pytest

from allhub_core.accounts import (
    AccountInput,
    add_account,
    lower_site_window,
    plans_known,
    record_site_plans,
    set_site_window,
    site_rows,
    site_windows,
)
from allhub_core.errors import ValidationError


def _add(store, host, uid="1"):
    return add_account(store, AccountInput(site_url=f"https://{host}", site_name=host, user_id=uid,
                                           access_token="tok-abcdefghijklmnop"))


def test_a_site_window_is_stored_shown_and_cleared(store):
    _add(store, "a.example.com")
    _add(store, "a.example.com", uid="2")
    _add(store, "b.example.com")
    got = set_site_window(store, "HTTPS://A.example.com/path", 180, 180)
    assert got is not None and (got.requests, got.seconds, got.source) == (180, 180.0, "user")
    assert set(site_windows(store)) == {"https://a.example.com"}
    rows = {r["origin"]: r for r in site_rows(store)}
    assert rows["https://a.example.com"]["accounts"] == 2
    assert rows["https://a.example.com"]["window"] == "180 per 180 s"
    assert rows["https://a.example.com"]["window_source"] == "user"
    assert rows["https://b.example.com"]["window_source"] == "default"
    assert rows["https://b.example.com"]["window"] == "50 per 180 s"
    assert set_site_window(store, "https://a.example.com") is None
    assert site_windows(store) == {}


@pytest.mark.parametrize(("n", "w", "why"), [
    (-1, 180, "requests"), (10_001, 180, "requests"), (1.5, 180, "whole number"), ("x", 180, "number"),
    (10, 0, "seconds"), (10, float("nan"), "seconds"), (True, 60, "whole number")])
def test_a_bad_window_is_one_sentence_and_changes_nothing(store, n, w, why):
    with pytest.raises(ValidationError, match=why):
        set_site_window(store, "https://a.example.com", n, w)
    with pytest.raises(ValidationError, match="not a site address"):
        set_site_window(store, "::::", 10, 10)
    assert site_windows(store) == {}


def test_a_429_lowers_a_window_and_never_raises_it(store):
    assert lower_site_window(store, "https://a.example.com", 25, 180) is True  # below the default 50/180
    assert site_windows(store)["https://a.example.com"].source == "429"
    assert lower_site_window(store, "https://a.example.com", 40, 180) is False  # higher: not stored
    assert site_windows(store)["https://a.example.com"].requests == 25
    set_site_window(store, "https://b.example.com", 180, 180)
    assert lower_site_window(store, "https://b.example.com", 90, 180) is True
    got = site_windows(store)["https://b.example.com"]
    assert (got.requests, got.source) == (90, "429")


def test_plans_are_known_for_a_day(store):
    record_site_plans(store, {"https://a.example.com": True, "https://b.example.com": False})
    assert plans_known(store) == {"https://a.example.com": True, "https://b.example.com": False}
    tomorrow = datetime.now(UTC) + timedelta(days=1, minutes=1)
    assert plans_known(store, now=tomorrow) == {}
