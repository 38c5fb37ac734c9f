"""``allhub demo --no-dashboard``: the demo database is built with the default politeness, as a
user's sites would get it (no window turned off), and shows a site with a window of its own."""

from __future__ import annotations

from allhub_core.accounts import DEFAULTS, get_preferences, site_rows
from allhub_core.automation import list_runs
from allhub_core.keys import key_rows
from allhub_core.store import Store


def test_the_demo_uses_the_default_politeness_and_fills_every_page(built_demo):
    db, done = built_demo
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
    # the Keys page has keys on every simulated site (VoAPI v2's included), masked
    keys = key_rows(store)
    with store.read() as con:
        sites = dict(con.execute("SELECT id, site_url FROM accounts").fetchall())
    assert {sites[r["account_id"]] for r in keys} == set(sites.values())
    assert keys and all("*" in r["masked_key"] for r in keys)
    # the Models page: one model sold on several sites at different prices, one cheapest, a site
    # whose top-up rate makes what you really pay differ, and a site whose models changed
    from allhub_core.prices import model_changes, model_rows  # noqa: PLC0415 - read after the demo is built

    rows = [r for r in model_rows(store, model="gpt-4o") if r["model"] == "gpt-4o" and r["comparable"]]
    assert len({r["input_usd_per_1m"] for r in rows}) >= 3 and any(r["cheapest"] for r in rows)
    assert any(abs(r["effective_input_usd_per_1m"] - r["input_usd_per_1m"]) > 0.01 for r in rows)
    with store.read() as con:  # keys and models on every simulated site (VoAPI v2's: its key template's)
        bare = con.execute("SELECT DISTINCT site_url FROM accounts WHERE site_url NOT IN "
                           "(SELECT a.site_url FROM accounts a JOIN model_prices m ON m.account_id = a.id)").fetchall()
    assert bare == []
    changes = model_changes(store, days=1)
    assert {c["change"] for c in changes} == {"added", "removed"}
    assert any(c["model"] == "gpt-5-preview" for c in changes)
    # the Announcements page: several sites' announcements, read and unread ones
    from allhub_core.notices import notice_rows  # noqa: PLC0415 - read after the demo is built

    notices = notice_rows(store)
    assert len({r["site_name"] for r in notices}) >= 3 and {r["read"] for r in notices} == {True, False}
    # Duplicate cleanup: a deliberate look-alike, the first account reached through a second
    # address of its site (localhost), listed apart from the exact duplicates
    from allhub_core.accounts import scan_lookalikes  # noqa: PLC0415 - read after the demo is built

    scan = scan_lookalikes(store)
    with store.read() as con:
        mirror = con.execute("SELECT id, site_name, user_id FROM accounts WHERE site_url LIKE 'http://localhost:%'"
                             ).fetchone()
    assert mirror is not None
    assert any(mirror[0] in p.ids and p.same_name for p in scan.pairs), scan
