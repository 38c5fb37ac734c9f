"""``allhub demo --no-dashboard``: the demo database is built with the default politeness, as a
user's sites would get it (no window turned off), and shows a site with a window of its own."""

from __future__ import annotations

import subprocess
import sys

from allhub_core.accounts import DEFAULTS, get_preferences, site_rows
from allhub_core.automation import list_runs
from allhub_core.keys import key_rows
from allhub_core.store import Store


def test_the_demo_uses_the_default_politeness_and_fills_every_page(tmp_path):
    db = tmp_path / "demo.duckdb"
    done = subprocess.run([sys.executable, "-m", "allhub_core", "demo", "--no-dashboard", "--demo-db", str(db)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Refresh complete:" in done.stdout and "Traceback" not in done.stderr
    store = Store(db)
    prefs = get_preferences(store)
    for key in ("per_site_window_requests", "per_site_window_s", "per_site_concurrency"):
        assert prefs[key] == DEFAULTS[key]
    rows = site_rows(store)
    own = [r for r in rows if r["window_source"] == "user"]
    assert len(own) == 1 and own[0]["window"] == "180 per 180 s"
    assert sum(r["window_source"] == "default" for r in rows) == len(rows) - 1
    jobs = {r["job"] for r in list_runs(store)}
    assert {"refresh", "checkin"} <= jobs
    # the Keys page has keys on every simulated site (VoAPI v2's keys are not read yet), masked
    keys = key_rows(store)
    with store.read() as con:
        sites = dict(con.execute("SELECT id, site_url FROM accounts WHERE site_type <> 'voapi-v2'").fetchall())
    assert {sites[r["account_id"]] for r in keys if r["account_id"] in sites} == set(sites.values())
    assert keys and all("*" in r["masked_key"] for r in keys)
