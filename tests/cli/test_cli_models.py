"""``allhub models [sync|changes]`` against the sandbox sites over real HTTP: cli.md's JSON keys
exactly, one model sold on two sites at different prices with the cheaper one marked, tiered prices
never comparable, the filters, CSV and the table; models added and removed between two syncs listed
by ``models changes``; bad input one sentence with exit 2 that asks no site; the group registered in
a fresh process."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from shared import add_demo_row

from allhub_core.accounts import set_preference
from allhub_core.cli.main import main
from allhub_core.sandbox import demo_accounts

ROOT = Path(__file__).resolve().parents[2]
LIST_KEYS = ["model", "account_id", "site_name", "group", "billing", "input_usd_per_1m", "output_usd_per_1m",
             "call_usd", "effective_input_usd_per_1m", "comparable", "cheapest"]
CHANGE_KEYS = ["account_id", "site_name", "origin", "model", "change", "changed_at"]


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=["new-api", "sub2api"], users_per_site=1, sites_per_dialect=2, seed=29)


pytestmark = pytest.mark.usefixtures("fresh_sites")


def _add(store, sandbox, dialect, index=0):
    site = sandbox.site(dialect, index)
    row = next(r for r in demo_accounts(sandbox) if r["site_url"] == site.url)
    aid = add_demo_row(store, row, f"{dialect} {index + 1}")
    set_preference(store, "per_site_window_requests", 0)  # our own loopback sites
    return aid, site


def _run(db_path, capsys, *argv):
    try:
        code = main(["--db", str(db_path), "models", *argv])
    except SystemExit as exc:  # argparse's own refusals
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_sync_then_the_listing_in_json_csv_and_a_table(store, sandbox, db_path, capsys):
    a, site_a = _add(store, sandbox, "new-api", 0)
    b, _site_b = _add(store, sandbox, "new-api", 1)
    s2a, _ = _add(store, sandbox, "sub2api", 0)
    code, out, _ = _run(db_path, capsys, "sync", "--json")
    assert code == 0
    by = {r["account_id"]: r for r in json.loads(out)}
    served = httpx.get(f"{site_a.url}/api/pricing").json()["data"]
    assert by[a]["status"] == "ok" and by[a]["models"] == len(served) and by[a]["priced"] is True
    assert by[s2a]["status"] == "ok" and by[s2a]["priced"] is False  # its relay's /v1/models, no prices

    code, out, _ = _run(db_path, capsys, "--json")
    rows = json.loads(out)
    assert code == 0 and rows and all(list(r) == LIST_KEYS for r in rows)
    assert {r["billing"] for r in rows if r["account_id"] == s2a} == {"unknown"}
    gpt = [r for r in rows if r["model"] == "gpt-4o" and r["account_id"] != s2a]
    assert {r["account_id"] for r in gpt} == {a, b}
    cheapest = [r for r in gpt if r["cheapest"]]
    assert cheapest and all(r["input_usd_per_1m"] == min(x["input_usd_per_1m"] for x in gpt) for r in cheapest)
    assert len({r["input_usd_per_1m"] for r in gpt}) > 1  # the same model at different prices
    tiered = [r for r in rows if r["billing"] == "tiered"]
    assert tiered and not any(r["comparable"] or r["cheapest"] for r in tiered)

    code, out, _ = _run(db_path, capsys, "--model", "gpt-4o-mini", "--account", str(b), "--json")
    assert code == 0 and {(r["model"], r["account_id"]) for r in json.loads(out)} == {("gpt-4o-mini", b)}

    code, out, _ = _run(db_path, capsys, "--csv")
    table = list(csv.reader(io.StringIO(out)))
    assert code == 0 and table[0] == LIST_KEYS and len(table) == len(rows) + 1

    code, out, _ = _run(db_path, capsys)
    assert code == 0 and out.splitlines()[0].startswith("MODEL") and "CHEAPEST" in out and "gpt-4o" in out


def test_changes_lists_models_added_and_removed_between_two_syncs(store, sandbox, db_path, capsys):
    a, site = _add(store, sandbox, "new-api", 0)
    assert _run(db_path, capsys, "sync")[0] == 0
    code, out, _ = _run(db_path, capsys, "changes", "--json")
    assert code == 0 and json.loads(out) == []  # the first sync is no change
    site.change_models(add=["gpt-5"], remove=["deepseek-chat"])
    code, out, _ = _run(db_path, capsys, "sync")
    assert code == 0 and "1 added, 1 removed" in out
    code, out, _ = _run(db_path, capsys, "changes", "--days", "1", "--json")
    rows = json.loads(out)
    assert all(list(r) == CHANGE_KEYS for r in rows)
    assert sorted((r["account_id"], r["model"], r["change"]) for r in rows) == [
        (a, "deepseek-chat", "removed"), (a, "gpt-5", "added")]
    assert rows[0]["site_name"] == "new-api 1" and rows[0]["origin"] == site.url
    code, out, _ = _run(db_path, capsys, "changes")
    assert code == 0 and "gpt-5" in out and "added" in out


@pytest.mark.parametrize("argv", [["changes", "--days", "0"], ["changes", "--days", "x"], ["--account", "999"],
                                  ["--account", "x"], ["sync", "999"]])
def test_bad_input_is_one_sentence_exit_2_and_asks_no_site(store, sandbox, db_path, capsys, argv):
    _add(store, sandbox, "new-api", 0)
    for site in sandbox.sites:
        site.clear_requests()
    code, out, err = _run(db_path, capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("allhub: ") and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert all(site.requests == [] for site in sandbox.sites)


def test_the_models_group_answers_in_a_fresh_process(tmp_path):
    db = tmp_path / "fresh.duckdb"
    proc = subprocess.run([sys.executable, "-m", "allhub_core", "--db", str(db), "models", "changes", "--json"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout) == []
    proc = subprocess.run([sys.executable, "-m", "allhub_core", "--db", str(db), "models", "--json"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0 and json.loads(proc.stdout) == []
