"""Usage-log sync against the sandbox relay sites over real HTTP: incremental, de-duplicated, polite."""

from __future__ import annotations

import json
import time
from datetime import date

import pytest
from shared import add_demo_account, fast_politeness

from allhub_core import history
from allhub_core.accounts import set_preference
from allhub_core.cli.main import main
from allhub_core.sandbox import LogRow
from allhub_core.sandbox._faults import Fault
from allhub_core.sync import refresh, sync_usage

FAST = fast_politeness(read_timeout=1.0, retries=1, retries_429=1)


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(users_per_site=2, seed=3)


pytestmark = pytest.mark.usefixtures("fresh_sites")  # each test starts from the seeded sites


def _consumed(user):
    return [r for r in user.logs if r.type == 2]


def _append_log(site, user, quota=4321, model="gpt-4o"):
    with site.lock:
        user.logs.append(LogRow(id=site.ids.next_log(), user_id=user.id, username=user.username,
                                created_at=int(time.time()), type=2, model_name=model, token_name="key-9",
                                quota=quota, prompt_tokens=11, completion_tokens=7, use_time=3))


def test_sync_stores_every_log_row_once_and_then_only_new_ones(store, sandbox):
    aid, site, user = add_demo_account(store, sandbox, "new-api")
    first = sync_usage(store, politeness=FAST)
    assert first.rows()[0]["status"] == "ok" and first.exit_code() == 0
    expected = _consumed(user)
    assert history.usage_row_count(store, aid) == len(expected) == first.added[str(aid)]
    totals = history.usage_totals(store, start=_day(min(r.created_at for r in expected)), end=_day(time.time()))
    assert totals["requests"] == len(expected)
    assert totals["cost_usd"] == pytest.approx(sum(r.quota for r in expected) / 500_000)
    assert totals["prompt_tokens"] == sum(r.prompt_tokens for r in expected)

    again = sync_usage(store, politeness=FAST)
    assert again.added[str(aid)] == 0 and history.usage_row_count(store, aid) == len(expected)

    _append_log(site, user)
    _append_log(site, user)  # two identical requests in the same second stay two rows
    third = sync_usage(store, politeness=FAST)
    assert third.added[str(aid)] == 2
    assert history.usage_row_count(store, aid) == len(expected) + 2
    # the incremental run asked only for the time since the last stored row
    state = history.usage_states(store, [aid])[aid]
    assert state["status"] == "ok" and state["backlog_end"] is None
    assert state["last_ts"] >= max(r.created_at for r in expected)


def _day(ts):

    return date.fromtimestamp(ts)


def test_page_limit_is_honoured_and_the_backlog_comes_next_time(store, sandbox):
    aid, site, user = add_demo_account(store, sandbox, "one-api")  # One API pages by 10
    set_preference(store, "usage_sync_page_limit", 1)
    expected = len(_consumed(user))
    assert expected > 20
    site.clear_requests()
    first = sync_usage(store, politeness=FAST)
    log_calls = [r for r in site.requests if r.path == "/api/log/self"]
    assert len(log_calls) == 1
    assert first.rows()[0]["status"] == "partial" and first.added[str(aid)] == 10
    assert "only the first 1 pages" in first.rows()[0]["message"]
    assert history.usage_states(store, [aid])[aid]["backlog_end"] is not None
    runs = 1
    while history.usage_states(store, [aid])[aid]["status"] != "ok":
        sync_usage(store, politeness=FAST)
        runs += 1
        assert runs < 10
    assert history.usage_row_count(store, aid) == expected  # the backlog filled, nothing twice
    assert sync_usage(store, politeness=FAST).added[str(aid)] == 0


def test_family_without_usage_logs_is_recorded_as_unsupported(store, sandbox):
    aid, _, _ = add_demo_account(store, sandbox, "voapi-v2")
    report = sync_usage(store, politeness=FAST)
    assert report.rows()[0]["status"] == "unsupported" and report.exit_code() == 0
    assert "no usage logs" in report.rows()[0]["message"]
    assert history.usage_states(store, [aid])[aid]["status"] == "unsupported"
    assert "1 unsupported" in report.summary()


class _SecondPageFails(Fault):
    def matches(self, req, user_id):  # only One API's second page (p=1)
        return req.path == "/api/log/self" and req.query.get("p") == "1" and super().matches(req, user_id)


def test_failing_page_keeps_earlier_rows_and_pages(store, sandbox):
    aid, site, user = add_demo_account(store, sandbox, "one-api")
    assert sync_usage(store, politeness=FAST).rows()[0]["status"] == "ok"
    before = history.usage_row_count(store, aid)
    for _ in range(15):  # more than one page of new rows
        _append_log(site, user, quota=777)
    site.faults.add(_SecondPageFails(kind="500"))
    report = sync_usage(store, politeness=FAST)
    row = report.rows()[0]
    assert row["status"] == "failed" and report.exit_code() == 1 and "500" in row["message"]
    assert row["rows_added"] == 10  # the first page was kept
    assert history.usage_row_count(store, aid) == before + 10
    site.clear_faults()
    assert sync_usage(store, politeness=FAST).rows()[0]["status"] == "ok"
    assert history.usage_row_count(store, aid) == before + 15


def test_hourly_usage_when_the_log_is_closed(store, sandbox):
    _aid, site, user = add_demo_account(store, sandbox, "new-api")
    site.inject("403_json", path="/api/log/self")
    report = sync_usage(store, politeness=FAST)
    assert report.rows()[0]["status"] == "ok", report.rows()
    totals = history.usage_totals(store, start=_day(time.time() - 3 * 86400), end=_day(time.time()))
    assert totals["requests"] == len(_consumed(user))
    assert totals["cost_usd"] == pytest.approx(sum(r.quota for r in _consumed(user)) / 500_000)
    # a second run replaces the hours instead of adding them again
    _append_log(site, user, quota=1000)
    sync_usage(store, politeness=FAST)
    totals = history.usage_totals(store, start=_day(time.time() - 3 * 86400), end=_day(time.time()))
    assert totals["requests"] == len(_consumed(user))


def test_sub2api_usage_and_refresh_writes_the_days_snapshot(store, sandbox):
    aid, _, user = add_demo_account(store, sandbox, "sub2api")
    report = sync_usage(store, politeness=FAST)
    assert report.rows()[0]["status"] == "ok"
    assert history.usage_row_count(store, aid) == len(_consumed(user))
    assert not refresh(store, politeness=FAST).failed
    with store.read() as con:
        snap = con.execute("SELECT quota, source FROM balance_snapshots WHERE account_id = ?", [aid]).fetchall()
    assert snap == [(user.quota, "refresh")]


def test_usage_sync_cli(store, sandbox, db_path, capsys):

    aid, _, _ = add_demo_account(store, sandbox, "new-api")
    vid, _, _ = add_demo_account(store, sandbox, "voapi-v2")
    set_preference(store, "per_site_window_requests", 0)
    assert main(["--db", str(db_path), "usage", "sync", "--json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows[str(aid)]["status"] == "ok" and rows[str(vid)]["status"] == "unsupported"
    assert main(["--db", str(db_path), "usage", "--by", "account", "--json"]) == 0
    by_account = json.loads(capsys.readouterr().out)
    assert [r["account_id"] for r in by_account] == [aid]
    assert main(["--db", str(db_path), "usage", "sync", "12345"]) == 2
    assert "does not exist" in capsys.readouterr().err
