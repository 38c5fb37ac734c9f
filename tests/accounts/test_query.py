"""Sorting priority (every criterion, both ways), filters, search, totals and facets — all SQL."""

import pytest

from allhub_core.accounts import (
    DEFAULTS,
    SORT_CRITERIA,
    TABLE_COLUMNS,
    AccountFilter,
    AccountInput,
    account_records,
    account_table,
    add_account,
    count_accounts,
    facet_counts,
    get_preferences,
    list_accounts,
    normalize_sorting,
    set_disabled,
    set_manual_order,
    set_pinned,
    totals,
    update_accounts,
)

Q = 500_000


def _add(store, name, **kw):
    base = dict(site_url=f"https://{name.lower()}.example.com", site_name=name, user_id="1",
                access_token="tok-abcdefghijklmnop")
    base.update(kw)
    return add_account(store, AccountInput(**base))


def _set(store, aid, **cols):
    with store.write() as con:
        sets = ", ".join(f"{k} = ?" for k in cols)
        con.execute(f"UPDATE accounts SET {sets} WHERE id = ?", [*cols.values(), aid])


def _today_stats(store, aid, consumption=None, income=None, avail="complete"):
    _set(store, aid, today_consumption=consumption, today_income=income,
         consumption_availability=avail if consumption is not None else "unavailable",
         income_availability=avail if income is not None else "unavailable")
    with store.write() as con:
        con.execute("UPDATE accounts SET stats_date = current_date WHERE id = ?", [aid])


def only(criterion, **extra):
    """Preferences with just one criterion on."""
    prefs = dict(DEFAULTS, **extra)
    prefs["sorting_priority"] = [{"id": c, "enabled": c == criterion} for c in SORT_CRITERIA]
    return prefs


def names(store, prefs, f=None):
    return list(list_accounts(store, f, prefs)["site_name"])


def test_disabled_last(store):
    a, _b = _add(store, "A"), _add(store, "B")
    update_accounts(store, {a: {"disabled": True}})
    assert names(store, only("disabled_account")) == ["B", "A"]


def test_pinned_first_newest_pin_first(store):
    _a, b, c = _add(store, "A"), _add(store, "B"), _add(store, "C")
    set_pinned(store, [c], True)
    set_pinned(store, [b], True)
    assert names(store, only("pinned")) == ["B", "C", "A"]


def test_disabled_beats_pinned_in_default_order(store):
    a, _b = _add(store, "A"), _add(store, "B")
    set_pinned(store, [a], True)
    update_accounts(store, {a: {"disabled": True}})
    assert names(store, DEFAULTS) == ["B", "A"]


@pytest.mark.parametrize("order,expected", [("desc", ["B", "C", "A"]), ("asc", ["A", "C", "B"])])
def test_balance_both_ways(store, order, expected):
    for name, quota in (("A", 1), ("B", 3), ("C", 2)):
        _set(store, _add(store, name), quota=quota * Q)
    assert names(store, only("user_sort_field", sort_field="balance", sort_order=order)) == expected


def test_balance_in_cny_uses_each_accounts_rate(store):
    _set(store, _add(store, "A", exchange_rate=10), quota=1 * Q)   # 10 CNY
    _set(store, _add(store, "B", exchange_rate=1), quota=5 * Q)    # 5 CNY
    assert names(store, only("user_sort_field", sort_field="balance", sort_order="desc", currency="USD")) == ["B", "A"]
    assert names(store, only("user_sort_field", sort_field="balance", sort_order="desc", currency="CNY")) == ["A", "B"]


@pytest.mark.parametrize("field", ["consumption", "income"])
@pytest.mark.parametrize("order,expected", [("desc", ["B", "A", "N"]), ("asc", ["A", "B", "N"])])
def test_today_figures_both_ways_unavailable_last(store, field, order, expected):
    a, b, _n = _add(store, "A"), _add(store, "B"), _add(store, "N")
    kw = "consumption" if field == "consumption" else "income"
    _today_stats(store, a, **{kw: 1 * Q})
    _today_stats(store, b, **{kw: 2 * Q})
    assert names(store, only("user_sort_field", sort_field=field, sort_order=order)) == expected


def test_stale_today_figures_count_as_unavailable(store):
    a, b = _add(store, "A"), _add(store, "B")
    _today_stats(store, a, consumption=5 * Q)
    _today_stats(store, b, consumption=1 * Q)
    with store.write() as con:
        con.execute("UPDATE accounts SET stats_date = current_date - 1 WHERE id = ?", [a])
    assert names(store, only("user_sort_field", sort_field="consumption", sort_order="desc")) == ["B", "A"]


@pytest.mark.parametrize("order,expected", [("asc", ["alpha", "Beta", "gamma"]), ("desc", ["gamma", "Beta", "alpha"])])
def test_name_both_ways_case_insensitive(store, order, expected):
    for n in ("gamma", "alpha", "Beta"):
        _add(store, n)
    assert names(store, only("user_sort_field", sort_field="name", sort_order=order)) == expected


@pytest.mark.parametrize("order,expected", [("desc", ["C", "B", "A"]), ("asc", ["A", "B", "C"])])
def test_created_at_both_ways(store, order, expected):
    for i, n in enumerate("ABC"):
        aid = _add(store, n)
        with store.write() as con:
            con.execute(f"UPDATE accounts SET created_at = TIMESTAMPTZ '2026-01-0{i + 1} 00:00:00+00' WHERE id = ?", [aid])
    assert names(store, only("user_sort_field", sort_field="created_at", sort_order=order)) == expected


def test_manual_order_listed_before_unlisted(store):
    a, _b, c = _add(store, "A"), _add(store, "B"), _add(store, "C")
    set_manual_order(store, [c, a])
    assert names(store, only("manual_order")) == ["C", "A", "B"]


def test_check_in_requirement_first(store):
    a, b, c, _d = _add(store, "A"), _add(store, "B"), _add(store, "C"), _add(store, "D", checkin_url="https://d.example.com/c")
    with store.write() as con:
        con.execute("UPDATE accounts SET checkin_status='checked', checkin_date=current_date WHERE id = ?", [a])
        con.execute("UPDATE accounts SET checkin_status='not_checked', checkin_date=current_date WHERE id = ?", [b])
        con.execute("UPDATE accounts SET checkin_status='not_checked', checkin_date=current_date - 1 WHERE id = ?", [c])
    # B needs check-in today; D has a custom URL not opened today; A is done; C's status is stale
    assert names(store, only("check_in_requirement")) == ["B", "D", "A", "C"]


def test_health_error_warning_unknown_healthy(store):
    for n, h in (("H", "healthy"), ("U", "unknown"), ("E", "error"), ("W", "warning")):
        _set(store, _add(store, n), health_status=h)
    assert names(store, only("health_status")) == ["E", "W", "U", "H"]


@pytest.mark.parametrize("criterion,field", [("custom_check_in_url", "checkin_url"), ("custom_redeem_url", "redeem_url")])
def test_custom_urls_first(store, criterion, field):
    _add(store, "A")
    _add(store, "B", **{field: "https://b.example.com/x"})
    assert names(store, only(criterion)) == ["B", "A"]


def test_first_criterion_that_separates_decides(store):
    a, b = _add(store, "A"), _add(store, "B")
    _set(store, a, quota=5 * Q, health_status="healthy")
    _set(store, b, quota=1 * Q, health_status="error")
    health_first = dict(DEFAULTS, sorting_priority=[{"id": "health_status", "enabled": True},
                                                   {"id": "user_sort_field", "enabled": True}])
    balance_first = dict(DEFAULTS, sorting_priority=[{"id": "user_sort_field", "enabled": True},
                                                    {"id": "health_status", "enabled": True}])
    assert names(store, health_first) == ["B", "A"]
    assert names(store, balance_first) == ["A", "B"]


def test_all_criteria_off_is_id_order(store):
    for n in "CAB":
        _add(store, n)
    prefs = dict(DEFAULTS, sorting_priority=[{"id": c, "enabled": False} for c in SORT_CRITERIA])
    assert names(store, prefs) == ["C", "A", "B"]


def test_normalize_sorting_keeps_order_and_restores_missing():
    out = normalize_sorting([{"id": "health_status", "enabled": False}, {"id": "bogus"}, {"id": "health_status"}])
    assert out[0] == {"id": "health_status", "enabled": False}
    assert [c["id"] for c in out].count("health_status") == 1
    assert {c["id"] for c in out} == set(SORT_CRITERIA)
    restored = {c["id"]: c["enabled"] for c in out[1:]}
    assert restored["pinned"] and restored["manual_order"] and restored["disabled_account"]
    assert not restored["custom_redeem_url"]


def test_filters_tags_or_status_type_health_checkin(store):
    a = _add(store, "A", tags=["free"], site_type="new-api")
    b = _add(store, "B", tags=["paid"], site_type="one-api")
    c = _add(store, "C", tags=["other"], site_type="new-api")
    update_accounts(store, {c: {"disabled": True}})
    _set(store, b, health_status="error")
    with store.write() as con:
        con.execute("UPDATE accounts SET checkin_status='checked', checkin_date=current_date WHERE id = ?", [a])
    p = DEFAULTS
    assert set(names(store, p, AccountFilter(tags=["FREE", "paid"]))) == {"A", "B"}
    assert set(names(store, p, AccountFilter(status="disabled"))) == {"C"}
    assert set(names(store, p, AccountFilter(status="enabled"))) == {"A", "B"}
    assert set(names(store, p, AccountFilter(site_types=["new-api"]))) == {"A", "C"}
    assert set(names(store, p, AccountFilter(health=["error"]))) == {"B"}
    assert set(names(store, p, AccountFilter(health=["never_synced"]))) == {"A", "B", "C"}
    assert set(names(store, p, AccountFilter(checkin=["checked"]))) == {"A"}
    assert set(names(store, p, AccountFilter(checkin=["outdated"]))) == {"B", "C"}
    assert set(names(store, p, AccountFilter(tags=["free", "paid"], site_types=["new-api"]))) == {"A"}
    assert count_accounts(store, AccountFilter(site_types=["new-api"])) == 2


def test_search_every_token_must_match_somewhere(store):
    _add(store, "Alpha Relay", site_url="https://alpha.example.com", username="alice", notes="cheap gpt", tags=["cn"])
    _add(store, "Beta", username="bob", site_url="https://beta.io/panel")
    p = DEFAULTS
    assert names(store, p, AccountFilter(search="alpha")) == ["Alpha Relay"]
    assert names(store, p, AccountFilter(search="ALICE cheap")) == ["Alpha Relay"]
    assert names(store, p, AccountFilter(search="alice bob")) == []
    assert names(store, p, AccountFilter(search="cn")) == ["Alpha Relay"]
    assert names(store, p, AccountFilter(search="https://BETA.io/other")) == ["Beta"]
    assert names(store, p, AccountFilter(search="100%_'; DROP TABLE accounts; --")) == []
    assert count_accounts(store, None) == 2


def test_totals_respect_exclusions_disabled_and_currency(store):
    a = _add(store, "A", exchange_rate=7)
    b = _add(store, "B", exchange_rate=2, user_id="2")
    c = _add(store, "C", user_id="3")
    _add(store, "D", user_id="4")
    _set(store, a, quota=2 * Q)
    _set(store, b, quota=3 * Q, exclude_from_total_balance=True, exclude_from_today_income=True)
    _set(store, c, quota=100 * Q, disabled=True)
    _today_stats(store, a, consumption=1 * Q, income=2 * Q)
    _today_stats(store, b, consumption=1 * Q, income=4 * Q)
    t = totals(store, None)
    assert t["accounts"] == 4 and t["enabled"] == 3
    assert t["balance_usd"] == pytest.approx(2.0)  # b excluded, c disabled, d zero
    assert t["balance_cny"] == pytest.approx(14.0)
    assert t["consumption_usd"] == pytest.approx(2.0) and t["consumption_cny"] == pytest.approx(9.0)
    assert t["income_usd"] == pytest.approx(2.0) and t["income_cny"] == pytest.approx(14.0)
    assert t["consumption_covered"] == 2 and t["income_covered"] == 1
    only_a = totals(store, AccountFilter(search="A"))
    assert only_a["balance_usd"] == pytest.approx(2.0) and only_a["accounts"] >= 1


def test_facets_count_with_other_filters_applied(store):
    _add(store, "A", tags=["x"], site_type="new-api")
    _add(store, "B", tags=["x", "y"], site_type="one-api")
    _add(store, "C", tags=["y"], site_type="one-api")
    f = facet_counts(store, AccountFilter(site_types=["one-api"], tags=["x"]))
    assert f["tags"] == {"x": 1, "y": 2}  # tag counts ignore the tag filter itself
    assert f["site_types"] == {"new-api": 1, "one-api": 1}
    assert f["status"] == {"enabled": 1}


@pytest.mark.parametrize("flt", [AccountFilter(), AccountFilter(status="all"), AccountFilter(tags=["free"]),
                                 AccountFilter(search="b"), AccountFilter(status="disabled")])
def test_the_command_line_table_reads_what_the_records_say(store, flt):
    """``account_table`` (what ``allhub account list`` prints) equals the records' columns, row for row."""
    a = _add(store, "A", tags=["paid", "free"])
    b = _add(store, "B", tags=["other"])
    c = _add(store, "C")
    _set(store, a, quota=3 * Q)
    _set(store, b, quota=Q // 3)
    set_pinned(store, [b], True)
    set_disabled(store, [c], True)
    prefs = get_preferences(store)
    table = account_table(store, flt, prefs)
    recs = account_records(store, f=flt, prefs=prefs)
    as_table = [tuple(",".join(r["tags"]) if k == "tags" else (int(r["id"]) if k == "id" else r[k])
                      for k in TABLE_COLUMNS) for r in recs]
    assert table == as_table
