"""The models cache on a real DuckDB file: store_models replaces an account's rows and groups with
the site's own numbers, records the models added and removed against the previous sync (none on the
first, each change once), leaves other accounts alone, refuses a missing account without writing,
and model_changes lists the changes newest first within the asked days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from allhub_core.accounts import AccountInput, add_account, delete_accounts
from allhub_core.errors import NotFound, ValidationError
from allhub_core.prices import (
    GroupRecord,
    PriceRecord,
    model_changes,
    model_syncs,
    store_models,
    stored_models,
)

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def _account(store, name):
    return add_account(store, AccountInput(site_url=f"https://{name}.example", site_name=name, user_id="1",
                                           access_token="t" * 24))


def _rows(*names):
    return [PriceRecord(model=n, billing="tokens", vendor="OpenAI", model_ratio=1.25, completion_ratio=4,
                        cache_ratio=0.5, enable_groups=["default", "vip"], endpoints=["openai"]) for n in names]


GROUPS = [GroupRecord("default", "默认分组", 1.0, True), GroupRecord("svip", "SVIP", 0.5, False)]


def _prices(store, aid):
    with store.read() as con:
        return con.execute("""SELECT model, vendor, billing, model_ratio, completion_ratio, model_price, cache_ratio,
                                     create_cache_ratio, enable_groups, endpoints FROM model_prices
                              WHERE account_id = ? ORDER BY model""", [aid]).fetchall()


def test_first_sync_stores_the_sites_numbers_and_records_no_change(store):
    aid = _account(store, "alpha")
    call = PriceRecord(model="gemini-1.5-pro", billing="call", model_price=0.05, enable_groups=["default"])
    added, removed = store_models(store, aid, "https://alpha.example", [*_rows("gpt-4o"), call], GROUPS, T0)
    assert (added, removed) == ([], [])
    assert _prices(store, aid) == [
        ("gemini-1.5-pro", "", "call", None, None, 0.05, None, None, ["default"], []),
        ("gpt-4o", "OpenAI", "tokens", 1.25, 4.0, None, 0.5, None, ["default", "vip"], ["openai"]),
    ]
    with store.read() as con:
        groups = con.execute("SELECT grp, description, ratio, usable FROM account_groups WHERE account_id = ? "
                             "ORDER BY grp", [aid]).fetchall()
    assert groups == [("default", "默认分组", 1.0, True), ("svip", "SVIP", 0.5, False)]
    synced = model_syncs(store).set_index("account_id")
    assert synced.loc[aid, "models"] == 2 and bool(synced.loc[aid, "priced"]) is True
    assert model_changes(store, days=3650) == []


def test_a_change_between_two_syncs_is_recorded_once(store):
    aid = _account(store, "alpha")
    other = _account(store, "beta")
    store_models(store, other, "https://beta.example", _rows("qwen-max"), GROUPS, T0)
    store_models(store, aid, "https://alpha.example", _rows("gpt-4o", "deepseek-chat"), GROUPS, T0)
    t1, t2 = T0 + timedelta(hours=1), T0 + timedelta(hours=2)
    assert store_models(store, aid, "https://alpha.example", _rows("gpt-4o", "glm-4-plus"), GROUPS, t1) == (
        ["glm-4-plus"], ["deepseek-chat"])
    assert store_models(store, aid, "https://alpha.example", _rows("gpt-4o", "glm-4-plus"), GROUPS, t2) == ([], [])
    assert stored_models(store, aid) == ["glm-4-plus", "gpt-4o"]
    assert stored_models(store, other) == ["qwen-max"]  # another account is untouched
    changes = model_changes(store, days=30, now=t2)
    assert [(c["model"], c["change"]) for c in changes] == [("glm-4-plus", "added"), ("deepseek-chat", "removed")]
    assert changes[0] == {"account_id": aid, "site_name": "alpha", "origin": "https://alpha.example",
                          "model": "glm-4-plus", "change": "added", "changed_at": t1.isoformat()}
    # the newest first, and only within the asked days
    store_models(store, aid, "https://alpha.example", _rows("gpt-4o"), GROUPS, T0 + timedelta(days=3))
    recent = model_changes(store, days=1, now=T0 + timedelta(days=3, hours=1))
    assert [(c["model"], c["change"]) for c in recent] == [("glm-4-plus", "removed")]


def test_a_model_list_without_prices_is_stored_as_unknown_and_a_missing_account_changes_nothing(store):
    aid = _account(store, "alpha")
    store_models(store, aid, "https://alpha.example", [PriceRecord("m1"), PriceRecord("m1"), PriceRecord(" ")], [],
                 T0, priced=False)
    assert _prices(store, aid) == [("m1", "", "unknown", None, None, None, None, None, [], [])]
    assert bool(model_syncs(store).set_index("account_id").loc[aid, "priced"]) is False
    with pytest.raises(NotFound):
        store_models(store, 9999, "https://nowhere.example", _rows("gpt-4o"), GROUPS, T0)
    with store.read() as con:
        assert con.execute("SELECT count(*) FROM model_prices WHERE account_id = 9999").fetchone()[0] == 0
    delete_accounts(store, [aid])
    assert stored_models(store, aid) == [] and model_changes(store, days=3650) == []


@pytest.mark.parametrize("days", [0, -1, "x", 1.5, 5000])
def test_bad_days_are_one_sentence(store, days):
    with pytest.raises(ValidationError) as err:
        model_changes(store, days=days)
    assert "\n" not in str(err.value)
