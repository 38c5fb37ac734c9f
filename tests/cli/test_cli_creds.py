"""``allhub creds add|list|check|rm`` (cli.md): the key from stdin and never printed, lists masked
with their last check, ``check --json`` with money in ``_usd`` against the provider fakes,
``--send``, ``rm`` refusing without ``--yes`` off a terminal; bad input one sentence, exit 2,
nothing changed; the group registered in a fresh process."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from allhub_core.accounts import set_preference
from allhub_core.cli.main import main
from allhub_core.credentials import credential_rows
from allhub_core.sandbox import start_provider_fakes

ROOT = Path(__file__).resolve().parents[2]
KEY = "sk-or-v1-cli-0123456789SECRET"
LIST_KEYS = {"id", "name", "base_url", "api_type", "key_masked", "tags", "notes", "expires_at", "expired", "telemetry",
             "custom_url", "checked_at", "ok", "source", "balance_usd", "used_usd", "total_usd", "currency",
             "raw_balance", "model_count", "models", "message", "created_at", "updated_at"}


@pytest.fixture(scope="module")
def fakes():
    with start_provider_fakes() as pf:
        yield pf


def _run(db_path, capsys, monkeypatch, *argv, stdin=""):
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    try:
        code = main(["--db", str(db_path), "creds", *argv])
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_add_list_check_rm(store, db_path, fakes, capsys, monkeypatch):
    set_preference(store, "per_site_window_requests", 0)  # our own loopback fakes
    fakes["openrouter"].add_key(KEY, balance=8.0, used=2.0)
    code, out, err = _run(db_path, capsys, monkeypatch, "add", "--url", fakes["openrouter"].base_url + "/v1",
                          "--key", "-", "--name", "Router", "--tag", "work", "--tag", "free", "--json", stdin=KEY + "\n")
    assert code == 0, err
    added = json.loads(out)
    assert added["name"] == "Router" and added["tags"] == ["work", "free"] and KEY not in out
    assert added["base_url"] == fakes["openrouter"].base_url

    code, out, _ = _run(db_path, capsys, monkeypatch, "check", "--json")
    assert code == 0
    [row] = json.loads(out)
    assert (row["ok"], row["source"], row["balance_usd"], row["used_usd"], row["total_usd"]) == \
        (True, "openrouter", 8.0, 2.0, 10.0)
    assert row["model_count"] == 2 and row["sent"] is None and KEY not in out
    assert [k for k in row if k.endswith("_usd")] == ["balance_usd", "used_usd", "total_usd"]

    code, out, _ = _run(db_path, capsys, monkeypatch, "check", str(added["id"]), "--send")
    assert code == 0 and "A one-token request to openai/gpt-4o-mini answered." in out
    assert "1 working, 0 failed" in out

    code, out, _ = _run(db_path, capsys, monkeypatch, "list", "--json")
    [listed] = json.loads(out)
    assert set(listed) == LIST_KEYS and listed["balance_usd"] == 8.0 and KEY not in out
    code, out, _ = _run(db_path, capsys, monkeypatch, "list")
    assert "Router" in out and "$8.00" in out and "sk-o**********CRET" in out and KEY not in out
    code, out, _ = _run(db_path, capsys, monkeypatch, "list", "--tag", "nope", "--json")
    assert json.loads(out) == []

    code, _, err = _run(db_path, capsys, monkeypatch, "rm", str(added["id"]))
    assert code == 2 and "without --yes" in err and len(credential_rows(store)) == 1
    code, out, _ = _run(db_path, capsys, monkeypatch, "rm", str(added["id"]), "--yes")
    assert code == 0 and "1 credential(s) removed." in out and credential_rows(store) == []


def test_a_failing_key_exits_1_without_the_key(store, db_path, fakes, capsys, monkeypatch):
    set_preference(store, "per_site_window_requests", 0)
    bad = "sk-unknown-0123456789SECRET"
    assert _run(db_path, capsys, monkeypatch, "add", "--url", fakes["deepseek"].base_url, "--key", "-",
                stdin=bad + "\n")[0] == 0
    code, out, err = _run(db_path, capsys, monkeypatch, "check")
    assert code == 1 and "failed" in out and "HTTP 401" in out
    assert bad not in out + err


@pytest.mark.parametrize("argv, words", [
    (["add", "--url", "not a url", "--key", "-"], "must start with http"),
    (["add", "--url", "https://x.example", "--key", "-"], "key is empty"),
    (["add", "--url", "https://x.example", "--key", "-", "--type", "azure"], "API type must be one of"),
    (["add", "--url", "https://x.example", "--key", "-", "--expires", "soon"], "YYYY-MM-DD"),
    (["check", "abc"], "not a credential id"),
    (["check", "42"], "No credential #42"),
    (["rm", "42", "--yes"], "No credential #42"),
])
def test_bad_input_is_one_sentence(store, db_path, capsys, monkeypatch, argv, words):
    stdin = "sk-fine-0123456789\n" if "--type" in argv or "--expires" in argv else "\n"
    code, _out, err = _run(db_path, capsys, monkeypatch, *argv, stdin=stdin)
    assert code == 2 and words in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and "sk-fine" not in err
    assert credential_rows(store) == []


def test_registered_in_a_fresh_process(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "allhub_core", "--db", str(tmp_path / "c.duckdb"), "creds", "list",
                           "--json"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 0 and json.loads(proc.stdout) == []
