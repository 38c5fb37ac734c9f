"""Migration 9 (issue 16): dates from the future that earlier imports stored are moved down to now."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from allhub_core.store import Store, migrations

ROOT = Path(__file__).resolve().parents[2]
YEAR_MS = 365 * 24 * 3600 * 1000


def test_stored_future_dates_are_moved_down_to_now_when_the_store_opens(tmp_path, monkeypatch):
    path = tmp_path / "old.duckdb"
    monkeypatch.setattr(migrations, "MIGRATIONS", [m for m in migrations.MIGRATIONS if m.version < 9])
    old = Store(path)  # the schema (and key file) as the old code left them
    monkeypatch.undo()
    future_ms = int(time.time() * 1000) + YEAR_MS
    past_ms = int(time.time() * 1000) - YEAR_MS
    with old.write() as con:
        assert con.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] == 8
        con.execute("INSERT INTO tombstones VALUES ('acc-future', 'account', ?, ?), ('acc-past', 'account', ?, 0)",
                    [future_ms, future_ms, past_ms])
        con.execute("INSERT INTO accounts (site_name, site_url, updated_at, user_updated_at, last_sync_time, "
                    "stats_date) "
                    "VALUES ('Future', 'https://future.example.com', now() + INTERVAL 1 YEAR, now() + INTERVAL 1 YEAR, "
                    "now() + INTERVAL 30 DAY, current_date + 40), "
                    "('Past', 'https://past.example.com', TIMESTAMPTZ '2024-01-02 03:04:05+00', "
                    "TIMESTAMPTZ '2024-01-02 03:04:05+00', NULL, DATE '2024-01-02')")
        con.execute("INSERT INTO bookmarks (id, name, url, updated_at) VALUES ('b1', 'B', 'https://b.example', "
                    "now() + INTERVAL 2 YEAR)")
        con.execute("INSERT INTO tags (name, name_key, created_at) VALUES ('T', 't', now() + INTERVAL 1 YEAR)")
    del old

    before = int(time.time() * 1000)
    # another process opens it (this one remembers the file as migrated): that applies migration 9
    done = subprocess.run([sys.executable, "-m", "allhub_core", "--db", str(path), "account", "list"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    after = int(time.time() * 1000)
    store = Store(path)
    with store.read() as c:
        tombs = dict(c.execute("SELECT id, deleted_at FROM tombstones").fetchall())
        entry = c.execute("SELECT entry_updated_at FROM tombstones WHERE id = 'acc-future'").fetchone()[0]
        rows = c.execute("SELECT site_name, epoch_ms(updated_at), epoch_ms(user_updated_at), epoch_ms(last_sync_time), "
                         "stats_date FROM accounts ORDER BY site_name").fetchall()
        mark = c.execute("SELECT epoch_ms(updated_at) FROM bookmarks").fetchone()[0]
        tag = c.execute("SELECT epoch_ms(created_at) FROM tags").fetchone()[0]
    assert before - 60_000 <= tombs["acc-future"] <= after and before - 60_000 <= entry <= after
    assert tombs["acc-past"] == past_ms  # a date in the past stays as it was
    future, past = rows
    assert future[0] == "Future" and all(before - 60_000 <= t <= after for t in future[1:4]) and future[4] is None
    assert past[1] == 1704164645000 and past[3] is None and str(past[4]) == "2024-01-02"
    assert before - 60_000 <= mark <= after and before - 60_000 <= tag <= after
