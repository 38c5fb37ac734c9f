"""``allhub attention [--json]`` against the sandbox over real HTTP: cli.md's keys first, exit 0;
the table grouped by severity then category with counts, each entry its fix; running the printed
command clears the entry (``checkin ID`` for a retryable failure, ``account set ID --auto-checkin``);
a bad ``--limit`` is one sentence, exit 2; the command registered in a fresh process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from shared import add_demo_account

from allhub_core.accounts import set_preference, update_accounts
from allhub_core.cli.main import main
from allhub_core.vocab import AttentionCategory

ROOT = Path(__file__).resolve().parents[2]
KEYS = ["severity", "category", "account_id", "reason", "action"]
CHECKIN = "/api/user/checkin"


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=["new-api"], users_per_site=2, seed=2101)


pytestmark = pytest.mark.usefixtures("fresh_sites")


def _run(db_path, capsys, *argv):
    try:
        code = main(["--db", str(db_path), *argv])
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_table_and_the_printed_fix_clears_it(store, sandbox, db_path, capsys):
    set_preference(store, "per_site_window_requests", 0)  # our own loopback site
    failing, site, user = add_demo_account(store, sandbox, "new-api", 0)
    left, _, _ = add_demo_account(store, sandbox, "new-api", 1)
    update_accounts(store, {left: {"auto_checkin": False}})
    site.inject("500", user_id=user.id, path=CHECKIN, method="POST", times=1)
    code, _, _ = _run(db_path, capsys, "checkin", str(failing))
    assert code == 1

    code, out, _ = _run(db_path, capsys, "attention", "--json")
    rows = json.loads(out)
    assert code == 0 and all(list(r)[:5] == KEYS for r in rows)
    by_cat = {r["category"]: r for r in rows}
    assert by_cat["checkin_failed"]["severity"] == "warning" and by_cat["checkin_failed"]["account_id"] == failing
    assert by_cat["checkin_failed"]["action"] == f"allhub checkin {failing}"
    assert by_cat["left_out"] == {**by_cat["left_out"], "severity": "info", "account_id": left,
                                  "action": f"allhub account set {left} --auto-checkin"}
    assert [r["severity"] for r in rows] == ["warning", "info"]  # the most pressing first

    code, out, _ = _run(db_path, capsys, "attention")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "WARNING" and "  Check-in failed · 1" in lines and "INFO" in lines
    assert lines.index("WARNING") < lines.index("INFO")
    assert f"      fix: allhub checkin {failing}" in lines
    assert lines[-1] == "2 things need attention: 1 warning, 1 info."

    # the printed commands are the fixes: each one run, its entry is gone
    for r in rows:
        code, _, err = _run(db_path, capsys, *r["action"].split()[1:])
        assert code == 0, err
    code, out, _ = _run(db_path, capsys, "attention", "--json")
    assert json.loads(out) == [] and user.checkins
    code, out, _ = _run(db_path, capsys, "attention")
    assert out.strip() == "Nothing needs attention."


def test_limit_cuts_each_category_and_a_bad_limit_is_one_sentence(store, sandbox, db_path, capsys):
    ids = [add_demo_account(store, sandbox, "new-api", i)[0] for i in range(2)]
    update_accounts(store, {i: {"auto_checkin": False} for i in ids})
    code, out, _ = _run(db_path, capsys, "attention", "--limit", "1")
    assert code == 0 and "  Left out of auto check-in · 2 (first 1)" in out.splitlines()
    code, out, err = _run(db_path, capsys, "attention", "--limit", "0")
    assert code == 2 and out == "" and err.strip() == "allhub: The limit must be a whole number of 1 or more."


def test_registered_in_a_fresh_process(tmp_path):
    db = tmp_path / "fresh.duckdb"
    done = subprocess.run([sys.executable, "-m", "allhub_core", "--db", str(db), "attention", "--json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_the_demo_has_one_entry_of_every_kind(built_demo):
    db, _ = built_demo
    shown = subprocess.run([sys.executable, "-m", "allhub_core", "--db", str(db), "attention", "--json"],
                           cwd=ROOT, capture_output=True, text=True, timeout=120)
    rows = json.loads(shown.stdout)
    assert {r["category"] for r in rows} == {c.value for c in AttentionCategory}
    assert "revoked-token" not in shown.stdout  # the demo's rejected token is never printed
