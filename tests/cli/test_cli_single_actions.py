"""``allhub account add`` and ``allhub refresh ID`` as a user runs them (issue 18, "Single actions"):
each a fresh process against the sandbox, seen from inside: which modules it loaded and how
often it opened the database file. No timing: what makes them slow is loading what they do not
use and opening the file for each unit of work instead of once per command.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from allhub_core.sandbox import demo_accounts

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.usefixtures("fresh_sites")

#: what a command that asks one site and writes its figures has no use for
NOT_LOADED = ("pandas", "numpy", "pyarrow", "plotly", "streamlit", "apprise", "allhub_core.sandbox",
              "httpx._main", "rich", "click")

#: the command run by ``main`` with ``duckdb.connect`` counted; its modules and count as JSON on stderr
_DRIVER = """
import json, sys
import duckdb
opens = []
real = duckdb.connect
def counted(*a, **k):
    opens.append(1)
    return real(*a, **k)
duckdb.connect = counted
from allhub_core.cli.main import main
code = main(sys.argv[1:])
sys.stdout.flush()
print(json.dumps({"code": code, "opens": len(opens), "modules": sorted(sys.modules)}), file=sys.stderr)
"""


@pytest.fixture(scope="module")
def sandbox(sandbox_factory):
    return sandbox_factory(dialects=["new-api"], users_per_site=1, seed=18)


def _allhub(db_path: Path, *argv: str) -> tuple[str, dict]:
    proc = subprocess.run([sys.executable, "-c", _DRIVER, "--db", str(db_path), *argv], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    seen = json.loads(proc.stderr.strip().splitlines()[-1])
    assert seen["code"] == 0, (proc.stdout, proc.stderr)
    return proc.stdout, seen


def test_add_and_refresh_id_load_only_what_they_use_and_open_the_file_a_few_times(db_path, sandbox):
    row = next(r for r in demo_accounts(sandbox) if r.get("access_token"))
    _allhub(db_path, "account", "list")  # the database and its key, outside what is looked at
    out, add = _allhub(db_path, "account", "add", "--url", row["site_url"], "--token", row["access_token"],
                       "--user-id", str(row["user_id"]), "--json")
    aid = str(json.loads(out)["id"])
    assert json.loads(out)["health_status"] == "healthy"
    out, refresh = _allhub(db_path, "refresh", aid)
    assert out.startswith("ok ")

    for seen in (add, refresh):
        assert "httpx" in seen["modules"]  # it did ask the site
        assert not [m for m in NOT_LOADED if m in seen["modules"]]
    # One opening of the file each: the store's first look is the command's session, and the
    # session is not let go for the network (``Store.released``' grace) when the sites answer
    # sooner, as the loopback sandbox does; a machine so slow that a wait outlasts the grace
    # opens it once more. Before the grace: refresh 2, add 3 (closed and reopened around each wait).
    assert refresh["opens"] <= 2, refresh["opens"]
    assert add["opens"] <= 2, add["opens"]


def test_account_list_json_loads_no_room_it_does_not_print(db_path, sandbox):
    """``account list --json`` writes with ``allhub_core.jsontext``: the transfer room (backups,
    the extension's formats, encryption) and the network stay unloaded."""
    row = next(r for r in demo_accounts(sandbox) if r.get("access_token"))
    _allhub(db_path, "account", "add", "--url", row["site_url"], "--token", row["access_token"],
            "--user-id", str(row["user_id"]))
    out, seen = _allhub(db_path, "account", "list", "--json")
    assert [r["user_id"] for r in json.loads(out)] == [str(row["user_id"])]
    loaded = [m for m in ("allhub_core.transfer", "httpx", *NOT_LOADED) if m in seen["modules"]]
    assert loaded == []
