"""The history room: snapshot upsert and retention, the refresh's one transaction, usage storage,
and each analytics query on a known dataset giving the known numbers."""

from __future__ import annotations

import json
import math
from datetime import date, datetime, timedelta

import pytest

import allhub_core.sync.refreshes as refreshes
from allhub_core import history
from allhub_core.accounts import AccountInput, add_account, add_tag, delete_accounts, set_disabled, set_preference
from allhub_core.cli.main import main
from allhub_core.errors import StoreError, ValidationError
from allhub_core.sites import RefreshResult
from allhub_core.sync import write_refresh_results

U = 500_000  # quota units per USD
def _today() -> date:
    """Today when asked, not when the module was imported: a run that crosses midnight still compares
    one day with the same day."""
    return date.today()


def _account(store, n, **extra):
    return add_account(store, AccountInput(site_url=f"https://s{n}.example", site_name=f"Site {n}",
                                           site_type="new-api", user_id=str(n), access_token=f"token-{n:08d}",
                                           **extra))


def _snap(store, day, aid, quota, consumption=None, income=None):
    with store.write() as con:
        history.record_snapshots(con, [{"id": aid, "quota": quota, "today_consumption": consumption,
                                        "today_income": income}], day=day)


def _rows(store, aid):
    with store.read() as con:
        return con.execute("SELECT day, quota, consumption, income, income_estimated, source FROM balance_snapshots "
                           "WHERE account_id = ? ORDER BY day", [aid]).fetchall()


# -- snapshots --------------------------------------------------------------------

def test_one_snapshot_per_day_the_last_refresh_wins(store):
    a = _account(store, 1)
    _snap(store, _today(), a, 10 * U, consumption=U, income=2 * U)
    _snap(store, _today(), a, 9 * U, consumption=2 * U, income=2 * U)
    assert _rows(store, a) == [(_today(), 9 * U, 2 * U, 2 * U, False, "refresh")]


def test_income_is_estimated_from_yesterday_when_the_site_gives_none(store):
    a = _account(store, 1)
    _snap(store, _today() - timedelta(days=1), a, 10 * U)
    _snap(store, _today(), a, 12 * U, consumption=U)  # 12 - 10 + 1 = 3 USD came in
    assert _rows(store, a)[-1][2:5] == (U, 3 * U, True)
    _snap(store, _today(), a, 5 * U, consumption=U)  # spent more than the drop: never below 0
    assert _rows(store, a)[-1][3:5] == (0, True)
    b = _account(store, 2)
    _snap(store, _today(), b, 5 * U, consumption=U)  # no yesterday: nothing to estimate from
    assert _rows(store, b)[-1][3:5] == (None, False)


def test_retention_deletes_old_snapshots_and_prune_removes_deleted_accounts(store):
    a, b = _account(store, 1), _account(store, 2)
    for back in (0, 10, 400):
        _snap(store, _today() - timedelta(days=back), a, U)
        _snap(store, _today() - timedelta(days=back), b, U)
    with store.write() as con:
        history.record_snapshots(con, [{"id": a, "quota": 2 * U}], retention_days=365)
    assert len(_rows(store, a)) == 2 and len(_rows(store, b)) == 2

    delete_accounts(store, [b])
    with store.write() as con:
        history.insert_usage_rows(con, a, [
            {"created_at": int(datetime.combine(_today() - timedelta(days=100), datetime.min.time()).timestamp())},
            {"created_at": int(datetime.now().timestamp()) - 60}])
    out = history.prune_history(store, history_days=5, usage_days=90)
    assert out == {"snapshots": 1 + 2, "usage_rows": 1}
    assert [r[0] for r in _rows(store, a)] == [_today()] and history.usage_row_count(store) == 1


def _ok(aid, quota, **kw):
    return RefreshResult(account_id=str(aid), ok=True, health_status="healthy", health_reason="", quota=quota,
                         availability={"consumption": ("complete", ""), "income": ("complete", "")}, **kw)


def test_refresh_writes_figures_and_snapshot_in_one_transaction(store, monkeypatch):
    a, b = _account(store, 1), _account(store, 2)
    write_refresh_results(store, [
        _ok(a, 7 * U, today_consumption=U, today_income=0, subscription_quota=3 * U),
        RefreshResult(account_id=str(b), ok=False, health_status="error", health_reason="down")])
    with store.read() as con:
        snaps = con.execute("SELECT account_id, quota, subscription_quota, consumption, income "
                            "FROM balance_snapshots").fetchall()
    assert snaps == [(a, 7 * U, 3 * U, U, 0)]  # a failed refresh records no snapshot

    def broken(con, rows, **kw):
        raise StoreError("disk full")

    monkeypatch.setattr(refreshes, "record_snapshots", broken)
    with pytest.raises(StoreError):
        write_refresh_results(store, [_ok(a, 1 * U, today_consumption=0, today_income=0)])
    with store.read() as con:  # the figures were rolled back with the snapshot
        assert con.execute("SELECT quota FROM accounts WHERE id = ?", [a]).fetchall() == [(7 * U,)]


# -- analytics on a known dataset -------------------------------------------------------

@pytest.fixture
def known(store):
    """Three accounts: a (tag 'work'), b (excluded from the total balance and from income), c (disabled).

    day -3: a 10, b 4       day -2: a 8 (spent 2)     day -1: b 6 (income 2)     today: a 9 (income 1.5, spent 0.5)
    """
    a, b, c = _account(store, 1), _account(store, 2), _account(store, 3)
    add_tag(store, [a], "Work")
    d = [_today() - timedelta(days=n) for n in (3, 2, 1, 0)]
    _snap(store, d[0], a, 10 * U, consumption=0, income=0)
    _snap(store, d[0], b, 4 * U, consumption=0, income=0)
    _snap(store, d[0], c, 100 * U, consumption=0, income=0)
    _snap(store, d[1], a, 8 * U, consumption=2 * U, income=0)
    _snap(store, d[2], b, 6 * U, consumption=0, income=2 * U)
    _snap(store, d[3], a, 9 * U, consumption=U // 2, income=3 * U // 2)
    set_disabled(store, [c], True)
    with store.write() as con:
        con.execute("UPDATE accounts SET quota = ? WHERE id = ?", [9 * U, a])
        con.execute("UPDATE accounts SET quota = ?, exclude_from_total_balance = true, "
                    "exclude_from_today_income = true WHERE id = ?", [6 * U, b])
    return {"a": a, "b": b, "c": c, "days": d}


def test_balance_history_summed_carries_balances_forward(store, known):
    d = known["days"]
    f = history.balance_history(store, start=d[0] - timedelta(days=1), end=d[3])
    assert list(f.columns) == ["day", "balance_usd", "income_usd", "expense_usd", "net_usd"]
    assert f["day"].tolist() == [d[0] - timedelta(days=1), *d]
    assert math.isnan(f["balance_usd"][0]) and math.isnan(f["net_usd"][0])
    # only a counts (b is excluded from the total, c is disabled); a carries 8 into day -1
    assert f["balance_usd"].tolist()[1:] == [10.0, 8.0, 8.0, 9.0]
    assert f["expense_usd"].tolist()[1:3] == [0.0, 2.0]
    assert f["income_usd"][4] == 1.5 and f["net_usd"][4] == 1.0 and f["net_usd"][2] == -2.0
    assert math.isnan(f["income_usd"][3])  # b's income is excluded from the sum; a had no snapshot


def test_balance_history_per_account_and_filters(store, known):
    a, b, d = known["a"], known["b"], known["days"]
    f = history.balance_history(store, start=d[0], end=d[3], account_ids=[a, b], per_account=True)
    assert list(f.columns) == ["day", "account_id", "site_name", "balance_usd", "income_usd", "expense_usd",
                               "net_usd"]
    b_rows = f[f["account_id"] == b]
    assert b_rows["balance_usd"].tolist() == [4.0, 4.0, 6.0, 6.0]
    assert b_rows["income_usd"].tolist()[2] == 2.0
    tagged = history.balance_history(store, start=d[3], end=d[3], tag="work")
    assert tagged["balance_usd"].tolist() == [9.0]
    ids = history.balance_history(store, start=d[3], end=d[3], account_ids=[a, b])
    assert ids["balance_usd"].tolist() == [15.0]  # chosen explicitly: both count
    with pytest.raises(ValidationError):
        history.balance_history(store, start=d[3], end=d[0])


def test_balance_table_and_day_distribution(store, known):
    a, b, d = known["a"], known["b"], known["days"]
    t = history.balance_table(store, start=d[1], end=d[3])
    assert list(t.columns) == ["account_id", "site_name", "start_usd", "end_usd", "net_usd", "days_covered",
                               "days_in_range"]
    rows = {r["account_id"]: r for r in t.to_dict(orient="records")}
    assert set(rows) == {a, b}  # c is disabled
    assert (rows[a]["start_usd"], rows[a]["end_usd"], rows[a]["net_usd"], rows[a]["days_covered"]) == (8.0, 9.0, 1.0, 2)
    assert (rows[b]["start_usd"], rows[b]["end_usd"], rows[b]["days_covered"], rows[b]["days_in_range"]) == (
        4.0, 6.0, 1, 3)
    dist = history.day_distribution(store, d[2])
    assert dist[["account_id", "balance_usd"]].values.tolist() == [[a, 8.0], [b, 6.0]]
    assert history.day_distribution(store, d[0] - timedelta(days=1)).empty
    assert history.day_distribution(store, d[2], tag="WORK")["account_id"].tolist() == [a]


def test_sparklines(store, known):
    a, b, c = known["a"], known["b"], known["c"]
    lines = history.sparklines(store, days=3)
    assert lines[a] == [8.0, 8.0, 9.0] and lines[b] == [4.0, 6.0, 6.0] and lines[c] == [100.0] * 3
    assert history.sparklines(store, days=10)[a] == [10.0, 8.0, 8.0, 9.0]


def test_overview(store, known):
    a, _b = known["a"], known["b"]
    write_refresh_results(store, [_ok(a, 9 * U, today_consumption=U // 2, today_income=3 * U // 2, checkin_status="not_checked",
                                      checkin_supported=True)])
    set_preference(store, "low_balance_usd", 7)
    o = history.overview(store)
    assert o.total_balance_usd == 9.0 and o.total_subscription_usd is None
    assert o.today_consumption_usd == 0.5 and o.today_income_usd == 1.5
    assert (o.complete, o.partial) == (1, 0)
    assert o.by_health == {"healthy": 1, "unknown": 1}
    assert o.has_history and o.trend["balance_usd"].tolist()[-4:] == [10.0, 8.0, 8.0, 9.0]
    # a check-in still to do is no reason of its own (the daily run takes it); b is excluded
    # from the balance, never "low"
    assert o.attention == []
    set_preference(store, "low_balance_usd", 10)
    o = history.overview(store)
    assert [(x["id"], x["kinds"]) for x in o.attention] == [(a, ["low_balance", "not_checked_in"])]


def test_overview_without_history(store):
    _account(store, 1)
    o = history.overview(store)
    assert not o.has_history and o.trend.empty and o.total_balance_usd == 0.0


# -- usage ------------------------------------------------------------------------------

def _ts(day, hour, minute=0):
    return int(datetime.combine(day, datetime.min.time()).replace(hour=hour, minute=minute).timestamp())


@pytest.fixture
def usage(store, known):
    a, b, d = known["a"], known["b"], known["days"]
    rows_a = [
        {"created_at": _ts(d[1], 9), "model": "m1", "token_name": "k1", "prompt_tokens": 100, "completion_tokens": 50,
         "quota": U, "latency_s": 1.0},
        {"created_at": _ts(d[1], 9), "model": "m1", "token_name": "k1", "prompt_tokens": 100, "completion_tokens": 50,
         "quota": U, "latency_s": 1.0},  # the same request twice in one second: two rows
        {"created_at": _ts(d[3], 0, 30), "model": "m2", "token_name": "k2", "prompt_tokens": 10, "completion_tokens": 5,
         "quota": U // 2, "latency_s": 3.0},
    ]
    rows_b = [{"created_at": _ts(d[2], 23), "model": "m1", "token_name": "k1", "prompt_tokens": 1000,
               "completion_tokens": 0, "quota": 2 * U, "requests": 4, "source": "hourly"}]
    with store.write() as con:
        assert history.insert_usage_rows(con, a, rows_a) == 3
        assert history.insert_usage_rows(con, a, rows_a) == 0  # fingerprints: nothing twice
        assert history.insert_usage_rows(con, b, rows_b) == 1
    return known


def test_usage_totals_and_filters(store, usage):
    a, b, d = usage["a"], usage["b"], usage["days"]
    t = history.usage_totals(store, start=d[0], end=d[3])
    assert t == {"requests": 7, "prompt_tokens": 1210, "completion_tokens": 105, "tokens": 1315, "cost_usd": 4.5}
    assert history.usage_totals(store, start=d[0], end=d[3], models=["m2"])["cost_usd"] == 0.5
    assert history.usage_totals(store, start=d[0], end=d[3], account_ids=[b])["requests"] == 4
    assert history.usage_totals(store, start=d[0], end=d[3], token_names=["k1"], account_ids=[a])["requests"] == 2
    assert history.usage_totals(store, start=d[3], end=d[3])["requests"] == 1
    with pytest.raises(ValidationError):
        history.usage_by(store, "color", start=d[0], end=d[3])


def test_usage_by_every_grouping(store, usage):
    a, b, d = usage["a"], usage["b"], usage["days"]
    day = history.usage_by(store, "day", start=d[0], end=d[3])
    assert day.values.tolist() == [[d[0], 0, 0, 0.0], [d[1], 2, 300, 2.0], [d[2], 4, 1000, 2.0], [d[3], 1, 15, 0.5]]
    model = history.usage_by(store, "model", start=d[0], end=d[3])
    assert model.values.tolist() == [["m1", 6, 1300, 4.0], ["m2", 1, 15, 0.5]]
    acc = history.usage_by(store, "account", start=d[0], end=d[3])
    assert acc.values.tolist() == [[a, "Site 1", 3, 315, 2.5], [b, "Site 2", 4, 1000, 2.0]]
    token = history.usage_by(store, "token", start=d[0], end=d[3])
    assert token.values.tolist() == [["k1", 6, 1300, 4.0], ["k2", 1, 15, 0.5]]
    heat = history.usage_by(store, "weekday_hour", start=d[0], end=d[3])
    assert len(heat) == 168 and heat["requests"].sum() == 7
    cell = heat[(heat["weekday"] == d[2].weekday()) & (heat["hour"] == 23)]
    assert cell["requests"].tolist() == [4]
    lat = history.usage_by(store, "latency", start=d[0], end=d[3])
    assert lat.values.tolist() == [["m1", 2, 1.0, 1.0], ["m2", 1, 3.0, 3.0]]  # hourly rows carry no latency


def test_usage_facets(store, usage):
    f = history.usage_facets(store)
    assert f["models"] == ["m1", "m2"] and f["token_names"] == ["k1", "k2"]
    assert [x["id"] for x in f["accounts"]] == [usage["a"], usage["b"]]


def test_usage_cursor_moves_and_backlog(store):
    a = _account(store, 1)
    now = 2_000_000_000
    assert history.next_window(None, now=now, retention_days=1) == (now - 86400, now)
    rows = [{"created_at": now - 100 + i} for i in range(5)]
    with store.write() as con:  # cut short: keeps what it read, the older part is the backlog
        assert history.record_usage_run(con, a, rows[2:], window=(now - 86400, now), complete=False,
                                        status="partial") == 3
    state = history.usage_states(store)[a]
    assert state["backlog_end"] == now - 98 and state["last_ts"] is None
    assert history.next_window(state, now=now + 50, retention_days=1) == (now + 50 - 86400, now - 98)
    with store.write() as con:
        assert history.record_usage_run(con, a, rows[:3], window=(now - 86400, now - 98), complete=True,
                                        status="ok") == 2
    state = history.usage_states(store)[a]
    assert state["backlog_end"] is None and state["last_ts"] == now - 96
    with pytest.raises(ValidationError):
        with store.write() as con:
            history.record_usage_run(con, a, [], window=(0, 1), complete=True, status="weird")
    assert history.usage_due(store, [a], 3600) == [] and history.usage_due(store, [a], 0) == []


def test_history_and_usage_cli(store, usage, db_path, capsys):

    assert main(["--db", str(db_path), "history", "--days", "4", "--json", "--summed"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["balance_usd"] for r in rows] == [10.0, 8.0, 8.0, 9.0]
    assert [r["quota"] for r in rows] == [5_000_000, 4_000_000, 4_000_000, 4_500_000]
    # The contract's default (shared/spec/cli.md): one row per account and day.
    assert main(["--db", str(db_path), "history", "--days", "2", "--csv"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("date,account_id,site_name,quota,balance_usd,consumption_usd,income_usd") and "\r\n" in out
    assert main(["--db", str(db_path), "history", "--days", "4", "--json"]) == 0
    per_account = json.loads(capsys.readouterr().out)
    first = per_account[0]["account_id"]
    assert main(["--db", str(db_path), "history", "--days", "4", "--json", "--account", str(first)]) == 0
    only = json.loads(capsys.readouterr().out)
    assert only and {r["account_id"] for r in only} == {first}
    assert main(["--db", str(db_path), "usage", "--by", "key", "--days", "4", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)
    assert main(["--db", str(db_path), "usage", "--by", "model", "--days", "4", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0] == {"model": "m1", "requests": 6, "tokens": 1300, "cost_usd": 4.0}
    assert main(["--db", str(db_path), "usage", "--days", "4"]) == 0
    assert "7 requests" in capsys.readouterr().out
    assert main(["--db", str(db_path), "history", "--days", "0"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    for bad in (["usage", "--by", "nothing"], ["history", "--json", "--csv"]):
        with pytest.raises(SystemExit) as exc:
            main(["--db", str(db_path), *bad])
        assert exc.value.code == 2


def test_overview_lists_warnings_as_needing_attention_with_their_reason(store, known):
    """A rejected token is a warning, not an error, and the user must still act on it (the same
    rule as the Accounts page's "Needs attention")."""
    a, b = known["a"], known["b"]
    write_refresh_results(store, [
        RefreshResult(account_id=str(a), ok=False, health_status="error", health_reason="The site is down"),
        RefreshResult(account_id=str(b), ok=False, health_status="warning", health_reason="HTTP 401: invalid token")])
    health = [(x["id"], x["kinds"][0], x["reason"].split("; ")[0]) for x in history.overview(store).attention]
    assert health == [(a, "error", "Error: The site is down"), (b, "warning", "Warning: HTTP 401: invalid token")]


def test_overview_lists_an_account_with_several_reasons_once_with_all_of_them(store, known):
    """Issue 16: an error, a low balance and a missing check-in were three rows of one account."""
    a, b = known["a"], known["b"]
    write_refresh_results(store, [_ok(a, 2 * U, checkin_status="not_checked", checkin_supported=True)])
    write_refresh_results(store, [
        RefreshResult(account_id=str(a), ok=False, health_status="error", health_reason="The site is down"),
        RefreshResult(account_id=str(b), ok=False, health_status="warning", health_reason="HTTP 401")])
    set_preference(store, "low_balance_usd", 5)
    rows = [(x["id"], x["kinds"], x["reason"]) for x in history.overview(store).attention]
    assert rows == [
        (a, ["error", "low_balance", "not_checked_in"], "Error: The site is down; Low balance: $2.00; "
                                                        "Not checked in today"),
        # b's check-in support is unknown: the daily run still takes it, so it is still to do
        (b, ["warning", "not_checked_in"], "Warning: HTTP 401; Not checked in today")]
