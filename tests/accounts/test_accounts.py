"""Accounts: add validation, duplicate refusal, edits as one diff, bulk actions, delete pruning."""

import datetime as dt

import pytest

from allhub_core import accounts as acc
from allhub_core.accounts import (
    DEFAULTS,
    SORT_CRITERIA,
    AccountInput,
    add_account,
    get_preferences,
    grid_changes,
    grid_frame,
    list_accounts,
)
from allhub_core.errors import DuplicateAccount, NotFound, ValidationError


def _add(store, **kw):
    base = dict(site_url="https://relay.example.com", site_name="Relay", user_id="1", access_token="tok-abcdefghijklmnop")
    base.update(kw)
    return add_account(store, AccountInput(**base))


def _count(store):
    with store.read() as con:
        return con.execute("SELECT count(*) FROM accounts").fetchone()[0]


def test_add_reduces_url_to_origin_and_keeps_fields(store):
    aid = _add(store, site_url="HTTPS://Relay.Example.com:443/panel?x=1", tags=["vip", "Free"], notes="n",
               exchange_rate="7.3", username="alice")
    rec = acc.get_account(store, aid)
    assert rec["site_url"] == "https://relay.example.com"
    assert rec["tags"] == ["Free", "vip"]
    assert rec["exchange_rate"] == 7.3 and rec["username"] == "alice" and rec["health_status"] == "unknown"
    assert rec["user_id"] == "1" and isinstance(rec["user_id"], str)
    assert "access_token" not in rec and "tok-abcdefghijklmnop" not in str(rec)


@pytest.mark.parametrize("kw,message", [
    ({"site_url": "not a url"}, "is not a valid site URL"),
    ({"site_url": ""}, "Site URL cannot be empty"),
    ({"site_name": "  "}, "site name is empty"),
    ({"user_id": ""}, "user ID is empty"),
    ({"access_token": ""}, "access token is empty"),
    ({"auth_type": "cookie", "cookie": ""}, "session cookie is empty"),
    ({"exchange_rate": 0}, "valid exchange rate, greater than 0"),
    ({"exchange_rate": -1}, "valid exchange rate, greater than 0"),
    ({"exchange_rate": "abc"}, "valid exchange rate, greater than 0"),
    ({"exchange_rate": float("nan")}, "valid exchange rate, greater than 0"),
    ({"manual_balance_usd": -1}, "valid amount"),
    ({"checkin_url": "javascript:alert(1)"}, "must be an http(s) URL"),
    ({"site_type": "bogus"}, "not a known site type"),
])
def test_bad_input_is_one_sentence_and_adds_nothing(store, kw, message):
    with pytest.raises(ValidationError) as err:
        _add(store, **kw)
    assert message in str(err.value)
    assert "\n" not in str(err.value)
    assert _count(store) == 0


def test_duplicate_refused_unless_allowed(store):
    _add(store, site_url="https://a.com/panel", user_id="55")
    with pytest.raises(DuplicateAccount, match="user ID 55 already exists"):
        add_account(store, AccountInput(site_url="a.com/v1", site_name="A", user_id="55", access_token="x" * 20),
                    allow_duplicate=False)
    assert _count(store) == 1
    add_account(store, AccountInput(site_url="a.com", site_name="A", user_id="56", access_token="x" * 20),
                allow_duplicate=False)  # other user on the same site is fine
    add_account(store, AccountInput(site_url="http://a.com", site_name="A", user_id="55", access_token="x" * 20),
                allow_duplicate=False)  # http is another origin
    assert _count(store) == 3


def test_update_writes_exactly_the_diff(store):
    a, b = _add(store, site_name="A"), _add(store, site_name="B", user_id="2")
    with store.read() as con:
        b_updated = con.execute("SELECT updated_at FROM accounts WHERE id = ?", [b]).fetchone()[0]
    acc.update_accounts(store, {a: {"site_name": "A2", "notes": "hello", "tags": ["x", "Y"], "exchange_rate": 6.5,
                                    "pinned": True, "disabled": True, "exclude_from_total_balance": True}})
    ra, rb = acc.get_account(store, a), acc.get_account(store, b)
    assert (ra["site_name"], ra["notes"], ra["tags"], ra["exchange_rate"]) == ("A2", "hello", ["x", "Y"], 6.5)
    assert ra["pinned"] and ra["disabled"] and ra["exclude_from_total_balance"]
    assert rb["site_name"] == "B" and rb["tags"] == [] and not rb["pinned"]
    with store.read() as con:
        assert con.execute("SELECT updated_at FROM accounts WHERE id = ?", [b]).fetchone()[0] == b_updated


def test_one_bad_value_rejects_the_whole_diff(store):
    a, b = _add(store, site_name="A"), _add(store, site_name="B", user_id="2")
    with pytest.raises(ValidationError):
        acc.update_accounts(store, {a: {"site_name": "OK"}, b: {"exchange_rate": 0}})
    assert acc.get_account(store, a)["site_name"] == "A"
    with pytest.raises(ValidationError, match="cannot be empty"):
        acc.update_accounts(store, {a: {"site_name": "  "}})
    with pytest.raises(NotFound, match="Account 999 does not exist"):
        acc.update_accounts(store, {a: {"site_name": "OK"}, 999: {"site_name": "x"}})
    assert acc.get_account(store, a)["site_name"] == "A"


def test_grid_tag_in_another_case_reuses_the_existing_tag(store):
    a = _add(store, tags=["VIP"])
    b = _add(store, user_id="2")
    acc.update_accounts(store, {b: {"tags": ["vip"]}})
    assert acc.get_account(store, b)["tags"] == ["VIP"]
    with store.read() as con:
        assert con.execute("SELECT count(*) FROM tags").fetchone()[0] == 1
    assert acc.get_account(store, a)["tags"] == ["VIP"]


def test_bulk_disable_enable_tag_untag(store):
    ids = [_add(store, user_id=str(i)) for i in range(4)]
    assert acc.set_disabled(store, ids[:2], True) == 2
    assert [r["disabled"] for r in acc.account_records(store, ids=ids)] .count(True) == 2
    assert acc.add_tag(store, ids[1:3], "bulk") == 2
    assert acc.add_tag(store, ids[1:3], "BULK") == 0  # already there, case-insensitively
    assert acc.remove_tag(store, ids[2:], "bulk") == 1
    tagged = {r["id"] for r in acc.account_records(store) if "bulk" in r["tags"]}
    assert tagged == {str(ids[1])}
    assert acc.set_disabled(store, ids, False) == 4


def test_delete_prunes_tags_pins_and_order(store):
    ids = [_add(store, user_id=str(i), tags=["t"]) for i in range(3)]
    acc.set_pinned(store, [ids[0]], True)
    acc.set_manual_order(store, [ids[2], ids[0], ids[1]])
    assert acc.delete_accounts(store, [ids[0]]) == 1
    with store.read() as con:
        for table in ("account_tags", "pins", "manual_order"):
            assert con.execute(f"SELECT count(*) FROM {table} WHERE account_id = ?", [ids[0]]).fetchone()[0] == 0
    with pytest.raises(NotFound):
        acc.delete_accounts(store, [ids[1], 12345])
    assert _count(store) == 2


def test_pin_newest_first_and_repin_moves_to_front(store):
    ids = [_add(store, user_id=str(i)) for i in range(3)]
    prefs = get_preferences(store)
    acc.set_pinned(store, [ids[0]], True)
    acc.set_pinned(store, [ids[1]], True)
    order = list(list_accounts(store, None, prefs)["id"])
    assert order[:2] == [ids[1], ids[0]]
    acc.set_pinned(store, [ids[0]], True)
    assert list(list_accounts(store, None, prefs)["id"])[:2] == [ids[0], ids[1]]
    acc.set_pinned(store, [ids[0]], False)
    assert next(iter(list_accounts(store, None, prefs)["id"])) == ids[1]


def test_records_have_cli_account_json_keys(store):
    _add(store)
    rec = acc.account_records(store)[0]
    for key in ("id", "site_name", "site_url", "site_type", "user_id", "username", "auth_type", "tags", "pinned",
                "disabled", "health_status", "health_reason", "quota", "balance_usd", "today_consumption_usd",
                "today_income_usd", "exchange_rate", "checkin_status", "last_sync_time"):
        assert key in rec
    assert isinstance(rec["id"], str) and isinstance(rec["quota"], int)
    with_secrets = acc.account_records(store, include_secrets=True)[0]
    assert with_secrets["access_token"] == "tok-abcdefghijklmnop"


def test_manual_balance_overrides_quota(store):
    aid = _add(store, manual_balance_usd="2.5")
    rec = acc.get_account(store, aid)
    assert rec["quota"] == 1_250_000 and rec["balance_usd"] == 2.5


def test_created_at_is_timezone_aware(store):
    aid = _add(store)
    created = dt.datetime.fromisoformat(acc.get_account(store, aid)["created_at"])
    assert created.tzinfo is not None


def test_manual_order_edit_sets_and_clears_position(store):

    a, b, c = (_add(store, site_name=n, user_id=str(i)) for i, n in enumerate("ABC"))
    prefs = dict(DEFAULTS, sorting_priority=[{"id": x, "enabled": x == "manual_order"} for x in SORT_CRITERIA])
    frame = grid_frame(list_accounts(store, None, prefs), "USD")
    changes = grid_changes(frame, {2: {"order": 1}, 1: {"order": 2}, 0: {"order": None}})
    assert changes == {c: {"manual_position": 1}, b: {"manual_position": 2}}  # A had no order: no change
    acc.update_accounts(store, changes)
    assert list(list_accounts(store, None, prefs)["site_name"]) == ["C", "B", "A"]
    acc.update_accounts(store, {c: {"manual_position": None}})
    assert list(list_accounts(store, None, prefs)["site_name"]) == ["B", "A", "C"]
    with pytest.raises(ValidationError, match="at least 1"):
        acc.update_accounts(store, {a: {"manual_position": 0}})
