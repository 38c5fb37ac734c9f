"""``allhub diagnose ID [--json]`` as a user runs it (issue 21): a fresh process against the sandbox;
the text names every probe and holds no secret, ``--json`` is one object whose probes are the rows,
an unknown or malformed id is one sentence with exit 2; nothing is POSTed to the site."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from shared import add_demo_account

from allhub_core.accounts import get_secrets, set_preference
from allhub_core.sites import PROBES

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.usefixtures("fresh_sites")


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=["new-api", "sub2api"], users_per_site=1, seed=21)


def _allhub(db_path: Path, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "allhub_core", "--db", str(db_path), *argv], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("dialect", ["new-api", "sub2api"])
def test_diagnose_prints_every_probe_and_no_secret(store, db_path, sandbox, dialect):
    aid, site, user = add_demo_account(store, sandbox, dialect)
    set_preference(store, "per_site_window_requests", 0)  # our own loopback sites
    secrets = [s for s in get_secrets(store, [aid])[aid].values() if s]
    site.clear_requests()

    proc = _allhub(db_path, "diagnose", str(aid))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    starts = [line.split("  ")[0] for line in out.splitlines()]
    assert all(name in starts for name in PROBES), out
    assert f"user id {user.id}" in out and "Secrets (tokens, cookies, keys) are left out of this report." in out

    proc = _allhub(db_path, "diagnose", str(aid), "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["account_id"] == aid and data["origin"] == site.url.rstrip("/")
    assert [p["probe"] for p in data["probes"]] == list(PROBES)
    assert {p["outcome"] for p in data["probes"]} <= {"ok", "not offered"}
    assert set(data["probes"][0]) == {"account_id", "probe", "outcome", "ok", "http_status", "summary", "elapsed_ms"}

    assert all(r.method == "GET" for r in site.requests)
    for secret in secrets + [t.key for t in user.tokens]:
        assert secret not in out + proc.stdout + proc.stderr


def test_an_unknown_or_malformed_id_is_one_sentence_with_exit_2(store, db_path):
    proc = _allhub(db_path, "diagnose", "77")
    assert (proc.returncode, proc.stdout, proc.stderr) == (2, "", "allhub: Account 77 does not exist.\n")
    proc = _allhub(db_path, "diagnose", "x7")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
