"""``allhub demo --no-dashboard`` leaves every page a newcomer opens with data in it (issue 18: the
demo was made faster; none of what it shows may silently go): 60 days of balances before today's
refresh, each snapshot linked to the one before it, usage rows from two months back up to today's
synced logs, check-ins (one by logging in again), keys, models with prices, announcements, two
redemptions, a WebDAV backup uploaded, the services a key is pushed to, the credential library
checked, bookmarks, and the sentence that says so."""

from __future__ import annotations

from datetime import date, timedelta

from allhub_core.store import Store


def _one(store: Store, sql: str) -> tuple:
    with store.read() as con:
        rows = con.execute(sql).fetchall()
    return rows[0]


def test_every_page_of_the_demo_has_data(built_demo):
    db, done = built_demo
    store = Store(db)
    today = date.today()
    # Overview, Balance history: 60 days of every enabled account before today's refresh, linked
    enabled = _one(store, "SELECT count(*) FROM accounts WHERE NOT disabled")[0]
    days, first, last, accounts = _one(store, "SELECT count(DISTINCT day), min(day), max(day), "
                                              "count(DISTINCT account_id) FROM balance_snapshots WHERE source = 'demo'")
    assert (days, first, last, accounts) == (60, today - timedelta(days=60), today - timedelta(days=1), enabled)
    assert _one(store, "SELECT count(*) FROM balance_snapshots WHERE source = 'refresh' AND day = current_date")[0] > 0
    assert _one(store, "SELECT count(*) FROM balance_snapshots WHERE NOT linked")[0] == 0
    # Usage: the made-up months and the sites' own logs of today, synced
    oldest, newest, rows = _one(store, "SELECT min(ts)::DATE, max(ts)::DATE, count(*) FROM usage_logs")
    assert oldest <= today - timedelta(days=55) and newest >= today - timedelta(days=1) and rows > 10_000
    assert _one(store, "SELECT count(*) FROM usage_sync_state WHERE status = 'ok'")[0] > 0
    # Check-in: today's log, one account checking in by logging in again
    assert _one(store, "SELECT count(*) FROM checkin_log WHERE result = 'success'")[0] > 0
    assert _one(store, "SELECT count(*) FROM account_logins")[0] == 1
    # Keys, Models, Announcements
    assert _one(store, "SELECT count(*) FROM api_keys")[0] > 100
    assert _one(store, "SELECT count(*) FROM model_offers")[0] > 100
    assert _one(store, "SELECT count(*) FROM notices")[0] > 10
    # Redeem: one credited, one not valid
    assert sorted(r for (r,) in _rows(store, "SELECT outcome FROM redemptions")) == ["credited", "invalid"]
    # Backup: a WebDAV server with the extension's file and a last result; the push services
    assert list((db.parent / f"{db.stem}-webdav").rglob("*.json"))
    prefs = {k for (k,) in _rows(store, "SELECT key FROM preferences")}
    assert {"webdav_url", "webdav_last_result", "push_cliproxyapi_url", "push_ccr_url", "push_newapi_url"} <= prefs
    # Credentials: each checked once, one failing
    assert _one(store, "SELECT count(*), count(*) FILTER (WHERE NOT ok) FROM credential_checks") == (11, 1)
    assert _one(store, "SELECT count(*) FROM bookmarks")[0] == 2
    for said in ("daily balances", "usage rows", "Keys sync:", "Models sync:", "Redeem:", "Backup: Uploaded",
                 "Credentials: Checked"):
        assert said in done.stdout


def _rows(store: Store, sql: str) -> list[tuple]:
    with store.read() as con:
        return con.execute(sql).fetchall()
