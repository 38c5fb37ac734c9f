"""``allhub notices [sync|read]`` against the sandbox sites over real HTTP: cli.md's JSON keys
exactly, unread first, ``--unread``; the table shows plain text with the site's HTML and script
gone; ``notices read ID`` and ``--all``; bad input one sentence with exit 2 that changes nothing and
asks no site; the group registered in a fresh process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from shared import add_demo_account

from allhub_core.accounts import set_preference
from allhub_core.cli.main import main
from allhub_core.sandbox._notices import HOSTILE_NOTICE, structured

ROOT = Path(__file__).resolve().parents[2]
KEYS = ["notice_id", "account_id", "site_name", "title", "text", "first_seen", "read"]


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=["new-api"], users_per_site=1, seed=31)


pytestmark = pytest.mark.usefixtures("fresh_sites")


def _run(db_path, capsys, *argv):
    try:
        code = main(["--db", str(db_path), "notices", *argv])
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def _account(store, sandbox):
    aid, site, _ = add_demo_account(store, sandbox, "new-api")
    set_preference(store, "per_site_window_requests", 0)  # our own loopback site
    site.notice = HOSTILE_NOTICE
    site.announcements = [structured(1, "Top-up bonus this week")]
    return aid, site


def test_sync_list_read(store, sandbox, db_path, capsys):
    aid, _site = _account(store, sandbox)
    code, out, _ = _run(db_path, capsys, "sync", "--json")
    assert code == 0
    [row] = json.loads(out)
    assert row["status"] == "ok" and row["new"] == 2 and row["account_ids"] == [aid]

    code, out, _ = _run(db_path, capsys, "--json")
    rows = json.loads(out)
    assert code == 0 and [list(r) for r in rows] == [KEYS, KEYS]
    assert all(r["read"] is False and r["account_id"] == aid for r in rows)
    assert {r["title"] for r in rows} == {"Maintenance tonight", "Top-up bonus this week"}

    code, out, _ = _run(db_path, capsys)
    assert code == 0 and "Maintenance tonight" in out and "requests may fail" in out
    assert "<script" not in out and "__pwned" not in out and "onerror" not in out

    first = rows[0]["notice_id"]
    code, out, _ = _run(db_path, capsys, "read", first)
    assert code == 0 and "1 announcement(s) marked read" in out
    code, out, _ = _run(db_path, capsys, "--unread", "--json")
    assert [r["notice_id"] for r in json.loads(out)] == [rows[1]["notice_id"]]
    code, out, _ = _run(db_path, capsys, "read", "--all")
    assert code == 0 and "1 announcement(s)" in out
    code, out, err = _run(db_path, capsys, "--unread")
    assert code == 0 and out == "" and "No unread announcements." in err


def test_bad_input_is_one_sentence_and_changes_nothing(store, sandbox, db_path, capsys):
    aid, site = _account(store, sandbox)
    _run(db_path, capsys, "sync")
    site.clear_requests()
    for argv, words in ((["read"], "mark them all read"), (["read", "nope"], "No announcement with id nope"),
                        (["sync", "x1"], "account id"), (["sync", str(aid + 50)], "does not exist")):
        code, out, err = _run(db_path, capsys, *argv)
        assert code == 2 and words.lower() in err.lower() and "Traceback" not in err, (argv, err)
    assert site.requests == []
    code, out, _ = _run(db_path, capsys, "--unread", "--json")
    assert len(json.loads(out)) == 2


def test_registered_in_a_fresh_process(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "allhub_core", "--db", str(tmp_path / "n.duckdb"), "notices",
                           "--json"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 0 and json.loads(proc.stdout) == []


def test_notices_config_switches_a_site_off_and_sets_the_interval(store, db_path, sandbox, capsys):
    """``notices config --off ID`` leaves that site alone on the next sync (no request to it),
    ``--interval`` is kept, ``notices sites`` shows both; bad input is one sentence that changes
    nothing."""
    aid, site, _ = add_demo_account(store, sandbox, "new-api", 0)
    code, out, err = _run(db_path, capsys, "config", "--interval", "7200", "--off", str(aid), "--json")
    assert code == 0, err
    done = json.loads(out)
    assert done["interval_s"] == 7200 and done["off"] == [site.url] and done["on"] == []
    site.clear_requests()
    code, out, err = _run(db_path, capsys, "sync", "--json", str(aid))
    assert not [r for r in site.requests if r.path in ("/api/notice", "/api/status")]
    code, out, err = _run(db_path, capsys, "sites", "--json")
    assert code == 0 and [(r["origin"], r["enabled"]) for r in json.loads(out)] == [(site.url, False)]
    code, out, err = _run(db_path, capsys, "sites")
    assert out.startswith("off")
    # bad input: one sentence, exit 2, nothing changed
    for argv, says in ((["--interval", "10"], "between 5 minutes and 7 days"),
                       (["--on", "99999"], "Account 99999 does not exist"),
                       (["--on", str(aid), "--off", str(aid)], "both on and off")):
        code, out, err = _run(db_path, capsys, "config", *argv)
        assert code == 2 and says in err and "Traceback" not in err, (argv, err)
    code, out, err = _run(db_path, capsys, "config", "--json")
    assert json.loads(out)["interval_s"] == 7200
    code, out, err = _run(db_path, capsys, "config", "--on", site.url)
    assert code == 0 and f"On: {site.url}" in out + err
